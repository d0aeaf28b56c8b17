"""/_harness/faults: read, replace and clear the running target's fault plan over loopback."""

from __future__ import annotations

import json

from harness.admin import AdminAPI
from harness.faults.models import FaultConfigError, parse_config
from harness.faults.plan import FaultPlan
from harness.http import HttpRequest, HttpResponse, json_response

PATH = "/_harness/faults"


def install(admin: AdminAPI, plan: FaultPlan) -> None:
    """GET shows the plan and what it injected; PUT/POST replaces it (all problems or none); DELETE clears."""

    def show(_req: HttpRequest) -> HttpResponse:
        return json_response(200, {**plan.config.as_dict(), "metrics": plan.metrics()})

    def replace(req: HttpRequest) -> HttpResponse:
        try:
            body = json.loads(req.body or b"{}")
        except (ValueError, RecursionError):
            return json_response(400, {"message": "body must be JSON", "problems": ["body must be JSON"]})
        try:
            config = parse_config(body)
        except FaultConfigError as exc:
            return json_response(400, {"message": f"fault plan refused: {exc}", "problems": exc.problems})
        plan.replace(config)
        plan.reset_metrics()
        return json_response(200, config.as_dict())

    def clear(_req: HttpRequest) -> HttpResponse:
        plan.clear()
        return json_response(200, {"seed": 0, "rules": []})

    admin.add_route("GET", PATH, show)
    admin.add_route("PUT", PATH, replace)
    admin.add_route("POST", PATH, replace)
    admin.add_route("DELETE", PATH, clear)
    admin.add_metrics("faults", plan.metrics)
