"""The OpenAPI document read into an import plan (pure): what each x-amazon-apigateway-*
extension becomes, and every problem reported at once.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html,
api-gateway-swagger-extensions-integration-responses.html, api-gateway-swagger-extensions-authorizer.html,
api-gateway-swagger-extensions-api-key-source.html, api-gateway-swagger-extensions-request-validators.html,
api-gateway-swagger-extensions-request-validator.html, api-gateway-swagger-extensions-gateway-responses.html,
api-gateway-swagger-extensions-binary-media-types.html, api-gateway-import-api-errors-warnings.html
(all under https://docs.aws.amazon.com/apigateway/latest/developerguide/).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.gateway.openapi_import import ImportFailure, load_document, plan_import

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abcDEF123"


def _doc(**extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}, **extra}


def test_root_extensions_become_api_settings_validators_and_gateway_responses() -> None:
    """api-key-source, binary-media-types, request-validators, gateway-responses, policy."""
    plan = plan_import(_doc(**{
        "x-amazon-apigateway-api-key-source": "AUTHORIZER",
        "x-amazon-apigateway-binary-media-types": ["image/png", "*/*"],
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True}},
        "x-amazon-apigateway-gateway-responses": {"UNAUTHORIZED": {
            "statusCode": 401, "responseTemplates": {"application/json": '{"m": "no"}'}}},
        "x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": []}}))
    assert not plan.errors
    assert plan.api["apiKeySource"] == "AUTHORIZER"
    assert plan.api["binaryMediaTypes"] == ["image/png", "*/*"]
    assert plan.validators["all"]["validateRequestParameters"] is True
    assert plan.gateway_responses[0]["responseType"] == "UNAUTHORIZED"
    assert plan.gateway_responses[0]["statusCode"] == "401"
    assert '"Statement": []' in plan.api["policy"]


def test_authorizers_of_each_type_from_security_schemes() -> None:
    """token (identity source from the scheme's header), request and cognito_user_pools (scopes
    of the security requirement become authorizationScopes)."""
    schemes = {
        "Tok": {"type": "apiKey", "name": "X-Token", "in": "header",
                "x-amazon-apigateway-authorizer": {
                    "type": "token", "authorizerUri": "arn:fn", "authorizerResultTtlInSeconds": 60}},
        "Req": {"type": "apiKey", "name": "unused", "in": "header",
                "x-amazon-apigateway-authorizer": {
                    "type": "request", "authorizerUri": "arn:fn2",
                    "identitySource": "method.request.querystring.t"}},
        "Pool": {"type": "apiKey", "name": "Authorization", "in": "header",
                 "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
                                                    "providerARNs": [POOL]}}}
    op = {"responses": {"200": {}}, "security": [{"Pool": ["email"]}]}
    plan = plan_import(_doc(components={"securitySchemes": schemes}, paths={"/p": {"get": op}}))
    assert not plan.errors
    assert plan.authorizers["Tok"]["identitySource"] == "method.request.header.X-Token"
    assert plan.authorizers["Tok"]["authorizerResultTtlInSeconds"] == 60
    assert plan.authorizers["Req"]["type"] == "REQUEST"
    assert plan.authorizers["Pool"]["providerARNs"] == [POOL]
    method = plan.methods[0]
    assert method.authorizer == "Pool"
    assert method.method["authorizationType"] == "COGNITO_USER_POOLS"
    assert method.method["authorizationScopes"] == ["email"]


def test_swagger_2_security_definitions_api_key_and_sigv4() -> None:
    """securityDefinitions in 2.0; an x-api-key header scheme requires a key; awsSigv4 is AWS_IAM;
    root-level security applies to operations that declare none."""
    doc = {"swagger": "2.0", "info": {"title": "t"}, "security": [{"key": []}],
           "securityDefinitions": {
               "key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
               "sig": {"type": "apiKey", "name": "Authorization", "in": "header",
                       "x-amazon-apigateway-authtype": "awsSigv4"}},
           "paths": {"/a": {"get": {"responses": {}}},
                     "/b": {"get": {"responses": {}, "security": [{"sig": []}]}}}}
    plan = plan_import(doc)
    by_path = {m.path: m.method for m in plan.methods}
    assert by_path["/a"]["apiKeyRequired"] is True
    assert by_path["/b"]["authorizationType"] == "AWS_IAM"
    assert by_path["/b"]["apiKeyRequired"] is False


def test_integration_fields_and_responses_keyed_by_selection_pattern() -> None:
    """Types are upper-cased, passthroughBehavior normalised; `default` has no selectionPattern."""
    integration = {"type": "aws", "httpMethod": "POST", "uri": "arn:u",
                   "passthroughBehavior": "when_no_templates", "contentHandling": "CONVERT_TO_TEXT",
                   "timeoutInMillis": 5000, "credentials": "arn:aws:iam::1:role/r",
                   "requestParameters": {"integration.request.header.X": "'v'"},
                   "requestTemplates": {"application/json": "{}"},
                   "responses": {"default": {"statusCode": "200"},
                                 "Bad.*": {"statusCode": "400", "responseTemplates": {
                                     "application/json": "x"}}}}
    paths = {"/{id}": {"parameters": [{"name": "id", "in": "path"}],
                       "x-amazon-apigateway-any-method": {
                           "parameters": [{"name": "q", "in": "query", "required": True},
                                          {"name": "h", "in": "header"}],
                           "responses": {"200": {"headers": {"X-R": {}}}},
                           "x-amazon-apigateway-integration": integration}}}
    plan = plan_import(_doc(paths=paths))
    assert not plan.errors and not plan.warnings
    method = plan.methods[0]
    assert method.verb == "ANY" and method.path == "/{id}"
    assert method.method["requestParameters"] == {
        "method.request.path.id": True, "method.request.querystring.q": True,
        "method.request.header.h": False}
    assert method.responses == [{"statusCode": "200", "responseParameters": {
        "method.response.header.X-R": False}}]
    assert method.integration is not None
    assert method.integration["type"] == "AWS"
    assert method.integration["passthroughBehavior"] == "WHEN_NO_TEMPLATES"
    assert method.integration["integrationHttpMethod"] == "POST"
    patterns = {r["selectionPattern"]: r["statusCode"] for r in method.integration_responses}
    assert patterns == {None: "200", "Bad.*": "400"}


def test_request_validator_by_name_default_and_override() -> None:
    """The root x-amazon-apigateway-request-validator is the default; an operation's overrides."""
    doc = _doc(**{"x-amazon-apigateway-request-validators": {"all": {}, "params": {}},
                  "x-amazon-apigateway-request-validator": "all"},
               paths={"/a": {"get": {"responses": {}}},
                      "/b": {"get": {"responses": {},
                                     "x-amazon-apigateway-request-validator": "params"}}})
    plan = plan_import(doc)
    assert {m.path: m.validator for m in plan.methods} == {"/a": "all", "/b": "params"}


def test_every_problem_of_a_document_is_reported_in_one_message() -> None:
    """Errors are collected across the document: the message lists each, AWS's prefix first."""
    doc = {"openapi": "3.0.1", "info": {"version": "1"},
           "x-amazon-apigateway-api-key-source": "COOKIE",
           "components": {"securitySchemes": {"A": {"x-amazon-apigateway-authorizer": {
               "type": "magic"}}}},
           "paths": {"no-slash": {}, "/ok": {"get": {
               "responses": {}, "x-amazon-apigateway-request-validator": "ghost",
               "x-amazon-apigateway-integration": {
                   "type": "http", "passthroughBehavior": "sometimes",
                   "timeoutInMillis": 90000}}}}}
    plan = plan_import(doc)
    message = plan.failure(fail_on_warnings=False)
    assert message is not None and message.startswith("Errors found during import:\n\t")
    for needle in ("info.title", "COOKIE", "Invalid authorizer type 'magic'", "'no-slash'",
                   "no request validator named 'ghost'", "Invalid integration URI",
                   "HttpMethod", "Invalid passthrough behavior 'sometimes'",
                   "between 50 ms and 29000 ms"):
        assert needle in message, needle
    assert len(plan.errors) == 9


def test_an_unresolved_intrinsic_in_the_uri_is_named() -> None:
    """A Body whose Fn::Sub was not resolved cannot be imported: the URI is not a string."""
    op = {"responses": {}, "x-amazon-apigateway-integration": {
        "type": "aws_proxy", "httpMethod": "POST", "uri": {"Fn::Sub": "arn:${Fn.Arn}"}}}
    plan = plan_import(_doc(paths={"/": {"get": op}}))
    assert any("unresolved intrinsic" in e for e in plan.errors)


def test_warnings_only_fail_with_failonwarnings() -> None:
    """A missing `responses` is a warning: the import proceeds unless failonwarnings=true."""
    plan = plan_import(_doc(paths={"/a": {"get": {}}}))
    assert plan.errors == []
    assert plan.failure(fail_on_warnings=False) is None
    assert plan.failure(fail_on_warnings=True) == (
        "Warnings found during import:\n\tParse issue: attribute paths.'/a'(get).responses is "
        "missing")


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b"{: nope", b"- just\n- a list\n"])
def test_a_body_that_is_not_an_openapi_object_is_refused(body: bytes) -> None:
    """Empty, non-object, or unparseable bodies are refused before any plan is made."""
    with pytest.raises(ImportFailure):
        load_document(body)


def test_yaml_and_json_bodies_read_alike() -> None:
    """ImportRestApi accepts the definition as JSON or YAML."""
    yaml_doc = load_document(b"openapi: 3.0.1\ninfo: {title: t}\npaths: {}\n")
    assert yaml_doc == load_document(b'{"openapi": "3.0.1", "info": {"title": "t"}, "paths": {}}')
