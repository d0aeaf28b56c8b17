"""AWS's evaluation logic for one request: explicit deny, then the allow combinations.

Same account: resource-policy grants add to identity ∩ session ∩ boundary, limited as the
docs describe (session policies: access_policies.html#policies_session; boundaries:
access_policies_boundaries.html). Cross account: both sides must allow. A trust policy must
always name the caller or its account: identity permissions alone never assume a role.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.iam.model import Decision, Lookup, Outcome, PolicyKind, RequestContext
from harness.iam.policy import Policy
from harness.iam.principals import Grant

ALLOWED = Decision(Outcome.ALLOW, "")

# How a resource-policy grant combines with the other policy types for the caller.
_NONE, _ACCOUNT, _PRINCIPAL, _DIRECT = 0, 1, 2, 3


def _denied(policy: Policy, action: str, resource: str, lookup: Lookup) -> bool:
    for stmt in policy.denies:  # noqa: SIM110 - loops beat any()/all() generators on this hot path
        if stmt.applies(action, resource, lookup):
            return True
    return False


def _allowed(policy: Policy, action: str, resource: str, lookup: Lookup) -> bool:
    for stmt in policy.allows:  # noqa: SIM110 - loops beat any()/all() generators on this hot path
        if stmt.applies(action, resource, lookup):
            return True
    return False


def _any_allows(policies: Sequence[Policy], action: str, resource: str, lookup: Lookup) -> bool:
    for policy in policies:
        for stmt in policy.allows:
            if stmt.applies(action, resource, lookup):
                return True
    return False


def _any_denies(policies: Sequence[Policy], action: str, resource: str, lookup: Lookup) -> bool:
    for policy in policies:
        for stmt in policy.denies:
            if stmt.applies(action, resource, lookup):
                return True
    return False


def _deny(where: str) -> Decision:
    return Decision(Outcome.EXPLICIT_DENY, f"with an explicit deny in {where}")


def _implicit(what: str, action: str) -> Decision:
    return Decision(Outcome.IMPLICIT_DENY, f"because no {what} allows the {action} action")


def _resource_grant(ctx: RequestContext, policy: Policy, action: str) -> int:
    """Strongest Allow in the resource policy that applies to this caller, as a level."""
    caller = ctx.caller
    best = Grant.NONE
    for stmt in policy.allows:
        grant = stmt.grant(caller)
        if grant > best and stmt.applies(action, ctx.resource, ctx.lookup):
            best = grant
    if best is Grant.NONE:
        return _NONE
    kind = caller.kind
    if kind in ("service", "federated", "anonymous") or best in (Grant.SESSION, Grant.SERVICE):
        return _DIRECT
    if best is Grant.ACCOUNT or kind == "root":
        return _ACCOUNT
    return _PRINCIPAL  # user ARN, role ARN, or "*" for a user or a role session


def _resource_denies(ctx: RequestContext, policy: Policy, action: str) -> bool:
    caller = ctx.caller
    return any(
        (s.principal is None or s.grant(caller) is not Grant.NONE)
        and s.applies(action, ctx.resource, ctx.lookup)
        for s in policy.denies
    )


def evaluate(
    ctx: RequestContext,
    *,
    identity: Sequence[Policy] = (),
    session: Sequence[Policy] | None = None,
    boundary: Policy | None = None,
    resource_policy: Policy | None = None,
) -> Decision:
    """Decide one request the way AWS's enforcement code does (no SCPs or RCPs here)."""
    action = ctx.action.lower()
    resource = ctx.resource
    lookup = ctx.lookup
    kind = ctx.caller.kind
    has_identity = kind in ("user", "assumed-role")

    if has_identity:
        if _any_denies(identity, action, resource, lookup):
            return _deny("an identity-based policy")
        if session and _any_denies(session, action, resource, lookup):
            return _deny("a session policy")
        if boundary is not None and _denied(boundary, action, resource, lookup):
            return _deny("a permissions boundary")
    level = _NONE
    if resource_policy is not None:
        if _resource_denies(ctx, resource_policy, action):
            return _deny("a resource-based policy")
        level = _resource_grant(ctx, resource_policy, action)

    if not has_identity:
        if kind == "root" and not ctx.is_cross_account:
            return ALLOWED  # the root user has full access to its own account
        if level >= (_ACCOUNT if kind == "root" else _DIRECT):
            return ALLOWED
        return _implicit("resource-based policy", ctx.action)

    if level == _NONE:
        if resource_policy is not None and resource_policy.kind is PolicyKind.TRUST:
            # A role can be assumed only by principals its trust policy names (or their account).
            return _implicit("resource-based policy", ctx.action)
        if not _any_allows(identity, action, resource, lookup):
            return _implicit("identity-based policy", ctx.action)
        if session and not _any_allows(session, action, resource, lookup):
            return _implicit("session policy", ctx.action)
        if boundary is not None and not _allowed(boundary, action, resource, lookup):
            return _implicit("permissions boundary", ctx.action)
        if ctx.is_cross_account:
            return _implicit("resource-based policy", ctx.action)
        return ALLOWED

    identity_ok = _any_allows(identity, action, resource, lookup)
    session_ok = not session or _any_allows(session, action, resource, lookup)
    boundary_ok = boundary is None or _allowed(boundary, action, resource, lookup)
    if ctx.is_cross_account:  # both sides must allow; the resource side already does
        if not identity_ok:
            return _implicit("identity-based policy", ctx.action)
        if not session_ok:
            return _implicit("session policy", ctx.action)
        if not boundary_ok:
            return _implicit("permissions boundary", ctx.action)
        return ALLOWED
    if level == _DIRECT:
        return ALLOWED  # a grant to the session ARN is not limited by session or boundary
    if level == _PRINCIPAL:
        # Granted to the user or role ARN: added before the session policy limits it; a
        # boundary limits it for role sessions but not for IAM users.
        if not session_ok:
            return _implicit("session policy", ctx.action)
        if kind == "user" or boundary_ok:
            return ALLOWED
        return _implicit("permissions boundary", ctx.action)
    if not identity_ok:  # an account-level grant delegates to identity policies
        return _implicit("identity-based policy", ctx.action)
    if not session_ok:
        return _implicit("session policy", ctx.action)
    if not boundary_ok:
        return _implicit("permissions boundary", ctx.action)
    return ALLOWED
