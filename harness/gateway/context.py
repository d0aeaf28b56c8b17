"""The per-request state the handlers pass along, like LocalStack's invocation context."""

from __future__ import annotations

from collections.abc import Mapping

from harness.gateway.authcache import AuthEntry
from harness.gateway.model import ApiKeyInfo, ApiSnapshot, Method, PlanInfo, StageConfig
from harness.gateway.responses import ErrorView
from harness.gateway.routing import RouteMatch
from harness.http import HttpRequest, HttpResponse


class Invocation:
    """One execute-api request on its way through route -> authorize -> ... -> integrate."""

    __slots__ = (
        "api", "api_id", "api_key", "auth", "authorizer_latency_ms", "claims", "iam_caller_arn",
        "iam_identity", "match", "method_arn", "now", "path", "plan", "req", "request_id",
        "response", "stage", "stage_name",
    )

    def __init__(self, req: HttpRequest, request_id: str, now: float) -> None:
        self.req = req
        self.request_id = request_id
        self.now = now
        self.api_id = ""
        self.stage_name = ""
        self.path = "/"
        self.api: ApiSnapshot | None = None
        self.stage: StageConfig | None = None
        self.match: RouteMatch[Method] | None = None
        self.method_arn = ""
        self.auth: AuthEntry | None = None
        self.authorizer_latency_ms = 0
        self.claims: dict[str, str] | None = None  # a Cognito authorizer's, as strings
        self.iam_identity: Mapping[str, str | None] | None = None
        self.iam_caller_arn: str | None = None
        self.api_key: ApiKeyInfo | None = None
        self.plan: PlanInfo | None = None
        self.response: HttpResponse | None = None

    @property
    def method(self) -> Method:
        assert self.match is not None
        return self.match.method

    @property
    def resource_path(self) -> str:
        return self.match.resource_path if self.match is not None else ""

    def error_view(self) -> ErrorView:
        """What a customised gateway response may reference about this request."""
        return ErrorView(
            request_id=self.request_id, req=self.req, stage=self.stage_name,
            resource_path=self.resource_path,
            path_params=self.match.path_params if self.match is not None else {},
            stage_vars=self.stage.variables if self.stage is not None else {},
            extra={"apiId": self.api_id, "path": self.path,
                   "authorizer.principalId": self.auth.principal_id if self.auth else None,
                   "identity.sourceIp": self.req.client})
