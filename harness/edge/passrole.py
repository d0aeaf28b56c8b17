"""iam:PassRole: every call that hands a role to a service is also checked as iam:PassRole on it.

AWS checks the caller may pass the role (resource: the role ARN; condition key
iam:PassedToService: the service that will assume it), in addition to the call's own action:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

import yaml

from harness.edge.dynamodb.context import AuthzItem

PASS_ROLE: Final = "iam:PassRole"
LAMBDA_SERVICE: Final = "lambda.amazonaws.com"
APIGATEWAY_SERVICE: Final = "apigateway.amazonaws.com"
CLOUDFORMATION_SERVICE: Final = "cloudformation.amazonaws.com"
SCHEDULER_SERVICE: Final = "scheduler.amazonaws.com"
EVENTS_SERVICE: Final = "events.amazonaws.com"
FIREHOSE_SERVICE: Final = "firehose.amazonaws.com"

# A role ARN (paths allowed). API Gateway integrations also accept arn:aws:iam::*:user/* (the
# caller's own credentials), which passes no role and so needs no PassRole.
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")

# (service, operation) → (parameter naming the role, service principal it is passed to).
_ROLE_PARAMETERS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("lambda", "CreateFunction"): ("Role", LAMBDA_SERVICE),
    ("lambda", "UpdateFunctionConfiguration"): ("Role", LAMBDA_SERVICE),
    ("apigateway", "CreateAuthorizer"): ("authorizerCredentials", APIGATEWAY_SERVICE),
    ("apigateway", "PutIntegration"): ("credentials", APIGATEWAY_SERVICE),
    ("cloudformation", "CreateStack"): ("RoleARN", CLOUDFORMATION_SERVICE),
    ("cloudformation", "UpdateStack"): ("RoleARN", CLOUDFORMATION_SERVICE),
    ("cloudformation", "DeleteStack"): ("RoleARN", CLOUDFORMATION_SERVICE),
    ("cloudformation", "CreateChangeSet"): ("RoleARN", CLOUDFORMATION_SERVICE),
    ("events", "PutRule"): ("RoleArn", EVENTS_SERVICE),
}

# Calls whose roles sit inside nested members (a schedule's Target, a rule's Targets, a delivery
# stream's source and destinations): every member of that name anywhere in the request.
_NESTED_ROLES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("scheduler", "CreateSchedule"): ("RoleArn", SCHEDULER_SERVICE),
    ("scheduler", "UpdateSchedule"): ("RoleArn", SCHEDULER_SERVICE),
    ("events", "PutTargets"): ("RoleArn", EVENTS_SERVICE),
    ("firehose", "CreateDeliveryStream"): ("RoleARN", FIREHOSE_SERVICE),
    ("firehose", "UpdateDestination"): ("RoleARN", FIREHOSE_SERVICE),
}

# Update calls of API Gateway set the credentials through JSON-patch operations on these paths.
_PATCH_PATHS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("apigateway", "UpdateAuthorizer"): ("/authorizerCredentials", APIGATEWAY_SERVICE),
    ("apigateway", "UpdateIntegration"): ("/credentials", APIGATEWAY_SERVICE),
}


# Imports carry the roles inside the OpenAPI document (authorizerCredentials, credentials).
_DOCUMENT_OPERATIONS: Final = frozenset({("apigateway", "ImportRestApi"),
                                         ("apigateway", "PutRestApi")})
_DOCUMENT_KEYS: Final = frozenset({"authorizerCredentials", "credentials"})


def _members_named(node: Any, name: str) -> Iterator[Any]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == name:
                yield value
            else:
                yield from _members_named(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _members_named(item, name)


def _document_values(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _DOCUMENT_KEYS:
                yield value
            yield from _document_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _document_values(item)


def document_roles(body: bytes) -> list[str]:
    """Role ARNs an OpenAPI document hands to API Gateway; an unreadable one names none (the
    import itself refuses it)."""
    try:
        doc = json.loads(body)
    except ValueError:
        try:
            doc = yaml.safe_load(body)
        except yaml.YAMLError:
            return []
    found: list[str] = []
    for value in _document_values(doc):
        if isinstance(value, str) and _ROLE_ARN.fullmatch(value) and value not in found:
            found.append(value)
    return found


def passed_roles(service: str, operation: str, params: Mapping[str, Any],
                 body: bytes = b"") -> list[tuple[str, str]]:
    """The (role ARN, service it is passed to) pairs this call hands over, in request order."""
    key = (service, operation)
    found: list[tuple[str, str]] = []
    if key in _DOCUMENT_OPERATIONS:
        found.extend((role, APIGATEWAY_SERVICE) for role in document_roles(body))
    elif key in _ROLE_PARAMETERS:
        name, to_service = _ROLE_PARAMETERS[key]
        value = params.get(name)
        if isinstance(value, str) and _ROLE_ARN.fullmatch(value):
            found.append((value, to_service))
    elif key in _NESTED_ROLES:
        name, to_service = _NESTED_ROLES[key]
        for value in _members_named(params, name):
            if isinstance(value, str) and _ROLE_ARN.fullmatch(value) \
                    and (value, to_service) not in found:
                found.append((value, to_service))
    elif key in _PATCH_PATHS:
        path, to_service = _PATCH_PATHS[key]
        ops = params.get("patchOperations")
        for op in ops if isinstance(ops, list) else ():
            if not isinstance(op, Mapping) or op.get("path") != path:
                continue
            value = op.get("value")
            if op.get("op") in ("replace", "add") and isinstance(value, str) \
                    and _ROLE_ARN.fullmatch(value):
                found.append((value, to_service))
    return found


def pass_role_checks(service: str, operation: str, params: Mapping[str, Any],
                     body: bytes = b"") -> list[AuthzItem]:
    """The iam:PassRole authorisations the gate adds after the call's own action."""
    return [AuthzItem(PASS_ROLE, role, {"iam:PassedToService": to_service})
            for role, to_service in passed_roles(service, operation, params, body)]


__all__ = ["APIGATEWAY_SERVICE", "LAMBDA_SERVICE", "PASS_ROLE", "pass_role_checks", "passed_roles"]
