"""The single loopback listener's dispatcher: admin API, execute-api paths, everything else to the edge."""

from __future__ import annotations

from typing import Protocol

from harness.http import HttpRequest, HttpResponse

EXECUTE_API_PREFIX = "/restapis/"
USER_REQUEST = "/_user_request_"


class Handler(Protocol):
    def handle(self, req: HttpRequest) -> HttpResponse: ...


class HarnessApp:
    """Hands each request to the part that owns its path, so edge and gateway never import each other."""

    def __init__(self, edge: Handler, admin: Handler, gateway: Handler | None = None) -> None:
        self.edge = edge
        self.admin = admin
        self.gateway = gateway

    def __call__(self, req: HttpRequest) -> HttpResponse:
        path = req.path
        if path.startswith("/_harness/"):
            return self.admin.handle(req)
        if self.gateway is not None and path.startswith(EXECUTE_API_PREFIX) and USER_REQUEST in path:
            return self.gateway.handle(req)
        return self.edge.handle(req)
