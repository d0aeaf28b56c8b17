"""Property tests: invariants of the evaluator over generated policies and requests."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.iam import Outcome, RequestContext, evaluate, parse_policy
from harness.iam.builders import policy_text, role_session_caller, user_caller
from harness.iam.matching import compile_globs

ACCOUNT = "123456789012"
ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "s3:GetObject", "s3:PutObject"]
RESOURCES = [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{n}" for n in ("A", "B", "Order-1")] + [
    "arn:aws:s3:::bucket/key"
]
ACTION_PATTERNS = [*ACTIONS, "dynamodb:*", "s3:Get*", "*", "dynamodb:?etItem", "*:Query"]
RESOURCE_PATTERNS = [*RESOURCES, "*", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*", "arn:aws:s3:::*"]

statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3),
        "Resource": st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=3),
    }
)


def _decide(stmts: list[dict[str, Any]], action: str, resource: str, session: Any = None) -> Outcome:
    ctx = RequestContext(action, resource, role_session_caller())
    identity = [parse_policy(policy_text(*stmts))] if stmts else []
    sessions = [parse_policy(policy_text(*session))] if session else None
    return evaluate(ctx, identity=identity, session=sessions).outcome


@given(
    stmts=st.lists(statements, max_size=4),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
)
@settings(max_examples=200)
def test_explicit_deny_always_wins(stmts: list[dict[str, Any]], action: str, resource: str) -> None:
    """Adding a matching Deny makes any request an explicit deny, whatever else allows it."""
    denying = {"Effect": "Deny", "Action": action, "Resource": resource}
    assert _decide([*stmts, denying], action, resource) is Outcome.EXPLICIT_DENY
    assert _decide([denying, {"Effect": "Allow", "Action": "*", "Resource": "*"}], action, resource) is (
        Outcome.EXPLICIT_DENY
    )


@given(
    stmts=st.lists(statements, min_size=1, max_size=4),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
)
@settings(max_examples=200)
def test_allow_requires_a_matching_allow_and_no_matching_deny(
    stmts: list[dict[str, Any]], action: str, resource: str
) -> None:
    """The decision agrees with a naive re-implementation of allow/deny over the statements."""

    def covers(stmt: dict[str, Any]) -> bool:
        acts = any(_glob(p.lower()).fullmatch(action.lower()) for p in stmt["Action"])
        ress = any(_glob(p).fullmatch(resource) for p in stmt["Resource"])
        return acts and ress

    denied = any(covers(s) for s in stmts if s["Effect"] == "Deny")
    allowed = any(covers(s) for s in stmts if s["Effect"] == "Allow")
    expected = Outcome.EXPLICIT_DENY if denied else Outcome.ALLOW if allowed else Outcome.IMPLICIT_DENY
    assert _decide(stmts, action, resource) is expected


@given(
    identity=st.lists(statements, min_size=1, max_size=3),
    session=st.lists(statements, min_size=1, max_size=3),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
)
@settings(max_examples=200)
def test_session_permissions_are_the_intersection(
    identity: list[dict[str, Any]], session: list[dict[str, Any]], action: str, resource: str
) -> None:
    """Allowed with a session policy iff identity allows and the session policy allows."""
    both = _decide(identity, action, resource, session=session) is Outcome.ALLOW
    alone_identity = _decide(identity, action, resource) is Outcome.ALLOW
    alone_session = _decide(session, action, resource) is Outcome.ALLOW
    assert both == (alone_identity and alone_session)


leading = st.lists(st.sampled_from(["t1-1", "t1-2", "t2-1", "t10-1", "x"]), max_size=5)


def _sets_policy(qualifier: str, patterns: list[str]) -> Any:
    stmt = {
        "Effect": "Allow",
        "Action": "dynamodb:Query",
        "Resource": "*",
        "Condition": {f"{qualifier}:StringLike": {"dynamodb:LeadingKeys": patterns}},
    }
    return parse_policy(policy_text(stmt))


def _allows(policy: Any, keys: list[str]) -> bool:
    ctx = RequestContext("dynamodb:Query", "*", user_caller(), {"dynamodb:LeadingKeys": keys})
    return evaluate(ctx, identity=[policy]).allowed


patterns = st.lists(st.sampled_from(["t1-*", "t2-*", "t1*", "x", "*"]), min_size=1, max_size=3)


@given(keys=leading, data=st.data(), pats=patterns)
@settings(max_examples=200)
def test_forallvalues_is_monotone_under_subsets(
    keys: list[str], data: st.DataObject, pats: list[str]
) -> None:
    """If ForAllValues allows a set of keys, it allows every subset of it (the empty set too)."""
    policy = _sets_policy("ForAllValues", pats)
    subset = data.draw(st.lists(st.sampled_from(keys), max_size=len(keys)) if keys else st.just([]))
    if _allows(policy, keys):
        assert _allows(policy, subset)
    assert _allows(policy, [])


@given(keys=leading, extra=leading, pats=patterns)
@settings(max_examples=200)
def test_foranyvalue_is_monotone_under_supersets(keys: list[str], extra: list[str], pats: list[str]) -> None:
    """If ForAnyValue allows a set of keys, adding keys keeps it allowed; empty never is."""
    policy = _sets_policy("ForAnyValue", pats)
    if _allows(policy, keys):
        assert _allows(policy, keys + extra)
    assert not _allows(policy, [])


@given(action=st.sampled_from(ACTIONS), flips=st.lists(st.booleans(), min_size=20, max_size=20))
def test_action_matching_ignores_case_for_any_casing(action: str, flips: list[bool]) -> None:
    """Any re-casing of the requested action matches the same statement."""
    recased = "".join(c.upper() if f else c.lower() for c, f in zip(action, flips * 2, strict=False))
    stmt = {"Effect": "Allow", "Action": action, "Resource": "*"}
    ctx = RequestContext(recased, "*", user_caller())
    assert evaluate(ctx, identity=[parse_policy(policy_text(stmt))]).allowed


glob_text = st.text(alphabet="ab*?/:-", max_size=8)
subject = st.text(alphabet="ab/:-*?", max_size=10)


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    rx = compile_globs([pattern])
    assert rx is not None
    return rx


def _reference_glob(pattern: str, text: str) -> bool:
    """Straightforward recursive definition of * and ? matching."""
    if not pattern:
        return not text
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(_reference_glob(rest, text[i:]) for i in range(len(text) + 1))
    if not text:
        return False
    return (head == "?" or head == text[0]) and _reference_glob(rest, text[1:])


@given(pattern=glob_text, text=subject)
@settings(max_examples=300)
def test_glob_matching_agrees_with_the_definition(pattern: str, text: str) -> None:
    """Compiled globs match exactly when the recursive definition says so."""
    assert (_glob(pattern).fullmatch(text) is not None) == _reference_glob(pattern, text)


@given(
    name=st.text(alphabet="ab*?", min_size=1, max_size=6),
    other=st.text(alphabet="ab", min_size=1, max_size=6),
)
@settings(max_examples=150)
def test_substituted_variables_never_act_as_wildcards(name: str, other: str) -> None:
    """A principal tag full of * and ? matches only itself when substituted into a Resource."""
    stmt = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}"}
    policy = parse_policy(policy_text(stmt))
    caller = user_caller(tags={"team": name})
    own = RequestContext("s3:GetObject", f"arn:aws:s3:::b/{name}", caller)
    assert evaluate(own, identity=[policy]).allowed
    if other != name:
        foreign = RequestContext("s3:GetObject", f"arn:aws:s3:::b/{other}", caller)
        assert not evaluate(foreign, identity=[policy]).allowed
