"""Resource-based policies in the edge's evaluation: Lambda function policies, DynamoDB table policies
and API Gateway resource policies grant and deny like AWS's policy evaluation logic.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from harness.target import EmbeddedTarget
from tests.edge.helpers import ACCOUNT, allow, doc, make_role, make_table, make_user, unique

HANDLER = "def handler(event, context):\n    return {'ran': True}\n"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER)
    return buf.getvalue()


@pytest.fixture(scope="module")
def function(aws: Any) -> str:
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    name = unique("rp")
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                  Handler="app.handler", Code={"ZipFile": _zip()})
    return name


def _invoke(aws: Any, key: dict[str, str], name: str) -> Any:
    r = aws("lambda", creds=key).invoke(FunctionName=name, Payload=b"{}")
    return json.loads(r["Payload"].read())


def _denied(call: Any) -> str:
    with pytest.raises(ClientError) as err:
        call()
    assert err.value.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied")
    return str(err.value.response["Error"]["Message"])


def test_function_policy_naming_a_same_account_user_lets_it_invoke(aws: Any, function: str) -> None:
    """Same account: a resource policy naming the user grants without any identity policy, while
    a user it does not name is denied.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
    and https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
    """
    named_arn, named = make_user(aws)
    _, stranger = make_user(aws)
    aws("lambda").add_permission(FunctionName=function, StatementId=unique("u"),
                                 Action="lambda:InvokeFunction", Principal=named_arn)
    assert _invoke(aws, named, function) == {"ran": True}
    msg = _denied(lambda: _invoke(aws, stranger, function))
    assert f"lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:{ACCOUNT}:function:" \
        f"{function}" in msg


def test_function_policy_naming_the_account_delegates_to_identity_policies(aws: Any) -> None:
    """A resource policy naming the account grants nothing alone: identity policies decide.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
    """
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    name = unique("acct")
    lam = aws("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                        Handler="app.handler", Code={"ZipFile": _zip()})
    lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:GetFunction",
                       Principal=ACCOUNT)
    _, bare = make_user(aws)
    _, allowed = make_user(aws, doc(allow("lambda:GetFunction")))
    _denied(lambda: aws("lambda", creds=bare).get_function(FunctionName=name))
    assert aws("lambda", creds=allowed).get_function(FunctionName=name)["Configuration"][
        "FunctionName"] == name


def test_cross_account_function_needs_its_own_accounts_grant(aws: Any) -> None:
    """Another account's function: an identity Allow is not enough without that account's
    resource policy granting it too.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    """
    _, key = make_user(aws, doc(allow("lambda:*")))
    foreign = "arn:aws:lambda:us-east-1:210987654321:function:elsewhere"
    msg = _denied(lambda: aws("lambda", creds=key).get_function(FunctionName=foreign))
    assert f"lambda:GetFunction on resource: {foreign}" in msg
    assert "resource-based policy" in msg


def test_table_policy_naming_a_user_grants_get_item_and_other_users_are_denied(aws: Any) -> None:
    """DynamoDB PutResourcePolicy: a table policy naming a same-account user grants it access.

    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-examples.html
    """
    table = make_table(aws)
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"
    named_arn, named = make_user(aws)
    _, stranger = make_user(aws)
    item = {"shardId": {"S": "a"}, "id": {"S": "1"}}
    aws("dynamodb").put_item(TableName=table, Item=item)
    key = {"shardId": {"S": "a"}, "id": {"S": "1"}}
    _denied(lambda: aws("dynamodb", creds=named).get_item(TableName=table, Key=key))
    aws("dynamodb").put_resource_policy(ResourceArn=table_arn, Policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": named_arn}, "Action": "dynamodb:GetItem",
         "Resource": table_arn}))
    assert aws("dynamodb", creds=named).get_item(TableName=table, Key=key)["Item"] == item
    msg = _denied(lambda: aws("dynamodb", creds=stranger).get_item(TableName=table, Key=key))
    assert f"dynamodb:GetItem on resource: {table_arn}" in msg
    aws("dynamodb").delete_resource_policy(ResourceArn=table_arn)
    _denied(lambda: aws("dynamodb", creds=named).get_item(TableName=table, Key=key))


def test_table_policy_deny_wins_over_an_identity_allow(aws: Any) -> None:
    """An explicit Deny in a table's resource policy refuses even a caller its identity allows.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    table = make_table(aws)
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"
    user_arn, key = make_user(aws, doc(allow("dynamodb:*")))
    ddb = aws("dynamodb", creds=key)
    ddb.put_item(TableName=table, Item={"shardId": {"S": "a"}, "id": {"S": "1"}})
    aws("dynamodb").put_resource_policy(ResourceArn=table_arn, Policy=doc(
        {"Effect": "Deny", "Principal": {"AWS": user_arn}, "Action": "dynamodb:PutItem",
         "Resource": table_arn}))
    msg = _denied(lambda: ddb.put_item(TableName=table,
                                       Item={"shardId": {"S": "b"}, "id": {"S": "1"}}))
    assert "explicit deny in a resource-based policy" in msg
    assert ddb.get_item(TableName=table, Key={"shardId": {"S": "a"}, "id": {"S": "1"}})["Item"]


def test_table_policy_governs_its_indexes(aws: Any) -> None:
    """A table's resource policy also controls access to the table's indexes.

    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutResourcePolicy.html
    """
    table = make_table(aws, gsi="owner")
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"
    named_arn, named = make_user(aws)
    aws("dynamodb").put_resource_policy(ResourceArn=table_arn, Policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": named_arn}, "Action": "dynamodb:Query",
         "Resource": f"{table_arn}/index/*"}))
    ddb = aws("dynamodb", creds=named)
    ddb.query(TableName=table, IndexName="owner-index", KeyConditionExpression="#o = :v",
              ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":v": {"S": "1"}})
    _denied(lambda: ddb.query(TableName=table, KeyConditionExpression="shardId = :v",
                              ExpressionAttributeValues={":v": {"S": "a"}}))


def test_policy_naming_the_role_is_limited_by_the_session_policy_but_the_session_arn_is_not(
        aws: Any) -> None:
    """A resource policy naming the role ARN is capped by the session policy; naming the session ARN
    is not.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    """
    table = make_table(aws)
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"
    user_arn, key = make_user(aws)
    role_arn = make_role(aws, {"AWS": user_arn})
    only_s3 = doc(allow("s3:GetObject"))
    creds = aws("sts", creds=key).assume_role(RoleArn=role_arn, RoleSessionName="s1",
                                             Policy=only_s3)["Credentials"]
    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.split('/')[-1]}/s1"
    ddb = aws("dynamodb", creds=creds)
    key_ = {"shardId": {"S": "a"}, "id": {"S": "1"}}

    def put(principal: str) -> None:
        aws("dynamodb").put_resource_policy(ResourceArn=table_arn, Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "dynamodb:GetItem",
             "Resource": table_arn}))

    put(role_arn)
    assert "session policy" in _denied(lambda: ddb.get_item(TableName=table, Key=key_))
    put(session_arn)
    ddb.get_item(TableName=table, Key=key_)


# --- API Gateway resource policy for an AWS_IAM method ------------------------------------------


def _call(target: EmbeddedTarget, api: str, key: dict[str, str]) -> tuple[int, Any]:
    url = f"{target.endpoint}/restapis/{api}/prod/_user_request_/ping"
    req = AWSRequest("GET", url)
    SigV4Auth(Credentials(key["AccessKeyId"], key["SecretAccessKey"]), "execute-api",
              "us-east-1").add_auth(req)
    request = urllib.request.Request(url, headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_api_policy_naming_a_same_account_user_lets_it_call_an_aws_iam_method(
        target: EmbeddedTarget, aws: Any) -> None:
    """API Gateway: an Allow in the API's resource policy for the user suffices in one account;
    a user named nowhere is denied.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
    """
    named_arn, named = make_user(aws)
    _, stranger = make_user(aws)
    gw = aws("apigateway")
    policy = doc({"Effect": "Allow", "Principal": {"AWS": named_arn},
                  "Action": "execute-api:Invoke", "Resource": "execute-api:/*"})
    rest = gw.create_rest_api(name=unique("api"), policy=policy)
    api, root = rest["id"], rest["rootResourceId"]
    ping = gw.create_resource(restApiId=api, parentId=root, pathPart="ping")["id"]
    gw.put_method(restApiId=api, resourceId=ping, httpMethod="GET", authorizationType="AWS_IAM")
    gw.put_integration(restApiId=api, resourceId=ping, httpMethod="GET", type="MOCK",
                       requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_method_response(restApiId=api, resourceId=ping, httpMethod="GET", statusCode="200")
    gw.put_integration_response(restApiId=api, resourceId=ping, httpMethod="GET",
                                statusCode="200",
                                responseTemplates={"application/json": '{"pong": true}'})
    gw.create_deployment(restApiId=api, stageName="prod")
    assert _call(target, api, named) == (200, {"pong": True})
    status, body = _call(target, api, stranger)
    assert status == 403 and "execute-api:Invoke" in json.dumps(body)
