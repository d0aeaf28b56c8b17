"""The state file of a stack deployed elsewhere (`--target state FILE`): its schema, checked clearly.

docs/STATE-FILE.md documents the schema; `saas-harness describe` writes one from stack outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.targets.spec import is_loopback_url

KIND = "deployed-stack"
VERSION = 1
TABLES = ("TenantDetails", "TenantStackMapping", "TenantUserMapping", "Settings")
OPERATOR_ROLES = ("SystemAdmin", "CustomerSupport")


class StateFileError(ValueError):
    """A state file that does not describe a deployed stack; the message names the file and the field."""


def _url(value: Any, where: str, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise StateFileError(f"{where} must be an http(s) URL string, not {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StateFileError(f"{where} must be an http(s) URL with a host, not {value!r}")
    return value.rstrip("/")


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        got = "missing" if key not in data else f"{type(value).__name__} {value!r}"
        raise StateFileError(f"{where}.{key} must be a non-empty string ({got})")
    return value


def _object(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        got = "missing" if key not in data else type(value).__name__
        raise StateFileError(f"{where}.{key} must be an object ({got})")
    return value


def _pools(data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    pools = _object(data, "user_pools", "$")
    out: dict[str, dict[str, str]] = {}
    for name in ("operations", "pooled"):
        if name not in pools and name == "pooled":
            continue
        pool = _object(pools, name, "$.user_pools")
        out[name] = {k: _text(pool, k, f"$.user_pools.{name}") for k in ("user_pool_id", "client_id")}
    return out


def _operators(data: Mapping[str, Any]) -> list[dict[str, str]]:
    ops = data.get("operators", [])
    if not isinstance(ops, list):
        raise StateFileError(f"$.operators must be a list, not {type(ops).__name__}")
    out = []
    for n, op in enumerate(ops):
        if not isinstance(op, dict):
            raise StateFileError(f"$.operators[{n}] must be an object")
        row = {k: _text(op, k, f"$.operators[{n}]") for k in ("role", "username", "password")}
        if row["role"] not in OPERATOR_ROLES:
            raise StateFileError(f"$.operators[{n}].role must be one of {', '.join(OPERATOR_ROLES)}, "
                                 f"not {row['role']!r}")
        out.append(row)
    return out


def validate(data: Any, source: str = "the state file") -> dict[str, Any]:
    """The state as the suites and commands read it; StateFileError naming the first bad field."""
    try:
        return _validate(data)
    except StateFileError as exc:
        raise StateFileError(f"{source}: {exc}") from None


def _validate(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise StateFileError("not a JSON object")
    if data.get("kind") != KIND:
        hint = " (it looks like `saas-harness up`'s own state.json: pass it to the suites with " \
               "--saas-state, or describe the stack with `saas-harness describe`)" if "run_id" in data else ""
        raise StateFileError(f'$.kind must be "{KIND}", not {data.get("kind")!r}{hint}')
    if data.get("version", VERSION) != VERSION:
        raise StateFileError(f"$.version {data.get('version')!r} is not supported (this harness reads "
                             f"{VERSION})")
    endpoint = _url(data.get("endpoint"), "$.endpoint", required=False)
    tables = _object(data, "tables", "$")
    state: dict[str, Any] = {
        "kind": KIND, "version": VERSION, "stack": _text(data, "stack", "$"),
        "endpoint": endpoint, "region": _text(data, "region", "$"),
        "account": str(data.get("account") or ""),
        "admin_api_url": _url(data.get("admin_api_url"), "$.admin_api_url"),
        "pooled_api_url": _url(data.get("pooled_api_url"), "$.pooled_api_url", required=False),
        "user_pools": _pools(data), "operators": _operators(data),
        "tables": {k: _text(tables, k, "$.tables") for k in TABLES},
        "public_apis_only": True,
        # AWS itself (no endpoint): URLs of AWS's shape, JWKS under each pool's issuer.
        "aws": endpoint is None,
        "tenants": [],
    }
    profile = data.get("profile")
    if profile is not None:
        if not isinstance(profile, str) or not profile:
            raise StateFileError("$.profile must be the name of an AWS profile")
        state["profile"] = profile
    return state


def load(path: Path) -> dict[str, Any]:
    """Read and check a state file; StateFileError with the file's name on any problem."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise StateFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StateFileError(f"{path}: not valid JSON ({exc})") from None
    return validate(data, str(path))


def remote_urls(state: Mapping[str, Any]) -> list[str]:
    """Every URL of the state that is not on loopback (AWS itself, with no endpoint, counts as remote)."""
    urls = [state.get("endpoint"), state.get("admin_api_url"), state.get("pooled_api_url")]
    found = [str(u) for u in urls if u and not is_loopback_url(str(u))]
    if state.get("endpoint") is None:
        found.insert(0, f"AWS ({state.get('region')})")
    return found


def check_loopback(state: Mapping[str, Any], allow_remote: bool, what: str) -> None:
    """Suites, load and fuzzing go to loopback only unless the user says --allow-remote."""
    remote = remote_urls(state)
    if remote and not allow_remote:
        raise StateFileError(f"refusing to run {what} against {', '.join(remote)}: not loopback; pass "
                             "--allow-remote if you mean it (the stack's owner must agree to the traffic)")
