"""Principal / NotPrincipal elements of trust and resource policies, and how they name callers."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from harness.iam.errors import MalformedPolicyDocument, syntax
from harness.iam.model import Caller

_ACCOUNT = re.compile(r"\d{12}")
_ACCOUNT_ROOT = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):root")
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


class Grant(enum.IntEnum):
    """How specifically a Principal element names the caller (higher is more specific)."""

    NONE = 0
    ACCOUNT = 1  # the caller's account: delegates to the account's identity policies
    WILDCARD = 2  # "*": everyone, including anonymous callers
    ROLE = 3  # the role ARN behind an assumed-role session
    USER = 4  # the IAM user ARN
    SESSION = 5  # the assumed-role session ARN itself
    SERVICE = 6  # a service (or federated provider) principal


@dataclass(frozen=True)
class PrincipalSpec:
    """A validated Principal or NotPrincipal value."""

    wildcard: bool
    accounts: frozenset[str]
    arns: frozenset[str]
    services: frozenset[str]
    federated: frozenset[str]
    canonical: frozenset[str]

    def grant(self, caller: Caller) -> Grant:
        """The most specific way this element names the caller."""
        kind = caller.kind
        if kind == "service":
            named = caller.service in self.services or "*" in self.services
            return Grant.SERVICE if named else self._wild()
        if kind == "federated":
            return Grant.SERVICE if caller.service in self.federated else self._wild()
        if kind == "anonymous":
            return self._wild()
        if caller.arn in self.arns:
            return {"user": Grant.USER, "assumed-role": Grant.SESSION}.get(kind, Grant.ACCOUNT)
        if kind == "assumed-role" and caller.role_arn in self.arns:
            return Grant.ROLE
        if self.wildcard:
            return Grant.WILDCARD
        return Grant.ACCOUNT if caller.account in self.accounts else Grant.NONE

    def _wild(self) -> Grant:
        return Grant.WILDCARD if self.wildcard else Grant.NONE

    def names_every_identity_of(self, caller: Caller) -> bool:
        """NotPrincipal exempts a caller only if it lists the caller at every level AWS checks.

        A session is checked as the session, its role and its account; a user as the user
        and its account (reference_policies_elements_notprincipal).
        """
        if self.wildcard:
            return True
        kind = caller.kind
        if kind == "service":
            return caller.service in self.services
        if kind == "federated":
            return caller.service in self.federated
        if kind == "anonymous":
            return False
        if caller.account not in self.accounts:
            return False
        if kind == "root":
            return True
        if caller.arn not in self.arns:
            return False
        return kind != "assumed-role" or caller.role_arn in self.arns


def _values(element: Mapping[str, Any], name: str) -> list[str]:
    raw = element[name]
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(i, str) and i for i in items):
        raise MalformedPolicyDocument(
            f"Invalid principal in policy: {json.dumps({name: raw})[1:-1]}",
            f"{name} principal values must be non-empty strings",
        )
    return items


def _invalid(name: str, value: str) -> MalformedPolicyDocument:
    return MalformedPolicyDocument(
        f'Invalid principal in policy: "{name}":"{value}"', f"cannot use {value!r} as a principal"
    )


def parse_principal(element: Any) -> PrincipalSpec:
    """Validate a Principal element ("*" or an object of principal types)."""
    if element == "*":
        return PrincipalSpec(True, frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
    if not isinstance(element, Mapping) or not element:
        raise syntax('Principal must be "*" or an object such as {"AWS": ...}')
    unknown = [k for k in element if k not in _PRINCIPAL_TYPES]
    if unknown:
        raise MalformedPolicyDocument("Invalid principal in policy", f"unknown principal type {unknown[0]!r}")
    wildcard = False
    accounts: set[str] = set()
    arns: set[str] = set()
    if "AWS" in element:
        for value in _values(element, "AWS"):
            root = _ACCOUNT_ROOT.fullmatch(value)
            if value == "*":
                wildcard = True
            elif _ACCOUNT.fullmatch(value):
                accounts.add(value)
            elif root is not None:
                accounts.add(root.group(1))
            elif value.startswith("arn:") and "*" not in value and "?" not in value:
                if value.count(":") < 5:
                    raise _invalid("AWS", value)
                arns.add(value)
            else:
                raise _invalid("AWS", value)
    services = set(_values(element, "Service")) if "Service" in element else set()
    federated = set(_values(element, "Federated")) if "Federated" in element else set()
    canonical = set(_values(element, "CanonicalUser")) if "CanonicalUser" in element else set()
    for name, group in (("Service", services), ("Federated", federated)):
        for value in group:
            if "*" in value and value != "*":
                raise _invalid(name, value)
    return PrincipalSpec(
        wildcard,
        frozenset(accounts),
        frozenset(arns),
        frozenset(services),
        frozenset(federated),
        frozenset(canonical),
    )


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> PrincipalSpec:
    return parse_principal(json.loads(text))


def principal_matches(element: Any, caller: Caller, *, not_principal: bool = False) -> bool:
    """Does a Principal (or, with not_principal=True, a NotPrincipal) element cover the caller?

    Any naming counts, including the caller's account; use PrincipalSpec.grant to tell an
    account delegation from a grant to the caller itself.
    """
    spec = (
        element if isinstance(element, PrincipalSpec) else _parse_cached(json.dumps(element, sort_keys=True))
    )
    if not_principal:
        return not spec.names_every_identity_of(caller)
    return spec.grant(caller) is not Grant.NONE
