"""Custom resources: the ServiceToken Lambda gets CloudFormation's request and answers at ResponseURL.

The request event and the response object are those of the CloudFormation User Guide, "Custom
resources" (request and response objects). The function is invoked asynchronously, as
CloudFormation does; the engine waits for the answer up to ServiceTimeout (default one hour).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

import urllib3

from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources.base import ALL, Context, Created, Provisioner

RequestType = Literal["Create", "Update", "Delete"]
CUSTOM_TYPE = "AWS::CloudFormation::CustomResource"
NO_ECHO = "_NoEcho"
_ADMIN = "/_harness/cloudformation/responses"
_DEFAULT_TIMEOUT_S = 3600.0
_POLL_S = 0.05
_http = urllib3.PoolManager(maxsize=8)


def as_strings(value: Any) -> Any:
    """Custom resource properties reach the function with every scalar as a string."""
    if isinstance(value, dict):
        return {k: as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _admin(ctx: Context, method: str, path: str = "") -> tuple[int, bytes]:
    if not ctx.endpoint_url:
        raise DeployError("custom resources need the harness endpoint (no ResponseURL here)")
    try:
        resp = _http.request(method, ctx.endpoint_url.rstrip("/") + _ADMIN + path, timeout=10.0,
                             retries=False)
    except urllib3.exceptions.HTTPError as exc:
        raise DeployError(f"the harness's ResponseURL service is unreachable: {exc}") from exc
    return resp.status, bytes(resp.data)


def _timeout(props: dict[str, Any]) -> float:
    raw = props.get("ServiceTimeout")
    if raw in (None, ""):
        return _DEFAULT_TIMEOUT_S
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise DeployError(f"ServiceTimeout must be a number of seconds, got {raw!r}") from None
    if not 1 <= seconds <= 3600:
        raise DeployError("ServiceTimeout must be between 1 and 3600 seconds")
    return seconds


def send_request(ctx: Context, rtype: str, logical: str, kind: RequestType,
                 props: dict[str, Any], physical: str | None = None,
                 old: dict[str, Any] | None = None) -> dict[str, Any]:
    """Invoke the ServiceToken function with the request and wait for its SUCCESS answer."""
    token_arn = str(props.get("ServiceToken") or "")
    if ":lambda:" not in token_arn and ":function:" not in token_arn:
        raise DeployError(f"ServiceToken {token_arn!r} is not a Lambda function ARN (SNS-backed "
                          "custom resources are not supported by the harness)")
    status, body = _admin(ctx, "POST")
    if status != 200:
        raise DeployError(f"no ResponseURL available ({status})")
    grant = json.loads(body)
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": kind, "ServiceToken": token_arn, "ResponseURL": grant["url"],
        "StackId": ctx.stack_id, "RequestId": request_id, "ResourceType": rtype,
        "LogicalResourceId": logical, "ResourceProperties": as_strings(props)}
    if physical is not None:
        event["PhysicalResourceId"] = physical
    if old is not None:
        event["OldResourceProperties"] = as_strings(old)
    ctx.call("lambda", "invoke", FunctionName=token_arn, InvocationType="Event",
             Payload=json.dumps(event).encode())
    deadline = time.monotonic() + _timeout(props)
    while True:
        status, body = _admin(ctx, "GET", "/" + grant["token"])
        if status == 200:
            _admin(ctx, "DELETE", "/" + grant["token"])
            break
        if time.monotonic() > deadline:
            raise DeployError("CloudFormation did not receive a response from your Custom "
                              "Resource. Please check your logs for requestId "
                              f"[{request_id}].")
        time.sleep(_POLL_S)
    answer = _parse(body)
    if answer.get("Status") != "SUCCESS":
        reason = answer.get("Reason") or "See the details in CloudWatch Log Stream"
        raise DeployError(f"Received response status [FAILED] from custom resource. Message "
                          f"returned: {reason} (RequestId: {request_id})")
    if not answer.get("PhysicalResourceId") and kind == "Create":
        raise DeployError("Invalid PhysicalResourceId")
    return answer


def _parse(body: bytes) -> dict[str, Any]:
    if len(body) > 4096:
        return {"Status": "FAILED", "Reason": "Response object is too long."}
    try:
        data = json.loads(body)
    except ValueError:
        return {"Status": "FAILED", "Reason": "Invalid response object: the body is not JSON"}
    return data if isinstance(data, dict) else {"Status": "FAILED",
                                                 "Reason": "Invalid response object"}


def _created(answer: dict[str, Any], physical: str) -> Created:
    data = answer.get("Data") if isinstance(answer.get("Data"), dict) else {}
    attrs: dict[str, Any] = {str(k): v for k, v in (data or {}).items()}
    if answer.get("NoEcho") in (True, "true", "True"):
        attrs[NO_ECHO] = True
    return Created(str(answer.get("PhysicalResourceId") or physical), attrs)


class CustomResource(Provisioner):
    """Custom::<Name> and AWS::CloudFormation::CustomResource, answered by a Lambda function."""

    type_name = CUSTOM_TYPE
    attributes = frozenset({"<any key of the response's Data>"})
    handled = ALL

    def __init__(self, resource_type: str = CUSTOM_TYPE) -> None:
        self.resource_type = resource_type

    def has_attribute(self, name: str) -> bool:
        return True  # the response's Data decides, when the resource exists

    def replacement_reason(self, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        return None  # the function replaces by answering an Update with a new PhysicalResourceId

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        answer = send_request(ctx, self.resource_type, logical_id, "Create", props)
        return _created(answer, "")

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        if str(props.get("ServiceToken")) != str(old.properties.get("ServiceToken")):
            raise DeployError("Modifying service token is not allowed.")
        answer = send_request(ctx, old.type, old.logical_id, "Update", props, old.physical_id,
                              old.properties)
        return _created(answer, old.physical_id)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        send_request(ctx, res.type, res.logical_id, "Delete", res.properties, res.physical_id)


def mask_no_echo(outputs: dict[str, str], resources: list[PhysicalResource]) -> dict[str, str]:
    """Outputs that show a NoEcho custom resource's Data, masked as CloudFormation masks them."""
    secrets = {str(v) for r in resources if r.attributes.get(NO_ECHO)
               for k, v in r.attributes.items() if not k.startswith("_") and k != "Ref"}
    return {k: "*****" if v in secrets else v for k, v in outputs.items()}
