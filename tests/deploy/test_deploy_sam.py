"""The SAM transform on its own: what Serverless resources expand to, before anything is deployed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.deploy import sam
from harness.deploy.model import DeployError
from harness.deploy.sam_globals import merge_globals

from .helpers import resolver, template

HEADER = "Transform: AWS::Serverless-2016-10-31\n"


def expand(tmp_path: Path, body: str) -> tuple[dict[str, Any], list[str], Any]:
    tpl = template(tmp_path, HEADER + body)
    notes: list[str] = []
    out = sam.expand(tpl, resolver(tpl), notes)
    return out, notes, tpl


def props(out: dict[str, Any], logical: str) -> dict[str, Any]:
    return dict(out[logical]["Properties"])


def test_merge_globals_rules() -> None:
    merged = merge_globals(
        {"Timeout": 3, "Environment": {"Variables": {"A": "1", "B": "2"}}, "Layers": ["g"],
         "Role": {"Ref": "GlobalRole"}},
        {"Timeout": 10, "Environment": {"Variables": {"B": "x"}}, "Layers": ["l"],
         "Role": {"Fn::GetAtt": ["R", "Arn"]}})
    assert merged == {"Timeout": 10, "Environment": {"Variables": {"A": "1", "B": "x"}},
                      "Layers": ["g", "l"], "Role": {"Fn::GetAtt": ["R", "Arn"]}}


def test_function_gets_globals_code_and_an_implicit_role(tmp_path: Path) -> None:
    out, _, _ = expand(tmp_path, """
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
        - !Sub "arn:aws:iam::${AWS::AccountId}:policy/custom"
        - CloudWatchPutMetricPolicy: {}
""")
    fn = props(out, "Fn")
    assert out["Fn"]["Type"] == "AWS::Lambda::Function"
    assert fn["Runtime"] == "python3.12" and fn["Timeout"] == 20
    assert fn["Environment"] == {"Variables": {"LEVEL": "INFO", "TABLE": {"Ref": "Table"}}}
    assert fn["Code"] == {"_LocalPath": "src/"}
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["Role"] == {"Fn::GetAtt": ["FnRole", "Arn"]}
    role = props(out, "FnRole")
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": ["lambda.amazonaws.com"]}
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                    "AWSLambdaBasicExecutionRole"},
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"},
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"},
        {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:policy/custom"}]
    names = [p["PolicyName"] for p in role["Policies"]]
    assert names == ["FnRolePolicy1", "FnRolePolicy2", "FnRolePolicy4"]
    crud = role["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert "dynamodb:Query" in crud["Action"] and "dynamodb:ConditionCheckItem" in crud["Action"]
    assert crud["Resource"][1] == {"Fn::Sub": [
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}"
        "/index/*", {"tableName": {"Ref": "Table"}}]}
    assert role["Policies"][2]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"}]


def test_explicit_role_means_no_generated_role(tmp_path: Path) -> None:
    out, _, _ = expand(tmp_path, """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "x = 1", Handler: index.h, Runtime: python3.12,
                 Role: "arn:aws:iam::123456789012:role/r"}
""")
    assert "FnRole" not in out
    assert props(out, "Fn")["Code"] == {"ZipFile": "x = 1"}


def test_implicit_api_with_prod_stage_methods_and_permissions(tmp_path: Path) -> None:
    out, _, _ = expand(tmp_path, """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        Get: {Type: Api, Properties: {Path: "/order/{id}", Method: get}}
        Any: {Type: Api, Properties: {Path: /, Method: any}}
""")
    assert out["ServerlessRestApi"]["Type"] == "AWS::ApiGateway::RestApi"
    stage = props(out, "ServerlessRestApiProdStage")
    assert stage["StageName"] == "Prod"
    assert stage["DeploymentId"] == {"Ref": "ServerlessRestApiDeployment"}
    method = props(out, "ServerlessRestApiOrderIdGetMethod")
    assert method["AuthorizationType"] == "NONE" and method["ApiKeyRequired"] is False
    assert method["Integration"]["Type"] == "AWS_PROXY"
    assert method["Integration"]["IntegrationHttpMethod"] == "POST"
    order_id = method["ResourceId"]["Ref"]
    assert props(out, order_id)["PathPart"] == "{id}"
    parent = props(out, order_id)["ParentId"]["Ref"]
    assert props(out, parent)["ParentId"] == {"Fn::GetAtt": ["ServerlessRestApi",
                                                             "RootResourceId"]}
    root = props(out, "ServerlessRestApiRootAnyMethod")
    assert root["ResourceId"] == {"Fn::GetAtt": ["ServerlessRestApi", "RootResourceId"]}
    perm = props(out, "FnGetPermission")
    assert perm["Principal"] == "apigateway.amazonaws.com"
    assert perm["SourceArn"]["Fn::Sub"][0].endswith("${__ApiId__}/${__Stage__}/GET/order/*")
    assert props(out, "FnAnyPermission")["SourceArn"]["Fn::Sub"][0].endswith("/*/")


API = """
Parameters:
  Stage: {Type: String, Default: prod}
Resources:
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: a/, Handler: a.h, Runtime: python3.12}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      ApiKeySourceType: AUTHORIZER
      EndpointConfiguration: REGIONAL
      Auth:
        DefaultAuthorizer: Tok
        ApiKeyRequired: true
        ResourcePolicy:
          CustomStatements:
            - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*}
          AwsAccountWhitelist: ["111122223333"]
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {Header: Authorization, ReauthorizeEvery: 30}
          Req:
            FunctionArn: !GetAtt AuthFn.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [Authorization], QueryStrings: [tenant], ReauthorizeEvery: 0}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
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
        Internal:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /tenant, Method: post, Auth: {Authorizer: AWS_IAM}}
        Req:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /req, Method: put, Auth: {Authorizer: Req}}
Outputs:
  StageOut: {Value: !Ref Api.Stage}
  Url: {Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Api.Stage}"}
"""


def test_serverless_api_auth_expansion(tmp_path: Path) -> None:
    out, notes, tpl = expand(tmp_path, API)
    rest = props(out, "Api")
    assert rest["ApiKeySourceType"] == "AUTHORIZER"
    assert "EndpointConfiguration" not in rest
    assert any("EndpointConfiguration is ignored" in n for n in notes)
    tok = props(out, "ApiTokAuthorizer")
    assert tok["Type"] == "TOKEN" and tok["AuthorizerResultTtlInSeconds"] == 30
    assert tok["IdentitySource"] == "method.request.header.Authorization"
    assert tok["AuthorizerUri"]["Fn::Sub"][1] == {"__FunctionArn__": {
        "Fn::GetAtt": ["AuthFn", "Arn"]}}
    req = props(out, "ApiReqAuthorizer")
    assert req["Type"] == "REQUEST" and req["AuthorizerResultTtlInSeconds"] == 0
    assert req["IdentitySource"] == ("method.request.header.Authorization, "
                                     "method.request.querystring.tenant")
    assert props(out, "ApiTokAuthorizerPermission")["SourceArn"]["Fn::Sub"][0].endswith(
        "${__ApiId__}/authorizers/*")
    listing = props(out, "ApiProductsGetMethod")
    assert listing["AuthorizationType"] == "CUSTOM"
    assert listing["AuthorizerId"] == {"Ref": "ApiTokAuthorizer"}
    assert listing["ApiKeyRequired"] is True
    opened = props(out, "ApiInitGetMethod")
    assert opened["AuthorizationType"] == "NONE" and opened["ApiKeyRequired"] is False
    assert props(out, "ApiTenantPostMethod")["AuthorizationType"] == "AWS_IAM"
    assert props(out, "ApiReqPutMethod")["AuthorizerId"] == {"Ref": "ApiReqAuthorizer"}
    statements = rest["Policy"]["Statement"]
    assert statements[0]["Resource"] == "execute-api:/*"
    allow = [s for s in statements if s.get("Principal") == {"AWS": ["111122223333"]}]
    assert {s["Resource"] for s in allow} == {"execute-api:/prod/GET/products",
                                              "execute-api:/prod/GET/init",
                                              "execute-api:/prod/POST/tenant",
                                              "execute-api:/prod/PUT/req"}
    assert props(out, "ApiprodStage")["StageName"] == "prod"
    outputs = tpl.body["Outputs"]
    assert outputs["StageOut"]["Value"] == {"Ref": "ApiprodStage"}
    assert "${ApiprodStage}" in outputs["Url"]["Value"]["Fn::Sub"]


def _error(tmp_path: Path, body: str) -> str:
    with pytest.raises(DeployError) as err:
        expand(tmp_path, body)
    return str(err.value)


def test_expansion_errors_name_the_problem_and_line(tmp_path: Path) -> None:
    fn = ("  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
          "      CodeUri: s/\n      Handler: a.h\n      Runtime: python3.12\n")
    assert _error(tmp_path, "Resources:\n" + fn + "      Events:\n        Q:\n"
                  "          Type: SQS\n          Properties: {Queue: q}\n") == (
        "template.yaml:11: unsupported event type SQS (event Q of Fn)")
    assert _error(tmp_path, "Resources:\n  T:\n    Type: AWS::Serverless::SimpleTable\n") == (
        "template.yaml:3: unsupported resource type AWS::Serverless::SimpleTable (resource T)")
    assert "unsupported property Bogus of AWS::Serverless::Function Fn" in _error(
        tmp_path, "Resources:\n" + fn + "      Bogus: 1\n")
    assert "uses unknown authorizer Nope" in _error(
        tmp_path, "Resources:\n" + fn + "      Events:\n        E:\n          Type: Api\n"
        "          Properties: {Path: /x, Method: get, Auth: {Authorizer: Nope}}\n")
    assert "Domain of AWS::Serverless::Api A is not supported" in _error(
        tmp_path, "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n"
        "      StageName: p\n      Domain: {}\n")
    assert "AWS::Include Location missing.yaml is not a file" in _error(
        tmp_path, "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n"
        "      StageName: p\n      DefinitionBody:\n        Fn::Transform:\n"
        "          Name: AWS::Include\n          Parameters: {Location: missing.yaml}\n")
    assert "unsupported SAM policy template S3ReadPolicy" in _error(
        tmp_path, "Resources:\n" + fn + "      Policies:\n        - S3ReadPolicy: {BucketName: b}\n")
    assert "GET /x of ServerlessRestApi is already served by Fn" in _error(
        tmp_path, "Resources:\n" + fn + "      Events:\n"
        "        A: {Type: Api, Properties: {Path: /x, Method: get}}\n"
        "        B: {Type: Api, Properties: {Path: /x/, Method: GET}}\n")


def test_layer_defaults_to_retain_and_its_logical_id_as_name(tmp_path: Path) -> None:
    out, _, _ = expand(tmp_path, """
Resources:
  Libs:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/, CompatibleRuntimes: [python3.12]}
  Kept:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/, LayerName: kept, RetentionPolicy: Delete}
""")
    assert out["Libs"]["Type"] == "AWS::Lambda::LayerVersion"
    assert props(out, "Libs")["LayerName"] == "Libs"
    assert props(out, "Libs")["Content"] == {"_LocalPath": "layer/"}
    assert out["Libs"]["DeletionPolicy"] == "Retain"
    assert "DeletionPolicy" not in out["Kept"]
