"""The credentials the deployed authorizers vend are scoped to the caller's tenant.

Each authorizer function of the running SaaS is invoked through the Lambda API (the code
deployed by the pipeline, run by the harness runtime), exactly as API Gateway invokes it; the
STS session credentials in its output context are then used with boto3 against the edge. AWS
evaluates the session policy with the role's policy, so `dynamodb:LeadingKeys` confines the
session to the tenant's own partition keys: another tenant's key and any Scan are refused with
AccessDeniedException.

Docs: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
(session policies limit the role's permissions),
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
(dynamodb:LeadingKeys), https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
(the authorizer's context).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.client.saas import Tokens
from harness.saas.onboard import TenantRecord
from tests.saas.conftest import Saas


@pytest.fixture(scope="module")
def tokens(saas: Saas, tenants: dict[str, TenantRecord]) -> dict[str, Tokens]:
    return {tier: saas.sign_in(t) for tier, t in tenants.items()}


def api_id(url: str) -> str:
    """The REST API id in a LocalStack-shaped URL: .../restapis/<id>/<stage>/_user_request_."""
    return url.split("/restapis/", 1)[1].split("/", 1)[0]


def outputs(saas: Saas, stack: str) -> dict[str, str]:
    return saas.deployment.deployer.describe(stack).outputs


def vended(saas: Saas, function: str, token: str, api: str, route: str) -> dict[str, str]:
    """Invoke the authorizer as API Gateway would and return the credentials it vended."""
    method_arn = f"arn:aws:execute-api:{saas.state['region']}:{saas.state['account']}:{api}/prod/{route}"
    event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": method_arn}
    reply = saas.aws("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    out = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, out
    assert out["policyDocument"]["Statement"][0]["Effect"] == "Allow", out
    ctx = out["context"]
    return {"AccessKeyId": ctx["accesskey"], "SecretAccessKey": ctx["secretkey"],
            "SessionToken": ctx["sessiontoken"]}


def denied(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as exc:
        return exc.response["Error"]["Code"] == "AccessDeniedException"
    return False


def create_product(saas: Saas, tenant: TenantRecord, token: str) -> dict[str, dict[str, str]]:
    """A product made through the tenant's API; its DynamoDB key."""
    made = saas.client.request("POST", f"{tenant.api_url}/product", token=token,
                               body={"name": "scoped", "sku": "s-1", "category": "c", "price": 1})
    assert made.status == 201, made
    shard, item = made.body["id"].split(":")
    return {"shardId": {"S": shard}, "productId": {"S": item}}


def test_tenant_authorizer_credentials_read_only_the_pooled_tenants_own_items(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    own, other = tenants["basic"], tenants["standard"]
    own_key = create_product(saas, own, tokens["basic"].id_token)
    other_key = create_product(saas, other, tokens["standard"].id_token)
    function = outputs(saas, saas.state["stacks"]["pooled"])["TenantAuthorizerFunctionName"]
    creds = vended(saas, function, tokens["basic"].id_token, api_id(own.api_url), "GET/products")
    ddb = saas.aws("dynamodb", creds=creds)
    assert ddb.get_item(TableName="Product-pooled", Key=own_key)["Item"]["shardId"] == own_key[
        "shardId"]
    assert denied(ddb.get_item, TableName="Product-pooled", Key=other_key)
    assert denied(ddb.query, TableName="Product-pooled", KeyConditionExpression="shardId = :s",
                  ExpressionAttributeValues={":s": other_key["shardId"]})
    assert denied(ddb.put_item, TableName="Product-pooled",
                  Item={**other_key, "name": {"S": "overwritten"}})
    assert denied(ddb.delete_item, TableName="Product-pooled", Key=other_key)
    assert denied(ddb.scan, TableName="Product-pooled")
    still = saas.aws("dynamodb").get_item(TableName="Product-pooled", Key=other_key)["Item"]
    assert still["name"]["S"] == "scoped"


def test_silo_tenant_authorizer_credentials_stay_in_the_silo_tenants_keys(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    silo, pooled = tenants["platinum"], tenants["premium"]
    own_key = create_product(saas, silo, tokens["platinum"].id_token)
    pooled_key = create_product(saas, pooled, tokens["premium"].id_token)
    function = outputs(saas, f"stack-{silo.id}")["TenantAuthorizerFunctionName"]
    creds = vended(saas, function, tokens["platinum"].id_token, api_id(silo.api_url),
                   "GET/products")
    ddb = saas.aws("dynamodb", creds=creds)
    assert "Item" in ddb.get_item(TableName=f"Product-{silo.id}", Key=own_key)
    assert denied(ddb.scan, TableName=f"Product-{silo.id}")
    assert denied(ddb.get_item, TableName="Product-pooled", Key=pooled_key)
    assert denied(ddb.get_item, TableName=f"Product-{silo.id}",
                  Key={**own_key, "shardId": {"S": f"{pooled.id}-1"}})


def test_shared_authorizer_credentials_read_only_the_tenants_own_admin_rows(
        saas: Saas, tenants: dict[str, TenantRecord], tokens: dict[str, Tokens]) -> None:
    own, other = tenants["basic"], tenants["standard"]
    boot = outputs(saas, saas.state["stacks"]["bootstrap"])
    function = boot["SharedServicesAuthorizerFunctionName"]
    creds = vended(saas, function, tokens["basic"].id_token,
                   api_id(saas.state["admin_api_url"]), f"GET/tenant/{own.id}")
    ddb = saas.aws("dynamodb", creds=creds)
    details = saas.table("TenantDetails")
    got = ddb.get_item(TableName=details, Key={"tenantId": {"S": own.id}})
    assert got["Item"]["tenantName"]["S"] == own.name
    assert denied(ddb.get_item, TableName=details, Key={"tenantId": {"S": other.id}})
    assert denied(ddb.scan, TableName=details)
    mapping = saas.table("TenantUserMapping")
    assert denied(ddb.query, TableName=mapping, KeyConditionExpression="tenantId = :t",
                  ExpressionAttributeValues={":t": {"S": other.id}})
    assert "Items" in ddb.query(TableName=mapping, KeyConditionExpression="tenantId = :t",
                                ExpressionAttributeValues={":t": {"S": own.id}})
