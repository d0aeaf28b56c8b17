"""Tickets of the caller's tenant, read and written with the credentials the authorizer scoped to it.

The tenant id and role come only from the authorizer's context, never from the request; every key is
PK=TENANT#<tenant id>, SK=TICKET#<ticket id>.
"""

import os
import re
import uuid

import boto3
from botocore.exceptions import ClientError
from replies import BadRequest, json_object, reply, text_field
from tenant_policy import partition

TABLE = os.environ["TABLE_NAME"]
TICKET_ID = re.compile(r"^[0-9a-f]{32}$")
STATUSES = ("open", "pending", "closed")
_CLIENTS = {}


def _dynamodb(ctx):
    """A DynamoDB client with the tenant's scoped session (one per session, reused while warm)."""
    key = ctx["accessKeyId"]
    if key not in _CLIENTS:
        if len(_CLIENTS) > 64:
            _CLIENTS.clear()
        _CLIENTS[key] = boto3.client("dynamodb", aws_access_key_id=key,
                                     aws_secret_access_key=ctx["secretAccessKey"],
                                     aws_session_token=ctx["sessionToken"])
    return _CLIENTS[key]


def _key(tenant_id, ticket_id):
    return {"PK": {"S": partition(tenant_id)}, "SK": {"S": f"TICKET#{ticket_id}"}}


def _view(item):
    return {"ticketId": item["SK"]["S"].split("#", 1)[1], "title": item["title"]["S"],
            "status": item["status"]["S"]}


def _fields(event):
    body = json_object(event)
    title = text_field(body, "title", max_len=200)
    status = body.get("status", "open")
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    return title, status


def _list(ddb, tenant_id):
    items, start = [], None
    while True:
        page = ddb.query(TableName=TABLE, KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                         ExpressionAttributeValues={":p": {"S": partition(tenant_id)},
                                                    ":s": {"S": "TICKET#"}},
                         **({"ExclusiveStartKey": start} if start else {}))
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return reply(200, {"tickets": [_view(i) for i in items], "count": len(items)})


def _create(ddb, tenant_id, event):
    title, status = _fields(event)
    ticket_id = uuid.uuid4().hex
    ddb.put_item(TableName=TABLE, Item={**_key(tenant_id, ticket_id), "title": {"S": title},
                                        "status": {"S": status}},
                 ConditionExpression="attribute_not_exists(PK)")
    return reply(201, {"ticketId": ticket_id, "title": title, "status": status})


def _read(ddb, tenant_id, ticket_id):
    item = ddb.get_item(TableName=TABLE, Key=_key(tenant_id, ticket_id)).get("Item")
    return reply(200, _view(item)) if item else reply(404, {"message": "no such ticket"})


def _update(ddb, tenant_id, ticket_id, event):
    title, status = _fields(event)
    try:
        ddb.update_item(TableName=TABLE, Key=_key(tenant_id, ticket_id),
                        UpdateExpression="SET title = :t, #s = :s",
                        ConditionExpression="attribute_exists(PK)",
                        ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":t": {"S": title}, ":s": {"S": status}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return reply(404, {"message": "no such ticket"})
        raise
    return reply(200, {"ticketId": ticket_id, "title": title, "status": status})


def _delete(ddb, tenant_id, ticket_id):
    try:
        ddb.delete_item(TableName=TABLE, Key=_key(tenant_id, ticket_id),
                        ConditionExpression="attribute_exists(PK)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return reply(404, {"message": "no such ticket"})
        raise
    return reply(200, {"ticketId": ticket_id})


def handler(event, context):
    ctx = event["requestContext"]["authorizer"]
    tenant_id, role, method = ctx["tenantId"], ctx["role"], event["httpMethod"]
    ticket_id = (event.get("pathParameters") or {}).get("ticketId")
    if method != "GET" and role != "agent":
        return reply(403, {"message": f"a {role} may not change tickets"})
    ddb = _dynamodb(ctx)
    try:
        if ticket_id is None:
            return _list(ddb, tenant_id) if method == "GET" else _create(ddb, tenant_id, event)
        if not TICKET_ID.match(ticket_id):
            return reply(404, {"message": "no such ticket"})
        if method == "GET":
            return _read(ddb, tenant_id, ticket_id)
        if method == "PUT":
            return _update(ddb, tenant_id, ticket_id, event)
        return _delete(ddb, tenant_id, ticket_id)
    except BadRequest as exc:
        return reply(400, {"message": str(exc)})
