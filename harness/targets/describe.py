"""A state file from a deployed stack's CloudFormation outputs, read with the user's own credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from harness.saas.layout import api_url
from harness.targets.statefile import KIND, OPERATOR_ROLES, VERSION, StateFileError, validate

BOOTSTRAP_OUTPUTS = ("AdminApiId", "OperationsUserPoolId", "OperationsAppClientId", "PooledUserPoolId",
                     "PooledAppClientId", "TenantDetailsTableName", "TenantStackMappingTableName",
                     "TenantUserMappingTableName", "SettingsTableName")
CONFIG = botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5,
                                read_timeout=30)


class DescribeError(RuntimeError):
    """The stack could not be read or lacks the outputs a state file needs; the message says which."""


@dataclass(frozen=True)
class DescribeRequest:
    stack: str
    pooled_stack: str = "stack-pooled"
    endpoint: str | None = None  # None: AWS's own endpoints
    region: str = "us-east-1"
    profile: str | None = None
    operators: tuple[tuple[str, str, str], ...] = ()  # (role, username, password)


def parse_operator(text: str) -> tuple[str, str, str]:
    """ROLE=USERNAME:PASSWORD -> (role, username, password); ValueError with the expected shape."""
    role, sep, rest = text.partition("=")
    username, sep2, password = rest.partition(":")
    if not (sep and sep2 and username and password) or role not in OPERATOR_ROLES:
        raise ValueError(f"--operator takes ROLE=USERNAME:PASSWORD with ROLE one of "
                         f"{', '.join(OPERATOR_ROLES)}, not {text!r}")
    return role, username, password


def _outputs(stack: Mapping[str, Any]) -> dict[str, str]:
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in stack.get("Outputs", [])}


def _stack(cfn: Any, name: str, where: str) -> Mapping[str, Any] | None:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except NoCredentialsError:
        raise DescribeError("no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                            "AWS_PROFILE or --profile (the standard AWS credential chain)") from None
    except ClientError as exc:
        err = exc.response.get("Error", {})
        if "does not exist" in str(err.get("Message", "")):
            return None
        raise DescribeError(f"DescribeStacks {name} at {where}: {err.get('Code')}: "
                            f"{err.get('Message')}") from None
    except BotoCoreError as exc:
        raise DescribeError(f"DescribeStacks {name} at {where}: {exc}") from None
    return stacks[0] if stacks else None


def _api(endpoint: str | None, out: Mapping[str, str], prefix: str) -> str:
    """The API's URL: LocalStack's execute-api shape on a local endpoint, the AWS-shaped output on AWS."""
    if endpoint is not None:
        return api_url(endpoint, out[f"{prefix}Id"], out.get(f"{prefix}Stage", "prod"))
    if f"{prefix}Url" not in out:
        raise DescribeError(f"the stack has no {prefix}Url output")
    return out[f"{prefix}Url"]


def describe(req: DescribeRequest) -> dict[str, Any]:
    """DescribeStacks of the bootstrap (and, if there, the pooled) stack -> a checked state file."""
    session = boto3.session.Session(profile_name=req.profile, region_name=req.region)
    cfn = session.client("cloudformation", endpoint_url=req.endpoint, config=CONFIG)
    where = req.endpoint or f"AWS {req.region}"
    boot = _stack(cfn, req.stack, where)
    if boot is None:
        raise DescribeError(f"no stack {req.stack!r} at {where}")
    status = str(boot.get("StackStatus", ""))
    if not status.endswith("COMPLETE") or "ROLLBACK" in status or "DELETE" in status:
        raise DescribeError(f"stack {req.stack} is {boot.get('StackStatus')}, not deployed")
    out = _outputs(boot)
    missing = [k for k in BOOTSTRAP_OUTPUTS if k not in out]
    if missing:
        raise DescribeError(f"stack {req.stack} lacks the outputs {', '.join(missing)} (is it the SaaS's "
                            "control-plane stack, stack/template.yaml?)")
    pooled = _stack(cfn, req.pooled_stack, where)
    state: dict[str, Any] = {
        "kind": KIND, "version": VERSION, "stack": req.stack, "endpoint": req.endpoint, "region": req.region,
        "account": str(boot.get("StackId", "")).split(":")[4] if str(boot.get("StackId", "")).count(":") >= 5
        else "",
        "admin_api_url": _api(req.endpoint, out, "AdminApi"),
        "user_pools": {
            "operations": {"user_pool_id": out["OperationsUserPoolId"],
                           "client_id": out["OperationsAppClientId"]},
            "pooled": {"user_pool_id": out["PooledUserPoolId"], "client_id": out["PooledAppClientId"]}},
        "tables": {"TenantDetails": out["TenantDetailsTableName"],
                   "TenantStackMapping": out["TenantStackMappingTableName"],
                   "TenantUserMapping": out["TenantUserMappingTableName"],
                   "Settings": out["SettingsTableName"]},
        "operators": [{"role": r, "username": u, "password": p} for r, u, p in req.operators],
    }
    if pooled is not None:
        state["pooled_api_url"] = _api(req.endpoint, _outputs(pooled), "TenantApi")
    if req.profile:
        state["profile"] = req.profile
    try:
        validate(state, f"the state described from {req.stack}")
    except StateFileError as exc:
        raise DescribeError(str(exc)) from None
    return state
