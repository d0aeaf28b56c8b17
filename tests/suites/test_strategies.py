"""The adversarial strategies generate what they claim: each family of hostile tenant ids, payloads, roles."""

from __future__ import annotations

from hypothesis import find, given
from hypothesis import strategies as st

from harness import strategies as hs
from harness.suites.adapter import KeyScheme

SHARDED = KeyScheme("{tenant_id}-{shard}", tuple(str(n) for n in range(1, 10)))


@given(hs.tenant_id_pairs())
def test_each_pair_keeps_its_family_promise(pair: tuple[str, str, str]) -> None:
    family, a, b = pair
    assert a != b
    if family == "prefix":
        assert a.startswith(b) and len(b) < len(a)
    elif family == "extension":
        assert b.startswith(a) and len(b) > len(a)
    elif family == "case-twin":
        assert a.lower() == b.lower()
    elif family == "wildcard":
        assert any(c in b for c in hs.WILDCARDS)
    elif family == "separator":
        assert any(b.startswith(a + s) for s in hs.SEPARATORS)
    else:
        assert not b.isascii() and b.startswith(a[:-1])


def test_every_adversarial_family_is_generated() -> None:
    for family in hs.ADVERSARIAL_FAMILIES:
        assert find(hs.tenant_id_pairs(), lambda p, f=family: p[0] == f)[0] == family


def test_tenant_ids_include_wildcards_separators_unicode_and_uppercase() -> None:
    for char in ("*", "?", "$", "#", "-", ":", "/"):
        assert char in find(hs.tenant_ids(), lambda s, c=char: c in s)
    assert not find(hs.tenant_ids(), lambda s: not s.isascii()).isascii()
    assert find(hs.tenant_ids(), lambda s: any(c.isupper() for c in s))


@given(hs.tenant_id_pairs())
def test_exact_key_scheme_never_gives_one_tenant_the_others_partitions(pair: tuple[str, str, str]) -> None:
    _, a, b = pair
    assert not any(SHARDED.belongs(a, p) for p in SHARDED.partitions(b))
    assert all(SHARDED.belongs(a, p) for p in SHARDED.partitions(a))


def test_tenant_names_include_plain_and_hostile_names() -> None:
    assert find(hs.tenant_names(), lambda s: s.isascii() and s.isalnum() is False and "-" in s)
    assert find(hs.tenant_names(), lambda s: "*" in s or "?" in s or "$" in s or "#" in s)


@given(hs.role_pairs())
def test_role_pairs_draw_known_roles(pair: tuple[str, str]) -> None:
    assert set(pair) <= set(hs.ROLES)


def test_role_pairs_include_self_escalation() -> None:
    assert find(hs.role_pairs(), lambda p: p == ("TenantUser", "TenantAdmin"))


SAMPLE = {"name": "widget", "price": 10}


@given(hs.payloads(SAMPLE, victim_id="v" * 32))
def test_payloads_are_json_objects_near_the_sample(body: dict[str, object]) -> None:
    assert isinstance(body, dict)
    assert set(body) <= set(SAMPLE) | set(hs.INJECTED_FIELDS)


def test_payloads_inject_the_victims_tenant_id_and_retype_fields() -> None:
    assert find(hs.payloads(SAMPLE, victim_id="v" * 32), lambda b: b.get("tenantId") == "v" * 32)
    assert find(hs.payloads(SAMPLE), lambda b: "price" in b and not isinstance(b["price"], int))
    assert find(hs.payloads(SAMPLE), lambda b: "name" not in b)


@given(st.data())
def test_roles_strategy_respects_the_given_names(data: st.DataObject) -> None:
    assert data.draw(hs.roles(["A", "B"])) in ("A", "B")
