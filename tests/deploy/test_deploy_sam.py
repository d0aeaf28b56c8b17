"""The SAM transform through aws-sam-translator, offline: what SAM templates become before deployment."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import botocore.endpoint
import pytest

from harness.deploy import transform
from harness.deploy.loader import Template
from harness.deploy.model import DeployError
from harness.deploy.params import resolve_parameters

from .helpers import sam_id, template

HEADER = "Transform: AWS::Serverless-2016-10-31\n"
GENERATED = ("https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
             "sam-specification-generated-resources.html")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The transform must not call AWS: any botocore request fails the test."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the SAM transform made an AWS call")

    monkeypatch.setattr(botocore.endpoint.Endpoint, "make_request", refuse)


def translate(tmp_path: Path, body: str, params: dict[str, str] | None = None) -> Template:
    tpl = template(tmp_path, HEADER + body)
    values, _ = resolve_parameters(tpl, params)
    return transform.translate(tpl, values, "us-east-1")


def res(tpl: Template, logical: str) -> dict[str, Any]:
    return dict(tpl.section("Resources")[logical])


def props(tpl: Template, logical: str) -> dict[str, Any]:
    return dict(res(tpl, logical)["Properties"])


FUNCTION = """
Globals:
  Function:
    Runtime: python3.12
    Timeout: 20
    Environment: {Variables: {LEVEL: INFO}}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Tracing: Active
      Environment: {Variables: {TABLE: !Ref Table}}
      Policies:
        - AmazonDynamoDBReadOnlyAccess
        - DynamoDBCrudPolicy: {TableName: !Ref Table}
        - Statement: [{Effect: Allow, Action: sts:AssumeRole, Resource: "*"}]
"""


def test_globals_merge_into_functions_and_code_uri_stays_local(tmp_path: Path) -> None:
    """Globals merge into each function (maps merge, local wins); CodeUri is packaged like `sam package`.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
    """
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    tpl = translate(tmp_path, FUNCTION)
    fn = props(tpl, "Fn")
    assert res(tpl, "Fn")["Type"] == "AWS::Lambda::Function"
    assert (fn["Runtime"], fn["Timeout"]) == ("python3.12", 20)
    assert fn["Environment"] == {"Variables": {"LEVEL": "INFO", "TABLE": {"Ref": "Table"}}}
    assert fn["Code"] == {"_LocalPath": "src/"}
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["Role"] == {"Fn::GetAtt": ["FnRole", "Arn"]}
    assert tpl.at(tpl.resource_line("FnRole")) == tpl.at(tpl.resource_line("Fn")), (
        "a generated resource points at the SAM resource it came from")


def test_policies_become_the_implicit_role_with_managed_arns_and_policy_templates(
        tmp_path: Path) -> None:
    """Managed policy names resolve to ARNs offline; policy templates expand to SAM's statements.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html
    """
    tpl = translate(tmp_path, FUNCTION)
    role = props(tpl, "FnRole")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["lambda.amazonaws.com"]}
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"]
    by_name = {p["PolicyName"]: p["PolicyDocument"] for p in role["Policies"]}
    crud = by_name["FnRolePolicy1"]["Statement"][0]
    assert "dynamodb:ConditionCheckItem" in crud["Action"]
    assert crud["Resource"][1] == {"Fn::Sub": [
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}"
        "/index/*", {"tableName": {"Ref": "Table"}}]}
    assert by_name["FnRolePolicy2"]["Statement"] == [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]


API = """
Resources:
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "x = 1", Handler: index.h, Runtime: python3.12}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      ApiKeySourceType: AUTHORIZER
      Auth:
        DefaultAuthorizer: Tok
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: PER_API
          Quota: {Limit: 50, Period: DAY}
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {Header: Authorization, ReauthorizeEvery: 30}
          Req:
            FunctionArn: !GetAtt AuthFn.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [Authorization], ReauthorizeEvery: 0}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "x = 1"
      Handler: index.h
      Runtime: python3.12
      Events:
        List: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /products, Method: GET}}
        Open:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /init
            Method: get
            Auth: {Authorizer: NONE, ApiKeyRequired: false}
        Req:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /req, Method: put, Auth: {Authorizer: Req}}
Outputs:
  Url: {Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Api.Stage}"}
"""


def test_api_events_and_auth_become_an_openapi_body_stage_and_usage_plan(tmp_path: Path) -> None:
    """Api events and Auth (authorizers, API keys, usage plan) become the RestApi's swagger Body.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-api.html
    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-apiusageplan.html
    """
    tpl = translate(tmp_path, API)
    assert props(tpl, "Api")["ApiKeySourceType"] == "AUTHORIZER"
    body = props(tpl, "Api")["Body"]
    schemes = body["securityDefinitions"]
    assert schemes["Tok"]["x-amazon-apigateway-authorizer"]["type"] == "token"
    assert schemes["Tok"]["x-amazon-apigateway-authorizer"]["authorizerResultTtlInSeconds"] == 30
    assert schemes["Req"]["x-amazon-apigateway-authorizer"]["type"] == "request"
    assert schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    listing = body["paths"]["/products"]["get"]
    assert listing["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert {"api_key": []} in listing["security"] and {"Tok": []} in listing["security"]
    assert body["paths"]["/init"]["get"]["security"] == []
    assert res(tpl, "ApiprodStage")["Type"] == "AWS::ApiGateway::Stage"
    deployment = sam_id(tpl.section("Resources"), "ApiDeployment")
    assert props(tpl, "ApiprodStage")["DeploymentId"] == {"Ref": deployment}
    assert res(tpl, "ApiUsagePlan")["Type"] == "AWS::ApiGateway::UsagePlan"
    assert props(tpl, "ApiUsagePlanKey")["KeyId"] == {"Ref": "ApiApiKey"}
    assert tpl.section("Outputs")["Url"]["Value"]["Fn::Sub"].endswith("/${ApiprodStage}"), (
        "the referenceable property Api.Stage names the generated stage")


ALIAS = """
Parameters:
  Message: {Type: String, Default: one}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      AutoPublishAlias: live
      VersionDescription: !Ref Message
      DeploymentPreference: {Type: Canary10Percent5Minutes}
"""


def test_auto_publish_alias_makes_a_version_per_code_and_an_alias(tmp_path: Path) -> None:
    """AutoPublishAlias makes `<fn>Version<sha>` (new with new code) and `<fn>Alias<alias>`.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html
    """
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("V = 1\n")
    first = translate(tmp_path, ALIAS)
    version = sam_id(first.section("Resources"), "FnVersion")
    assert props(first, version)["FunctionName"] == {"Ref": "Fn"}
    assert res(first, version)["DeletionPolicy"] == "Retain"
    alias = props(first, "FnAliaslive")
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
    assert "CodeDeployLambdaAliasUpdate" in res(first, "FnAliaslive")["UpdatePolicy"]
    assert res(first, "ServerlessDeploymentApplication")["Type"] == "AWS::CodeDeploy::Application"
    (tmp_path / "src" / "app.py").write_text("V = 2\n")
    second = translate(tmp_path, ALIAS)
    assert sam_id(second.section("Resources"), "FnVersion") != version, (
        "new code publishes a new version, as `sam package` gives it a new S3 key")


def test_translation_is_cached_by_content(tmp_path: Path) -> None:
    """The same template and parameters translate once; a parameter change translates again."""
    tpl = template(tmp_path, HEADER + API)
    values, _ = resolve_parameters(tpl, None)
    transform.translate(tpl, values, "us-west-2")
    started = time.perf_counter()
    again = transform.translate(tpl, values, "us-west-2")
    assert time.perf_counter() - started < 0.05
    assert res(again, "ApiprodStage")["Type"] == "AWS::ApiGateway::Stage"


def test_transform_errors_are_all_reported_with_their_lines(tmp_path: Path) -> None:
    """Every resource the translator refuses is reported in one error, each with its file:line."""
    body = """
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, Runtime: python3.12, InlineCode: x,
                 Events: {E: {Type: Carrier, Properties: {}}}}
  B:
    Type: AWS::Serverless::LayerVersion
    Properties: {CompatibleRuntimes: [python3.12]}
"""
    with pytest.raises(DeployError) as err:
        translate(tmp_path, body)
    text = str(err.value)
    assert "template.yaml:4: Resource with id [A] is invalid. Event with id [E] is invalid." in text
    assert "template.yaml:8: Resource with id [B] is invalid." in text
    assert "(2 problems)" in text
