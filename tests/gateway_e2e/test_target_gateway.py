"""The data plane inside the full target: deployed through the apigateway and lambda APIs with
boto3, called over HTTP at LocalStack-shaped URLs, with the edge doing SigV4 for AWS_IAM.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-aws-condition-keys.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness.target import EmbeddedTarget
from tests.edge.helpers import allow, doc, make_role, make_user, unique

AUTHORIZER = """
def handler(event, context):
    token = event["authorizationToken"]
    if token == "deny":
        raise Exception("Unauthorized")
    return {"principalId": "user-" + token,
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "execute-api:Invoke",
                "Resource": event["methodArn"].split("/")[0] + "/*"}]},
            "context": {"tenantId": token},
            "usageIdentifierKey": "key-" + token + "-0123456789abcdefghij"}
"""
HANDLER = """
import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"tenant": event["requestContext"].get("authorizer", {}).get("tenantId"),
                                "path": event["path"], "id": (event.get("pathParameters") or {}).get("id"),
                                "caller": event["requestContext"]["identity"].get("userArn")})}
"""


def zip_of(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


def call(target: EmbeddedTarget, api: str, path: str, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[int, Any]:
    url = f"{target.endpoint}/restapis/{api}/prod/_user_request_{path}"
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@pytest.fixture(scope="module")
def api(target: EmbeddedTarget, aws: Any) -> dict[str, str]:
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    lam = aws("lambda")
    fns = {}
    for kind, code in (("auth", AUTHORIZER), ("app", HANDLER)):
        name = unique(kind)
        fns[kind] = lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                        Handler="app.handler",
                                        Code={"ZipFile": zip_of(code)})["FunctionArn"]
    lam.add_permission(FunctionName=fns["auth"], StatementId="gw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    lam.add_permission(FunctionName=fns["app"], StatementId="gw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    unpermitted = lam.create_function(FunctionName=unique("noperm"), Runtime="python3.11",
                                      Role=role, Handler="app.handler",
                                      Code={"ZipFile": zip_of(HANDLER)})["FunctionArn"]
    gw = aws("apigateway")
    user_arn, key = make_user(aws, doc(allow("execute-api:Invoke")))
    policy = doc({"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "execute-api:Invoke",
                  "Resource": "execute-api:/*"},
                 {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                  "Resource": ["execute-api:/*/GET/items", "execute-api:/*/GET/items/*",
                               "execute-api:/*/GET/broken"]})
    rest = gw.create_rest_api(name=unique("api"), apiKeySource="AUTHORIZER", policy=policy)
    api_id, root = rest["id"], rest["rootResourceId"]

    def uri(arn: str) -> str:
        return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"

    auth = gw.create_authorizer(restApiId=api_id, name="tok", type="TOKEN",
                                authorizerUri=uri(fns["auth"]),
                                identitySource="method.request.header.Authorization",
                                authorizerResultTtlInSeconds=300)
    items = gw.create_resource(restApiId=api_id, parentId=root, pathPart="items")
    item = gw.create_resource(restApiId=api_id, parentId=items["id"], pathPart="{id}")
    internal = gw.create_resource(restApiId=api_id, parentId=root, pathPart="internal")
    broken = gw.create_resource(restApiId=api_id, parentId=root, pathPart="broken")
    for res, auth_type, fn in ((items, "CUSTOM", fns["app"]), (item, "CUSTOM", fns["app"]),
                               (internal, "AWS_IAM", fns["app"]), (broken, "NONE", unpermitted)):
        gw.put_method(restApiId=api_id, resourceId=res["id"], httpMethod="GET",
                      authorizationType=auth_type, apiKeyRequired=auth_type == "CUSTOM",
                      **({"authorizerId": auth["id"]} if auth_type == "CUSTOM" else {}))
        gw.put_integration(restApiId=api_id, resourceId=res["id"], httpMethod="GET",
                           type="AWS_PROXY", integrationHttpMethod="POST", uri=uri(fn))
    gw.create_deployment(restApiId=api_id, stageName="prod")
    plan = gw.create_usage_plan(name=unique("plan"), apiStages=[{"apiId": api_id, "stage": "prod"}],
                                throttle={"rateLimit": 100, "burstLimit": 100},
                                quota={"limit": 3, "period": "DAY"})
    for tenant in ("t1", "t2"):
        k = gw.create_api_key(name=unique(tenant), enabled=True,
                              value=f"key-{tenant}-0123456789abcdefghij")
        gw.create_usage_plan_key(usagePlanId=plan["id"], keyId=k["id"], keyType="API_KEY")
    return {"id": api_id, "plan": plan["id"], "user_key": key["AccessKeyId"],
            "user_secret": key["SecretAccessKey"], "user_arn": user_arn, "unpermitted": unpermitted}


def test_custom_authorizer_and_proxy_integration_through_the_target(target: EmbeddedTarget,
                                                                     api: dict[str, str]) -> None:
    status, body = call(target, api["id"], "/items/42", {"Authorization": "t1"})
    assert status == 200 and body == {"tenant": "t1", "path": "/items/42", "id": "42",
                                      "caller": None}


def test_unauthorized_from_the_authorizer_is_401(target: EmbeddedTarget, api: dict[str, str]) -> None:
    assert call(target, api["id"], "/items", {"Authorization": "deny"}) == \
        (401, {"message": "Unauthorized"})


def test_missing_route_is_missing_authentication_token(target: EmbeddedTarget,
                                                       api: dict[str, str]) -> None:
    assert call(target, api["id"], "/nope") == (403, {"message": "Missing Authentication Token"})


def test_function_without_apigateway_permission_is_a_500(target: EmbeddedTarget,
                                                         api: dict[str, str]) -> None:
    assert call(target, api["id"], "/broken")[0] == 500


def test_a_permission_granted_then_removed_is_seen_at_once(target: EmbeddedTarget, aws: Any,
                                                          api: dict[str, str]) -> None:
    """The gateway's invoke check follows the function's policy as it changes (its answers are
    kept per policy text, so a new policy is a new question)."""
    lam = aws("lambda")
    lam.add_permission(FunctionName=api["unpermitted"], StatementId="late", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    try:
        assert call(target, api["id"], "/broken")[0] == 200
    finally:
        lam.remove_permission(FunctionName=api["unpermitted"], StatementId="late")
    assert call(target, api["id"], "/broken")[0] == 500


def signed_headers(target: EmbeddedTarget, api_id: str, path: str, key: str,
                   secret: str) -> dict[str, str]:
    url = f"{target.endpoint}/restapis/{api_id}/prod/_user_request_{path}"
    req = AWSRequest("GET", url)
    SigV4Auth(Credentials(key, secret), "execute-api", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def test_aws_iam_method_with_sigv4_and_resource_policy(target: EmbeddedTarget, aws: Any,
                                                       api: dict[str, str]) -> None:
    ok = signed_headers(target, api["id"], "/internal", api["user_key"], api["user_secret"])
    status, body = call(target, api["id"], "/internal", ok)
    assert status == 200 and body["caller"] == api["user_arn"]
    assert call(target, api["id"], "/internal")[1] == {"message": "Missing Authentication Token"}
    bad = signed_headers(target, api["id"], "/internal", api["user_key"], "wrong-secret")
    assert call(target, api["id"], "/internal", bad)[0] == 403
    _, stranger = make_user(aws)
    other = signed_headers(target, api["id"], "/internal", stranger["AccessKeyId"],
                           stranger["SecretAccessKey"])
    status, body = call(target, api["id"], "/internal", other)
    assert status == 403 and "execute-api:Invoke" in json.dumps(body)


def test_quota_and_get_usage_through_the_management_api(target: EmbeddedTarget, aws: Any,
                                                         api: dict[str, str]) -> None:
    statuses = [call(target, api["id"], "/items", {"Authorization": "t2"})[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert call(target, api["id"], "/items", {"Authorization": "t2"})[1] == \
        {"message": "Limit Exceeded"}
    today = datetime.fromtimestamp(target.clock.now(), UTC).date().isoformat()
    usage = aws("apigateway").get_usage(usagePlanId=api["plan"], startDate=today, endDate=today)
    assert sorted(usage["items"].values()) == [[[1, 2]], [[3, 0]]]


def test_flush_stage_authorizers_cache_through_the_management_api(target: EmbeddedTarget,
                                                                  aws: Any,
                                                                  api: dict[str, str]) -> None:
    before = target.gateway.metrics() if target.gateway else {}
    call(target, api["id"], "/items/1", {"Authorization": "t1"})
    aws("apigateway").flush_stage_authorizers_cache(restApiId=api["id"], stageName="prod")
    call(target, api["id"], "/items/1", {"Authorization": "t1"})
    after = target.gateway.metrics() if target.gateway else {}
    assert json.dumps(after["authorizers"]) != json.dumps(before["authorizers"])
    assert after["authorizer_cache_entries"] >= 1
