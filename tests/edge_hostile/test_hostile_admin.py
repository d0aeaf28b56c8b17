"""Hostile bodies for the loopback admin API: 400 with a message, never a 500, and no partial effect."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.target import EmbeddedTarget
from tests.edge_hostile.wire import Wire

BAD_CLOCK_BODIES: list[bytes] = [
    b"{", b"[]", b"null", b"5", b'"advance"', b"\xff\xfe", b"\xff\xfe\xfd{}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"advance": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"advance": 1' + b"0" * 400 + b"}",          # an integer too big for a float
    b'{"advance": 1' + b"0" * 5000 + b"}",         # over Python's int-parsing digit limit
    b'{"advance": 1e400}', b'{"advance": -1e400}', b'{"advance": NaN}', b'{"advance": Infinity}',
    b'{"advance": -1}', b'{"advance": "60"}', b'{"advance": true}', b'{"advance": null}',
    b'{"advance": [60]}', b'{"advance": {"s": 60}}', b'{"advance": 400000000}',
    b'{"freeze": "yes"}', b'{"freeze": 1}', b'{"freeze": null}',
    b'{"advnce": 60}', b'{"advance": 60, "reset": true}',
]


def clock(wire: Wire) -> dict[str, Any]:
    r = wire.send("GET", "/_harness/clock")
    assert r.status == 200, r
    out: dict[str, Any] = r.json()
    return out


@pytest.mark.parametrize("body", BAD_CLOCK_BODIES, ids=lambda b: repr(b[:24]))
def test_bad_clock_bodies_are_400_and_change_nothing(wire: Wire, body: bytes) -> None:
    before = clock(wire)
    r = wire.send("POST", "/_harness/clock", body, {"Content-Type": "application/json"})
    assert r.status == 400, r
    assert isinstance(r.json()["message"], str)
    after = clock(wire)
    assert (after["offset"], after["frozen"]) == (before["offset"], before["frozen"])


def test_a_valid_freeze_with_an_invalid_advance_applies_neither(wire: Wire,
                                                               hostile_target: EmbeddedTarget) -> None:
    assert not hostile_target.clock.frozen
    r = wire.send("POST", "/_harness/clock", json.dumps({"freeze": True, "advance": -5}).encode())
    assert r.status == 400, r
    assert not hostile_target.clock.frozen


@settings(max_examples=60)
@given(body=st.one_of(
    st.binary(max_size=100),
    st.dictionaries(st.sampled_from(["advance", "freeze", "x"]),
                    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
                    max_size=3).map(lambda d: json.dumps(d).encode())))
def test_clock_fuzz_never_fails_server_side(wire: Wire, hostile_target: EmbeddedTarget,
                                            body: bytes) -> None:
    offset = hostile_target.clock.offset
    r = wire.send("POST", "/_harness/clock", body)
    assert r.status in (200, 400), r
    if r.status == 200:
        hostile_target.clock.unfreeze()
    else:
        assert hostile_target.clock.offset == offset


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/_harness/"), ("GET", "/_harness/nope"), ("DELETE", "/_harness/clock"),
    ("PUT", "/_harness/reset"), ("GET", "/_harness/reset"), ("POST", "/_harness/health"),
    ("GET", "/_harness/" + "x" * 5000), ("GET", "/_harness/%00%ff"),
])
def test_unknown_admin_routes_are_404_or_405(wire: Wire, method: str, path: str) -> None:
    r = wire.send(method, path)
    assert 400 <= r.status < 500, r
    assert isinstance(r.json()["message"], str)
    assert len(r.body) < 1000
