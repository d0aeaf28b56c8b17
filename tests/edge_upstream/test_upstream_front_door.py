"""`--upstream URL`: the same front door in front of an external endpoint (issue 2 item 8).

A real `moto_server` runs on loopback; the edge sits in front of it. moto_server itself checks no
signature and no policy (its IAM enforcement is off), so every refusal below is the edge's work, and
every success is visible when calling moto_server directly.

AWS references: dynamodb:LeadingKeys
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
STS AssumeRole and session expiry (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html);
DynamoDB and STS common errors (UnrecognizedClientException, InvalidSignatureException,
ExpiredTokenException / InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken).
"""

from __future__ import annotations

import http.client
import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.target import EmbeddedTarget
from tests.cli.harness_process import HarnessProcess
from tests.edge_upstream.conftest import ClientFactory, MotoServer

pytestmark = pytest.mark.upstream


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def make_table(edge: ClientFactory) -> str:
    name = unique("tenants")
    edge("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    for pk in ("t1-3", "t2-3", "t10-1"):
        edge("dynamodb").put_item(TableName=name, Item={"pk": {"S": pk}, "data": {"S": f"of {pk}"}})
    return name


def make_user(edge: ClientFactory, policy: str) -> dict[str, str]:
    iam = edge("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"],
            "UserName": name}


@pytest.fixture(scope="module")
def account(upstream_target: EmbeddedTarget) -> str:
    return upstream_target.upstream.account


@pytest.fixture(scope="module")
def table(edge: ClientFactory) -> str:
    return make_table(edge)


@pytest.fixture(scope="module")
def tenant_session(edge: ClientFactory, table: str, account: str) -> dict[str, str]:
    """A role session whose role allows DynamoDB reads only for LeadingKeys like t1-*."""
    caller = make_user(edge, doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    role = unique("tenant-role")
    edge("iam").create_role(RoleName=role, AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "sts:AssumeRole"}))
    edge("iam").put_role_policy(RoleName=role, PolicyName="tenant", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
         "Resource": f"arn:aws:dynamodb:us-east-1:{account}:table/{table}",
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["t1-*"]}}}))
    out = edge("sts", creds=caller).assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}",
                                                RoleSessionName="tenant1", DurationSeconds=900)
    creds: dict[str, str] = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    return creds


# -- root ------------------------------------------------------------------------------------------

def test_the_target_reports_the_upstream(upstream_target: EmbeddedTarget, moto_server: MotoServer,
                                         direct: ClientFactory) -> None:
    info = upstream_target.describe()
    assert info["upstream"] == moto_server.url
    assert info["account"] == direct("sts").get_caller_identity()["Account"]


def test_root_calls_work_and_land_in_the_upstream(edge: ClientFactory, direct: ClientFactory,
                                                  table: str) -> None:
    assert table in direct("dynamodb").list_tables()["TableNames"]
    item = direct("dynamodb").get_item(TableName=table, Key={"pk": {"S": "t2-3"}})["Item"]
    assert item["data"] == {"S": "of t2-3"}
    edge("dynamodb").put_item(TableName=table, Item={"pk": {"S": "t1-new"}, "data": {"S": "root"}})
    assert direct("dynamodb").get_item(TableName=table, Key={"pk": {"S": "t1-new"}})["Item"]
    name = unique("root-made")
    edge("iam").create_user(UserName=name)
    assert name in {u["UserName"] for u in direct("iam").list_users()["Users"]}
    identity = edge("sts").get_caller_identity()
    assert identity["Arn"].endswith(":root")


def test_moto_server_alone_would_accept_anything(direct: ClientFactory, table: str) -> None:
    """The contrast: straight at moto_server, an unknown key with a bogus secret reads every tenant."""
    rogue = direct("dynamodb", key="AKIAROGUEROGUEROGUE1", secret="whatever")
    assert rogue.get_item(TableName=table, Key={"pk": {"S": "t2-3"}})["Item"]


# -- IAM user keys ---------------------------------------------------------------------------------

def test_an_iam_user_key_is_verified_and_authorised_by_the_edge(edge: ClientFactory, direct: ClientFactory,
                                                                table: str, account: str) -> None:
    user = make_user(edge, doc({"Effect": "Allow", "Action": "dynamodb:GetItem",
                                "Resource": f"arn:aws:dynamodb:us-east-1:{account}:table/{table}"}))
    ddb = edge("dynamodb", creds=user)
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "t2-3"}})["Item"]["data"] == {"S": "of t2-3"}
    with pytest.raises(ClientError) as denied:
        ddb.put_item(TableName=table, Item={"pk": {"S": "t9-planted"}})
    assert code(denied) == "AccessDeniedException"
    assert f":user/{user['UserName']} is not authorized to perform: dynamodb:PutItem" in str(denied.value)
    assert "Item" not in direct("dynamodb").get_item(TableName=table, Key={"pk": {"S": "t9-planted"}})
    with pytest.raises(ClientError) as denied_iam:
        edge("iam", creds=user).list_users()
    assert code(denied_iam) == "AccessDenied"
    me = edge("sts", creds=user).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{account}:user/{user['UserName']}"


def test_a_deleted_user_key_stops_working(edge: ClientFactory, table: str) -> None:
    user = make_user(edge, doc({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}))
    edge("dynamodb", creds=user).list_tables()
    edge("iam").delete_access_key(UserName=user["UserName"], AccessKeyId=user["AccessKeyId"])
    with pytest.raises(ClientError) as info:
        edge("dynamodb", creds=user).list_tables()
    assert code(info) == "UnrecognizedClientException"


# -- STS sessions ----------------------------------------------------------------------------------

def test_a_leading_keys_session_reads_its_tenant_only(edge: ClientFactory, tenant_session: dict[str, str],
                                                      table: str) -> None:
    ddb = edge("dynamodb", creds=tenant_session)
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "t1-3"}})["Item"]["data"] == {"S": "of t1-3"}
    for foreign in ("t2-3", "t10-1"):
        with pytest.raises(ClientError) as info:
            ddb.get_item(TableName=table, Key={"pk": {"S": foreign}})
        assert code(info) == "AccessDeniedException", foreign
        assert "assumed-role/" in str(info.value)
    got = ddb.query(TableName=table, KeyConditionExpression="pk = :v",
                    ExpressionAttributeValues={":v": {"S": "t1-3"}})
    assert got["Count"] == 1
    with pytest.raises(ClientError) as info:
        ddb.query(TableName=table, KeyConditionExpression="pk = :v",
                  ExpressionAttributeValues={":v": {"S": "t10-1"}})
    assert code(info) == "AccessDeniedException"


def test_a_session_is_not_root_even_though_the_upstream_is_called_as_root(
        edge: ClientFactory, tenant_session: dict[str, str], account: str) -> None:
    me = edge("sts", creds=tenant_session).get_caller_identity()
    assert me["Arn"].startswith(f"arn:aws:sts::{account}:assumed-role/")
    with pytest.raises(ClientError) as info:
        edge("dynamodb", creds=tenant_session).list_tables()
    assert code(info) == "AccessDeniedException"


def test_an_expired_session_fails_after_the_clock_advances(edge: ClientFactory,
                                                           upstream_target: EmbeddedTarget,
                                                           table: str, account: str) -> None:
    caller = make_user(edge, doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    role = unique("short")
    edge("iam").create_role(RoleName=role, AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "sts:AssumeRole"}))
    edge("iam").put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}))
    creds = edge("sts", creds=caller).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="short",
        DurationSeconds=900)["Credentials"]
    ddb = edge("dynamodb", creds=creds)
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "t1-3"}})["Item"]
    upstream_target.clock.advance(901)
    with pytest.raises(ClientError) as info:
        ddb.get_item(TableName=table, Key={"pk": {"S": "t1-3"}})
    assert code(info) == "ExpiredTokenException"
    with pytest.raises(ClientError) as sts_info:
        edge("sts", creds=creds).get_caller_identity()
    assert code(sts_info) == "ExpiredToken"


# -- refused by the edge ---------------------------------------------------------------------------

def test_unknown_keys_and_bad_signatures_are_refused_by_the_edge(edge: ClientFactory, table: str,
                                                                 tenant_session: dict[str, str]) -> None:
    unknown = edge("dynamodb", key="AKIAUNKNOWNUNKNOWN12", secret="x")
    with pytest.raises(ClientError) as info:
        unknown.get_item(TableName=table, Key={"pk": {"S": "t1-3"}})
    assert code(info) == "UnrecognizedClientException"
    with pytest.raises(ClientError) as info:
        edge("sts", key="AKIAUNKNOWNUNKNOWN12", secret="x").get_caller_identity()
    assert code(info) == "InvalidClientTokenId"
    with pytest.raises(ClientError) as info:
        edge("dynamodb", secret="not-test").list_tables()
    assert code(info) == "InvalidSignatureException"
    with pytest.raises(ClientError) as info:
        edge("sts", secret="not-test").get_caller_identity()
    assert code(info) == "SignatureDoesNotMatch"
    wrong_secret = dict(tenant_session, SecretAccessKey="A" * 40)
    with pytest.raises(ClientError) as info:
        edge("dynamodb", creds=wrong_secret).get_item(TableName=table, Key={"pk": {"S": "t1-3"}})
    assert code(info) == "InvalidSignatureException"
    wrong_token = dict(tenant_session, SessionToken="IQoJb3JpZ2luX2VjEforged")
    with pytest.raises(ClientError) as info:
        edge("dynamodb", creds=wrong_token).get_item(TableName=table, Key={"pk": {"S": "t1-3"}})
    assert code(info) == "UnrecognizedClientException"


def _raw(endpoint: str, method: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    host, port = endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, "/", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_garbage_authorization_is_refused_before_the_upstream(upstream_target: EmbeddedTarget) -> None:
    headers = {"X-Amz-Target": "DynamoDB_20120810.ListTables",
               "Content-Type": "application/x-amz-json-1.0"}
    for auth in ("garbage", "AWS test:sig", "AWS4-HMAC-SHA256 Credential=test/2026/us-east-1",
                 "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
                 "SignedHeaders=x-amz-date, Signature=00"):
        status, body = _raw(upstream_target.endpoint, "POST", b"{}",
                            {**headers, "Authorization": auth, "X-Amz-Date": "20260101T000000Z"})
        assert status == 400, body
        assert json.loads(body)["__type"].endswith("#IncompleteSignatureException"), body


def test_upstream_500s_become_4xx_in_the_service_shape(edge: ClientFactory, direct: ClientFactory) -> None:
    """moto_server answers some odd input with a 500 (a KeyError inside moto); the edge answers a 4xx
    in DynamoDB's shape instead of passing the 500 on."""
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/export/01234567890123-abcdefgh"
    with pytest.raises(ClientError) as raw_moto:
        direct("dynamodb").describe_export(ExportArn=arn)
    assert raw_moto.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    with pytest.raises(ClientError) as info:
        edge("dynamodb").describe_export(ExportArn=arn)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert code(info) == "ValidationException"


def test_a_callers_moto_account_header_does_not_reach_the_upstream(edge: ClientFactory,
                                                                   direct: ClientFactory,
                                                                   table: str) -> None:
    ddb = edge("dynamodb")

    def steer(request: Any, **_: Any) -> None:
        request.headers["X-Moto-Account-Id"] = "999988887777"

    ddb.meta.events.register("before-sign", steer)
    assert table in ddb.list_tables()["TableNames"]
    other = direct("dynamodb")
    other.meta.events.register("before-sign", steer)
    assert table not in other.list_tables()["TableNames"]  # moto_server would have obliged


def test_unsigned_cognito_calls_pass_through_to_the_upstream(edge: ClientFactory,
                                                             direct: ClientFactory) -> None:
    idp = edge("cognito-idp")
    pool = idp.create_user_pool(PoolName=unique("pool"))["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                            "ALLOW_REFRESH_TOKEN_AUTH"])[
        "UserPoolClient"]["ClientId"]
    assert pool in {p["Id"] for p in direct("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]}
    idp.admin_create_user(UserPoolId=pool, Username="alice", TemporaryPassword="Temp-Passw0rd!",
                          MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Real-Passw0rd!",
                                Permanent=True)
    anon = boto3.session.Session().client(
        "cognito-idp", region_name="us-east-1", endpoint_url=edge("sts").meta.endpoint_url,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    tokens = anon.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "alice", "PASSWORD": "Real-Passw0rd!"})
    assert tokens["AuthenticationResult"]["IdToken"].count(".") == 2
    with pytest.raises(ClientError) as info:
        anon.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "alice", "PASSWORD": "wrong"})
    assert code(info) == "NotAuthorizedException"


def test_the_cli_serves_an_upstream_too(tmp_path: Path, moto_server: MotoServer,
                                        direct: ClientFactory) -> None:
    """`saas-harness up --no-stack --upstream URL` as a subprocess, end to end."""
    h = HarnessProcess(tmp_path, "--upstream", moto_server.url, "--no-probe")  # serving, not the probe
    try:
        line = h.wait_ready()
        assert moto_server.url in line
        state = h.state()
        assert state["upstream"] == moto_server.url
        ddb = boto3.session.Session().client(
            "dynamodb", region_name="us-east-1", endpoint_url=state["endpoint"],
            aws_access_key_id="test", aws_secret_access_key="test")
        name = unique("via-cli")
        ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        assert name in direct("dynamodb").list_tables()["TableNames"]
        assert h.stop() == 0
        assert not h.state_path.exists()
        assert "Traceback" not in h.stderr
    finally:
        h.kill()
    assert h.proc.poll() is not None
