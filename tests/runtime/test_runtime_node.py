"""Node.js functions in the same worker model: handlers, context, errors, logs, SDK, layers, time.

AWS: "Define Lambda function handler in Node.js" (file.export handlers, async and callback
signatures; Node.js 24 drops callback handlers), https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html;
"Using the Lambda context object to retrieve Node.js function information",
https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html; "Log and monitor Node.js Lambda
functions", https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html; "AWS Lambda function
errors in Node.js", https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html;
"Building Lambda functions with Node.js" (runtime-included SDK v3),
https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html; "Packaging your layer content"
(nodejs/node_modules), https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html.
"""

from __future__ import annotations

import shutil

import pytest

from harness.clock import VirtualClock
from harness.runtime import Runtime

from .conftest import body, make_function, make_layer

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

CONTEXT_APP = """
export const handler = async (event, context) => ({
  event,
  requestId: context.awsRequestId,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  arn: context.invokedFunctionArn,
  memory: context.memoryLimitInMB,
  logGroup: context.logGroupName,
  remaining: context.getRemainingTimeInMillis(),
  env: {region: process.env.AWS_REGION, exec: process.env.AWS_EXECUTION_ENV,
        key: process.env.AWS_ACCESS_KEY_ID, token: process.env.AWS_SESSION_TOKEN,
        endpoint: process.env.AWS_ENDPOINT_URL, handler: process.env._HANDLER},
});
"""


def test_async_esm_handler_gets_the_event_context_and_environment(runtime: Runtime) -> None:
    """An `index.handler` export of index.mjs runs with Lambda's context and variables."""
    fn = make_function("node-context", {"index.mjs": CONTEXT_APP}, handler="index.handler",
                       runtime="nodejs20.x", timeout=7)
    result = runtime.invoke(fn, b'{"hello": "node"}')
    assert result.function_error is None, result.payload
    out = body(result)
    assert out["event"] == {"hello": "node"}
    assert out["requestId"] == result.request_id
    assert out["functionName"] == "node-context" and out["functionVersion"] == "$LATEST"
    assert out["arn"] == fn.arn and out["memory"] == "128"
    assert out["logGroup"] == "/aws/lambda/node-context"
    assert 0 < out["remaining"] <= 7000
    assert out["env"] == {"region": "us-east-1", "exec": "AWS_Lambda_nodejs20.x",
                          "key": "ASIATEST00000001", "token": "token-1",
                          "endpoint": "http://127.0.0.1:4566", "handler": "index.handler"}


def test_callback_handler_of_a_commonjs_module_answers_through_the_callback(runtime: Runtime) -> None:
    """`exports.handler = (event, context, callback)` is supported up to Node.js 22."""
    app = "exports.handler = (event, context, callback) => { callback(null, {n: event.n + 1}); };\n"
    result = runtime.invoke(make_function("node-cb", {"app.js": app}, runtime="nodejs22.x"), b'{"n": 1}')
    assert result.function_error is None, result.payload
    assert body(result) == {"n": 2}


def test_callback_handler_on_nodejs24_fails_at_init(runtime: Runtime) -> None:
    """Node.js 24 removed callback-based handlers: the function fails to initialise."""
    app = "exports.handler = (event, context, callback) => callback(null, 1);\n"
    result = runtime.invoke(make_function("node-cb24", {"app.js": app}, runtime="nodejs24.x"), b"{}")
    assert result.function_error == "Unhandled" and result.init_error
    assert body(result)["errorType"] == "Runtime.CallbackHandlerDeprecated"


def test_async_handler_with_three_parameters_runs_on_nodejs24(runtime: Runtime) -> None:
    """Only non-async three-argument handlers count as callback-based: the runtime interface client
    checks `argsNum == 3 && !isAsync` (aws-lambda-nodejs-runtime-interface-client,
    src/WarningForCallbackHandlers.js); https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html"""
    app = "export const handler = async (event, context, callback) => ({n: event.n + 1});\n"
    result = runtime.invoke(make_function("node-async3", {"app.mjs": app}, runtime="nodejs24.x"),
                            b'{"n": 1}')
    assert result.function_error is None, result.payload
    assert body(result) == {"n": 2}


def test_thrown_error_is_the_node_runtime_error_document(runtime: Runtime) -> None:
    """An exception becomes {errorType, errorMessage, trace}, logged as an `Invoke Error` line."""
    app = "export const handler = async () => { throw new TypeError('bad input'); };\n"
    fn = make_function("node-throw", {"app.mjs": app}, runtime="nodejs20.x")
    result = runtime.invoke(fn, b"{}")
    assert result.function_error == "Unhandled"
    out = body(result)
    assert out["errorType"] == "TypeError" and out["errorMessage"] == "bad input"
    assert out["trace"][0] == "TypeError: bad input" and "app.mjs" in out["trace"][1]
    log = runtime.log_path("node-throw").read_text()
    assert f"{result.request_id}\tERROR\tInvoke Error \t" in log


@pytest.mark.parametrize(("files", "handler", "error_type", "message"), [
    ({"app.mjs": "import x from 'left-pad';\nexport const handler = async () => x;\n"}, "app.handler",
     "Runtime.ImportModuleError", "Error: Cannot find package 'left-pad' imported from "),
    ({"other.mjs": ""}, "app.handler", "Runtime.ImportModuleError", "Error: Cannot find module 'app'"),
    ({"app.mjs": "export const other = 1;\n"}, "app.handler", "Runtime.HandlerNotFound",
     "app.handler is undefined or not exported"),
    ({"app.mjs": "export const handler = async () => {;\n"}, "app.handler",
     "Runtime.UserCodeSyntaxError", "SyntaxError: "),
], ids=["missing-package", "missing-file", "missing-export", "syntax-error"])
def test_init_failures_have_the_node_runtime_error_types(
        runtime: Runtime, files: dict[str, str], handler: str, error_type: str, message: str) -> None:
    """A package the function does not bundle (nor the runtime provides) is an import error."""
    result = runtime.invoke(make_function("node-init", files, handler=handler, runtime="nodejs20.x"),
                            b"{}")
    assert result.init_error
    out = body(result)
    assert out["errorType"] == error_type and out["errorMessage"].startswith(message)


def test_console_lines_carry_the_request_id_and_level(runtime: Runtime) -> None:
    """console.log/info/warn/error write `time<TAB>request id<TAB>LEVEL<TAB>message`."""
    app = ("export const handler = async () => { console.log('plain', {a: 1}); console.warn('careful');\n"
           "  console.error('broken'); return 1; };\n")
    result = runtime.invoke(make_function("node-logs", {"app.mjs": app}, runtime="nodejs20.x"), b"{}")
    log = runtime.log_path("node-logs").read_text()
    rid = result.request_id
    for line in (f"\t{rid}\tINFO\tplain {{ a: 1 }}", f"\t{rid}\tWARN\tcareful", f"\t{rid}\tERROR\tbroken"):
        assert line in log
    assert "INIT_START Runtime Version: nodejs:20" in log


def test_timeout_kills_a_node_worker_like_a_python_one(runtime: Runtime) -> None:
    """A handler running past its Timeout ends with Lambda's timeout error."""
    app = "export const handler = () => new Promise((r) => setTimeout(r, 5000));\n"
    result = runtime.invoke(make_function("node-slow", {"app.mjs": app}, runtime="nodejs20.x",
                                          timeout=1), b"{}")
    assert result.function_error == "Unhandled"
    assert body(result)["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_sdk_v3_is_provided_and_a_layer_package_wins(runtime: Runtime) -> None:
    """The runtime's SDK v3 imports from ESM and CommonJS; a layer's nodejs/node_modules package
    is found (and wins over the runtime's copy of the same name)."""
    esm = ("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n"
           "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\n"
           "import { STSClient } from '@aws-sdk/client-sts';\n"
           "import shared from 'shared-lib';\n"
           "import { createRequire } from 'node:module';\n"
           "const require = createRequire(import.meta.url);\n"
           "export const handler = async () => ({ ddb: typeof DynamoDBClient,\n"
           "  doc: typeof DynamoDBDocumentClient, sts: typeof STSClient, shared,\n"
           "  cjs: typeof require('@aws-sdk/util-dynamodb').marshall,\n"
           "  sharedCjs: require('shared-lib') });\n")
    layer = make_layer("node-shared", {
        "nodejs/node_modules/shared-lib/package.json": '{"name": "shared-lib", "main": "index.js"}',
        "nodejs/node_modules/shared-lib/index.js": "module.exports = 'from the layer';\n"})
    fn = make_function("node-sdk", {"app.mjs": esm}, runtime="nodejs20.x", layers=[layer])
    result = runtime.invoke(fn, b"{}")
    assert result.function_error is None, result.payload
    assert body(result) == {"ddb": "function", "doc": "function", "sts": "function",
                            "shared": "from the layer", "cjs": "function",
                            "sharedCjs": "from the layer"}


def test_date_follows_the_virtual_clock(runtime: Runtime, clock: VirtualClock) -> None:
    """Date.now() and new Date() inside the function see the harness clock, as time.time() does."""
    clock.advance(86400 * 3)
    app = "export const handler = async () => [Date.now(), new Date().getTime()];\n"
    result = runtime.invoke(make_function("node-time", {"app.mjs": app}, runtime="nodejs20.x"), b"{}")
    now_ms = clock.now() * 1000
    assert all(abs(value - now_ms) < 60_000 for value in body(result))
