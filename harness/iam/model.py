"""Request, caller and decision types shared by the evaluator and the modules that call it."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

Scalar = str | int | float | bool
ContextValue = Scalar | Sequence[Scalar]
# After normalisation a multi-valued key is a tuple (possibly empty), a single value a scalar.
NormValue = Scalar | tuple[Scalar, ...]
Lookup = Mapping[str, NormValue]

CALLER_KINDS = frozenset({"root", "user", "assumed-role", "service", "federated", "anonymous"})


class PolicyKind(enum.Enum):
    """Where a policy is attached decides which elements AWS requires or forbids."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SESSION = "session"
    BOUNDARY = "boundary"


class Outcome(enum.Enum):
    """The three results AWS distinguishes in its evaluation logic."""

    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


def normalise_value(value: ContextValue) -> NormValue:
    """Sequences become tuples (multi-valued keys); scalars stay as they are."""
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Sequence | set | frozenset):
        return tuple(value)
    raise TypeError(f"unsupported context value {value!r}")


@dataclass(frozen=True)
class Caller:
    """The authenticated principal; also the source of the aws:Principal* context keys."""

    arn: str
    account: str
    kind: str
    role_arn: str | None = None
    service: str | None = None
    userid: str | None = None
    username: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in CALLER_KINDS:
            raise ValueError(f"unknown caller kind {self.kind!r}")

    def __hash__(self) -> int:
        return hash((self.arn, self.kind, self.account))

    @cached_property
    def condition_keys(self) -> dict[str, NormValue]:
        """Global keys AWS derives from the principal (lower-cased names)."""
        keys: dict[str, NormValue] = {}
        kind = self.kind
        if kind in ("root", "user", "assumed-role", "federated"):
            keys["aws:principalaccount"] = self.account
            keys["aws:principalarn"] = self.role_arn if kind == "assumed-role" and self.role_arn else self.arn
            keys["aws:principaltype"] = {
                "root": "Account",
                "user": "User",
                "assumed-role": "AssumedRole",
                "federated": "FederatedUser",
            }[kind]
        elif kind == "anonymous":
            keys["aws:principaltype"] = "Anonymous"
        elif kind == "service" and self.service:
            keys["aws:principalservicename"] = self.service
        if self.userid is not None:
            keys["aws:userid"] = self.userid
        elif kind == "root":
            keys["aws:userid"] = self.account
        if self.username is not None and kind == "user":
            keys["aws:username"] = self.username
        for tag, value in self.tags.items():
            keys[f"aws:principaltag/{tag.lower()}"] = value
        return keys


@dataclass(frozen=True)
class RequestContext:
    """One authorisation question: may caller perform action on resource given these keys."""

    action: str
    resource: str
    caller: Caller
    keys: Mapping[str, ContextValue] = field(default_factory=dict)
    resource_account: str | None = None
    lookup: dict[str, NormValue] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        norm = {k.lower(): normalise_value(v) for k, v in self.keys.items()}
        object.__setattr__(self, "keys", norm)
        merged = dict(self.caller.condition_keys)
        merged.update(norm)
        object.__setattr__(self, "lookup", merged)

    def __hash__(self) -> int:
        return hash((self.action, self.resource, self.caller))

    @property
    def is_cross_account(self) -> bool:
        """True when the resource lives in another account than the caller."""
        return self.resource_account is not None and self.resource_account != self.caller.account


@dataclass(frozen=True)
class Decision:
    """The outcome plus the tail AWS appends to an AccessDenied message."""

    outcome: Outcome
    reason: str = ""

    @property
    def allowed(self) -> bool:
        """True only for an explicit allow that no deny overrode."""
        return self.outcome is Outcome.ALLOW


def access_denied_message(ctx: RequestContext, decision: Decision) -> str:
    """The AccessDenied text AWS services return, e.g. DynamoDB's AccessDeniedException."""
    return (
        f"User: {ctx.caller.arn} is not authorized to perform: {ctx.action} "
        f"on resource: {ctx.resource} {decision.reason}"
    ).rstrip()
