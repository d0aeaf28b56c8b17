"""The authorizer benchmark's app: a Cognito pool, a TOKEN authorizer that checks the user is enabled,
and a function reading the tenant's item with STS credentials vended by the authorizer or assumed
per call. Its code uses only what the Lambda runtime ships (boto3)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any, Literal

Placement = Literal["authorizer", "function"]
PLACEMENTS: tuple[Placement, ...] = ("authorizer", "function")
PASSWORD = "Bench-Passw0rd!"

_POLICY = '''
def session_policy(tenant):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": os.environ["TABLE_ARN"],
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [tenant]}}}]})


def assume(tenant):
    return STS.assume_role(RoleArn=os.environ["TENANT_ROLE_ARN"], RoleSessionName="t-" + tenant[:60],
                           Policy=session_policy(tenant))["Credentials"]
'''

AUTHORIZER_CODE = '''
import json, os
import boto3

IDP = boto3.client("cognito-idp")
STS = boto3.client("sts")
''' + _POLICY + '''

def handler(event, context):
    token = event.get("authorizationToken", "")
    token = token[7:] if token.startswith("Bearer ") else token
    try:
        user = IDP.get_user(AccessToken=token)
    except Exception:
        raise Exception("Unauthorized")
    tenant = {a["Name"]: a["Value"] for a in user["UserAttributes"]}.get("custom:tenantId", "")
    enabled = IDP.admin_get_user(UserPoolId=os.environ["POOL_ID"], Username=user["Username"])["Enabled"]
    arn = event["methodArn"].split("/")
    stage = "/".join(arn[:2])
    effect = "Allow" if enabled and tenant else "Deny"
    context_out = {"tenantId": tenant}
    if effect == "Allow" and os.environ["VEND"] == "1":
        creds = assume(tenant)
        context_out.update(accessKeyId=creds["AccessKeyId"], secretAccessKey=creds["SecretAccessKey"],
                           sessionToken=creds["SessionToken"])
    return {"principalId": user["Username"], "context": context_out, "policyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": stage + "/*"}]}}
'''

HANDLER_CODE = '''
import json, os
import boto3

STS = boto3.client("sts")
SESSION = boto3.session.Session()
CLIENTS = {}
''' + _POLICY + '''

def client(key, secret, token):
    found = CLIENTS.get(key)
    if found is None:
        found = SESSION.client("dynamodb", aws_access_key_id=key, aws_secret_access_key=secret,
                               aws_session_token=token)
        if len(CLIENTS) > 64:
            CLIENTS.clear()
        CLIENTS[key] = found
    return found


def handler(event, context):
    ctx = event["requestContext"]["authorizer"]
    tenant = ctx["tenantId"]
    if os.environ["VEND"] == "1":
        ddb = client(ctx["accessKeyId"], ctx["secretAccessKey"], ctx["sessionToken"])
    else:
        creds = assume(tenant)
        ddb = client(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    key = {"tenantId": {"S": tenant}, "id": {"S": "profile"}}
    item = ddb.get_item(TableName=os.environ["TABLE"], Key=key)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"tenant": tenant, "found": "Item" in item})}
'''


def zip_of(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


@dataclass(frozen=True)
class BenchApp:
    """What the matrix needs: one API per (TTL, placement), the pool and its client."""

    pool_id: str
    client_id: str
    apis: dict[tuple[int, Placement], str]  # -> invoke path prefix /restapis/<id>/bench/_user_request_


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deploy(client: Any, region: str, account: str, ttls: tuple[int, ...],
           placements: tuple[Placement, ...]) -> BenchApp:
    """Pool, table, roles, two authorizers and two handlers, and an API per (TTL, placement)."""
    idp, ddb, iam, lam, apigw = (client(n) for n in
                                 ("cognito-idp", "dynamodb", "iam", "lambda", "apigateway"))
    pool = idp.create_user_pool(PoolName="bench-authorizer", Schema=[
        {"Name": "tenantId", "AttributeDataType": "String", "Mutable": False}])["UserPool"]["Id"]
    app_client = idp.create_user_pool_client(UserPoolId=pool, ClientName="bench",
                                             ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                                "ALLOW_REFRESH_TOKEN_AUTH"])
    table = "bench-authorizer-items"
    table_arn = ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "tenantId", "KeyType": "HASH"},
                   {"AttributeName": "id", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "tenantId", "AttributeType": "S"},
                              {"AttributeName": "id", "AttributeType": "S"}])["TableDescription"]["TableArn"]
    fn_role = iam.create_role(RoleName="bench-authorizer-fn", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": "sts:AssumeRole"}))["Role"]
    tenant_role = iam.create_role(RoleName="bench-authorizer-tenant", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": {"AWS": fn_role["Arn"]}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    iam.put_role_policy(RoleName="bench-authorizer-tenant", PolicyName="items", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table_arn}))
    iam.put_role_policy(RoleName="bench-authorizer-fn", PolicyName="bench", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "cognito-idp:AdminGetUser",
         "Resource": f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool}"},
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": tenant_role}))
    env = {"POOL_ID": pool, "TENANT_ROLE_ARN": tenant_role, "TABLE_ARN": table_arn, "TABLE": table}
    arns: dict[tuple[str, Placement], str] = {}
    for placement in placements:
        vend = "1" if placement == "authorizer" else "0"
        for kind, code in (("authorizer", AUTHORIZER_CODE), ("handler", HANDLER_CODE)):
            name = f"bench-{kind}-{placement}"
            arns[(kind, placement)] = lam.create_function(
                FunctionName=name, Runtime="python3.11", Role=fn_role["Arn"], Handler="app.handler",
                Code={"ZipFile": zip_of(code)}, Timeout=30,
                Environment={"Variables": {**env, "VEND": vend}})["FunctionArn"]
            lam.add_permission(FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                               Principal="apigateway.amazonaws.com")
    apis = {(ttl, p): _api(apigw, region, ttl, p, arns[("authorizer", p)], arns[("handler", p)])
            for ttl in ttls for p in placements}
    return BenchApp(pool, app_client["UserPoolClient"]["ClientId"], apis)


def _api(apigw: Any, region: str, ttl: int, placement: Placement, authorizer: str, handler: str) -> str:
    def uri(arn: str) -> str:
        return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"

    api = apigw.create_rest_api(name=f"bench-authorizer-{ttl}-{placement}")
    auth = apigw.create_authorizer(restApiId=api["id"], name="token", type="TOKEN",
                                   authorizerUri=uri(authorizer),
                                   identitySource="method.request.header.Authorization",
                                   authorizerResultTtlInSeconds=ttl)
    res = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="item")
    apigw.put_method(restApiId=api["id"], resourceId=res["id"], httpMethod="GET", authorizationType="CUSTOM",
                     authorizerId=auth["id"])
    apigw.put_integration(restApiId=api["id"], resourceId=res["id"], httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=uri(handler))
    apigw.create_deployment(restApiId=api["id"], stageName="bench")
    return f"/restapis/{api['id']}/bench/_user_request_/item"


def add_user(client: Any, app: BenchApp, tenant: str, name: str) -> str:
    """A user of `tenant`, signed in: its access token (what the authorizer receives)."""
    idp = client("cognito-idp")
    idp.admin_create_user(UserPoolId=app.pool_id, Username=name, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "custom:tenantId", "Value": tenant}])
    idp.admin_set_user_password(UserPoolId=app.pool_id, Username=name, Password=PASSWORD, Permanent=True)
    tokens = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    return str(tokens["AuthenticationResult"]["AccessToken"])


def seed(client: Any, tenant: str) -> None:
    client("dynamodb").put_item(TableName="bench-authorizer-items",
                                Item={"tenantId": {"S": tenant}, "id": {"S": "profile"}})
