"""The capability probe's verdicts: pure judgements of what an endpoint answered to small real calls."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                           "NotAuthorized", "NotAuthorizedException"})
REASON_LIMIT = 300


class Verdict(enum.Enum):
    """What the endpoint itself does with one behaviour."""

    SUPPORTED = "supported"  # answers as AWS documents it
    PARTIAL = "partial"  # answers, but departs from AWS (named in the reason)
    UNSUPPORTED = "unsupported"  # refuses, fails or silently ignores it


@dataclass(frozen=True)
class Outcome:
    """One call's result: ok with its value, or the error code and message the endpoint gave."""

    ok: bool
    code: str = ""
    message: str = ""
    value: Any = None

    def describe(self) -> str:
        if self.ok:
            return "ok"
        text = f"{self.code}: {self.message}" if self.message else self.code
        return text[:REASON_LIMIT]


def attempt(call: Callable[[], Any]) -> Outcome:
    """Run one call; never raise: an AWS error, a transport error or a crash becomes an Outcome."""
    try:
        return Outcome(True, value=call())
    except ClientError as exc:
        err = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = str(err.get("Code") or f"HTTP {status}")
        return Outcome(False, code, _plain(str(err.get("Message") or "")))
    except (BotoCoreError, OSError, ValueError, KeyError, TypeError) as exc:
        return Outcome(False, type(exc).__name__, " ".join(str(exc).split()))


def _plain(message: str) -> str:
    """One line; a web server's HTML error page (no such route) said as such rather than quoted."""
    text = " ".join(message.split())
    if text[:15].lower() in ("<!doctype html>", "<html><head><ti") or text.lower().startswith("<html"):
        return "an HTML error page instead of an AWS error (the endpoint has no such operation)"
    return text


@dataclass(frozen=True)
class Capability:
    """One row of the probe: a service, a behaviour, the verdict and the reason observed."""

    service: str
    behaviour: str
    verdict: Verdict
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"service": self.service, "behaviour": self.behaviour, "verdict": self.verdict.value,
                "reason": self.reason}


Steps = Sequence[tuple[str, Outcome]]


def first_failure(steps: Steps) -> tuple[str, Outcome] | None:
    return next(((name, o) for name, o in steps if not o.ok), None)


def judge_steps(steps: Steps, done: str, refinements: Steps = ()) -> tuple[Verdict, str]:
    """Every step answered: supported (`done` says what worked); else unsupported at the first failure.

    `refinements` are checks of how faithfully the answers match AWS: failing one makes it partial."""
    failed = first_failure(steps)
    if failed is not None:
        name, outcome = failed
        return Verdict.UNSUPPORTED, f"{name} failed: {outcome.describe()}"
    departed = first_failure(refinements)
    if departed is not None:
        return Verdict.PARTIAL, f"{done}, but {departed[1].message or departed[1].describe()}"[:REASON_LIMIT]
    return Verdict.SUPPORTED, done


def judge_condition(setup: Steps, repeat: Outcome) -> tuple[Verdict, str]:
    """A second PutItem with attribute_not_exists on an existing key must fail its condition."""
    failed = first_failure(setup)
    if failed is not None:
        return Verdict.UNSUPPORTED, f"{failed[0]} failed: {failed[1].describe()}"
    if repeat.ok:
        return Verdict.UNSUPPORTED, "condition ignored: a second PutItem with attribute_not_exists succeeded"
    if repeat.code == "ConditionalCheckFailedException":
        return Verdict.SUPPORTED, "a failed condition answers ConditionalCheckFailedException"
    return Verdict.PARTIAL, f"a failed condition answers {repeat.describe()} instead of " \
                            "ConditionalCheckFailedException"


def judge_denial(setup: Steps, allowed: Outcome, denied: Outcome, what: str) -> tuple[Verdict, str]:
    """A policy enforced: the call it allows succeeds and the call it does not is AccessDenied."""
    failed = first_failure(setup)
    if failed is not None:
        return Verdict.UNSUPPORTED, f"{failed[0]} failed: {failed[1].describe()}"
    if denied.ok:
        how = "" if allowed.ok else f" (and the allowed call failed: {allowed.describe()})"
        return Verdict.UNSUPPORTED, f"not enforced: {what} was not denied{how}"
    if not allowed.ok:
        return Verdict.PARTIAL, f"denies too much: the call the policy allows failed: {allowed.describe()}"
    if denied.code in ACCESS_DENIED:
        return Verdict.SUPPORTED, f"enforced: {what} answered {denied.code}"
    return Verdict.PARTIAL, f"{what} failed, but with {denied.describe()} rather than an access denial"


def judge_jwks(setup: Steps, token_kid: str | None, jwks_kids: Sequence[str], verified: bool,
               other_pool_kids: Sequence[str] | None) -> tuple[Verdict, str]:
    """The pool's JWKS verifies its tokens; on AWS each user pool signs with keys of its own."""
    failed = first_failure(setup)
    if failed is not None:
        return Verdict.UNSUPPORTED, f"{failed[0]} failed: {failed[1].describe()}"
    if token_kid is None:
        return Verdict.UNSUPPORTED, "the ID token has no kid header"
    if token_kid not in jwks_kids:
        return Verdict.UNSUPPORTED, f"the token's kid {token_kid!r} is not in the pool's JWKS"
    if not verified:
        return Verdict.UNSUPPORTED, "the token's signature does not verify with the pool's JWKS key"
    if other_pool_kids is not None and token_kid in other_pool_kids:
        return Verdict.PARTIAL, f"tokens verify, but every user pool signs with the same key " \
                                f"(kid {token_kid!r})"
    return Verdict.SUPPORTED, "tokens verify with the pool's own JWKS key"


def judge_usage(setup: Steps, usage: Outcome) -> tuple[Verdict, str]:
    """GetUsage answers for a key on a plan (the count itself needs traffic through the gateway)."""
    failed = first_failure(setup)
    if failed is not None:
        return Verdict.UNSUPPORTED, f"{failed[0]} failed: {failed[1].describe()}"
    if not usage.ok:
        return Verdict.UNSUPPORTED, f"GetUsage failed: {usage.describe()}"
    if not isinstance(usage.value, dict) or "usagePlanId" not in usage.value:
        return Verdict.PARTIAL, "GetUsage answered without a usagePlanId"
    return Verdict.SUPPORTED, "GetUsage answers per plan and key"


def judge_invoke(setup: Steps, invoke: Outcome, expected: Any) -> tuple[Verdict, str]:
    """A Python function invoked runs its code: the payload is what the handler returned."""
    failed = first_failure(setup)
    if failed is not None:
        return Verdict.UNSUPPORTED, f"{failed[0]} failed: {failed[1].describe()}"
    if not invoke.ok:
        return Verdict.UNSUPPORTED, f"Invoke failed: {invoke.describe()}"
    reply = invoke.value if isinstance(invoke.value, dict) else {}
    payload = reply.get("payload")
    if reply.get("FunctionError"):
        return Verdict.UNSUPPORTED, f"the function did not run ({reply['FunctionError']}): " \
                                    f"{str(payload)[:200]}"
    if payload != expected:
        return Verdict.UNSUPPORTED, f"the payload is not the handler's result: {str(payload)[:200]}"
    return Verdict.SUPPORTED, "the handler ran and returned its result"


def judge_stack(setup: Steps, status: str | None, reason: str = "") -> tuple[Verdict, str]:
    """CreateStack must reach CREATE_COMPLETE with the resource really made."""
    failed = first_failure(setup)
    if failed is not None:
        return Verdict.UNSUPPORTED, f"{failed[0]} failed: {failed[1].describe()}"
    if status == "CREATE_COMPLETE":
        return Verdict.SUPPORTED, "a stack with a DynamoDB table reached CREATE_COMPLETE"
    detail = f": {reason}" if reason else ""
    return Verdict.UNSUPPORTED, f"the stack ended {status or 'without a status'}{detail}"[:REASON_LIMIT]
