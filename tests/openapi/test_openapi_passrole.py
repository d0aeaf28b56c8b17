"""iam:PassRole for roles named inside an imported OpenAPI document: ImportRestApi/PutRestApi
hand authorizerCredentials and integration credentials to API Gateway just as CreateAuthorizer
and PutIntegration do.

Docs: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
(credentials), api-gateway-swagger-extensions-authorizer.html (authorizerCredentials).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.edge.passrole import document_roles
from tests.edge.helpers import allow, doc, make_role, make_user


def _document(role: str) -> bytes:
    return json.dumps({"openapi": "3.0.1", "info": {"title": "roles"}, "paths": {"/": {"get": {
        "responses": {"200": {}}, "x-amazon-apigateway-integration": {
            "type": "aws", "httpMethod": "POST", "credentials": role,
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                   "arn:aws:lambda:us-east-1:123456789012:function:f/invocations"}}}}}).encode()


def test_import_naming_a_role_needs_passrole_on_it(aws: Any) -> None:
    """apigateway:POST alone cannot hand API Gateway a role through a document: 403 naming
    iam:PassRole; with PassRole for apigateway.amazonaws.com the import succeeds."""
    role = make_role(aws, {"Service": "apigateway.amazonaws.com"}, doc(allow("lambda:*")))
    _, key = make_user(aws, doc(allow("apigateway:*")))
    with pytest.raises(ClientError) as err:
        aws("apigateway", creds=key).import_rest_api(body=_document(role))
    e = err.value.response
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"iam:PassRole on resource: {role}" in e["Error"]["Message"]
    passrole = allow("iam:PassRole", role,
                     {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}})
    _, key = make_user(aws, doc(allow("apigateway:*"), passrole))
    assert aws("apigateway", creds=key).import_rest_api(body=_document(role))["name"] == "roles"


def test_document_roles_finds_role_arns_but_not_the_callers_own_credentials() -> None:
    """arn:aws:iam::*:user/* (use the caller's credentials) passes no role."""
    body = json.dumps({"a": {"credentials": "arn:aws:iam::123456789012:role/r1"},
                       "b": [{"authorizerCredentials": "arn:aws:iam::123456789012:role/r2"}],
                       "c": {"credentials": "arn:aws:iam::*:user/*"}}).encode()
    assert document_roles(body) == ["arn:aws:iam::123456789012:role/r1",
                                    "arn:aws:iam::123456789012:role/r2"]
    assert document_roles(b"{not a document") == []
