"""Plain CloudFormation (no SAM): API Gateway pieces, inline Lambda code, IAM policies, groups."""

from __future__ import annotations

import json
from typing import Any

from harness.deploy import Deployer
from harness.deploy.code import code_sha256, zip_inline
from harness.deploy.lambda_modules import cfnresponse_source

from .conftest import Project

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  WithPost: {Type: String, Default: "no", AllowedValues: ["yes", "no"]}
Conditions:
  Post: !Equals [!Ref WithPost, "yes"]
Resources:
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: "dynamodb:*", Resource: "*"}]
  Role:
    Type: AWS::IAM::Role
    Properties:
      PermissionsBoundary: !Ref Boundary
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Role]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: dynamodb:GetItem, Resource: "*"}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Sub "${AWS::StackName}-api"
      ApiKeySourceType: HEADER
      Policy:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/*"}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Auth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: req
      Type: REQUEST
      AuthorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\
        functions/${Fn.Arn}/invocations"
      IdentitySource: method.request.header.Authorization
      AuthorizerResultTtlInSeconds: 0
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Auth
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
  Post:
    Type: AWS::ApiGateway::Method
    Condition: Post
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: POST
      AuthorizationType: AWS_IAM
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, Description: no DependsOn needed}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: v1
      Variables: {tier: basic}
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"
  Pool:
    Type: AWS::Cognito::UserPool
  Group:
    Type: AWS::Cognito::UserPoolGroup
    Properties: {UserPoolId: !Ref Pool, RoleArn: !GetAtt Role.Arn, Description: tenant}
Outputs:
  Url:
    Value: !Join ["", ["/restapis/", !Ref Api, "/", !Ref Stage, "/_user_request_/items"]]
  Group: {Value: !Ref Group}
"""


def test_plain_cloudformation_api_and_redeploy(deployer: Deployer, project: Project,
                                               stack_name: str, aws: Any) -> None:
    path = project(TEMPLATE)
    first = deployer.deploy(path, stack_name)
    res = first.resources
    iam, apigw, lam = aws("iam"), aws("apigateway"), aws("lambda")
    role = iam.get_role(RoleName=res["Role"].physical_id)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == res["Boundary"].physical_id
    assert iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == ["extra"]
    fn = lam.get_function(FunctionName=res["Fn"].physical_id)["Configuration"]
    source = 'def handler(event, context):\n    return {"statusCode": 200}\n'
    # AWS adds the cfn-response module beside inline Python code (User Guide, "cfn-response module")
    with_module = zip_inline(source, "index.py", {"cfnresponse.py": cfnresponse_source()})
    assert fn["CodeSha256"] == code_sha256(with_module)
    api_id = res["Api"].physical_id
    api = apigw.get_rest_api(restApiId=api_id)
    assert api["apiKeySource"] == "HEADER" and api["name"] == f"{stack_name}-api"
    policy = json.loads(api["policy"])
    assert policy["Statement"][0]["Resource"] == (
        f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/*")
    (auth,) = apigw.get_authorizers(restApiId=api_id)["items"]
    assert auth["type"] == "REQUEST" and auth["authorizerResultTtlInSeconds"] == 0
    stage = apigw.get_stage(restApiId=api_id, stageName="v1")
    assert stage["deploymentId"] == res["Deployment"].physical_id
    assert stage["variables"] == {"tier": "basic"}
    assert first.outputs["Url"] == f"/restapis/{api_id}/v1/_user_request_/items"
    group = aws("cognito-idp").get_group(GroupName=first.outputs["Group"],
                                         UserPoolId=res["Pool"].physical_id)["Group"]
    assert group["RoleArn"] == role["Arn"] and group["Description"] == "tenant"
    statement = json.loads(lam.get_policy(FunctionName=res["Fn"].physical_id)["Policy"])
    assert statement["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}

    second = deployer.deploy(path, stack_name, {"WithPost": "yes"})
    items = res["Items"].physical_id
    post = apigw.get_method(restApiId=api_id, resourceId=items, httpMethod="POST")
    assert post["authorizationType"] == "AWS_IAM"
    new_deployment = second.resources["Deployment"].physical_id
    assert new_deployment != res["Deployment"].physical_id
    assert apigw.get_stage(restApiId=api_id, stageName="v1")["deploymentId"] == new_deployment
    deployments = {d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]}
    assert deployments == {new_deployment}, "the superseded deployment is cleaned up"
    deployer.delete(stack_name)
    assert not [p for p in iam.list_policies(Scope="Local")["Policies"]
                if p["Arn"] == res["Boundary"].physical_id]
