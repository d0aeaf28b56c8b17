"""AWS::ApiGateway::RestApi Body / BodyS3Location: the OpenAPI definition imported into the API.

The template's intrinsics inside Body are resolved before this runs (the deployer resolves every
property). Body, BodyS3Location, Mode and FailOnWarnings: https://docs.aws.amazon.com/
AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html.
"""

from __future__ import annotations

from typing import Any

from harness.deploy.model import DeployError
from harness.deploy.resources.base import Context
from harness.gateway.openapi_apply import apply_plan
from harness.gateway.openapi_import import ImportFailure, load_document, plan_import

_SVC = "apigateway"


def has_definition(props: dict[str, Any]) -> bool:
    return "Body" in props or "BodyS3Location" in props


def definition(ctx: Context, props: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document from Body (object or text) or BodyS3Location (Bucket, Key, Version)."""
    try:
        if "Body" in props:
            body = props["Body"]
            return load_document(body if isinstance(body, dict | str) else str(body))
        loc = props["BodyS3Location"] or {}
        if not loc.get("Bucket") or not loc.get("Key"):
            raise DeployError("BodyS3Location needs Bucket and Key")
        found = ctx.call("s3", "get_object", Bucket=loc["Bucket"], Key=loc["Key"],
                         VersionId=loc.get("Version"))
        return load_document(found["Body"].read())
    except ImportFailure as exc:
        raise DeployError(f"Body: {exc}") from None


def import_definition(ctx: Context, api_id: str, props: dict[str, Any], *,
                      overwrite: bool = True) -> None:
    """Check the whole document, then build the API from it (refusals name every problem)."""
    plan = plan_import(definition(ctx, props))
    fail_on_warnings = str(props.get("FailOnWarnings", "false")).lower() == "true"
    message = plan.failure(fail_on_warnings)
    if message:
        raise DeployError(f"Body of the REST API is refused: {message}")
    if props.get("Name"):
        plan.api["name"] = props["Name"]
    for key in ("Description", "ApiKeySourceType", "BinaryMediaTypes"):
        if props.get(key) is not None:
            plan.api[{"Description": "description", "ApiKeySourceType": "apiKeySource",
                      "BinaryMediaTypes": "binaryMediaTypes"}[key]] = props[key]
    for warning in plan.warnings:
        ctx.note(f"OpenAPI import warning: {warning}")

    def call(op: str, **kwargs: Any) -> dict[str, Any]:
        return ctx.call(_SVC, op, **kwargs)

    mode = str(props.get("Mode") or "").lower()
    apply_plan(call, api_id, plan,
               overwrite=overwrite if mode not in ("merge", "overwrite") else mode == "overwrite")
