"""The reference SaaS's scoped credentials for the suites: vended by its own authorizers, and the
session policy template they are built from (S3 and S4 of the scenario catalog)."""

from __future__ import annotations

import importlib
import json
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.config

from harness.suites.adapter import ApiKind, AwsCredentials, Target, Tenant, TenantIdRefused

_CFG = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=120)
_IMPORT_LOCK = threading.Lock()
AUTHORIZER_SERVICE = {"tenant": "TenantAuthorizer", "admin": "SharedServicesAuthorizer"}
"""POWERTOOLS_SERVICE_NAME of the authorizer each API runs (tenant-template.yaml, template.yaml)."""


def policies_module(stack_dir: Path) -> ModuleType:
    """saas_common.policies of the stack being run (a changed copy, a mutant, brings its own)."""
    layer = str((stack_dir / "layers" / "python").resolve())
    with _IMPORT_LOCK:
        loaded = sys.modules.get("saas_common")
        if loaded is not None and not str(getattr(loaded, "__file__", "")).startswith(layer):
            for name in [n for n in sys.modules if n == "saas_common" or n.startswith("saas_common.")]:
                del sys.modules[name]
        if layer not in sys.path:
            sys.path.insert(0, layer)
        return importlib.import_module("saas_common.policies")


class ScopedAccess:
    """Invokes the deployed authorizers as API Gateway does, with root credentials on the target."""

    def __init__(self, target: Target, state: dict[str, Any], stack_dir: Path) -> None:
        self.target = target
        self.state = state
        self.stack_dir = stack_dir
        self._functions: dict[tuple[str, str], str] = {}
        self._lambda = boto3.session.Session().client(
            "lambda", region_name=target.region, endpoint_url=target.endpoint, config=_CFG,
            aws_access_key_id="test", aws_secret_access_key="test")

    def _function(self, api: ApiKind, served: str) -> str:
        """The authorizer function of `api`; for the tenant API, of the stack serving `served`."""
        key = (api, served)
        if key not in self._functions:
            pages = self._lambda.get_paginator("list_functions").paginate()
            for fn in (f for page in pages for f in page["Functions"]):
                env = (fn.get("Environment") or {}).get("Variables") or {}
                if env.get("POWERTOOLS_SERVICE_NAME") != AUTHORIZER_SERVICE[api]:
                    continue
                if api == "admin" or env.get("TENANT_ID") == served:
                    self._functions[key] = fn["FunctionName"]
                    break
            else:
                raise LookupError(f"no {AUTHORIZER_SERVICE[api]} function serves {served}")
        return self._functions[key]

    def vended(self, tenant: Tenant, token: str, api: ApiKind) -> AwsCredentials:
        """The credentials the API's authorizer puts in its context for this caller's token."""
        served = tenant.id if tenant.placement == "silo" else "pooled"
        base = self.state["admin_api_url"] if api == "admin" else tenant.api_url
        api_id = base.split("/restapis/", 1)[1].split("/", 1)[0]
        route = f"GET/tenant/{tenant.id}" if api == "admin" else "GET/products"
        arn = f"arn:aws:execute-api:{self.target.region}:{self.target.account}:{api_id}/prod/{route}"
        event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": arn}
        reply = self._lambda.invoke(FunctionName=self._function(api, served), Payload=json.dumps(event))
        out = json.loads(reply["Payload"].read())
        if "FunctionError" in reply or out.get("policyDocument", {}).get("Statement", [{}])[0].get(
                "Effect") != "Allow":
            raise RuntimeError(f"the {api} authorizer refused {tenant.name}'s token: {str(out)[:200]}")
        ctx = out["context"]
        return AwsCredentials(ctx["accesskey"], ctx["secretkey"], ctx["sessiontoken"])

    def policy(self, tenant_id: str, role: str, api: ApiKind) -> dict[str, Any]:
        """The stack's own session policy template, as its authorizers build it."""
        mod = policies_module(self.stack_dir)
        tables = self.state["tables"]
        service = mod.SHARED if api == "admin" else mod.BUSINESS
        try:
            doc: dict[str, Any] = mod.policy_document(
                role, tenant_id, service, region=self.target.region, account=self.target.account,
                shared_tables=(tables["TenantDetails"], tables["TenantUserMapping"]))
        except mod.PolicyError as exc:
            raise TenantIdRefused(str(exc)) from None
        return doc
