"""Mapping templates (pure): $input, $util, $context overrides, the passthrough decision and
integration response selection.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.gateway.compile_integration import compile_integration
from harness.gateway.mapping import media_type, request_template, select_response
from harness.gateway.responses import GatewayError
from harness.gateway.vtl import UTIL, InputVariable, TemplateFailure, json_path, render

PARAMS = {"path": {"id": "7"}, "querystring": {"q": "x y"}, "header": {"X-Tenant": "t1"}}


def _render(template: str, body: str = "", context: dict[str, Any] | None = None) -> str:
    return render(template, InputVariable(body, PARAMS), context or {}, {"env": "test"})


def test_input_json_path_and_body() -> None:
    """$input.json returns JSON text, $input.path an object, $input.body the raw payload."""
    body = '{"a": {"b": [1, 2, {"c": "d"}]}, "s": "t"}'
    assert _render("$input.json('$.a.b')", body) == "[1, 2, {\"c\": \"d\"}]"
    assert _render("$input.path('$.a.b[2].c')", body) == "d"
    assert _render("$input.path('$.a.b').size()", body) == "3"
    assert _render("$input.body", body) == body
    assert _render("$input.json('$.missing')", body) == "null"


def test_input_path_objects_are_the_ones_input_json_renders() -> None:
    """Changing an object taken from $input.path shows in a later $input.json('$')."""
    out = _render("#set($r = $input.path('$'))#set($r.n = 2)$input.json('$')", '{"n": 1}')
    assert out == '{"n": 2}'


def test_input_params_by_name_and_all() -> None:
    """$input.params(x) looks in path, then query string, then header; params() has all three."""
    assert _render("$input.params('id')") == "7"
    assert _render("$input.params('q')") == "x y"
    assert _render("$input.params('x-tenant')") == "t1"
    assert _render("$input.params().header.get('X-Tenant')") == "t1"


def test_util_functions() -> None:
    """escapeJavaScript (single quotes too), parseJson, urlEncode/Decode, base64Encode/Decode."""
    assert UTIL.escapeJavaScript('a"b\'c\\d\ne') == 'a\\"b\\\'c\\\\d\\ne'
    assert _render("$util.parseJson('{\"k\": [1]}').k.get(0)") == "1"
    assert UTIL.urlEncode("a b&c=d/é") == "a+b%26c%3Dd%2F%C3%A9"
    assert UTIL.urlDecode("a+b%26c") == "a b&c"
    assert UTIL.base64Encode("hello") == "aGVsbG8="
    assert UTIL.base64Decode("aGVsbG8=") == "hello"


def test_context_response_override_is_written_back() -> None:
    """#set($context.responseOverride.status = ...) changes the context the gateway reads."""
    ctx: dict[str, Any] = {"responseOverride": {"status": None, "header": {}}}
    _render("#set($context.responseOverride.status = 400)", context=ctx)
    assert ctx["responseOverride"]["status"] == 400


def test_stage_variables_and_context_values() -> None:
    """$stageVariables.<name> and nested $context values render as text."""
    assert _render("$stageVariables.env $context.identity.sourceIp",
                   context={"identity": {"sourceIp": "10.0.0.1"}}) == "test 10.0.0.1"


def test_a_template_that_does_not_parse_is_a_template_failure() -> None:
    """A broken template is refused (API Gateway answers 500), not a crash."""
    with pytest.raises(TemplateFailure):
        _render("#if($a")
    with pytest.raises(TemplateFailure):
        _render("$util.parseJson('not json')")


def test_json_path_subset() -> None:
    """$, dotted names, [n], ['name'] and [*]."""
    doc = {"a": [{"b": 1}, {"b": 2}], "odd key": 3}
    assert json_path(doc, "$") is doc
    assert json_path(doc, "$.a[*].b") == [1, 2]
    assert json_path(doc, "$['odd key']") == 3
    assert json_path(doc, "a[1].b") == 2


def _integration(behaviour: str, templates: dict[str, str]) -> Any:
    return compile_integration({"type": "MOCK", "passthroughBehavior": behaviour,
                                "requestTemplates": templates})


@pytest.mark.parametrize(("behaviour", "templates", "content_type", "outcome"), [
    ("WHEN_NO_MATCH", {"application/json": "T"}, "application/json", "T"),
    ("WHEN_NO_MATCH", {"application/json": "T"}, "text/plain", None),
    ("WHEN_NO_TEMPLATES", {}, "text/plain", None),
    ("WHEN_NO_TEMPLATES", {"application/json": "T"}, "text/plain", 415),
    ("NEVER", {}, "application/json", 415),
    ("NEVER", {"text/plain": "P"}, "text/plain", "P"),
])
def test_passthrough_behaviour_decides_template_passthrough_or_415(
        behaviour: str, templates: dict[str, str], content_type: str, outcome: Any) -> None:
    """The template for the Content-Type; without one, pass through or 415 per behaviour."""
    integration = _integration(behaviour, templates)
    if outcome == 415:
        with pytest.raises(GatewayError) as info:
            request_template(integration, content_type)
        assert info.value.status == 415
    else:
        assert request_template(integration, content_type) == outcome


def test_missing_content_type_is_application_json() -> None:
    """Without a Content-Type header API Gateway maps the payload as application/json."""
    assert media_type(None) == "application/json"
    assert media_type("Text/Plain; charset=utf-8") == "text/plain"


def test_selection_pattern_must_match_the_whole_selector() -> None:
    """selectionPattern is a Java regex matched against the whole errorMessage or status; no
    match falls back to the default response, and with no default it is a 500."""
    integration = compile_integration({"type": "AWS", "integrationResponses": {
        "200": {"statusCode": "200"},
        "400": {"statusCode": "400", "selectionPattern": "Bad.*"},
        "404": {"statusCode": "404", "selectionPattern": "4\\d\\d"}}})
    assert integration is not None
    assert select_response(integration, "Bad input").status == 400
    assert select_response(integration, "Very Bad").status == 200
    assert select_response(integration, "404").status == 404
    assert select_response(integration, None).status == 200
    bare = compile_integration({"type": "AWS", "integrationResponses": {
        "400": {"statusCode": "400", "selectionPattern": "Bad.*"}}})
    assert bare is not None
    with pytest.raises(GatewayError) as info:
        select_response(bare, "fine")
    assert info.value.status == 500
