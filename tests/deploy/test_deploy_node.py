"""A Node.js SAM function deployed and run: SDK v3 reaches the harness with its role's session.

AWS: "Building Lambda functions with Node.js" (the runtime includes the AWS SDK for JavaScript v3;
functions get their execution role's credentials in the environment),
https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html, and "Defined runtime environment
variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer
from tests.conftest import ClientFactory

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

APP = """
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event) => {
  await doc.send(new PutCommand({ TableName: process.env.TABLE, Item: { PK: event.id, name: event.name } }));
  const { Item } = await doc.send(new GetCommand({ TableName: process.env.TABLE, Key: { PK: event.id } }));
  const me = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  let denied = null;
  try {
    await doc.send(new GetCommand({ TableName: process.env.OTHER, Key: { PK: event.id } }));
  } catch (err) {
    denied = err.name;
  }
  return { item: Item, arn: me.Arn, denied };
};
"""
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
  Other:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
  NodeItems:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs20.x
      Timeout: 10
      Environment:
        Variables:
          TABLE: !Ref Items
          OTHER: !Ref Other
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Items
"""


def test_node_function_uses_the_sdk_against_the_harness_with_its_role_session(
        deployer: Deployer, project: Any, stack_name: str, aws: ClientFactory) -> None:
    """The SDK finds the endpoint and the role's session in the environment; IAM decides as on
    AWS (its own table is allowed, the other one is denied)."""
    template: Path = project(TEMPLATE, {"src/index.mjs": APP})
    result = deployer.deploy(template, stack_name)
    name = result.resources["NodeItems"].physical_id
    out = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"id": "id1", "name": "n1"}))
    payload = json.loads(out["Payload"].read())
    assert out.get("FunctionError") is None, payload
    assert payload["item"] == {"PK": "id1", "name": "n1"}
    assert ":assumed-role/" in payload["arn"] and payload["arn"].endswith(f"/{name}")
    assert payload["denied"] == "AccessDeniedException"
