"""HTTP and Cognito calls against the SaaS under test, target-agnostic (embedded or LocalStack)."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import boto3
import botocore.config
import urllib3
from botocore.exceptions import ClientError

_CFG = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=32)


@dataclass
class Reply:
    """One HTTP answer from the SaaS."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None


def strong_password() -> str:
    """A password that satisfies Cognito's default policy."""
    alphabet = string.ascii_letters + string.digits
    return ("Aa1!" + "".join(secrets.choice(alphabet) for _ in range(16)))


class SaasClient:
    """Admin API, tenant APIs and sign-in, over keep-alive HTTP to one endpoint."""

    def __init__(self, endpoint: str, admin_api_url: str, region: str = "us-east-1",
                 pool_size: int = 32) -> None:
        self.endpoint = endpoint
        self.admin_api_url = admin_api_url.rstrip("/")
        self.region = region
        self._http = urllib3.PoolManager(maxsize=pool_size, retries=False)
        self._cognito = boto3.session.Session().client(
            "cognito-idp", region_name=region, endpoint_url=endpoint, config=_CFG,
            aws_access_key_id="test", aws_secret_access_key="test")

    def request(self, method: str, url: str, *, token: str | None = None, body: Any = None,
                headers: dict[str, str] | None = None) -> Reply:
        hdrs = {"Content-Type": "application/json"}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        r = self._http.request(method, url, body=data, headers=hdrs, timeout=60.0)
        try:
            parsed: Any = json.loads(r.data) if r.data else None
        except ValueError:
            parsed = r.data.decode("utf-8", "replace")
        return Reply(r.status, parsed, dict(r.headers))

    def admin(self, method: str, path: str, *, token: str | None = None, body: Any = None,
              headers: dict[str, str] | None = None) -> Reply:
        return self.request(method, self.admin_api_url + path, token=token, body=body,
                            headers=headers)

    def register(self, name: str, tier: str, email: str | None = None, **extra: Any) -> Reply:
        body = {"tenantName": name, "tenantEmail": email or f"{name.lower()}@example.com",
                "tenantTier": tier, "tenantPhone": "+15555550100",
                "tenantAddress": "1 Main Street", **extra}
        return self.admin("POST", "/registration", body=body)

    def tenant_init(self, name: str) -> Reply:
        return self.admin("GET", f"/tenant/init/{quote(name, safe='')}")

    def sign_in(self, pool_id: str, client_id: str, username: str, password: str) -> Tokens:
        """USER_PASSWORD_AUTH, answering a first-login new-password challenge if Cognito asks."""
        del pool_id  # the client id names the pool
        out = self._cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                          AuthParameters={"USERNAME": username,
                                                          "PASSWORD": password})
        if out.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            out = self._cognito.respond_to_auth_challenge(
                ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=out["Session"],
                ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": password})
        auth = out["AuthenticationResult"]
        return Tokens(auth["IdToken"], auth["AccessToken"], auth.get("RefreshToken"))

    def try_sign_in(self, client_id: str, username: str, password: str) -> Tokens | str:
        try:
            return self.sign_in("", client_id, username, password)
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
