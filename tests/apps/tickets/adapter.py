"""The adapter for tests/apps/tickets: how the isolation suites drive that app, through public APIs only."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import threading
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.config

from harness.suites.adapter import (
    ApiKind,
    AwsCredentials,
    Credentials,
    KeyScheme,
    RawTable,
    ResourceSpec,
    RoleSpec,
    Route,
    RouteAccess,
    SaasAdapter,
    Target,
    Tenant,
    TenantIdRefused,
)
from harness.suites.client import ApiClient

STACK_DIR_ENV = "SAAS_HARNESS_STACK_DIR"
"""Set by `saas-harness mutants` to the mutated copy of this folder: attach deploys that copy."""
APP_DIR = Path(__file__).resolve().parent
STACK = "tickets-app"
STAGE = "prod"
AUTHORIZER_TTL = 60.0
"""ReauthorizeEvery of the template's REQUEST authorizer."""
_CFG = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=120)
TICKET = ResourceSpec(
    name="ticket",
    create=Route("POST", "/tickets", ok_status=201), read=Route("GET", "/tickets/{ticketId}"),
    update=Route("PUT", "/tickets/{ticketId}"), delete=Route("DELETE", "/tickets/{ticketId}"),
    list=Route("GET", "/tickets"), id_param="ticketId", id_field="ticketId", list_field="tickets",
    tenant_id_in=("token",), table="Data", sample={"title": "printer on fire", "status": "open"},
    update_sample={"title": "printer replaced", "status": "closed"})
ROLE_MATRIX = (
    RouteAccess(TICKET.list, frozenset({"agent", "viewer"})),
    RouteAccess(TICKET.create, frozenset({"agent"}), body={"title": "unique", "status": "open"}),
)


class TicketsAdapter(SaasAdapter):
    """Pooled tickets app: signup makes a tenant (a Cognito group), agents write, viewers only read."""

    name = "tickets"
    tiers = ("free", "pro")
    roles = (RoleSpec("agent", "tenant", True), RoleSpec("viewer", "tenant", False))

    def __init__(self, stack_dir: Path | None = None) -> None:
        env_dir = os.environ.get(STACK_DIR_ENV)
        self.stack_dir = stack_dir or (Path(env_dir) if env_dir else APP_DIR)
        self.http = ApiClient()
        self.app: dict[str, str] = {}
        self._viewers: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self._policy_module: ModuleType | None = None

    # -- attach --------------------------------------------------------------------------------------------
    def attach(self, target: Target) -> None:
        """Deploy the app on an embedded target; elsewhere read it from the state file or find it by name."""
        self.target = target
        if target.embedded is not None:
            from harness.deploy import Deployer, FileStackStore

            deployer = Deployer(endpoint_url=target.endpoint, region=target.region,
                                store=FileStackStore(target.work_dir / "stacks"), account=target.account)
            out = deployer.deploy(self.stack_dir / "template.yaml", STACK, {"JwksBaseUrl": target.endpoint})
            if not out.status.endswith("COMPLETE"):
                raise RuntimeError(f"the tickets app did not deploy: {out.status}")
            self.app = {k: str(v) for k, v in out.outputs.items()}
        elif "tickets" in target.state:
            self.app = dict(target.state["tickets"])
        else:
            self.app = self._find()
        self.app.setdefault("TableArn", self._root("dynamodb").describe_table(
            TableName=self.app["DataTable"])["Table"]["TableArn"])
        self.api_url = f"{target.endpoint.rstrip('/')}/restapis/{self.app['ApiId']}/{STAGE}/_user_request_"

    def _find(self) -> dict[str, str]:
        """The deployed app's ids on an attached target, by the names its template gives them."""
        apis = self._root("apigateway").get_rest_apis(limit=500)["items"]
        api = next((a["id"] for a in apis if a["name"] == f"{STACK}-api"), None)
        idp = self._root("cognito-idp")
        pool = next((p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]
                     if p["Name"] == f"{STACK}-users"), None)
        if api is None or pool is None:
            raise RuntimeError(f"the tickets app ({STACK}) is not deployed on {self.target.endpoint}")
        client = next(c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"]
                      if c["ClientName"] == f"{STACK}-web")
        functions = (f for page in self._root("lambda").get_paginator("list_functions").paginate()
                     for f in page["Functions"])
        authorizer = next(f["FunctionName"] for f in functions
                          if ((f.get("Environment") or {}).get("Variables") or {}).get("USER_POOL_ID") == pool
                          and "TENANT_DATA_ROLE_ARN" in f["Environment"]["Variables"])
        return {"ApiId": api, "UserPoolId": pool, "ClientId": client, "DataTable": f"{STACK}-data",
                "AuthorizerFunction": authorizer}

    def _root(self, service: str) -> Any:
        return boto3.session.Session().client(
            service, region_name=self.target.region, endpoint_url=self.target.endpoint, config=_CFG,
            aws_access_key_id="test", aws_secret_access_key="test")

    # -- tenants and users ---------------------------------------------------------------------------------
    def onboard(self, tier: str, name: str | None = None) -> Tenant:
        """Self-service signup on the app's own public route; its first user is the tenant's agent."""
        username = f"agent-{uuid.uuid4().hex[:12]}"
        password = "Aa1!" + secrets.token_urlsafe(16)
        company = name or f"tickets-{username[6:14]}"
        reply = self.http.request("POST", self.api_url + "/signup", body={
            "company": company, "username": username, "password": password, "plan": tier})
        if reply.status != 201 or not isinstance(reply.body, dict):
            raise RuntimeError(f"signup answered {reply.status}: {str(reply.body)[:200]}")
        return Tenant(str(reply.body["tenantId"]), company, tier, self.api_url, "pooled",
                      {"username": username, "password": password})

    def _viewer(self, tenant: Tenant) -> tuple[str, str]:
        """The tenant's read-only user, added by the provider (AdminCreateUser, groups) on first use."""
        with self._lock:
            if tenant.id not in self._viewers:
                username, password = f"viewer-{tenant.id[:12]}", "Aa1!" + secrets.token_urlsafe(16)
                idp, pool = self._root("cognito-idp"), self.app["UserPoolId"]
                idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
                idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=password,
                                            Permanent=True)
                for group in (f"tenant-{tenant.id}", "viewer"):
                    idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
                self._viewers[tenant.id] = (username, password)
            return self._viewers[tenant.id]

    def sign_in(self, tenant: Tenant | None, role: str) -> Credentials:
        if tenant is None or role not in ("agent", "viewer"):
            raise ValueError(f"the tickets app has tenant roles agent and viewer only, not {role!r}")
        username, password = ((tenant.extra["username"], tenant.extra["password"]) if role == "agent"
                              else self._viewer(tenant))
        out = self._root("cognito-idp").initiate_auth(
            ClientId=self.app["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password})["AuthenticationResult"]
        return Credentials(username, role, tenant.id, out["IdToken"], out["IdToken"], out["AccessToken"],
                           out.get("RefreshToken"))

    def disable_user(self, tenant: Tenant | None, username: str) -> bool:
        self._root("cognito-idp").admin_disable_user(UserPoolId=self.app["UserPoolId"], Username=username)
        return True

    # -- what the app holds --------------------------------------------------------------------------------
    def resources(self) -> tuple[ResourceSpec, ...]:
        return (TICKET,)

    def raw_tables(self, tenant: Tenant) -> tuple[RawTable, ...]:
        return (RawTable("Data", self.app.get("DataTable", f"{STACK}-data"), "PK", "SK",
                         KeyScheme("TENANT#{tenant_id}"), shared=True),)

    def role_matrix(self) -> tuple[RouteAccess, ...]:
        return ROLE_MATRIX

    def authorizer_ttl(self, api: ApiKind = "tenant") -> float | None:
        return AUTHORIZER_TTL if api == "tenant" else None

    def tenant_credentials(self, tenant: Tenant, role: str,
                           api: ApiKind = "tenant") -> AwsCredentials | None:
        """What the REQUEST authorizer puts in its context for this user, invoked as API Gateway would."""
        if api != "tenant" or self.target.state.get("aws"):
            return None
        arn = (f"arn:aws:execute-api:{self.target.region}:{self.target.account}:{self.app['ApiId']}/{STAGE}"
               "/GET/tickets")
        event = {"type": "REQUEST", "methodArn": arn, "httpMethod": "GET", "path": "/tickets",
                 "headers": {"Authorization": f"Bearer {self.sign_in(tenant, role).token}"}}
        reply = self._root("lambda").invoke(FunctionName=self.app["AuthorizerFunction"],
                                            Payload=json.dumps(event))
        out = json.loads(reply["Payload"].read())
        if "FunctionError" in reply or "context" not in out:
            raise RuntimeError(f"the authorizer refused {tenant.name}'s {role}: {str(out)[:200]}")
        ctx = out["context"]
        return AwsCredentials(ctx["accessKeyId"], ctx["secretAccessKey"], ctx["sessionToken"])

    def scoped_policy(self, tenant_id: str, role: str, api: ApiKind = "tenant") -> dict[str, Any] | None:
        """tenant_policy.session_policy of the app being run (a mutant's copy brings its own)."""
        if api != "tenant" or self.target.state.get("aws"):
            return None
        module = self._policies()
        try:
            policy: dict[str, Any] = module.session_policy(tenant_id, self.app["TableArn"])
        except module.RefusedTenantId as exc:
            raise TenantIdRefused(str(exc)) from None
        return policy

    def _policies(self) -> ModuleType:
        if self._policy_module is None:
            path = self.stack_dir / "src" / "tenant_policy.py"
            spec = importlib.util.spec_from_file_location(f"tickets_tenant_policy_{id(self)}", path)
            if spec is None or spec.loader is None:
                raise RuntimeError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._policy_module = module
        return self._policy_module
