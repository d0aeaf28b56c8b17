"""The single loopback listener's dispatcher: admin API, execute-api paths, everything else to the edge."""

from __future__ import annotations

import dataclasses
import re
from typing import Protocol

from harness.http import HttpRequest, HttpResponse

EXECUTE_API_PREFIX = "/restapis/"
USER_REQUEST = "/_user_request_"
# {apiId}.execute-api.localhost[:port] (LocalStack's shape) or AWS's
# {apiId}.execute-api.{region}.amazonaws.com
_EXECUTE_API_HOST = re.compile(
    r"([a-z0-9]{1,32})\.execute-api\.(?:localhost|[a-z0-9-]{1,32}\.amazonaws\.com)\.?(?::\d{1,5})?",
    re.IGNORECASE)


class Handler(Protocol):
    def handle(self, req: HttpRequest) -> HttpResponse: ...


def execute_api_id(host: str | None) -> str | None:
    """The API id of a host-style execute-api Host header, or None for any other host."""
    match = _EXECUTE_API_HOST.fullmatch(host or "")
    return match.group(1).lower() if match else None


def host_style_path(api_id: str, path: str) -> str:
    """`/{stage}/{path}` on the API's own host name, as the path-style URL the gateway serves."""
    stage, _, rest = path.lstrip("/").partition("/")
    return f"{EXECUTE_API_PREFIX}{api_id}/{stage}{USER_REQUEST}/{rest}"


class HarnessApp:
    """Hands each request to the part that owns its path, so edge and gateway never import each other."""

    def __init__(self, edge: Handler, admin: Handler, gateway: Handler | None = None) -> None:
        self.edge = edge
        self.admin = admin
        self.gateway = gateway

    def __call__(self, req: HttpRequest) -> HttpResponse:
        path = req.path
        if self.gateway is not None:
            api_id = execute_api_id(req.headers.get("host"))
            if api_id is not None and not path.startswith(EXECUTE_API_PREFIX):
                return self.gateway.handle(dataclasses.replace(req, path=host_style_path(api_id, path)))
        if path.startswith("/_harness/"):
            return self.admin.handle(req)
        if self.gateway is not None and path.startswith(EXECUTE_API_PREFIX) and USER_REQUEST in path:
            return self.gateway.handle(req)
        return self.edge.handle(req)
