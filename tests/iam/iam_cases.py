"""Shared builders for the IAM evaluation tests: documentation links, policies, callers."""

from __future__ import annotations

from typing import Any

from harness.iam import Caller, Policy, PolicyKind, RequestContext, parse_policy
from harness.iam.builders import policy_text, role_session_caller

EVAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
SESSION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session"
BOUNDARY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
CROSS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html"
)
ACCT = "123456789012"
OTHER = "210987654321"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/Orders"
GET = "dynamodb:GetItem"


def pol(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    return parse_policy(policy_text(*statements), kind)


def allow(action: str = GET, resource: str = TABLE, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str = GET, resource: str = TABLE, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def rbp(principal: Any, effect: str = "Allow", action: str = GET) -> Policy:
    stmt = {"Effect": effect, "Principal": principal, "Action": action, "Resource": TABLE}
    return pol(stmt, kind=PolicyKind.RESOURCE)


def ctx(caller: Caller, action: str = GET, resource_account: str | None = None) -> RequestContext:
    return RequestContext(action, TABLE, caller, {}, resource_account=resource_account)


SESSION_CALLER = role_session_caller("App", "s1")
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/App"
SESSION_ARN = f"arn:aws:sts::{ACCT}:assumed-role/App/s1"
