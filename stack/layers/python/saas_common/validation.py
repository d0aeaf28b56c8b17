"""Input validation: strict shapes and lengths, no control characters, so hostile input is a clean 400."""

from __future__ import annotations

import decimal
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from saas_common.http import HttpError

TIERS = ("basic", "standard", "premium", "platinum")
POOLED_TIERS = ("basic", "standard", "premium")
TENANT_NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?")
USER_NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._@+-]{0,126}[A-Za-z0-9])?")
EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE_RE = re.compile(r"\+?[0-9][0-9 ()-]{3,30}")
MAX_EMAIL = 254
MAX_TEXT = 256


def bad(message: str, code: str = "InvalidInput") -> HttpError:
    return HttpError(400, message, code)


def has_hostile_chars(value: str) -> bool:
    """Control, format (bidi overrides, zero-width), surrogate, private-use or unassigned code points."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
               for ch in value)


def text(body: dict[str, Any], field: str, *, required: bool = True, max_len: int = MAX_TEXT,
         pattern: re.Pattern[str] | None = None) -> str | None:
    """A string field: present when required, bounded, printable, and matching the pattern."""
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise bad(f"{field} is required", "MissingField")
        return None
    if not isinstance(value, str):
        raise bad(f"{field} must be a string")
    if len(value) > max_len:
        raise bad(f"{field} is longer than {max_len} characters")
    if has_hostile_chars(value) or value != value.strip():
        raise bad(f"{field} contains characters that are not allowed")
    if pattern is not None and pattern.fullmatch(value) is None:
        raise bad(f"{field} has an invalid format")
    return value


def tenant_name(body: dict[str, Any], field: str = "tenantName") -> str:
    return str(text(body, field, max_len=63, pattern=TENANT_NAME_RE))


def email(body: dict[str, Any], field: str, required: bool = True) -> str | None:
    return text(body, field, required=required, max_len=MAX_EMAIL, pattern=EMAIL_RE)


def user_name(value: object, field: str = "userName") -> str:
    return str(text({field: value}, field, max_len=128, pattern=USER_NAME_RE))


def tier(body: dict[str, Any], field: str = "tenantTier") -> str:
    """One of TIERS, case-insensitively; stored lower-case."""
    value = text(body, field, max_len=16)
    lowered = str(value).lower()
    if lowered not in TIERS:
        raise bad(f"{field} must be one of {', '.join(TIERS)}", "UnknownTier")
    return lowered


def only_fields(body: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    """Refuse unknown fields outright, so nobody smuggles tenantId or role changes through."""
    extra = sorted(set(body) - set(allowed))
    if extra:
        shown = ", ".join(e[:40] for e in extra[:5])
        raise bad(f"fields not allowed here: {shown}", "UnknownField")


def money(body: dict[str, Any], field: str, required: bool = True) -> decimal.Decimal | None:
    value = body.get(field)
    if value is None:
        if required:
            raise bad(f"{field} is required", "MissingField")
        return None
    if isinstance(value, bool) or not isinstance(value, int | decimal.Decimal):
        raise bad(f"{field} must be a number")
    dec = decimal.Decimal(value)
    if not dec.is_finite() or dec < 0 or dec > decimal.Decimal("1000000000"):
        raise bad(f"{field} must be between 0 and 1,000,000,000")
    return dec


def count(value: object, field: str, low: int = 1, high: int = 10000) -> int:
    if isinstance(value, bool) or not isinstance(value, int | decimal.Decimal):
        raise bad(f"{field} must be an integer")
    dec = decimal.Decimal(value)
    if dec != dec.to_integral_value() or not low <= dec <= high:
        raise bad(f"{field} must be an integer between {low} and {high}")
    return int(dec)


@dataclass(frozen=True)
class Registration:
    """A validated registration request."""

    name: str
    email: str
    tier: str
    phone: str
    address: str

    @property
    def dedicated(self) -> bool:
        return self.tier == "platinum"


REGISTRATION_FIELDS = frozenset({"tenantName", "tenantEmail", "tenantTier", "tenantPhone",
                                 "tenantAddress"})


def registration(body: dict[str, Any]) -> Registration:
    """POST /registration: name, email and tier required; phone and address optional."""
    only_fields(body, REGISTRATION_FIELDS)
    return Registration(
        name=tenant_name(body),
        email=str(email(body, "tenantEmail")),
        tier=tier(body),
        phone=text(body, "tenantPhone", required=False, max_len=32, pattern=PHONE_RE) or "",
        address=text(body, "tenantAddress", required=False) or "",
    )
