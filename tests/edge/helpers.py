"""Builders for edge tests: IAM users, roles and scoped sessions through the real HTTP edge."""

from __future__ import annotations

import json
import uuid
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        s["Condition"] = condition
    return s


def deny(action: Any, resource: Any = "*", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    s = allow(action, resource, condition)
    s["Effect"] = "Deny"
    return s


def make_user(aws: Any, *policies: str, name: str | None = None) -> tuple[str, dict[str, str]]:
    """An IAM user with inline policies and an access key; returns (arn, key)."""
    iam = aws("iam")
    name = name or unique("user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    for i, p in enumerate(policies):
        iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=p)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def make_role(aws: Any, trust_principal: dict[str, Any], *policies: str, name: str | None = None,
              max_session: int | None = None) -> str:
    iam = aws("iam")
    name = name or unique("role")
    trust = doc({"Effect": "Allow", "Principal": trust_principal, "Action": "sts:AssumeRole"})
    kwargs: dict[str, Any] = {"RoleName": name, "AssumeRolePolicyDocument": trust}
    if max_session:
        kwargs["MaxSessionDuration"] = max_session
    arn: str = iam.create_role(**kwargs)["Role"]["Arn"]
    for i, p in enumerate(policies):
        iam.put_role_policy(RoleName=name, PolicyName=f"p{i}", PolicyDocument=p)
    return arn


def scoped_session(aws: Any, session_policy: str | None, role_policy: str | None = None,
                   **assume: Any) -> dict[str, str]:
    """Credentials of a role session (role allows dynamodb:* unless told), as the reference SaaS vends."""
    user_arn, key = make_user(aws)
    role_arn = make_role(aws, {"AWS": user_arn},
                         role_policy or doc(allow("dynamodb:*")))
    kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "tenant"}
    if session_policy is not None:
        kwargs["Policy"] = session_policy
    kwargs.update(assume)
    creds: dict[str, str] = aws("sts", creds=key).assume_role(**kwargs)["Credentials"]
    return creds


def make_table(aws: Any, name: str | None = None, *, range_key: str | None = "id",
               gsi: str | None = None) -> str:
    ddb = aws("dynamodb")
    name = name or unique("Product")
    attrs = [{"AttributeName": "shardId", "AttributeType": "S"}]
    schema = [{"AttributeName": "shardId", "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": range_key, "AttributeType": "S"})
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    kwargs: dict[str, Any] = {"TableName": name, "KeySchema": schema,
                              "BillingMode": "PAY_PER_REQUEST"}
    if gsi:
        attrs.append({"AttributeName": gsi, "AttributeType": "S"})
        kwargs["GlobalSecondaryIndexes"] = [{
            "IndexName": f"{gsi}-index", "KeySchema": [{"AttributeName": gsi, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}]
    kwargs["AttributeDefinitions"] = attrs
    ddb.create_table(**kwargs)
    return name


def error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
