"""OpenAPI imported through the control plane (ImportRestApi, PutRestApi) and served over HTTP by
the target's gateway with real Lambda workers: non-proxy Lambda, MOCK, asynchronous invocation,
passthrough behaviours, HTTP integrations, a TOKEN authorizer with a usage plan.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integration-async.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-errors-warnings.html
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.deploy import Deployer
from harness.target import EmbeddedTarget
from tests.deploy.conftest import make_project
from tests.openapi.support import FUNCTIONS, SOURCES, allow_gateway, as_json, call, lambda_uri

_ids = itertools.count()


@pytest.fixture(scope="module")
def fns(deployer: Deployer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = make_project(tmp_path_factory.mktemp("openapi-fns"), FUNCTIONS, SOURCES)
    return deployer.deploy(path, "openapi-functions").outputs


def _doc(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": f"oa{next(_ids)}", "version": "1"},
            "paths": paths, **extra}


def _import(aws: Any, doc: dict[str, Any], fns: dict[str, str], stage: str = "dev") -> str:
    gw = aws("apigateway")
    api = gw.import_rest_api(body=json.dumps(doc).encode())
    for key in ("EchoArn", "FailingArn", "SlowArn", "AuthorizerArn"):
        allow_gateway(aws, fns[key], api["id"], f"apigw-{api['id']}")
    gw.create_deployment(restApiId=api["id"], stageName=stage)
    return str(api["id"])


def _aws_op(uri: str, **extra: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {
        "type": "aws", "httpMethod": "POST", "uri": uri, **extra}}


def test_non_proxy_lambda_request_and_response_templates_with_util_and_context(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """A request template builds the event from $input.json, $input.params, $util and $context;
    the response template reads $input.path of the function's answer and sets a header."""
    template = ('{"body": $input.json(\'$\'), '
                '"esc": "$util.escapeJavaScript($input.params(\'q\'))", '
                '"b64": "$util.base64Encode(\'hi\')", "url": "$util.urlEncode(\'a b&c\')", '
                '"stage": "$context.stage", "rid": "$context.requestId", '
                '"ip": "$context.identity.sourceIp", "var": "$stageVariables.color"}')
    doc = _doc({"/items": {"post": _aws_op(
        lambda_uri(fns["EchoArn"]), requestTemplates={"application/json": template},
        responses={"default": {"statusCode": "200", "responseParameters": {
            "method.response.header.X-Stage": "'fixed'"}, "responseTemplates": {
            "application/json": '{"seen": $input.json(\'$.event\'), '
                                '"parsed": "$util.parseJson(\'{"a": 1}\').a"}'}}})}})
    api_id = _import(aws, doc, fns)
    aws("apigateway").update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/color", "value": "blue"}])
    status, headers, raw = call(target, api_id, "dev", "/items?q=say%20%22hi%22", "POST",
                                b'{"n": 1}', {"Content-Type": "application/json"})
    assert status == 200, raw
    out = as_json(raw)
    seen = out["seen"]
    assert seen["body"] == {"n": 1} and seen["esc"] == 'say "hi"'
    assert seen["b64"] == "aGk=" and seen["url"] == "a+b%26c"
    assert seen["stage"] == "dev" and seen["ip"] == "127.0.0.1" and seen["var"] == "blue"
    assert seen["rid"] == headers["x-amzn-RequestId"]
    assert out["parsed"] == "1"
    assert headers["X-Stage"] == "fixed"


def test_lambda_error_message_selects_the_integration_response(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """A function error's errorMessage is matched against each selectionPattern (whole match);
    the matching response's status and template apply."""
    doc = _doc({"/items/{id}": {"get": _aws_op(
        lambda_uri(fns["FailingArn"]),
        requestTemplates={"application/json": '{"id": "$input.params(\'id\')"}'},
        responses={"default": {"statusCode": "200"},
                   "NotFound:.*": {"statusCode": "404", "responseTemplates": {
                       "application/json": '{"error": "$input.path(\'$.errorMessage\')"}'}}})}})
    api_id = _import(aws, doc, fns)
    status, _, raw = call(target, api_id, "dev", "/items/42")
    assert status == 404, raw
    assert as_json(raw) == {"error": "NotFound: no item 42"}


def test_mock_integration_status_code_chooses_the_integration_response(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """MOCK: the request template's statusCode selects the integration response by pattern."""
    doc = _doc({"/health": {"get": {"responses": {"200": {}}, "x-amazon-apigateway-integration": {
        "type": "mock",
        "requestTemplates": {"application/json":
                             '#if($input.params(\'down\') == "1"){"statusCode": 503}'
                             '#else{"statusCode": 200}#end'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {
            "application/json": '{"ok": true}'}},
            "5\\d{2}": {"statusCode": "503", "responseTemplates": {
                "application/json": '{"ok": false}'}}}}}}})
    api_id = _import(aws, doc, fns)
    assert call(target, api_id, "dev", "/health")[0] == 200
    assert as_json(call(target, api_id, "dev", "/health")[2]) == {"ok": True}
    status, _, raw = call(target, api_id, "dev", "/health?down=1")
    assert (status, as_json(raw)) == (503, {"ok": False})


def test_event_invocation_type_answers_at_once_while_the_function_runs(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """integration.request.header.X-Amz-Invocation-Type 'Event': API Gateway answers 200 with
    an empty body without waiting; the function still runs (it writes an item afterwards)."""
    doc = _doc({"/jobs": {"post": _aws_op(
        lambda_uri(fns["SlowArn"]),
        requestParameters={"integration.request.header.X-Amz-Invocation-Type": "'Event'"},
        responses={"default": {"statusCode": "200"}})}})
    api_id = _import(aws, doc, fns)
    mark = f"m{time.time_ns()}"
    started = time.monotonic()
    status, _, raw = call(target, api_id, "dev", "/jobs", "POST",
                          json.dumps({"mark": mark}).encode(),
                          {"Content-Type": "application/json"})
    assert (status, raw) == (200, b"")
    assert time.monotonic() - started < 4  # the function alone sleeps 5 s
    ddb = aws("dynamodb")
    deadline = time.monotonic() + 30
    while "Item" not in ddb.get_item(TableName=fns["Table"], Key={"id": {"S": mark}}):
        assert time.monotonic() < deadline, "the Event invocation never ran"
        time.sleep(0.2)


@pytest.mark.parametrize(("behaviour", "templates", "content_type", "expected"), [
    ("never", {"application/json": "{}"}, "text/plain", 415),
    ("never", {}, "application/json", 415),
    ("when_no_templates", {"application/json": "{}"}, "text/plain", 415),
    ("when_no_templates", {}, "text/plain", 200),
    ("when_no_match", {"application/json": "{}"}, "text/plain", 200),
])
def test_passthrough_behaviour_refuses_unmapped_content_types_with_415(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str], behaviour: str,
        templates: dict[str, str], content_type: str, expected: int) -> None:
    """NEVER refuses any Content-Type without a template; WHEN_NO_TEMPLATES only when templates
    exist; WHEN_NO_MATCH passes the body through. A refusal is 415 Unsupported Media Type."""
    doc = _doc({"/m": {"post": {"responses": {"200": {}}, "x-amazon-apigateway-integration": {
        "type": "mock", "passthroughBehavior": behaviour, "requestTemplates": templates,
        "responses": {"default": {"statusCode": "200"}}}}}})
    api_id = _import(aws, doc, fns)
    status, _, raw = call(target, api_id, "dev", "/m", "POST", b"{}",
                          {"Content-Type": content_type})
    assert status == expected, raw
    if expected == 415:
        assert as_json(raw) == {"message": "Unsupported Media Type"}


class _Backend(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 404 if "missing" in self.path else 200
        body = json.dumps({"path": self.path, "tenant": self.headers.get("X-Tenant")}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "b1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_integration_maps_parameters_and_selects_by_status(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str], backend: str) -> None:
    """HTTP (non-proxy): path, query and header mappings reach the backend; the backend's status
    is matched against selectionPattern; integration.response.header maps a method header."""
    doc = _doc({"/things/{name}": {"get": {
        "parameters": [{"name": "name", "in": "path", "required": True}],
        "responses": {"200": {}}, "x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": backend + "/b/{n}",
            "requestParameters": {"integration.request.path.n": "method.request.path.name",
                                  "integration.request.querystring.v": "'2'",
                                  "integration.request.header.X-Tenant": "context.stage"},
            "responses": {
                "default": {"statusCode": "200", "responseParameters": {
                    "method.response.header.X-From": "integration.response.header.X-Backend"}},
                "404": {"statusCode": "404", "responseTemplates": {
                    "application/json": '{"gone": "$input.path(\'$.path\')"}'}}}}}}})
    api_id = _import(aws, doc, fns)
    status, headers, raw = call(target, api_id, "dev", "/things/pen")
    assert status == 200, raw
    assert as_json(raw) == {"path": "/b/pen?v=2", "tenant": "dev"}
    assert headers["X-From"] == "b1"
    status, _, raw = call(target, api_id, "dev", "/things/missing")
    assert (status, as_json(raw)) == (404, {"gone": "/b/missing?v=2"})


def test_response_override_sets_status_and_header(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """$context.responseOverride.status and .header.<name> replace the method response's."""
    doc = _doc({"/o": {"get": {"responses": {"200": {}}, "x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {
            "application/json": "#set($context.responseOverride.status = 418)"
                                "#set($context.responseOverride.header.Tea = \"pot\")"
                                '{"short": "stout"}'}}}}}}})
    api_id = _import(aws, doc, fns)
    status, headers, raw = call(target, api_id, "dev", "/o")
    assert (status, headers["Tea"], as_json(raw)) == (418, "pot", {"short": "stout"})


def test_bad_document_is_refused_with_every_problem_listed(aws: Any) -> None:
    """Errors are a BadRequestException naming all problems; nothing is created."""
    before = len(aws("apigateway").get_rest_apis(limit=500)["items"])
    doc = {"openapi": "3.0.1", "info": {"title": "bad", "version": "1"}, "paths": {
        "/a b": {"get": {"responses": {}}},
        "/x": {"get": {"responses": {}, "security": [{"nobody": []}],
                       "x-amazon-apigateway-integration": {"type": "soap"}}}},
        "x-amazon-apigateway-gateway-responses": {"NOT_A_TYPE": {}}}
    with pytest.raises(ClientError) as info:
        aws("apigateway").import_rest_api(body=json.dumps(doc).encode())
    err = info.value.response["Error"]
    assert err["Code"] == "BadRequestException"
    assert err["Message"].startswith("Errors found during import:")
    for needle in ("'/a b'", "no security definition named 'nobody'",
                   "Invalid integration type 'soap'", "NOT_A_TYPE"):
        assert needle in err["Message"], err["Message"]
    assert len(aws("apigateway").get_rest_apis(limit=500)["items"]) == before


def test_warnings_fail_the_import_only_with_failonwarnings(aws: Any) -> None:
    """An operation without responses is a warning: with failonwarnings=true the import fails
    with it in the message, otherwise the RestApi carries it in `warnings`."""
    doc = _doc({"/w": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}})
    gw = aws("apigateway")
    with pytest.raises(ClientError) as info:
        gw.import_rest_api(body=json.dumps(doc).encode(), failOnWarnings=True)
    assert "Warnings found during import:" in info.value.response["Error"]["Message"]
    assert "paths.'/w'(get).responses is missing" in info.value.response["Error"]["Message"]
    api = gw.import_rest_api(body=json.dumps(doc).encode())
    assert api["warnings"] == ["Parse issue: attribute paths.'/w'(get).responses is missing"]


def test_put_rest_api_overwrite_replaces_and_merge_adds(aws: Any, fns: dict[str, str]) -> None:
    """PutRestApi mode=overwrite leaves only the document's resources; merge keeps the rest."""
    gw = aws("apigateway")
    mock = {"responses": {"200": {}}, "x-amazon-apigateway-integration": {"type": "mock"}}
    api_id = gw.import_rest_api(body=json.dumps(_doc({"/a": {"get": mock}})).encode())["id"]
    gw.put_rest_api(restApiId=api_id, mode="merge", body=json.dumps(_doc({"/b": {"get": mock}})))
    assert {r["path"] for r in gw.get_resources(restApiId=api_id)["items"]} == {"/", "/a", "/b"}
    gw.put_rest_api(restApiId=api_id, mode="overwrite", body=json.dumps(_doc({"/c": {"get": mock}})))
    assert {r["path"] for r in gw.get_resources(restApiId=api_id)["items"]} == {"/", "/c"}
    with pytest.raises(ClientError) as info:
        gw.put_rest_api(restApiId="nope000000", mode="overwrite",
                        body=json.dumps(_doc({"/c": {"get": mock}})))
    assert info.value.response["Error"]["Code"] == "NotFoundException"


def test_request_validator_refuses_missing_required_parameters(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """x-amazon-apigateway-request-validator with validateRequestParameters: a missing required
    query string or header is 400 "Missing required request parameters: [...]"; the document's
    x-amazon-apigateway-gateway-responses reshape the API's own errors; binary media types land
    on the API (api-gateway-method-request-validation.html)."""
    doc = _doc({"/v": {"get": {
        "parameters": [{"name": "q", "in": "query", "required": True},
                       {"name": "X-Tenant", "in": "header", "required": True}],
        "x-amazon-apigateway-request-validator": "params", "responses": {"200": {}},
        "x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}}}}}}, **{
        "x-amazon-apigateway-request-validators": {"params": {
            "validateRequestParameters": True, "validateRequestBody": False}},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "x-amazon-apigateway-gateway-responses": {"MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": 404, "responseTemplates": {
                "application/json": '{"nothing": "at $context.resourcePath"}'}}}})
    api_id = _import(aws, doc, fns)
    status, _, raw = call(target, api_id, "dev", "/v")
    assert (status, as_json(raw)) == (
        400, {"message": "Missing required request parameters: [X-Tenant, q]"})
    assert call(target, api_id, "dev", "/v?q=1")[0] == 400
    assert call(target, api_id, "dev", "/v?q=1", headers={"X-Tenant": "t"})[0] == 200
    assert call(target, api_id, "dev", "/elsewhere")[0] == 404
    assert aws("apigateway").get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["image/png"]


def test_integration_without_a_matching_or_default_response_is_500(
        target: EmbeddedTarget, aws: Any, fns: dict[str, str]) -> None:
    """No integration response matches and none is the default: API Gateway's 500 ("No match for
    output mapping and no default output mapping configured")."""
    doc = _doc({"/n": {"get": {"responses": {"200": {}}, "x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"4\\d\\d": {"statusCode": "400"}}}}}})
    api_id = _import(aws, doc, fns)
    status, _, raw = call(target, api_id, "dev", "/n")
    assert (status, as_json(raw)) == (500, {"message": "Internal server error"})
