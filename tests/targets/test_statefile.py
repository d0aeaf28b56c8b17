"""The deployed-stack state file (docs/STATE-FILE.md): checked field by field, with the field named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from harness.targets.statefile import StateFileError, check_loopback, load, remote_urls, validate

GOOD: dict[str, Any] = {
    "kind": "deployed-stack", "version": 1, "stack": "serverless-saas", "endpoint": "http://127.0.0.1:4566",
    "region": "us-east-1", "account": "123456789012",
    "admin_api_url": "http://127.0.0.1:4566/restapis/abc/prod/_user_request_",
    "user_pools": {"operations": {"user_pool_id": "us-east-1_op", "client_id": "c1"}},
    "operators": [{"role": "SystemAdmin", "username": "saas-admin", "password": "pw"}],
    "tables": {"TenantDetails": "a", "TenantStackMapping": "b", "TenantUserMapping": "c", "Settings": "d"},
}


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return data


def test_a_good_state_file_is_read_as_public_apis_only() -> None:
    state = validate(GOOD)
    assert state["public_apis_only"] and not state["aws"] and state["tables"]["Settings"] == "d"
    assert state["pooled_api_url"] is None and state["tenants"] == []


def test_a_state_without_endpoint_means_aws_itself() -> None:
    state = validate(_with("endpoint", None))
    assert state["aws"] and remote_urls(state)[0] == "AWS (us-east-1)"


@pytest.mark.parametrize(("path", "value", "message"), [
    ("kind", "state", '$.kind must be "deployed-stack"'),
    ("version", 2, "$.version 2 is not supported"),
    ("stack", "", "$.stack must be a non-empty string"),
    ("region", KeyError, "$.region must be a non-empty string (missing)"),
    ("endpoint", "ftp://x", "$.endpoint must be an http(s) URL"),
    ("admin_api_url", KeyError, "$.admin_api_url must be an http(s) URL string, not NoneType"),
    ("user_pools.operations", KeyError, "$.user_pools.operations must be an object (missing)"),
    ("user_pools.operations.client_id", 7, "$.user_pools.operations.client_id must be a non-empty string"),
    ("tables.Settings", KeyError, "$.tables.Settings must be a non-empty string (missing)"),
    ("operators", {}, "$.operators must be a list"),
    ("operators.0.role", "Root", "$.operators[0].role must be one of SystemAdmin, CustomerSupport"),
    ("operators.0.password", KeyError, "$.operators[0].password must be a non-empty string"),
    ("profile", "", "$.profile must be the name of an AWS profile")])
def test_a_bad_field_is_named_in_the_error(path: str, value: Any, message: str) -> None:
    with pytest.raises(StateFileError) as info:
        validate(_with(path, value), "stack.json")
    assert str(info.value).startswith("stack.json: ") and message in str(info.value)


def test_an_up_state_file_is_told_apart_with_a_hint() -> None:
    with pytest.raises(StateFileError, match="saas-harness up"):
        validate({"run_id": "x", "endpoint": "http://127.0.0.1:4566"})


def test_a_file_that_is_not_json_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text("{nope")
    with pytest.raises(StateFileError, match=r"s\.json: not valid JSON"):
        load(tmp_path / "s.json")
    with pytest.raises(StateFileError, match="No such file"):
        load(tmp_path / "missing.json")
    (tmp_path / "ok.json").write_text(json.dumps(GOOD))
    assert load(tmp_path / "ok.json")["stack"] == "serverless-saas"


def test_a_remote_stack_is_refused_without_allow_remote() -> None:
    remote = validate(_with("admin_api_url", "https://abc.execute-api.us-east-1.amazonaws.com/prod"))
    with pytest.raises(StateFileError, match="not loopback; pass --allow-remote"):
        check_loopback(remote, False, "the suites")
    check_loopback(remote, True, "the suites")
    check_loopback(validate(GOOD), False, "the suites")
