"""An OpenAPI-defined API with a Lambda TOKEN authorizer and api_key security, behind a usage
plan: imported through the control plane (ImportRestApi) and through a CloudFormation RestApi
Body whose Fn::Sub names the functions; both are called over HTTP through the gateway.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
(type token, authorizerUri, identitySource, authorizerResultTtlInSeconds,
identityValidationExpression), api-gateway-swagger-extensions-api-key-source.html,
api-gateway-key-source.html and api-gateway-api-usage-plans.html (api_key security makes the
method require a key of a usage plan of the stage), and https://docs.aws.amazon.com/
AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html (Body).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.deploy import Deployer
from harness.target import EmbeddedTarget
from tests.deploy.conftest import make_project
from tests.openapi.support import FUNCTIONS, SOURCES, allow_gateway, as_json, call, lambda_uri


def _document(authorizer_uri: Any, echo_uri: Any) -> dict[str, Any]:
    return {
        "swagger": "2.0", "info": {"title": "secured", "version": "1"},
        "x-amazon-apigateway-api-key-source": "HEADER",
        "securityDefinitions": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "TokenAuth": {"type": "apiKey", "name": "Authorization", "in": "header",
                          "x-amazon-apigateway-authtype": "custom",
                          "x-amazon-apigateway-authorizer": {
                              "type": "token", "authorizerUri": authorizer_uri,
                              "authorizerResultTtlInSeconds": 0,
                              "identityValidationExpression": "^(allow|deny)$"}}},
        "paths": {"/orders": {"get": {
            "security": [{"TokenAuth": []}, {"api_key": []}],
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "aws", "httpMethod": "POST", "uri": echo_uri,
                "requestTemplates": {"application/json":
                                     '{"principal": "$context.authorizer.principalId", '
                                     '"tenant": "$context.authorizer.tenant", '
                                     '"apiKeyId": "$context.identity.apiKeyId"}'},
                "responses": {"default": {"statusCode": "200"}}}}}}}


def _exercise(target: EmbeddedTarget, api_id: str, stage: str, key: str, key_id: str) -> None:
    def get(headers: dict[str, str]) -> tuple[int, Any]:
        status, _, raw = call(target, api_id, stage, "/orders", headers=headers)
        return status, as_json(raw)

    assert get({"x-api-key": key}) == (401, {"message": "Unauthorized"})
    assert get({"Authorization": "other", "x-api-key": key}) == (401, {"message": "Unauthorized"})
    assert get({"Authorization": "deny", "x-api-key": key})[0] == 403
    assert get({"Authorization": "allow"}) == (403, {"message": "Forbidden"})
    assert get({"Authorization": "allow", "x-api-key": "not-a-key"})[0] == 403
    status, body = get({"Authorization": "allow", "x-api-key": key})
    assert status == 200, body
    assert body == {"event": {"principal": "ann", "tenant": "t1", "apiKeyId": key_id}}


def _plan_with_key(aws: Any, api_id: str, stage: str, name: str) -> tuple[str, str]:
    gw = aws("apigateway")
    plan = gw.create_usage_plan(name=name, apiStages=[{"apiId": api_id, "stage": stage}])
    key = gw.create_api_key(name=name, enabled=True)
    gw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return str(key["value"]), str(key["id"])


@pytest.fixture(scope="module")
def fns(deployer: Deployer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = make_project(tmp_path_factory.mktemp("openapi-auth-fns"), FUNCTIONS, SOURCES)
    return deployer.deploy(path, "openapi-auth-functions").outputs


def test_imported_token_authorizer_and_api_key_guard_the_method(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """ImportRestApi: the authorizer is created from securityDefinitions (identity source from
    the scheme's header, validation expression kept), the method is CUSTOM with apiKeyRequired;
    a missing or unmatched token is 401, a Deny 403, a missing key 403, both valid 200."""
    gw = aws("apigateway")
    doc = _document(lambda_uri(fns["AuthorizerArn"]), lambda_uri(fns["EchoArn"]))
    api_id = gw.import_rest_api(body=json.dumps(doc).encode())["id"]
    auth = gw.get_authorizers(restApiId=api_id)["items"][0]
    assert (auth["name"], auth["type"], auth["identitySource"]) == (
        "TokenAuth", "TOKEN", "method.request.header.Authorization")
    assert auth["identityValidationExpression"] == "^(allow|deny)$"
    for arn in (fns["AuthorizerArn"], fns["EchoArn"]):
        allow_gateway(aws, arn, api_id, f"secured-{api_id}")
    gw.create_deployment(restApiId=api_id, stageName="prod")
    key, key_id = _plan_with_key(aws, api_id, "prod", f"plan-{api_id}")
    _exercise(target, api_id, "prod", key, key_id)


BODY_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  AuthorizerArn: {Type: String}
  EchoArn: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body: BODY
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, StageName: live, DeploymentId: !Ref Deployment}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Stage
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: live}]
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  AuthorizerPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref AuthorizerArn
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"
  EchoPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref EchoArn
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"
Outputs:
  ApiId: {Value: !Ref Api}
  KeyId: {Value: !Ref Key}
"""

_URI = ("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${%s}/invocations")


def test_rest_api_body_with_sub_intrinsics_deploys_the_same_guarded_api(
        target: EmbeddedTarget, aws: Any, deployer: Deployer, fns: dict[str, str],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """AWS::ApiGateway::RestApi Body: Fn::Sub inside the document is resolved first, the
    document's title names the API, and the deployed stage behaves as the imported one."""
    body = _document({"Fn::Sub": _URI % "AuthorizerArn"}, {"Fn::Sub": _URI % "EchoArn"})
    text = BODY_TEMPLATE.replace("BODY", json.dumps(body))
    path = make_project(tmp_path_factory.mktemp("openapi-body"), text)
    out = deployer.deploy(path, "openapi-body", {"AuthorizerArn": fns["AuthorizerArn"],
                                                 "EchoArn": fns["EchoArn"]}).outputs
    gw = aws("apigateway")
    assert gw.get_rest_api(restApiId=out["ApiId"])["name"] == "secured"
    key = gw.get_api_key(apiKey=out["KeyId"], includeValue=True)["value"]
    _exercise(target, out["ApiId"], "live", key, out["KeyId"])
