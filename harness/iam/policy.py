"""Parse and validate policy documents like IAM does, then compile them for fast evaluation."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from harness.iam.conditions import (
    Condition,
    check_condition_semantics,
    compile_condition,
    validate_condition,
)
from harness.iam.errors import LEGACY, MalformedPolicyDocument, syntax
from harness.iam.matching import ActionMatcher, ResourceMatcher
from harness.iam.model import Caller, Lookup, PolicyKind
from harness.iam.principals import Grant, PrincipalSpec, parse_principal

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
_TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_VENDOR = re.compile(r"[A-Za-z0-9.\-]+")
_IAM_SID = re.compile(r"[0-9A-Za-z]*")
_PRINCIPAL_FREE = (PolicyKind.IDENTITY, PolicyKind.SESSION, PolicyKind.BOUNDARY)


@dataclass(frozen=True, eq=False)
class Statement:
    """One compiled statement; None for resources means the element was absent (any)."""

    sid: str | None
    allow: bool
    actions: ActionMatcher
    not_action: bool
    resources: ResourceMatcher | None
    not_resource: bool
    principal: PrincipalSpec | None
    not_principal: bool
    condition: Condition | None

    def applies(self, action_lower: str, resource: str, lookup: Lookup) -> bool:
        """Action, resource and condition all match (principal is checked separately)."""
        if self.actions(action_lower) is self.not_action:
            return False
        resources = self.resources
        if resources is not None and resources(resource, lookup) is self.not_resource:
            return False
        condition = self.condition
        return condition is None or condition(lookup)

    def grant(self, caller: Caller) -> Grant:
        """How this statement's Principal names the caller (NONE without a Principal element)."""
        spec = self.principal
        if spec is None:
            return Grant.NONE
        if self.not_principal:
            return Grant.NONE if spec.names_every_identity_of(caller) else Grant.WILDCARD
        return spec.grant(caller)


@dataclass(frozen=True, eq=False)
class Policy:
    """A validated, compiled policy document; immutable and shared through the parse cache."""

    kind: PolicyKind
    version: str
    id: str | None
    statements: tuple[Statement, ...]
    text: str
    allows: tuple[Statement, ...] = field(init=False, repr=False)
    denies: tuple[Statement, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allows", tuple(s for s in self.statements if s.allow))
        object.__setattr__(self, "denies", tuple(s for s in self.statements if not s.allow))


def _strings(statement: Mapping[str, Any], name: str) -> list[str] | None:
    if name not in statement:
        return None
    raw = statement[name]
    items = raw if isinstance(raw, list) else [raw]
    if not isinstance(raw, str | list) or not all(isinstance(i, str) for i in items):
        raise syntax(f"{name} must be a string or a list of strings")
    return items


def _statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "Statement" not in doc:
        raise syntax("the policy has no Statement element")
    raw = doc["Statement"]
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not items:
        raise syntax("Statement must be an object or a non-empty list of objects")
    for item in items:
        if not isinstance(item, Mapping):
            raise syntax("each statement must be an object")
    return items


def _check_statement_syntax(stmt: Mapping[str, Any]) -> None:
    unknown = sorted(set(stmt) - _STATEMENT_ELEMENTS)
    if unknown:
        raise syntax(f"unknown statement element {unknown[0]!r}")
    for a, b in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        if a in stmt and b in stmt:
            raise syntax(f"a statement cannot have both {a} and {b}")
    effect = stmt.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        raise syntax(f'Effect must be "Allow" or "Deny", not {effect!r}')
    if "Sid" in stmt and not isinstance(stmt["Sid"], str):
        raise syntax("Sid must be a string")
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        _strings(stmt, name)
    if "Condition" in stmt:
        validate_condition(stmt["Condition"])


def _check_action(action: str) -> None:
    parts = action.split(":")
    if len(parts) == 1 and action != "*":
        raise MalformedPolicyDocument(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
            f"action {action!r} has no service prefix",
        )
    if len(parts) > 2:
        raise MalformedPolicyDocument("Actions/Condition can contain only one colon.")
    if len(parts) == 2 and parts[0] != "*" and not _VENDOR.fullmatch(parts[0]):
        raise MalformedPolicyDocument(f"Vendor {parts[0]} is not valid")


def _check_resource(resource: str) -> None:
    if resource == "*":
        return
    if not resource.startswith("arn:"):
        raise MalformedPolicyDocument(
            f'Resource {resource} must be in ARN format or "*".',
            f"resource {resource!r} is not an ARN",
        )
    parts = resource.split(":")
    if len(parts) < 3 or not parts[2] or ("::" in resource and len(parts) < 6):
        raise MalformedPolicyDocument(LEGACY, f"resource {resource!r} is not a complete ARN")


def _validate(doc: Any, kind: PolicyKind) -> tuple[str, list[Mapping[str, Any]]]:
    """Run IAM's checks in the order IAM reports them; returns (version, statements)."""
    if not isinstance(doc, Mapping):
        raise syntax("a policy document must be a JSON object")
    unknown = sorted(set(doc) - _TOP_ELEMENTS)
    if unknown:
        raise syntax(f"unknown top-level element {unknown[0]!r}")
    version = doc.get("Version", VERSION_2008)
    if version not in (VERSION_2012, VERSION_2008):
        raise syntax(f'Version must be "{VERSION_2012}" or "{VERSION_2008}", not {version!r}')
    if "Id" in doc and not isinstance(doc["Id"], str):
        raise syntax("Id must be a string")
    statements = _statements(doc)
    for stmt in statements:
        _check_statement_syntax(stmt)
    for stmt in statements:  # "legacy parsing": exact-case Effect, well-formed dates
        if stmt["Effect"] not in ("Allow", "Deny"):
            raise MalformedPolicyDocument(LEGACY, f"Effect {stmt['Effect']!r} has the wrong case")
    sids = [s["Sid"] for s in statements if s.get("Sid")]
    if len(sids) != len(set(sids)):
        raise MalformedPolicyDocument("Statement IDs (SID) in a single policy must be unique.")
    if kind is not PolicyKind.RESOURCE:
        for sid in sids:
            if not _IAM_SID.fullmatch(sid):
                raise MalformedPolicyDocument(
                    "Statement IDs (SID) must be alpha-numeric. Check that your input "
                    "satisfies the regular expression [0-9A-Za-z]*"
                )
    for stmt in statements:
        if not (_strings(stmt, "Action") or _strings(stmt, "NotAction")):
            raise MalformedPolicyDocument("Policy statement must contain actions.")
    for stmt in statements:
        for action in _strings(stmt, "Action") or _strings(stmt, "NotAction") or []:
            _check_action(action)
        if "Condition" in stmt:
            check_condition_semantics(validate_condition(stmt["Condition"]))
    for stmt in statements:
        _check_kind_rules(stmt, kind)
    return version, statements


def _check_kind_rules(stmt: Mapping[str, Any], kind: PolicyKind) -> None:
    has_principal = "Principal" in stmt or "NotPrincipal" in stmt
    resources = _strings(stmt, "Resource")
    if resources is None:
        resources = _strings(stmt, "NotResource")
    if kind in _PRINCIPAL_FREE:
        if has_principal:
            raise MalformedPolicyDocument("Policy document should not specify a principal.")
        if not resources:
            raise MalformedPolicyDocument("Policy statement must contain resources.")
        for resource in resources:
            _check_resource(resource)
        return
    if not has_principal:
        raise MalformedPolicyDocument("Missing required field Principal")
    parse_principal(stmt.get("Principal", stmt.get("NotPrincipal")))
    if kind is PolicyKind.TRUST:
        if resources is not None:
            raise MalformedPolicyDocument("Has prohibited field Resource.")
        for action in _strings(stmt, "Action") or _strings(stmt, "NotAction") or []:
            if not action.lower().startswith("sts:"):
                raise MalformedPolicyDocument(
                    "Trust Policy statement actions can only be sts:AssumeRole, "
                    "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
                    f"action {action!r} is not an STS action",
                )
    elif resources is not None and not resources:
        raise MalformedPolicyDocument("Policy statement must contain resources.")


def _compile(stmt: Mapping[str, Any], variables: bool) -> Statement:
    actions = _strings(stmt, "Action")
    not_action = actions is None
    if actions is None:
        actions = _strings(stmt, "NotAction") or []
    resources = _strings(stmt, "Resource")
    not_resource = resources is None and "NotResource" in stmt
    if not_resource:
        resources = _strings(stmt, "NotResource")
    principal_raw = stmt.get("Principal", stmt.get("NotPrincipal"))
    condition = None
    if "Condition" in stmt:
        condition = compile_condition(validate_condition(stmt["Condition"]), variables)
    return Statement(
        sid=stmt.get("Sid") or None,
        allow=stmt["Effect"] == "Allow",
        actions=ActionMatcher(actions),
        not_action=not_action,
        resources=None if resources is None else ResourceMatcher(resources, variables),
        not_resource=not_resource,
        principal=None if principal_raw is None else parse_principal(principal_raw),
        not_principal="NotPrincipal" in stmt,
        condition=condition,
    )


@lru_cache(maxsize=2048)
def _parse_text(text: str, kind: PolicyKind) -> Policy:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise syntax(f"invalid JSON: {exc}") from None
    version, statements = _validate(doc, kind)
    variables = version == VERSION_2012
    compiled = tuple(_compile(stmt, variables) for stmt in statements)
    return Policy(kind, version, doc.get("Id"), compiled, text)


def _plain(value: object) -> object:
    """Let json.dumps accept any Mapping (e.g. a MappingProxyType), not only dict."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def parse_policy(document: str | Mapping[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    """Validate like IAM for this kind of policy and compile; cached by document text."""
    if isinstance(document, str):
        return _parse_text(document, kind)
    if isinstance(document, Mapping):
        try:
            text = json.dumps(document, default=_plain)
        except (TypeError, ValueError) as exc:
            raise syntax(f"document is not JSON-serialisable: {exc}") from None
        return _parse_text(text, kind)
    raise syntax(f"a policy document must be JSON text or a mapping, not {type(document).__name__}")


def policy_size_error(document: str, limit_chars: int, quota_name: str = "PolicySize") -> str | None:
    """IAM counts policy size without whitespace; the AWS-style message when over the limit."""
    size = sum(1 for ch in document if not ch.isspace())
    if size <= limit_chars:
        return None
    return f"Cannot exceed quota for {quota_name}: {limit_chars}"


def clear_cache() -> None:
    """Forget parsed policies (tests and long-running benches)."""
    _parse_text.cache_clear()
