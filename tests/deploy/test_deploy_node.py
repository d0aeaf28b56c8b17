"""A Node.js SAM function deployed and run: SDK v3 reaches the harness with its role's session.

AWS: "Building Lambda functions with Node.js" (the runtime includes the AWS SDK for JavaScript v3;
functions get their execution role's credentials in the environment),
https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html, and "Defined runtime environment
variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html.
"""

from __future__ import annotations

import http.client
import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


CORPUS_APP = Path("/work/shared/sam-corpus/serverless-multi-tenant-api")


def _call(endpoint: str, api_id: str, path: str, key: str, body: bytes | None = None) -> tuple[int, Any]:
    """One request with the header names as curl sends them (urllib would capitalise them)."""
    conn = http.client.HTTPConnection(urlsplit(endpoint).netloc, timeout=60)
    conn.request("POST" if body is not None else "GET",
                 f"/restapis/{api_id}/Prod/_user_request_{path}", body=body,
                 headers={"x-api-key": key, "content-type": "application/json"})
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    try:
        return resp.status, json.loads(text)
    except json.JSONDecodeError:
        return resp.status, text


@pytest.mark.skipif(not (CORPUS_APP / "template.yaml").is_file(), reason="the SAM corpus is not here")
def test_corpus_multi_tenant_api_scopes_items_to_the_key_s_tenant(
        target: Any, deployer: Deployer, aws: ClientFactory) -> None:
    """serverless-multi-tenant-api (nodejs24.x), deployed unchanged: POST then GET with the key.

    The REQUEST authorizer reads `K#<api key>` from the ConfigTable (auth.mjs; the README's seed
    row leaves the prefix out), assumes AuthorizerAccessRole with a session policy on
    `dynamodb:LeadingKeys` and hands the credentials to the functions in the authorizer context.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
    (an explicit Deny answers 403), https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
    (a session policy limits the session to the intersection with the role's policies).
    """
    result = deployer.deploy(CORPUS_APP / "template.yaml", "corpus-multi-tenant")
    assert result.status == "CREATE_COMPLETE"
    api_id = result.resources["MyApi"].physical_id
    assert result.outputs["WebEndpoint"] == (
        f"https://{api_id}.execute-api.us-east-1.amazonaws.com/Prod/")
    key = aws("apigateway").get_api_key(apiKey=result.outputs["TestApiKeyOutput"],
                                        includeValue=True)["value"]
    aws("dynamodb").put_item(TableName=result.outputs["DynamoDBTableName"], Item={
        "PK": {"S": f"K#{key}"}, "TENANT_ID": {"S": "TENANT1"}})
    status, body = _call(target.endpoint, api_id, "/", key,
                         json.dumps({"id": "id1", "name": "name1"}).encode())
    assert status == 200, body
    assert body == {"id": "id1", "name": "name1"}
    assert _call(target.endpoint, api_id, "/id1", key) == (200, {"id": "id1", "name": "name1"})
    stored = aws("dynamodb").scan(TableName=result.resources["ItemTable"].physical_id)["Items"]
    assert [i["PK"]["S"] for i in stored] == ["T#TENANT1#id1"], "rows carry the tenant prefix"
    unknown = aws("apigateway").create_api_key(name="corpus-mt-unknown", enabled=True)
    aws("apigateway").create_usage_plan_key(
        usagePlanId=result.resources["UsagePlan"].physical_id, keyId=unknown["id"], keyType="API_KEY")
    status, body = _call(target.endpoint, api_id, "/id1", unknown["value"])
    assert (status, body) == (403, {"Message": "User is not authorized to access this resource "
                                               "with an explicit deny"})
    deployer.delete("corpus-multi-tenant")
