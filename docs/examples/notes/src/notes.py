"""Notes of the caller's tenant: the tenant id comes from the verified token, never the request."""

import json
import os
import uuid

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event, context):
    tenant = event["requestContext"]["authorizer"]["claims"]["custom:tenantId"]
    method, note_id = event["httpMethod"], (event.get("pathParameters") or {}).get("id")
    if note_id is None and method == "GET":
        items = TABLE.query(KeyConditionExpression="tenantId = :t",
                            ExpressionAttributeValues={":t": tenant})["Items"]
        return reply(200, [{"id": i["noteId"], "text": i["text"]} for i in items])
    if note_id is None and method == "POST":
        text = str(json.loads(event.get("body") or "{}").get("text", ""))[:1000]
        note_id = uuid.uuid4().hex
        TABLE.put_item(Item={"tenantId": tenant, "noteId": note_id, "text": text})
        return reply(201, {"id": note_id, "text": text})
    key = {"tenantId": tenant, "noteId": note_id}
    item = TABLE.get_item(Key=key).get("Item")
    if item is None:
        return reply(404, {"message": "no such note"})
    if method == "PUT":
        text = str(json.loads(event.get("body") or "{}").get("text", ""))[:1000]
        TABLE.put_item(Item={**key, "text": text})
        return reply(200, {"id": note_id, "text": text})
    if method == "DELETE":
        TABLE.delete_item(Key=key)
        return reply(200, {"id": note_id})
    return reply(200, {"id": note_id, "text": item["text"]})
