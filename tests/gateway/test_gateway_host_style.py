"""Host-style execute-api URLs reach the gateway; every other host keeps the path dispatch.

https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html (an API is
invoked at `https://{restapi_id}.execute-api.{region}.amazonaws.com/{stage_name}/`); LocalStack
accepts `{apiId}.execute-api.localhost.localstack.cloud` and `{apiId}.execute-api.localhost`.
"""

from __future__ import annotations

import pytest

from harness.app import HarnessApp, execute_api_id, host_style_path
from harness.http import HttpRequest, HttpResponse


class Recorder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.paths: list[str] = []

    def handle(self, req: HttpRequest) -> HttpResponse:
        self.paths.append(req.path)
        return HttpResponse(200, [], self.name.encode())


@pytest.mark.parametrize(("host", "api"), [
    ("abc123xyz0.execute-api.localhost:4566", "abc123xyz0"),
    ("ABC123XYZ0.execute-api.us-east-1.amazonaws.com", "abc123xyz0"),
    ("abc123xyz0.execute-api.eu-west-1.amazonaws.com:443", "abc123xyz0"),
    ("abc123xyz0.execute-api.localhost.", "abc123xyz0"),
    ("127.0.0.1:4566", None), ("localhost", None), ("cognito-idp.us-east-1.amazonaws.com", None),
    ("a.b.execute-api.localhost", None), ("abc.execute-api.example.com", None), (None, None),
])
def test_the_api_id_comes_from_an_execute_api_host_only(host: str | None, api: str | None) -> None:
    assert execute_api_id(host) == api


@pytest.mark.parametrize(("path", "expected"), [
    ("/Prod/pets/1", "/restapis/api1/Prod/_user_request_/pets/1"),
    ("/Prod", "/restapis/api1/Prod/_user_request_/"),
    ("/Prod/", "/restapis/api1/Prod/_user_request_/"),
    ("/", "/restapis/api1//_user_request_/"),
])
def test_the_first_path_segment_is_the_stage(path: str, expected: str) -> None:
    assert host_style_path("api1", path) == expected


def test_the_dispatcher_sends_host_style_requests_to_the_gateway_and_others_by_path() -> None:
    """Host-style (even for /_harness/ paths, which an API may define) goes to the gateway."""
    edge, admin, gateway = Recorder("edge"), Recorder("admin"), Recorder("gateway")
    app = HarnessApp(edge, admin, gateway)

    def send(path: str, host: str) -> bytes:
        return app(HttpRequest("GET", path, headers={"host": host})).body

    assert send("/prod/x", "k1.execute-api.localhost:4566") == b"gateway"
    assert send("/_harness/clock", "k1.execute-api.us-east-1.amazonaws.com") == b"gateway"
    assert send("/restapis/k1/prod/_user_request_/x", "k1.execute-api.localhost") == b"gateway"
    assert gateway.paths == ["/restapis/k1/prod/_user_request_/x",
                             "/restapis/k1/_harness/_user_request_/clock",
                             "/restapis/k1/prod/_user_request_/x"]
    assert send("/_harness/clock", "127.0.0.1:4566") == b"admin"
    assert send("/", "dynamodb.us-east-1.amazonaws.com") == b"edge"
