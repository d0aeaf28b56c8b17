"""`saas-harness deploy`: a thin client of the CloudFormation API the harness serves.

Against a running harness the template goes to CreateStack/UpdateStack by its local path (the
harness reads it in place, so relative CodeUri folders work), and the command waits for the
stack as `aws cloudformation deploy` does. Against any other endpoint (`--endpoint` to
LocalStack or an AWS-compatible service) the same engine runs in this process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import urllib3
from botocore.exceptions import BotoCoreError, ClientError

from harness.report.console import out
from harness.state import StaleState, read_live_state

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
_POLL_S = 0.2
_TIMEOUT_S = 900.0


def _params(items: list[str] | None) -> dict[str, str] | None:
    values: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"error: --param takes KEY=VALUE, not {item!r}", file=sys.stderr)
            return None
        values[key] = value
    return values


def _is_harness(endpoint: str) -> bool:
    try:
        resp = urllib3.PoolManager().request("GET", endpoint.rstrip("/") + "/_harness/health",
                                             timeout=5.0, retries=False)
    except urllib3.exceptions.HTTPError:
        return False
    return bool(resp.status == 200)


def cmd_deploy(args: argparse.Namespace) -> int:
    params = _params(args.param)
    if params is None:
        return 2
    endpoint = args.endpoint
    if endpoint is None:
        try:
            state = read_live_state(args.work_dir)
        except (FileNotFoundError, StaleState) as exc:
            print(f"error: {exc}\n  (or pass --endpoint URL)", file=sys.stderr)
            return 2
        endpoint = state["endpoint"]
    name = args.stack_name or Path(args.template).stem
    if not _is_harness(endpoint):
        return _in_process(args, endpoint, name, params)
    cfn = boto3.session.Session().client(
        "cloudformation", region_name=args.region, endpoint_url=endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 2}, read_timeout=120))
    try:
        if args.delete:
            return _delete(cfn, name)
        return _deploy(cfn, Path(args.template).resolve(), name, params, args.work_dir)
    except (ClientError, BotoCoreError) as exc:
        print(f"error: {_message(exc)}", file=sys.stderr)
        return 2


def _message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", exc))
    return str(exc)


def _current(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(cfn.describe_stacks(StackName=name)["Stacks"][0])
    except ClientError as exc:
        if "does not exist" in _message(exc):
            return None
        raise


def _settle(cfn: Any, stack_id: str) -> dict[str, Any]:
    """Poll until the stack's operation ends, as the SDK waiters do."""
    deadline = time.monotonic() + _TIMEOUT_S
    while True:
        stack = dict(cfn.describe_stacks(StackName=stack_id)["Stacks"][0])
        if not str(stack["StackStatus"]).endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return stack
        time.sleep(_POLL_S)


def _deploy(cfn: Any, template: Path, name: str, params: dict[str, str],
            work_dir: Path) -> int:
    if not template.is_file():
        print(f"error: {template}: no such template", file=sys.stderr)
        return 2
    current = _current(cfn, name)
    if current is not None and current["StackStatus"] == "ROLLBACK_COMPLETE":
        cfn.delete_stack(StackName=name)  # a stack that never came up is replaced, as sam deploy
        _settle(cfn, current["StackId"])
        current = None
    request = {"StackName": name, "TemplateURL": str(template), "Capabilities": CAPABILITIES,
               "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()]}
    try:
        stack_id = (cfn.create_stack(**request) if current is None
                    else cfn.update_stack(**request))["StackId"]
    except ClientError as exc:
        if "No updates are to be performed" not in _message(exc) or current is None:
            raise
        stack_id = current["StackId"]
    stack = _settle(cfn, stack_id)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    record = work_dir / "stacks" / f"{name}.json"
    notes = json.loads(record.read_text()).get("notes", []) if record.is_file() else []
    status = str(stack["StackStatus"])
    summary = {"stack": name, "status": status, "outputs": outputs, "notes": notes}
    if stack.get("StackStatusReason"):
        summary["reason"] = stack["StackStatusReason"]
    out.print(json.dumps(summary, indent=2))
    if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        return 0
    print(f"error: stack {name} {status}: {stack.get('StackStatusReason', '')}", file=sys.stderr)
    return 1


def _delete(cfn: Any, name: str) -> int:
    current = _current(cfn, name)
    if current is None:
        out.print(f"deleted stack {name}")
        return 0
    cfn.delete_stack(StackName=name)
    stack = _settle(cfn, current["StackId"])
    if stack["StackStatus"] != "DELETE_COMPLETE":
        print(f"error: stack {name} {stack['StackStatus']}: "
              f"{stack.get('StackStatusReason', '')}", file=sys.stderr)
        return 1
    out.print(f"deleted stack {name}")
    return 0


def _in_process(args: argparse.Namespace, endpoint: str, name: str,
                params: dict[str, str]) -> int:
    """The engine in this process, against an endpoint that serves no CloudFormation of its own."""
    from harness.deploy import Deployer, DeployError, FileStackStore

    deployer = Deployer(endpoint_url=endpoint, region=args.region,
                        store=FileStackStore(args.work_dir / "stacks"))
    try:
        if args.delete:
            deployer.delete(name)
            out.print(f"deleted stack {name}")
            return 0
        result = deployer.deploy(Path(args.template), name, params)
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.print(json.dumps({"stack": result.name, "status": result.status,
                          "outputs": result.outputs, "notes": result.notes}, indent=2))
    return 0 if result.status.endswith("COMPLETE") else 1
