"""A function whose module cannot be imported, behind a Lambda proxy integration: API Gateway
answers 502, and both the gateway's and the runtime's metrics count the init error per function.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
(a function error behind a proxy integration is a 502 "Internal server error"),
https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html (Runtime.ImportModuleError).
"""

from __future__ import annotations

from typing import Any

from harness.target import EmbeddedTarget
from tests.edge.helpers import make_role, unique
from tests.gateway_e2e.test_target_gateway import HANDLER, call, zip_of


def _proxy_api(aws: Any, function_arn: str) -> str:
    gw = aws("apigateway")
    rest = gw.create_rest_api(name=unique("initerr"))
    res = gw.create_resource(restApiId=rest["id"], parentId=rest["rootResourceId"],
                             pathPart="items")
    gw.put_method(restApiId=rest["id"], resourceId=res["id"], httpMethod="GET",
                  authorizationType="NONE")
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    gw.put_integration(restApiId=rest["id"], resourceId=res["id"], httpMethod="GET",
                       type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    gw.create_deployment(restApiId=rest["id"], stageName="prod")
    return str(rest["id"])


def test_an_import_error_behind_a_proxy_is_a_502_counted_as_an_init_error_per_function(
        target: EmbeddedTarget, aws: Any) -> None:
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    lam = aws("lambda")
    made = {}
    for kind, handler in (("broken", "missing_module.handler"), ("fine", "app.handler")):
        name = unique(kind)
        arn = lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                  Handler=handler, Code={"ZipFile": zip_of(HANDLER)})["FunctionArn"]
        lam.add_permission(FunctionName=name, StatementId="gw", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com")
        made[kind] = (name, _proxy_api(aws, arn))
    assert target.gateway is not None and target.runtime is not None
    broken, broken_api = made["broken"]
    fine, fine_api = made["fine"]
    before = target.gateway.metrics()["init_errors"]["by_function"].get(broken, 0)

    assert call(target, broken_api, "/items") == (502, {"message": "Internal server error"})
    assert call(target, broken_api, "/items")[0] == 502
    assert call(target, fine_api, "/items")[0] == 200

    gateway = target.gateway.metrics()["init_errors"]
    assert gateway["by_function"][broken] == before + 2
    assert fine not in gateway["by_function"]
    runtime = target.runtime.metrics()
    assert runtime["functions"][broken]["init_errors"] == 2
    assert runtime["functions"][fine]["init_errors"] == 0
    last = runtime["last_errors"][broken]
    assert last["error_type"] == "Runtime.ImportModuleError" and last["phase"] == "init"
    assert "No module named 'missing_module'" in last["first_error_line"]
