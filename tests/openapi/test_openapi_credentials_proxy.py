"""Integration credentials (API Gateway assumes the role to invoke the function, so no resource
policy is needed) and HTTP_PROXY passthrough, imported from OpenAPI and called over HTTP.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
(credentials: "To specify an IAM role for API Gateway to assume, use the role's ARN"),
https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html (HTTP
proxy integration passes the request through and the response back unchanged).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from harness.deploy import Deployer
from harness.target import EmbeddedTarget
from tests.deploy.conftest import make_project
from tests.openapi.support import FUNCTIONS, SOURCES, as_json, call, lambda_uri

TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


@pytest.fixture(scope="module")
def fns(deployer: Deployer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = make_project(tmp_path_factory.mktemp("openapi-cred-fns"), FUNCTIONS, SOURCES)
    return deployer.deploy(path, "openapi-cred-functions").outputs


def _role(aws: Any, name: str, may_invoke: str | None) -> str:
    iam = aws("iam")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
              ["Role"]["Arn"])
    if may_invoke:
        iam.put_role_policy(RoleName=name, PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": may_invoke}]}))
    return arn


def _api(aws: Any, title: str, integration: dict[str, Any], path: str = "/r") -> str:
    doc = {"openapi": "3.0.1", "info": {"title": title}, "paths": {path: {"get": {
        "responses": {"200": {}}, "x-amazon-apigateway-integration": integration}}}}
    gw = aws("apigateway")
    api_id = str(gw.import_rest_api(body=json.dumps(doc).encode())["id"])
    gw.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


def test_integration_credentials_role_invokes_without_a_resource_policy(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """With credentials naming a role API Gateway may assume and that may invoke the function,
    the call succeeds although the function's policy does not name the API; a role without
    lambda:InvokeFunction, or no credentials at all, is API Gateway's 500."""
    def integration(credentials: str | None) -> dict[str, Any]:
        spec = {"type": "aws", "httpMethod": "POST", "uri": lambda_uri(fns["EchoArn"]),
                "requestTemplates": {"application/json": '{"via": "role"}'},
                "responses": {"default": {"statusCode": "200"}}}
        return {**spec, "credentials": credentials} if credentials else spec

    good = _role(aws, "openapi-invoker", fns["EchoArn"])
    weak = _role(aws, "openapi-weak-invoker", None)
    api_id = _api(aws, "with-role", integration(good))
    status, _, raw = call(target, api_id, "dev", "/r")
    assert (status, as_json(raw)) == (200, {"event": {"via": "role"}})
    assert call(target, _api(aws, "weak-role", integration(weak)), "dev", "/r")[0] == 500
    assert call(target, _api(aws, "no-role", integration(None)), "dev", "/r")[0] == 500


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "agent": self.headers.get("User-Agent")}).encode()
        self.send_response(207)
        self.send_header("Content-Type", "application/vnd.echo+json")
        self.send_header("X-Echo", "yes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_proxy_passes_the_request_and_the_response_through(
        target: EmbeddedTarget, aws: Any, echo_server: str) -> None:
    """HTTP_PROXY with a greedy path: the query string and headers reach the backend; its status,
    headers and body come back unchanged."""
    api_id = _api(aws, "proxy", {
        "type": "http_proxy", "httpMethod": "ANY", "uri": echo_server + "/up/{proxy}",
        "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}},
        path="/{proxy+}")
    status, headers, raw = call(target, api_id, "dev", "/a/b?x=1", headers={"User-Agent": "t/1"})
    assert status == 207
    assert headers["X-Echo"] == "yes" and headers["Content-Type"] == "application/vnd.echo+json"
    assert as_json(raw) == {"path": "/up/a/b?x=1", "agent": "t/1"}
