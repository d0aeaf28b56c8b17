"""Shared pieces of the OpenAPI tests: the functions stack, HTTP calls, documents."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from harness.target import EmbeddedTarget

FUNCTIONS = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Marks:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Authorizer:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: auth.handler, Runtime: python3.11}
  Echo:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: echo.handler, Runtime: python3.11}
  Failing:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: failing.handler, Runtime: python3.11}
  Slow:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: slow.handler
      Runtime: python3.11
      Timeout: 10
      Environment: {Variables: {TABLE: !Ref Marks}}
      Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Marks}}]
Outputs:
  AuthorizerArn: {Value: !GetAtt Authorizer.Arn}
  EchoArn: {Value: !GetAtt Echo.Arn}
  FailingArn: {Value: !GetAtt Failing.Arn}
  SlowArn: {Value: !GetAtt Slow.Arn}
  Table: {Value: !Ref Marks}
"""

SOURCES = {
    "src/auth.py": """
        def handler(event, context):
            effect = "Allow" if event["authorizationToken"] == "allow" else "Deny"
            return {"principalId": "ann", "context": {"tenant": "t1"},
                    "policyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": effect, "Action": "execute-api:Invoke",
                        "Resource": event["methodArn"].split("/", 1)[0] + "/*"}]}}
    """,
    "src/echo.py": """
        def handler(event, context):
            return {"event": event}
    """,
    "src/failing.py": """
        def handler(event, context):
            raise Exception("NotFound: no item " + str(event.get("id")))
    """,
    "src/slow.py": """
        import os, time, boto3
        def handler(event, context):
            time.sleep(5)
            boto3.client("dynamodb").put_item(TableName=os.environ["TABLE"],
                                              Item={"id": {"S": event["mark"]}})
            return {"done": True}
    """,
}


def lambda_uri(function_arn: str) -> str:
    return (f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}"
            "/invocations")


def call(target: EmbeddedTarget, api_id: str, stage: str, path: str, method: str = "GET",
         body: bytes | None = None, headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    """One request to the deployed stage over real HTTP."""
    url = f"{target.endpoint}/restapis/{api_id}/{stage}/_user_request_{path}"
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def as_json(raw: bytes) -> Any:
    return json.loads(raw or b"null")


def allow_gateway(aws: Any, function_arn: str, api_id: str, sid: str) -> None:
    """The function's resource policy lets API Gateway invoke it from this API."""
    aws("lambda").add_permission(
        FunctionName=function_arn, StatementId=sid, Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:us-east-1:{function_arn.split(':')[4]}:{api_id}/*")
