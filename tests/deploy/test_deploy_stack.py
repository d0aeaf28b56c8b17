"""A tenant-style SAM stack deployed to the embedded target, checked through boto3 describe calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer, StackResult, lint
from harness.deploy.code import code_sha256, zip_directory

from .conftest import make_project
from .helpers import sam_id

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Tier: {Type: String, Default: pooled, AllowedValues: [pooled, silo]}
  StageName: {Type: String, Default: prod}
Mappings:
  Plans:
    basic: {Rate: 50, Burst: 50, Quota: 1000}
Conditions:
  IsSilo: !Equals [!Ref Tier, silo]
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    MemorySize: 256
    Layers: [!Ref Shared]
    Environment:
      Variables: {LOG_LEVEL: INFO}
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/, CompatibleRuntimes: [python3.12], RetentionPolicy: Delete}
  Products:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "Product-${AWS::StackName}"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: shardId, AttributeType: S}
        - {AttributeName: productId, AttributeType: S}
        - {AttributeName: name, AttributeType: S}
      KeySchema:
        - {AttributeName: shardId, KeyType: HASH}
        - {AttributeName: productId, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: ByName
          KeySchema: [{AttributeName: name, KeyType: HASH}]
          Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [productId]}
  SiloOnly:
    Type: AWS::DynamoDB::Table
    Condition: IsSilo
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub "${AWS::StackName}-pool"
      UsernameAttributes: [email]
      AutoVerifiedAttributes: [email]
      Policies:
        PasswordPolicy: {MinimumLength: 12, RequireSymbols: false}
      Schema:
        - {Name: email, AttributeDataType: String, Required: true, Mutable: true}
        - {Name: tenantId, AttributeDataType: String, Mutable: true}
        - {Name: userRole, AttributeDataType: String, Mutable: false}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      GenerateSecret: false
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      IdTokenValidity: 2
      AccessTokenValidity: 90
      RefreshTokenValidity: 7
      TokenValidityUnits: {IdToken: hours, AccessToken: minutes, RefreshToken: days}
      ReadAttributes: [email, custom:tenantId, custom:userRole]
      WriteAttributes: [email]
  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties: {UserPoolId: !Ref Pool, GroupName: admins, Precedence: 1}
  AccessRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${AWS::StackName}-access"
      MaxSessionDuration: 7200
      Path: /tenants/
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !GetAtt AuthFnRole.Arn}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: data
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [dynamodb:GetItem, dynamodb:Query]
                Resource: !GetAtt Products.Arn
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/auth/
      Handler: app.handler
      Environment:
        Variables: {ACCESS_ROLE: !GetAtt AccessRole.Arn, CLIENT: !Ref Client}
      Policies:
        - Statement:
            - {Effect: Allow, Action: sts:AssumeRole, Resource: "*"}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref StageName
      ApiKeySourceType: AUTHORIZER
      Variables: {tier: !Ref Tier}
      GatewayResponses:
        UNAUTHORIZED:
          StatusCode: 401
          ResponseParameters:
            Headers: {Access-Control-Allow-Origin: "'*'"}
          ResponseTemplates:
            application/json: '{"message": $context.error.messageString}'
      Auth:
        DefaultAuthorizer: TenantAuth
        ApiKeyRequired: true
        Authorizers:
          TenantAuth:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {ReauthorizeEvery: 30}
  ProductFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/product/
      Handler: app.handler
      Policies:
        - DynamoDBReadPolicy: {TableName: !Ref Products}
      Environment:
        Variables: {TABLE: !Ref Products}
      Events:
        List: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /products, Method: get}}
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/product/{id}", Method: get}}
        Internal:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /internal, Method: post,
                       Auth: {Authorizer: AWS_IAM, ApiKeyRequired: false}}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: !Sub "${AWS::StackName}-basic"
      ApiStages:
        - ApiId: !Ref Api
          Stage: !Ref Api.Stage
          Throttle:
            "/products/GET": {BurstLimit: 10, RateLimit: 5}
      Throttle:
        BurstLimit: !FindInMap [Plans, basic, Burst]
        RateLimit: !FindInMap [Plans, basic, Rate]
      Quota: {Limit: !FindInMap [Plans, basic, Quota], Period: DAY}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true, Value: abcdefghijklmnopqrstuvwxyz0123}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
Outputs:
  ApiUrl:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Api.Stage}/"
  TableName: {Value: !Ref Products}
  PoolId: {Value: !Ref Pool}
  ClientId: {Value: !GetAtt Client.ClientId}
  Provider: {Value: !GetAtt Pool.ProviderURL}
  SiloTable: {Condition: IsSilo, Value: !Ref SiloOnly}
  Names: {Value: !Join ["+", !Split [",", "a,b"]]}
"""

FILES = {
    "src/auth/app.py": "def handler(event, context):\n    return {'principalId': 'x'}\n",
    "src/auth/__pycache__/junk.pyc": "junk",
    "src/product/app.py": "def handler(event, context):\n    return {'statusCode': 200}\n",
    "layer/python/shared/__init__.py": "VERSION = 1\n",
}


@pytest.fixture(scope="module")
def stack(deployer: Deployer, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[StackResult, Path]:
    root = tmp_path_factory.mktemp("stack")
    path = make_project(root, TEMPLATE, FILES)
    return deployer.deploy(path, "full-stack"), root


def phys(stack: tuple[StackResult, Path], logical: str) -> str:
    return stack[0].resources[sam_id(stack[0].resources, logical)].physical_id


def test_status_outputs_and_conditions(stack: tuple[StackResult, Path], aws: Any) -> None:
    result = stack[0]
    assert result.status == "CREATE_COMPLETE"
    api = phys(stack, "Api")
    assert result.outputs["ApiUrl"] == f"https://{api}.execute-api.us-east-1.amazonaws.com/prod/"
    assert result.outputs["TableName"] == "Product-full-stack"
    assert result.outputs["PoolId"] == phys(stack, "Pool")
    assert result.outputs["ClientId"] == phys(stack, "Client")
    assert result.outputs["Provider"].endswith(f"amazonaws.com/{phys(stack, 'Pool')}")
    assert result.outputs["Names"] == "a+b"
    assert "SiloTable" not in result.outputs and "SiloOnly" not in result.resources
    assert result.parameters == {"Tier": "pooled", "StageName": "prod"}


def test_table_keys_and_indexes(stack: tuple[StackResult, Path], aws: Any) -> None:
    table = aws("dynamodb").describe_table(TableName="Product-full-stack")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "shardId", "KeyType": "HASH"},
                                  {"AttributeName": "productId", "KeyType": "RANGE"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "ByName"
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["productId"]}
    assert stack[0].resources["Products"].attributes["Arn"] == table["TableArn"]


def test_functions_config_code_and_layers(stack: tuple[StackResult, Path], aws: Any) -> None:
    lam = aws("lambda")
    fn = lam.get_function(FunctionName=phys(stack, "ProductFn"))["Configuration"]
    assert fn["FunctionName"].startswith("full-stack-ProductFn-")
    assert (fn["Runtime"], fn["Handler"], fn["Timeout"], fn["MemorySize"]) == (
        "python3.12", "app.handler", 10, 256)
    assert fn["Environment"]["Variables"] == {"LOG_LEVEL": "INFO", "TABLE": "Product-full-stack"}
    assert "AWS_ENDPOINT_URL" not in fn["Environment"]["Variables"]
    assert fn["CodeSha256"] == code_sha256(zip_directory(stack[1] / "src" / "product"))
    assert [layer["Arn"] for layer in fn["Layers"]] == [phys(stack, "Shared")]
    assert fn["Role"] == stack[0].resources["ProductFnRole"].attributes["Arn"]
    auth = lam.get_function(FunctionName=phys(stack, "AuthFn"))["Configuration"]
    assert auth["Environment"]["Variables"]["ACCESS_ROLE"].endswith(
        ":role/tenants/full-stack-access")
    layer = lam.get_layer_version(LayerName="Shared", VersionNumber=int(
        phys(stack, "Shared").rsplit(":", 1)[1]))
    assert layer["LayerVersionArn"] == phys(stack, "Shared")
    assert layer["CompatibleRuntimes"] == ["python3.12"]


def test_roles_trust_and_policies(stack: tuple[StackResult, Path], aws: Any) -> None:
    iam = aws("iam")
    role = iam.get_role(RoleName=phys(stack, "ProductFnRole"))["Role"]
    doc = role["AssumeRolePolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    assert doc["Statement"][0]["Principal"] == {"Service": ["lambda.amazonaws.com"]}
    names = iam.list_role_policies(RoleName=phys(stack, "ProductFnRole"))["PolicyNames"]
    assert names == ["ProductFnRolePolicy0"]
    policy = iam.get_role_policy(RoleName=phys(stack, "ProductFnRole"),
                                 PolicyName="ProductFnRolePolicy0")["PolicyDocument"]
    statement = policy["Statement"][0]
    table_arn = stack[0].resources["Products"].attributes["Arn"]
    assert statement["Resource"] == [table_arn, table_arn + "/index/*"]
    assert set(statement["Action"]) == {"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query",
                                        "dynamodb:BatchGetItem", "dynamodb:DescribeTable"}
    access = iam.get_role(RoleName="full-stack-access")["Role"]
    assert access["MaxSessionDuration"] == 7200 and access["Path"] == "/tenants/"
    trust = access["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {
        "AWS": stack[0].resources["AuthFnRole"].attributes["Arn"]}


def test_user_pool_schema_client_and_group(stack: tuple[StackResult, Path], aws: Any) -> None:
    idp = aws("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=phys(stack, "Pool"))["UserPool"]
    attrs = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert attrs["custom:tenantId"]["Mutable"] is True
    assert attrs["custom:userRole"]["Mutable"] is False
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    client = idp.describe_user_pool_client(UserPoolId=phys(stack, "Pool"),
                                           ClientId=phys(stack, "Client"))["UserPoolClient"]
    assert (client["IdTokenValidity"], client["AccessTokenValidity"],
            client["RefreshTokenValidity"]) == (2, 90, 7)
    assert client["TokenValidityUnits"] == {"IdToken": "hours", "AccessToken": "minutes",
                                            "RefreshToken": "days"}
    assert set(client["ReadAttributes"]) == {"email", "custom:tenantId", "custom:userRole"}
    assert client["WriteAttributes"] == ["email"]
    assert "ClientSecret" not in client
    group = idp.get_group(GroupName="admins", UserPoolId=phys(stack, "Pool"))["Group"]
    assert group["Precedence"] == 1


def test_api_resources_methods_authorizer_and_stage(stack: tuple[StackResult, Path],
                                                    aws: Any) -> None:
    apigw = aws("apigateway")
    api_id = phys(stack, "Api")
    api = apigw.get_rest_api(restApiId=api_id)
    assert api["apiKeySource"] == "AUTHORIZER" and api["name"] == "full-stack"
    paths = {r["path"]: r for r in apigw.get_resources(restApiId=api_id, limit=500)["items"]}
    assert set(paths) == {"/", "/products", "/product", "/product/{id}", "/internal"}
    (auth,) = apigw.get_authorizers(restApiId=api_id)["items"]
    assert auth["type"] == "TOKEN" and auth["authorizerResultTtlInSeconds"] == 30
    assert auth["identitySource"] == "method.request.header.Authorization"
    assert phys(stack, "AuthFn") in auth["authorizerUri"]
    get = apigw.get_method(restApiId=api_id, resourceId=paths["/products"]["id"],
                           httpMethod="GET")
    assert get["authorizationType"] == "CUSTOM" and get["authorizerId"] == auth["id"]
    assert get["apiKeyRequired"] is True
    assert get["methodIntegration"]["type"] == "AWS_PROXY"
    assert stack[0].resources["ProductFn"].attributes["Arn"] in get["methodIntegration"]["uri"]
    internal = apigw.get_method(restApiId=api_id, resourceId=paths["/internal"]["id"],
                                httpMethod="POST")
    assert internal["authorizationType"] == "AWS_IAM" and internal["apiKeyRequired"] is False
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == phys(stack, "ApiDeployment")
    response = apigw.get_gateway_response(restApiId=api_id, responseType="UNAUTHORIZED")
    assert response["statusCode"] == "401"
    assert response["responseParameters"] == {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    assert stage["variables"] == {"tier": "pooled"}


def test_lambda_permissions_for_api_gateway(stack: tuple[StackResult, Path], aws: Any) -> None:
    policy = json.loads(aws("lambda").get_policy(FunctionName=phys(stack, "ProductFn"))["Policy"])
    arns = {s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]}
    api = phys(stack, "Api")
    base = f"arn:aws:execute-api:us-east-1:123456789012:{api}"
    assert arns == {f"{base}/*/GET/products", f"{base}/*/GET/product/*",
                    f"{base}/*/POST/internal"}
    auth_policy = json.loads(aws("lambda").get_policy(FunctionName=phys(stack, "AuthFn"))["Policy"])
    assert auth_policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] == (
        f"{base}/authorizers/*")


def test_usage_plan_and_key(stack: tuple[StackResult, Path], aws: Any) -> None:
    apigw = aws("apigateway")
    plan = apigw.get_usage_plan(usagePlanId=phys(stack, "Plan"))
    assert plan["name"] == "full-stack-basic"
    assert plan["throttle"] == {"burstLimit": 50, "rateLimit": 50.0}
    assert plan["quota"]["limit"] == 1000 and plan["quota"]["period"] == "DAY"
    (stage,) = plan["apiStages"]
    assert stage["apiId"] == phys(stack, "Api") and stage["stage"] == "prod"
    assert stage["throttle"] == {"/products/GET": {"burstLimit": 10, "rateLimit": 5.0}}
    keys = apigw.get_usage_plan_keys(usagePlanId=phys(stack, "Plan"))["items"]
    assert [k["id"] for k in keys] == [phys(stack, "Key")]
    key = apigw.get_api_key(apiKey=phys(stack, "Key"), includeValue=True)
    assert key["enabled"] is True and key["value"] == "abcdefghijklmnopqrstuvwxyz0123"


def test_template_passes_cfn_lint(stack: tuple[StackResult, Path]) -> None:
    assert lint(stack[1] / "template.yaml") == []


def test_redeploy_without_changes_is_a_no_op(stack: tuple[StackResult, Path],
                                             deployer: Deployer) -> None:
    again = deployer.deploy(stack[1] / "template.yaml", "full-stack")
    assert again.status == "UPDATE_COMPLETE"
    assert {k: v.physical_id for k, v in again.resources.items()} == {
        k: v.physical_id for k, v in stack[0].resources.items()}
    assert deployer.describe("full-stack").outputs == stack[0].outputs
    assert "full-stack" in deployer.list_stacks()
