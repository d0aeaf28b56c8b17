"""Reading deployed configuration: URIs, identity sources, policies, stages, usage plans,
and gateway responses with their defaults and customisations.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-create-attach.html
(execute-api:/ shorthand), https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
"""

from __future__ import annotations

import json

from harness.gateway.compile import (
    compile_stage,
    compile_usage,
    function_arn_from_uri,
    method_setting_key,
    normalise_policy,
    parse_identity_sources,
)
from harness.gateway.model import IdentitySource, Limits
from harness.gateway.responses import ErrorView, GatewayError, compile_spec, render
from tests.gateway.support import ACCOUNT, lambda_arn, lambda_uri, request


def test_function_arn_is_read_from_the_integration_uri() -> None:
    arn = lambda_arn("fn")
    assert function_arn_from_uri(lambda_uri(arn)) == arn
    assert function_arn_from_uri(lambda_uri(arn + ":live")) == arn + ":live"
    assert function_arn_from_uri("http://example.com") is None
    assert function_arn_from_uri(None) is None


def test_identity_sources_parse_headers_query_stage_and_context() -> None:
    assert parse_identity_sources(
        "method.request.header.Authorization, method.request.querystring.tok,"
        "stageVariables.v,context.identity.sourceIp, junk") == (
        IdentitySource("header", "authorization"), IdentitySource("querystring", "tok"),
        IdentitySource("stage", "v"), IdentitySource("context", "identity.sourceIp"))


def test_policy_shorthand_expands_and_escaped_json_is_accepted() -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                    "Action": "execute-api:Invoke",
                                                    "Resource": "execute-api:/*/GET/*"}]}
    plain = normalise_policy(json.dumps(doc), "us-east-1", ACCOUNT, "abc")
    assert plain is not None
    expected = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc/*/GET/*"
    assert json.loads(plain)["Statement"][0]["Resource"] == expected
    escaped = json.dumps(doc).replace('"', '\\"')  # how AWS's GetRestApi returns it
    again = normalise_policy(escaped, "us-east-1", ACCOUNT, "abc")
    assert again is not None and json.loads(again)["Statement"][0]["Resource"] == expected
    assert normalise_policy(None, "us-east-1", ACCOUNT, "abc") is None


def test_method_setting_keys_escape_slashes() -> None:
    assert method_setting_key("/pets/{id}", "GET") == "~1pets~1{id}/GET"
    assert method_setting_key("/", "ANY") == "~1/ANY"


def test_stage_method_settings_become_limits_with_star_star_as_default() -> None:
    stage = compile_stage("abc", {"stageName": "dev", "deploymentId": "d", "methodSettings": {
        "*/*": {"throttlingRateLimit": 10.0, "throttlingBurstLimit": 20},
        "~1pets/GET": {"throttlingRateLimit": 1.0, "throttlingBurstLimit": 2},
        "~1x/GET": {"metricsEnabled": True}}})
    assert stage.default_limits == Limits(10.0, 20.0)
    assert stage.method_limits == {"~1pets/GET": Limits(1.0, 2.0)}


def test_usage_index_maps_key_and_stage_to_plan() -> None:
    index = compile_usage(
        plans=[{"id": "p1", "apiStages": [{"apiId": "a", "stage": "dev", "throttle": {
            "/pets/GET": {"rateLimit": 1, "burstLimit": 1}}}], "throttle": {"rateLimit": 5},
            "quota": {"limit": 10, "period": "WEEK", "offset": 2}}],
        keys=[{"id": "k1", "value": "v1", "enabled": True},
              {"id": "k2", "value": "v2", "enabled": False}],
        plan_keys={"p1": [{"id": "k1"}]})
    plan = index.plan_for("k1", "a", "dev")
    assert plan is not None and plan.id == "p1"
    assert plan.throttle == Limits(5.0, 5.0)
    assert plan.quota is not None and (plan.quota.limit, plan.quota.offset) == (10, 2)
    assert plan.stages[("a", "dev")]["/pets/GET"] == Limits(1.0, 1.0)
    assert index.plan_for("k1", "a", "prod") is None
    assert index.plan_for("k2", "a", "dev") is None
    assert index.keys_by_value["v2"].enabled is False


def view() -> ErrorView:
    return ErrorView("req-1", request("GET", "/x", {"X-Trace": "t-1"}), "dev", "/x")


def test_default_gateway_responses_have_aws_status_body_and_error_type() -> None:
    cases = {
        "MISSING_AUTHENTICATION_TOKEN": (403, {"message": "Missing Authentication Token"},
                                         "MissingAuthenticationTokenException"),
        "UNAUTHORIZED": (401, {"message": "Unauthorized"}, "UnauthorizedException"),
        "INVALID_API_KEY": (403, {"message": "Forbidden"}, "ForbiddenException"),
        "THROTTLED": (429, {"message": "Too Many Requests"}, "TooManyRequestsException"),
        "QUOTA_EXCEEDED": (429, {"message": "Limit Exceeded"}, "LimitExceededException"),
        "INTEGRATION_TIMEOUT": (504, {"message": "Endpoint request timed out"},
                                "InternalServerErrorException"),
        "AUTHORIZER_CONFIGURATION_ERROR": (500, {"message": None},
                                           "AuthorizerConfigurationException"),
        "API_CONFIGURATION_ERROR": (500, {"message": "Internal server error"},
                                    "InternalServerErrorException"),
    }
    for rtype, (status, doc, etype) in cases.items():
        resp = render(GatewayError(rtype), view())
        assert (resp.status, json.loads(resp.body), resp.header("x-amzn-ErrorType")) == (
            status, doc, etype), rtype
        assert resp.header("x-amzn-RequestId") == "req-1"


def test_access_denied_uses_capital_message_key() -> None:
    resp = render(GatewayError("ACCESS_DENIED", "User is not authorized to access this resource",
                               message_key="Message"), view())
    assert json.loads(resp.body) == {"Message": "User is not authorized to access this resource"}


def test_customised_response_overrides_status_headers_and_body() -> None:
    spec = compile_spec({"responseType": "UNAUTHORIZED", "statusCode": "418",
                         "responseParameters": {"gatewayresponse.header.X-Why": "'nope'",
                                                "gatewayresponse.header.X-Echo":
                                                    "method.request.header.X-Trace"},
                         "responseTemplates": {"application/json":
                                               '{"err":$context.error.messageString,'
                                               '"id":"$context.requestId"}'}})
    assert spec is not None
    resp = render(GatewayError("UNAUTHORIZED"), view(), {"UNAUTHORIZED": spec})
    assert resp.status == 418
    assert json.loads(resp.body) == {"err": "Unauthorized", "id": "req-1"}
    assert resp.header("X-Why") == "nope" and resp.header("X-Echo") == "t-1"


def test_default_4xx_customisation_applies_to_uncustomised_4xx_types_only() -> None:
    d4 = compile_spec({"responseType": "DEFAULT_4XX", "statusCode": "400",
                       "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin":
                                              "'*'"}})
    assert d4 is not None
    resp = render(GatewayError("THROTTLED"), view(), {"DEFAULT_4XX": d4})
    assert resp.status == 400 and resp.header("Access-Control-Allow-Origin") == "*"
    five = render(GatewayError("INTEGRATION_TIMEOUT"), view(), {"DEFAULT_4XX": d4})
    assert five.status == 504 and five.header("Access-Control-Allow-Origin") is None
