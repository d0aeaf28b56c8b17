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
from harness.gateway.openapi_import import ImportFailure, ImportPlan, load_document, plan_import

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


def checked_plan(ctx: Context, props: dict[str, Any]) -> ImportPlan:
    """The whole document checked before anything is created (refusals name every problem)."""
    plan = plan_import(definition(ctx, props))
    fail_on_warnings = str(props.get("FailOnWarnings", "false")).lower() == "true"
    message = plan.failure(fail_on_warnings)
    if message:
        raise DeployError(f"Body of the REST API is refused: {message}")
    if props.get("Name"):
        plan.api["name"] = props["Name"]
    for key, field in (("Description", "description"), ("ApiKeySourceType", "apiKeySource"),
                       ("BinaryMediaTypes", "binaryMediaTypes")):
        if props.get(key) is not None:
            plan.api[field] = props[key]
    return plan


def import_definition(ctx: Context, api_id: str, props: dict[str, Any],
                      plan: ImportPlan | None = None) -> None:
    """Build the API from its definition: overwrite unless the template's Mode says merge."""
    plan = plan or checked_plan(ctx, props)
    for warning in plan.warnings:
        ctx.note(f"OpenAPI import warning: {warning}")

    def call(op: str, **kwargs: Any) -> dict[str, Any]:
        return ctx.call(_SVC, op, **kwargs)

    apply_plan(call, api_id, plan, overwrite=str(props.get("Mode") or "").lower() != "merge")
