"""Registration and request-body validation: every bad or hostile input is a clean 400-class error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saas_common import validation
from saas_common.http import HttpError, json_body

GOOD = {"tenantName": "acme-co", "tenantEmail": "admin@acme.example", "tenantTier": "Basic",
        "tenantPhone": "+1 (555) 010-0000", "tenantAddress": "1 Main St, Springfield"}


def reg(**changes: Any) -> validation.Registration:
    body = {**GOOD, **changes}
    return validation.registration({k: v for k, v in body.items() if v is not ...})


def refused(**changes: Any) -> HttpError:
    with pytest.raises(HttpError) as info:
        reg(**changes)
    assert info.value.status == 400
    return info.value


def test_a_good_registration() -> None:
    r = reg()
    assert (r.name, r.email, r.tier, r.dedicated) == ("acme-co", "admin@acme.example", "basic", False)
    assert reg(tenantTier="PLATINUM").dedicated is True


@pytest.mark.parametrize("tier", ["basic", "Standard", "PREMIUM", "pLaTiNuM"])
def test_tiers_are_case_insensitive_and_stored_lower_case(tier: str) -> None:
    assert reg(tenantTier=tier).tier == tier.lower()


def test_phone_and_address_are_optional() -> None:
    r = reg(tenantPhone=..., tenantAddress=...)
    assert (r.phone, r.address) == ("", "")


@pytest.mark.parametrize("field", ["tenantName", "tenantEmail", "tenantTier"])
def test_missing_required_fields(field: str) -> None:
    assert refused(**{field: ...}).code == "MissingField"
    assert refused(**{field: ""}).code == "MissingField"


@pytest.mark.parametrize("tier", ["gold", "basic ", "", "free", "platinum\x00", "Basic;DROP"])
def test_unknown_tiers(tier: str) -> None:
    refused(tenantTier=tier)


HOSTILE_NAMES = [
    "a" * 64, "-acme", "acme-", "ac me", "acme\n", "acme\x00", "ac\u202eme", "ac\u200bme",
    "\u0430cme",  # Cyrillic a
    "<script>alert(1)</script>", "acme'; DROP TABLE tenants;--", "../../etc/passwd",
    "${jndi:ldap://x}", "acme\r\nX-Injected: 1", "acme\ud800", "tenant/../x", "%2e%2e",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_tenant_names(name: str) -> None:
    refused(tenantName=name)


@pytest.mark.parametrize("email", ["admin", "admin@", "@acme.example", "a b@acme.example",
                                   "admin@acme", "admin@acme.example\n", "x" * 250 + "@a.example",
                                   "admin@acme.example\u202e", "admin@@acme.example"])
def test_bad_emails(email: str) -> None:
    refused(tenantEmail=email)


@pytest.mark.parametrize(("field", "value"), [
    ("tenantAddress", "x" * 257), ("tenantAddress", "line1\nline2"), ("tenantAddress", "\x07"),
    ("tenantAddress", " padded"), ("tenantPhone", "call me"), ("tenantPhone", "1" * 40),
    ("tenantName", 42), ("tenantEmail", ["a@b.c"]), ("tenantTier", {"x": 1}),
    ("tenantName", True),
])
def test_bad_optional_and_wrongly_typed_fields(field: str, value: Any) -> None:
    refused(**{field: value})


def test_unknown_fields_are_refused_so_nothing_is_smuggled() -> None:
    assert refused(tenantId="0" * 32).code == "UnknownField"
    assert refused(**{"custom:userRole": "SystemAdmin"}).code == "UnknownField"


@given(st.dictionaries(st.text(max_size=20),
                       st.one_of(st.text(max_size=300), st.integers(), st.none(), st.booleans()),
                       max_size=7))
def test_arbitrary_bodies_either_validate_or_fail_cleanly(body: dict[str, Any]) -> None:
    try:
        r = validation.registration(body)
    except HttpError as err:
        assert err.status == 400
        return
    assert validation.TENANT_NAME_RE.fullmatch(r.name)
    assert r.tier in validation.TIERS


def event(body: Any) -> dict[str, Any]:
    return {"body": body, "isBase64Encoded": False}


@pytest.mark.parametrize(("raw", "status"), [
    (None, 400), ("", 400), ("not json", 400), ("[1, 2]", 400), ("null", 400), ('"x"', 400),
    ('{"a": NaN}', 400), ('{"a": Infinity}', 400), ("{" * 5, 400),
    (json.dumps({"a": "x" * 20000}), 413),
])
def test_json_body_refusals(raw: Any, status: int) -> None:
    with pytest.raises(HttpError) as info:
        json_body(event(raw))
    assert info.value.status == status


def test_json_body_numbers_are_decimals() -> None:
    body = json_body(event('{"price": 1.25, "n": 3}'))
    assert str(body["price"]) == "1.25" and body["n"] == 3


@pytest.mark.parametrize("value", [-1, "3", True, 1e10])
def test_money_refusals(value: Any) -> None:
    with pytest.raises(HttpError):
        validation.money({"price": value}, "price")


@pytest.mark.parametrize("value", [0, 10001, 1.5, "2", None, False])
def test_count_refusals(value: Any) -> None:
    with pytest.raises(HttpError):
        validation.count(value, "quantity")
