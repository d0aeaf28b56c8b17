"""Self-service signup: a new tenant (a Cognito group tenant-<id>), its first agent, and its profile item."""

import contextlib
import os
import re
import uuid

import boto3
from botocore.exceptions import ClientError
from replies import BadRequest, json_object, reply, text_field
from tenant_policy import partition

POOL = os.environ["USER_POOL_ID"]
TABLE = os.environ["TABLE_NAME"]
PLANS = ("free", "pro")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
IDP = boto3.client("cognito-idp")
DDB = boto3.client("dynamodb")


def _request(event):
    body = json_object(event)
    name = text_field(body, "company", max_len=100)
    username = text_field(body, "username", max_len=64)
    password = text_field(body, "password", max_len=256)
    plan = body.get("plan", "free")
    if not USERNAME.match(username):
        raise BadRequest("username must be 3-64 characters of a-z, 0-9, '.', '_' and '-'")
    if plan not in PLANS:
        raise BadRequest(f"plan must be one of {', '.join(PLANS)}")
    return name, username, password, plan


def _create_agent(group, username, password):
    IDP.admin_create_user(UserPoolId=POOL, Username=username, MessageAction="SUPPRESS")
    IDP.admin_set_user_password(UserPoolId=POOL, Username=username, Password=password, Permanent=True)
    for g in (group, "agent"):
        IDP.admin_add_user_to_group(UserPoolId=POOL, Username=username, GroupName=g)


def handler(event, context):
    try:
        name, username, password, plan = _request(event)
    except BadRequest as exc:
        return reply(400, {"message": str(exc)})
    tenant_id = uuid.uuid4().hex
    group = f"tenant-{tenant_id}"
    for g in (group, "agent", "viewer"):
        with contextlib.suppress(IDP.exceptions.GroupExistsException):
            IDP.create_group(UserPoolId=POOL, GroupName=g)
    try:
        _create_agent(group, username, password)
    except IDP.exceptions.UsernameExistsException:
        IDP.delete_group(UserPoolId=POOL, GroupName=group)
        return reply(409, {"message": f"username {username} is taken"})
    except (IDP.exceptions.InvalidPasswordException, IDP.exceptions.InvalidParameterException) as exc:
        IDP.delete_group(UserPoolId=POOL, GroupName=group)
        return reply(400, {"message": exc.response["Error"]["Message"]})
    try:
        DDB.put_item(TableName=TABLE, Item={"PK": {"S": partition(tenant_id)}, "SK": {"S": "PROFILE"},
                                            "company": {"S": name}, "plan": {"S": plan}},
                     ConditionExpression="attribute_not_exists(PK)")
    except ClientError:
        return reply(500, {"message": "the tenant profile could not be written"})
    return reply(201, {"tenantId": tenant_id, "username": username, "plan": plan})
