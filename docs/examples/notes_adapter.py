"""The adapter for docs/examples/notes: what the isolation suites need to know to drive that app."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

import boto3

from harness.suites.adapter import (
    Credentials,
    KeyScheme,
    RawTable,
    ResourceSpec,
    RoleSpec,
    Route,
    SaasAdapter,
    Target,
    Tenant,
)

APP_DIR = Path(__file__).resolve().parent / "notes"
STACK = "notes-app"
NOTE = ResourceSpec(
    name="note",
    create=Route("POST", "/notes", ok_status=201), read=Route("GET", "/notes/{id}"),
    update=Route("PUT", "/notes/{id}"), delete=Route("DELETE", "/notes/{id}"), list=Route("GET", "/notes"),
    id_param="id", id_field="id", list_field=None, tenant_id_in=("token",), table="Notes",
    sample={"text": "hello"}, update_sample={"text": "hello again"})


class NotesAdapter(SaasAdapter):
    """One pooled API and table; tenants are users of one pool told apart by `custom:tenantId`.

    The app has no signup API, no per-tenant stacks, no pipeline and no offboarding (its Cognito
    authorizer accepts an ID token until it expires, whoever disables the user), so it keeps the
    lifecycle defaults (`register`, `tenant_stack`, `run_pipeline`, `failing_stack`, `offboarding`,
    `offboard`): S1's refusal checks, S8 and S9 skip for it."""

    name = "notes"
    tiers = ("free", "pro")
    roles = (RoleSpec("member", "tenant", True),)

    def attach(self, target: Target) -> None:
        if target.embedded is not None:  # deploy the app on the harness's own target
            from harness.deploy import Deployer, FileStackStore

            deployer = Deployer(endpoint_url=target.endpoint, region=target.region,
                                store=FileStackStore(target.work_dir / "stacks"), account=target.account)
            self.outputs = dict(deployer.deploy(APP_DIR / "template.yaml", STACK, {}).outputs)
        else:  # already deployed: its outputs were written to the state file
            self.outputs = dict(target.state["notes"])
        self.api_url = f"{target.endpoint}/restapis/{self.outputs['ApiId']}/prod/_user_request_"
        self.idp = boto3.client("cognito-idp", region_name=target.region, endpoint_url=target.endpoint,
                                aws_access_key_id="test", aws_secret_access_key="test")

    def onboard(self, tier: str, name: str | None = None) -> Tenant:
        """The provider's onboarding: a tenant id and its first user (this app has no signup API)."""
        tenant_id = uuid.uuid4().hex
        username, password = f"member-{tenant_id[:12]}", "Aa1!" + secrets.token_urlsafe(16)
        pool = self.outputs["UserPoolId"]
        self.idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "custom:tenantId", "Value": tenant_id}])
        self.idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=password,
                                         Permanent=True)
        return Tenant(tenant_id, name or f"notes-{tenant_id[:8]}", tier, self.api_url, "pooled",
                      {"username": username, "password": password})

    def sign_in(self, tenant: Tenant | None, role: str) -> Credentials:
        if tenant is None or role != "member":
            raise ValueError("the notes app has one role, member, inside a tenant")
        out: Any = self.idp.initiate_auth(
            ClientId=self.outputs["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": tenant.extra["username"], "PASSWORD": tenant.extra["password"]})
        tokens = out["AuthenticationResult"]
        return Credentials(tenant.extra["username"], role, tenant.id, tokens["IdToken"], tokens["IdToken"],
                           tokens["AccessToken"], tokens.get("RefreshToken"))

    def resources(self) -> tuple[ResourceSpec, ...]:
        return (NOTE,)

    def raw_tables(self, tenant: Tenant) -> tuple[RawTable, ...]:
        return (RawTable("Notes", self.outputs["NotesTable"], "tenantId", "noteId", KeyScheme("{tenant_id}"),
                         shared=True),)
