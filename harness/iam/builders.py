"""Builders for callers and reference policies, shared by tests, benches and scenarios."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from harness.iam.model import Caller

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/TenantAccessRole"
BUSINESS_ACTIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")


def reference_session_policy(
    tenant_id: str,
    *,
    account: str = ACCOUNT,
    region: str = REGION,
    separator: str = "-",
    extra_actions: tuple[str, ...] = (),
) -> str:
    """The per-request session policy of REFERENCE.md for a tenant's business data."""
    table = f"arn:aws:dynamodb:{region}:{account}:table"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [f"dynamodb:{a}" for a in BUSINESS_ACTIONS + extra_actions],
                    "Resource": [f"{table}/Product-*", f"{table}/Order-*"],
                    "Condition": {
                        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{tenant_id}{separator}*"]}
                    },
                }
            ],
        }
    )


def access_role_policy(account: str = ACCOUNT, region: str = REGION) -> str:
    """The access role's own identity policy: table-wide DynamoDB access."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:*",
                    "Resource": f"arn:aws:dynamodb:{region}:{account}:table/*",
                }
            ],
        }
    )


def session_caller(tenant_id: str, account: str = ACCOUNT) -> Caller:
    """An assumed-role session of the tenant access role, as the authorizer creates it."""
    return Caller(
        arn=f"arn:aws:sts::{account}:assumed-role/TenantAccessRole/{tenant_id}",
        account=account,
        kind="assumed-role",
        role_arn=ROLE_ARN,
        userid=f"AROAEXAMPLEROLEID:{tenant_id}",
    )


def user_caller(
    name: str = "alice",
    account: str = ACCOUNT,
    *,
    userid: str = "AIDAEXAMPLEUSERID",
    tags: Mapping[str, str] | None = None,
) -> Caller:
    """An IAM user signing with its own access key."""
    return Caller(
        arn=f"arn:aws:iam::{account}:user/{name}",
        account=account,
        kind="user",
        userid=userid,
        username=name,
        tags=dict(tags or {}),
    )


def role_session_caller(
    role: str = "AppRole",
    session: str = "s1",
    account: str = ACCOUNT,
    *,
    tags: Mapping[str, str] | None = None,
) -> Caller:
    """An assumed-role session of any role."""
    return Caller(
        arn=f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        account=account,
        kind="assumed-role",
        role_arn=f"arn:aws:iam::{account}:role/{role}",
        userid=f"AROAEXAMPLE{role.upper()}:{session}",
        tags=dict(tags or {}),
    )


def root_caller(account: str = ACCOUNT) -> Caller:
    """The account root user."""
    return Caller(arn=f"arn:aws:iam::{account}:root", account=account, kind="root")


def service_caller(service: str = "lambda.amazonaws.com") -> Caller:
    """An AWS service acting as a service principal."""
    return Caller(arn=service, account="", kind="service", service=service)


def anonymous_caller() -> Caller:
    """An unauthenticated request."""
    return Caller(arn="*", account="", kind="anonymous")


def policy_text(*statements: Mapping[str, Any], version: str = "2012-10-17") -> str:
    """A policy document with the given statements, as JSON text."""
    return json.dumps({"Version": version, "Statement": list(statements)})
