"""ImportRestApi and PutRestApi: a document imported into the API through the control plane.

Errors leave the API untouched (the plan is checked in full before the first call); warnings
fail the import only with failonwarnings=true, otherwise they come back in the RestApi's
`warnings`: https://docs.aws.amazon.com/apigateway/latest/developerguide/
api-gateway-import-api-errors-warnings.html, API_ImportRestApi.html, API_PutRestApi.html.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from harness.gateway.openapi_apply import apply_plan, boto_call, create_api
from harness.gateway.openapi_import import ImportFailure, load_document, plan_import

_WIRE_DROP = ("ResponseMetadata",)


def _wire(doc: dict[str, Any]) -> dict[str, Any]:
    """A boto3 RestApi answer as the wire carries it (dates as epoch seconds)."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in _WIRE_DROP:
            continue
        out[key] = value.timestamp() if isinstance(value, dt.datetime) else value
    return out


def import_rest_api(client: Any, body: bytes, *, rest_api_id: str | None, mode: str,
                    fail_on_warnings: bool,
                    endpoint_types: list[str] | None = None) -> dict[str, Any]:
    """Create (rest_api_id None) or overwrite/merge an API from body; ImportFailure when refused."""
    doc = load_document(body)
    plan = plan_import(doc)
    message = plan.failure(fail_on_warnings)
    if message:
        raise ImportFailure(message)
    call = boto_call(client)
    if rest_api_id is None:
        api_id = str(create_api(call, plan, endpoint_types=endpoint_types)["id"])
        overwrite = True
    else:
        call("get_rest_api", restApiId=rest_api_id)  # NotFound for an unknown API
        api_id = rest_api_id
        if mode not in ("merge", "overwrite"):
            raise ImportFailure(f"Invalid mode '{mode}'; expected merge or overwrite")
        overwrite = mode == "overwrite"
    apply_plan(call, api_id, plan, overwrite=overwrite)
    answer = _wire(call("get_rest_api", restApiId=api_id))
    if plan.warnings:
        answer["warnings"] = list(plan.warnings)
    return answer
