"""Calls its own API by its execute-api host name, and STS by its regional endpoint, over HTTPS."""

import json
import os
import urllib.request

import boto3

REGION = os.environ["AWS_REGION"]


def handler(event, context):
    ctx = event["requestContext"]
    if event["resource"] == "/echo":
        seen = {"host": event["headers"].get("Host"), "domainName": ctx["domainName"],
                "domainPrefix": ctx["domainPrefix"], "path": ctx["path"]}
        return {"statusCode": 200, "body": json.dumps(seen)}
    url = f"https://{ctx['apiId']}.execute-api.{REGION}.amazonaws.com/{ctx['stage']}/echo"
    with urllib.request.urlopen(url, timeout=20) as r:
        echoed = json.loads(r.read())
    sts = boto3.client("sts", endpoint_url=f"https://sts.{REGION}.amazonaws.com")
    arn = sts.get_caller_identity()["Arn"]
    return {"statusCode": 200, "body": json.dumps({"url": url, "echoed": echoed, "caller": arn})}
