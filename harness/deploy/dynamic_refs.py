"""Dynamic references (`{{resolve:ssm:...}}`, ssm-secure, secretsmanager) read at deploy time.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html: the
values are fetched when a resource is created or updated; the stack keeps the literal reference
(change detection compares the reference, never the value).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from harness.deploy.model import DeployError
from harness.deploy.resources.base import Context

PATTERN = re.compile(r"\{\{resolve:(ssm|ssm-secure|secretsmanager):([^{}]*)\}\}")
# Properties CloudFormation lets ssm-secure reach (dynamic-references-ssm-secure-strings.html,
# "Resources that support dynamic parameter patterns for secure strings").
SECURE_PROPERTIES = {
    ("AWS::IAM::User", "LoginProfile"), ("AWS::DirectoryService::MicrosoftAD", "Password"),
    ("AWS::DirectoryService::SimpleAD", "Password"), ("AWS::ElastiCache::ReplicationGroup", "AuthToken"),
    ("AWS::OpsWorks::App", "AppSource"), ("AWS::OpsWorks::Stack", "CustomCookbooksSource"),
    ("AWS::RDS::DBCluster", "MasterUserPassword"), ("AWS::RDS::DBInstance", "MasterUserPassword"),
    ("AWS::Redshift::Cluster", "MasterUserPassword"),
}


def has_references(value: Any) -> bool:
    if isinstance(value, str):
        return PATTERN.search(value) is not None
    if isinstance(value, dict):
        return any(has_references(v) for v in value.values())
    if isinstance(value, list):
        return any(has_references(v) for v in value)
    return False


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _ssm(ctx: Context, reference: str, secure: bool) -> str:
    name, version = reference, None
    head, sep, tail = reference.rpartition(":")
    if (sep and tail.isdigit() and not reference.startswith("arn:")) or (
            reference.startswith("arn:") and reference.count(":") == 6 and tail.isdigit()):
        name, version = head, tail
    lookup = f"{name}:{version}" if version else name
    try:
        param = ctx.call("ssm", "get_parameter", Name=lookup, WithDecryption=secure)["Parameter"]
    except ClientError as exc:
        if _error_code(exc) in ("ParameterNotFound", "ParameterVersionNotFound"):
            raise DeployError(f"Parameters: [{'ssm-secure' if secure else 'ssm'}:{reference}] "
                              "cannot be found.") from None
        raise
    kind = param.get("Type")
    if secure and kind != "SecureString":
        raise DeployError(f"ssm-secure:{reference} is a {kind} parameter; ssm-secure reads "
                          "SecureString parameters only (use ssm)")
    if not secure and kind == "SecureString":
        raise DeployError(f"ssm:{reference} is a SecureString parameter; use ssm-secure")
    return str(param["Value"])


def _split_secret(reference: str) -> tuple[str, list[str]]:
    """secret-id (a name or a full ARN, which has colons of its own) and the optional fields."""
    parts = reference.split(":")
    if reference.startswith("arn:"):
        return ":".join(parts[:7]), parts[7:]
    return parts[0], parts[1:]


def _secret(ctx: Context, reference: str) -> str:
    secret_id, rest = _split_secret(reference)
    rest += [""] * (4 - len(rest))
    kind, json_key, stage, version = rest[:4]
    if kind not in ("", "SecretString"):
        raise DeployError(f"{{{{resolve:secretsmanager:{reference}}}}}: the field after the secret "
                          f"id must be SecretString, not {kind}")
    if stage and version:
        raise DeployError(f"{{{{resolve:secretsmanager:{reference}}}}}: specify a version stage or "
                          "a version id, not both")
    try:
        value = ctx.call("secretsmanager", "get_secret_value", SecretId=secret_id,
                         VersionStage=stage or None, VersionId=version or None)
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            raise DeployError("Secrets Manager can't find the specified secret. (Service: "
                              "AWSSecretsManager; Status Code: 400; Error Code: "
                              f"ResourceNotFoundException) for {secret_id}") from None
        raise
    text = value.get("SecretString")
    if text is None:
        raise DeployError(f"secret {secret_id} has no SecretString (binary secrets cannot be "
                          "referenced)")
    if not json_key:
        return str(text)
    try:
        doc = json.loads(text)
    except ValueError:
        raise DeployError(f"secret {secret_id}: SecretString is not JSON, so it has no key "
                          f"{json_key}") from None
    if not isinstance(doc, dict) or json_key not in doc:
        raise DeployError(f"secret {secret_id}: SecretString has no JSON key {json_key}")
    item = doc[json_key]
    return item if isinstance(item, str) else json.dumps(item)


def resolve(ctx: Context, rtype: str, value: Any, path: str = "") -> Any:
    """The value with every dynamic reference replaced by what its store holds now."""
    if isinstance(value, dict):
        return {k: resolve(ctx, rtype, v, path or k) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(ctx, rtype, v, path) for v in value]
    if not isinstance(value, str) or "{{resolve:" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        service, reference = match.group(1), match.group(2)
        if service == "ssm-secure":
            if (rtype, path) not in SECURE_PROPERTIES:
                raise DeployError(f"SSM Secure reference is not supported in: "
                                  f"[{rtype}/Properties/{path}]")
            return _ssm(ctx, reference, secure=True)
        if service == "ssm":
            return _ssm(ctx, reference, secure=False)
        return _secret(ctx, reference)

    return PATTERN.sub(one, value)
