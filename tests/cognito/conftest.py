"""Fixtures for Cognito tests: a pool factory, unsigned user-facing clients, JWKS over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import jwt
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from harness.target import EmbeddedTarget

PASSWORD = "Passw0rd!Passw0rd"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
SCHEMA = [
    {"Name": "email", "AttributeDataType": "String", "Mutable": True, "Required": False},
    {"Name": "tenantId", "AttributeDataType": "String", "Mutable": False},
    {"Name": "role", "AttributeDataType": "String", "Mutable": True},
    {"Name": "secret", "AttributeDataType": "String", "Mutable": True},
]


def http_get(url: str) -> tuple[int, Any]:
    """GET a JSON document the way a verifier fetching a JWKS would."""
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def http_post(url: str, payload: Any) -> tuple[int, Any]:
    req = urllib.request.Request(url, json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


def claims(token: str) -> dict[str, Any]:
    """A token's payload without verification (tests check signatures separately)."""
    out: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return out


def verify_with_jwks(token: str, jwks: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Verify like an API authorizer would: kid lookup in the JWKS, RS256; expiry judged by the caller."""
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    out: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"],
                                     options={"verify_exp": False, "verify_iat": False,
                                              "verify_aud": False}, **kw)
    return out


@dataclass
class Pool:
    """One user pool with an app client, made through the edge as root."""

    target: EmbeddedTarget
    idp: Any
    public: Any
    pool_id: str
    client_id: str
    clients: dict[str, str] = field(default_factory=dict)

    def add_client(self, name: str, **settings: Any) -> str:
        settings.setdefault("ExplicitAuthFlows", FLOWS)
        cid = str(self.idp.create_user_pool_client(UserPoolId=self.pool_id, ClientName=name,
                                                   **settings)["UserPoolClient"]["ClientId"])
        self.clients[name] = cid
        return cid

    def add_user(self, username: str, tenant: str = "t1", **attrs: str) -> str:
        user_attrs = {"email": f"{username}@example.com", "email_verified": "true",
                      "custom:tenantId": tenant, "custom:role": "user", **attrs}
        self.idp.admin_create_user(
            UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": k, "Value": v} for k, v in user_attrs.items()])
        self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=username,
                                         Password=PASSWORD, Permanent=True)
        return username

    def sign_in(self, username: str, client_id: str | None = None) -> dict[str, Any]:
        """USER_PASSWORD_AUTH through the public (unsigned) API, as an app would."""
        res = self.public.initiate_auth(ClientId=client_id or self.client_id,
                                        AuthFlow="USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
        out: dict[str, Any] = res["AuthenticationResult"]
        return out

    def refresh(self, refresh_token: str, client_id: str | None = None) -> dict[str, Any]:
        res = self.public.initiate_auth(ClientId=client_id or self.client_id,
                                        AuthFlow="REFRESH_TOKEN_AUTH",
                                        AuthParameters={"REFRESH_TOKEN": refresh_token})
        out: dict[str, Any] = res["AuthenticationResult"]
        return out

    def jwks(self) -> dict[str, Any]:
        status, body = http_get(f"{self.target.endpoint}/{self.pool_id}/.well-known/jwks.json")
        assert status == 200, body
        out: dict[str, Any] = body
        return out


PoolFactory = Callable[..., Pool]


_SESSION = boto3.session.Session()


def pool_factory(target: EmbeddedTarget) -> PoolFactory:
    """Root and public clients share one boto3 session: making sessions is the slow part."""
    idp = _SESSION.client(
        "cognito-idp", region_name="us-east-1", endpoint_url=target.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}))
    public = _SESSION.client(
        "cognito-idp", region_name="us-east-1", endpoint_url=target.endpoint,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))

    def make(pool_settings: dict[str, Any] | None = None, **client_settings: Any) -> Pool:
        settings = {"Schema": SCHEMA, **(pool_settings or {})}
        pool_id = str(idp.create_user_pool(PoolName=f"cog-{uuid.uuid4().hex[:10]}",
                                           **settings)["UserPool"]["Id"])
        pool = Pool(target, idp, public, pool_id, "")
        pool.client_id = pool.add_client("app", **client_settings)
        return pool

    return make


@pytest.fixture
def make_pool(target: EmbeddedTarget) -> PoolFactory:
    """Pools on the shared session target (unique names; never advances its clock)."""
    return pool_factory(target)


@pytest.fixture
def make_pool_fresh(fresh_target: EmbeddedTarget) -> PoolFactory:
    """Pools on a target of their own, for tests that move the virtual clock."""
    return pool_factory(fresh_target)
