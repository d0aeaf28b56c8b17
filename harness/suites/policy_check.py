"""A scoped session policy decided with the harness's pure IAM evaluator, per DynamoDB request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.edge.dynamodb.context import DynamoContext, KeySchema
from harness.iam import Caller, PolicyKind, RequestContext, evaluate, parse_policy
from harness.iam.policy import Policy
from harness.suites.adapter import RawTable

ROLE_ALLOWS_ALL = parse_policy({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]})
"""The role's own policy taken as unlimited, so the session policy alone must confine the session."""


def session_caller(account: str) -> Caller:
    return Caller(arn=f"arn:aws:sts::{account}:assumed-role/TenantAccessRole/s4", account=account,
                  kind="assumed-role", role_arn=f"arn:aws:iam::{account}:role/TenantAccessRole",
                  userid="AROAS4EXAMPLE:s4")


class SessionDecider:
    """Whether a session narrowed by one session policy may make a DynamoDB request, as IAM decides."""

    def __init__(self, policy: Mapping[str, Any], tables: tuple[RawTable, ...], region: str,
                 account: str) -> None:
        self.session: Policy = parse_policy(dict(policy), PolicyKind.SESSION)
        schemas = {t.name: KeySchema(t.partition_key, t.sort_key) for t in tables}
        self.context = DynamoContext(region, account, schemas.get)
        self.caller = session_caller(account)

    def allowed(self, operation: str, params: Mapping[str, Any]) -> bool:
        """True only when every authorisation check the request needs is allowed."""
        for check in self.context.checks(operation, params):
            ctx = RequestContext(check.action, check.resource, self.caller, check.keys)
            if not evaluate(ctx, identity=[ROLE_ALLOWS_ALL], session=[self.session]).allowed:
                return False
        return True
