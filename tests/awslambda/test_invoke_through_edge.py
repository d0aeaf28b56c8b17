"""Lambda through the edge: deployed with the Lambda API, invoked with boto3, run by the harness runtime.

Docs: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html,
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html,
https://docs.aws.amazon.com/lambda/latest/dg/python-context.html,
https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html
"""

from __future__ import annotations

import base64
import io
import json
import threading
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.edge.helpers import allow, doc, error_code, make_role, make_table, unique

HANDLER = """
import os, time, json, boto3
INIT_PID = os.getpid()
INITS = [time.time()]

def handler(event, context):
    action = event.get("action")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "barrier":
        open(os.path.join(event["dir"], str(os.getpid())), "w").close()
        while len(os.listdir(event["dir"])) < event["parties"]:
            if context.get_remaining_time_in_millis() < 500:
                return {"pid": os.getpid(), "met": False}
            time.sleep(0.02)
        return {"pid": os.getpid(), "met": True}
    if action == "raise":
        raise ValueError("boom")
    if action == "put":
        boto3.client("dynamodb").put_item(TableName=event["table"],
                                          Item={"shardId": {"S": event["shard"]}, "id": {"S": "1"}})
    if action == "layer":
        import shared_lib
        return {"layer": shared_lib.VALUE}
    print("event seen", json.dumps(event))
    return {
        "pid": os.getpid(), "inits": len(INITS),
        "env": {k: os.environ.get(k) for k in ("AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "TABLE", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE")},
        "ctx": {"request_id": context.aws_request_id, "name": context.function_name,
                "arn": context.invoked_function_arn, "memory": context.memory_limit_in_mb,
                "remaining": context.get_remaining_time_in_millis()},
        "caller": boto3.client("sts").get_caller_identity()["Arn"],
    }
"""


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def fn(aws: Any) -> dict[str, str]:
    table = make_table(aws)
    role = make_role(aws, {"Service": "lambda.amazonaws.com"},
                     doc(allow("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:*:table/{table}")))
    lam = aws("lambda")
    layer = lam.publish_layer_version(LayerName=unique("shared"), Content={
        "ZipFile": zip_of({"python/shared_lib.py": "VALUE = 'from-layer'\n"})})["LayerVersionArn"]
    name = unique("fn")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_of({"app.py": HANDLER})}, Timeout=2, MemorySize=256,
                        Layers=[layer], Environment={"Variables": {"TABLE": table,
                                                                   "AWS_REGION": "eu-west-9"}})
    return {"name": name, "table": table, "role": role}


def invoke(aws: Any, name: str, event: dict[str, Any], **kw: Any) -> tuple[dict[str, Any], Any]:
    r = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event), **kw)
    return r, json.loads(r["Payload"].read() or b"null")


def test_invoke_runs_the_deployed_code_with_the_execution_roles_session(aws: Any,
                                                                       fn: dict[str, str]) -> None:
    r, out = invoke(aws, fn["name"], {})
    assert r["StatusCode"] == 200 and "FunctionError" not in r
    assert out["caller"].endswith(f":assumed-role/{fn['role'].split('/')[-1]}/{fn['name']}")
    assert out["env"]["AWS_ACCESS_KEY_ID"].startswith("ASIA") and out["env"]["AWS_SESSION_TOKEN"]


def test_environment_has_function_variables_and_reserved_ones_win(aws: Any,
                                                                   fn: dict[str, str]) -> None:
    _, out = invoke(aws, fn["name"], {})
    assert out["env"]["TABLE"] == fn["table"]
    assert out["env"]["AWS_REGION"] == "us-east-1"
    assert out["env"]["AWS_LAMBDA_FUNCTION_NAME"] == fn["name"]
    assert out["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"


def test_context_object_fields(aws: Any, fn: dict[str, str]) -> None:
    _, out = invoke(aws, fn["name"], {})
    ctx = out["ctx"]
    assert ctx["name"] == fn["name"] and ctx["arn"].endswith(f":function:{fn['name']}")
    assert int(ctx["memory"]) == 256 and 0 < ctx["remaining"] <= 2000
    assert len(ctx["request_id"]) == 36


def test_warm_environment_is_reused_and_init_runs_once(aws: Any, fn: dict[str, str]) -> None:
    _, first = invoke(aws, fn["name"], {})
    _, second = invoke(aws, fn["name"], {})
    assert first["pid"] == second["pid"] and second["inits"] == 1


def test_concurrent_invocations_get_new_environments(aws: Any, fn: dict[str, str],
                                                     tmp_path: Any) -> None:
    """One environment serves one invocation at a time, so three calls in flight at once run in
    three environments: each waits inside the handler until all three have arrived (a barrier),
    which could not complete if any two shared an environment.
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html"""
    lam = aws("lambda")
    name = unique("fn-barrier")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=fn["role"],
                        Handler="app.handler", Code={"ZipFile": zip_of({"app.py": HANDLER})},
                        Timeout=20)
    outs: list[Any] = []

    def call() -> None:
        outs.append(invoke(aws, name, {"action": "barrier", "dir": str(tmp_path), "parties": 3})[1])

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o["met"] for o in outs] == [True, True, True], outs
    assert len({o["pid"] for o in outs}) == 3


def test_layers_are_on_the_import_path_as_under_opt_python(aws: Any, fn: dict[str, str]) -> None:
    assert invoke(aws, fn["name"], {"action": "layer"})[1] == {"layer": "from-layer"}


def test_role_permissions_apply_to_the_functions_own_calls(aws: Any, fn: dict[str, str]) -> None:
    r, out = invoke(aws, fn["name"], {"action": "put", "table": fn["table"], "shard": "x-1"})
    assert "FunctionError" not in r
    other = make_table(aws)
    r, out = invoke(aws, fn["name"], {"action": "put", "table": other, "shard": "x-1"})
    assert r["FunctionError"] == "Unhandled"
    assert "AccessDeniedException" in out["errorMessage"]


def test_timeout_is_enforced(aws: Any, fn: dict[str, str]) -> None:
    r, out = invoke(aws, fn["name"], {"action": "sleep", "seconds": 5})
    assert r["FunctionError"] == "Unhandled"
    assert "Task timed out after 2.00 seconds" in out["errorMessage"]
    assert invoke(aws, fn["name"], {})[0]["StatusCode"] == 200


def test_unhandled_error_shape(aws: Any, fn: dict[str, str]) -> None:
    r, out = invoke(aws, fn["name"], {"action": "raise"})
    assert r["FunctionError"] == "Unhandled"
    assert out["errorType"] == "ValueError" and out["errorMessage"] == "boom"


def test_log_tail_is_returned_on_request(aws: Any, fn: dict[str, str]) -> None:
    r, _ = invoke(aws, fn["name"], {"marker": "tail-me"}, LogType="Tail")
    log = base64.b64decode(r["LogResult"]).decode()
    assert "tail-me" in log and "REPORT RequestId" in log


def test_event_invocation_answers_202(aws: Any, fn: dict[str, str]) -> None:
    r = aws("lambda").invoke(FunctionName=fn["name"], InvocationType="Event", Payload=b"{}")
    assert r["StatusCode"] == 202


def test_unknown_function_is_resource_not_found(aws: Any) -> None:
    with pytest.raises(ClientError) as info:
        aws("lambda").invoke(FunctionName="no-such-function", Payload=b"{}")
    assert error_code(info.value) == "ResourceNotFoundException"


def test_payload_must_be_json(aws: Any, fn: dict[str, str]) -> None:
    with pytest.raises(ClientError) as info:
        aws("lambda").invoke(FunctionName=fn["name"], Payload=b"not json")
    assert error_code(info.value) == "InvalidRequestContentException"


def test_invoke_needs_lambda_invoke_function_permission(aws: Any, fn: dict[str, str]) -> None:
    from tests.edge.helpers import make_user

    _, key = make_user(aws, doc(allow("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:other")))
    with pytest.raises(ClientError) as info:
        aws("lambda", creds=key).invoke(FunctionName=fn["name"], Payload=b"{}")
    assert error_code(info.value) == "AccessDeniedException"
    assert "lambda:InvokeFunction" in str(info.value)


def test_updated_code_runs_on_the_next_invocation(aws: Any, fn: dict[str, str]) -> None:
    lam = aws("lambda")
    name = unique("fn")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=fn["role"],
                        Handler="app.handler",
                        Code={"ZipFile": zip_of({"app.py": "def handler(e, c):\n    return 1\n"})})
    assert invoke(aws, name, {})[1] == 1
    lam.update_function_code(FunctionName=name,
                             ZipFile=zip_of({"app.py": "def handler(e, c):\n    return 2\n"}))
    assert invoke(aws, name, {})[1] == 2


CLOCK_HANDLER = """
import time, datetime
AT_INIT = time.time()

def handler(event, context):
    return {"init": AT_INIT, "time": time.time(),
            "now": datetime.datetime.now(datetime.timezone.utc).timestamp(),
            "utcnow": datetime.datetime.utcnow().replace(tzinfo=datetime.timezone.utc).timestamp(),
            "remaining": context.get_remaining_time_in_millis(),
            "isinstance": isinstance(datetime.datetime.now(), datetime.datetime)}
"""


def test_function_code_sees_the_virtual_clock(fresh_target: Any) -> None:
    """Expiry checks inside functions (JWT exp/iat) must agree with the emulated world's clock."""
    from tests.conftest import make_client_factory

    aws = make_client_factory(fresh_target.endpoint)
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    name = unique("clock")
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role,
                                  Handler="app.handler", Timeout=5,
                                  Code={"ZipFile": zip_of({"app.py": CLOCK_HANDLER})})
    fresh_target.clock.advance(2 * 86400)
    _, out = invoke(aws, name, {})
    want = fresh_target.clock.now()
    for key in ("init", "time", "now", "utcnow"):
        assert abs(out[key] - want) < 30, key
    assert 0 < out["remaining"] <= 5000 and out["isinstance"] is True
    fresh_target.clock.advance(3600)
    _, later = invoke(aws, name, {})
    assert abs(later["time"] - fresh_target.clock.now()) < 30
