"""Cognito state the upstream cannot hold: token lifetimes, attribute rules, claims and issued tokens."""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Token validity: units and defaults per AWS's TokenValidityUnitsType; ranges in seconds.
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_VALIDITY = {  # token kind -> (validity parameter, default unit, default value, min s, max s)
    "IdToken": ("IdTokenValidity", "hours", 1, 300, 86400),
    "AccessToken": ("AccessTokenValidity", "hours", 1, 300, 86400),
    "RefreshToken": ("RefreshTokenValidity", "days", 30, 3600, 3650 * 86400),
}
VALIDITY_RANGE_MESSAGE = "Invalid range for token validity."

# OIDC standard attributes every pool has, whether or not its schema lists them.
STANDARD_ATTRIBUTES = frozenset({
    "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
    "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "address",
    "email", "phone_number", "sub",
})
_IMMUTABLE_STANDARD = frozenset({"sub"})
_BOOLEAN_CLAIMS = frozenset({"email_verified", "phone_number_verified"})
ACCESS_SCOPE = "aws.cognito.signin.user.admin"


class CognitoError(Exception):
    """An AWS error answer (code and message) raised from the token and attribute logic."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _validity_seconds(config: Mapping[str, Any], kind: str) -> int:
    """One token kind's lifetime in seconds; no value means AWS's default value and unit."""
    param, default_unit, default_value, _, _ = _VALIDITY[kind]
    units = config.get("TokenValidityUnits") or {}
    unit = units.get(kind) or default_unit
    value = config.get(param)
    if value is None:
        value, unit = default_value, default_unit
    return int(float(value) * UNIT_SECONDS.get(str(unit), UNIT_SECONDS[default_unit]))


def validity_error(config: Mapping[str, Any]) -> str | None:
    """Why CreateUserPoolClient/UpdateUserPoolClient settings are out of AWS's ranges, if they are."""
    try:
        seconds = {kind: _validity_seconds(config, kind) for kind in _VALIDITY}
    except (TypeError, ValueError):
        return VALIDITY_RANGE_MESSAGE
    for kind, (_, _, _, low, high) in _VALIDITY.items():
        if not low <= seconds[kind] <= high:
            return VALIDITY_RANGE_MESSAGE
    if max(seconds["IdToken"], seconds["AccessToken"]) > seconds["RefreshToken"]:
        return VALIDITY_RANGE_MESSAGE
    return None


@dataclass(frozen=True)
class Lifetimes:
    """Seconds each token lives, from the app client's settings."""

    id: int
    access: int
    refresh: int


@dataclass(frozen=True)
class ClientSettings:
    """What the edge needs from an app client: lifetimes, attribute permissions, sign-in flows."""

    pool_id: str
    client_id: str
    lifetimes: Lifetimes
    read: frozenset[str] | None
    write: frozenset[str] | None
    secret: str | None = None
    flows: frozenset[str] | None = None  # ExplicitAuthFlows; None: unset (AWS's default)

    @classmethod
    def from_description(cls, desc: Mapping[str, Any]) -> ClientSettings:
        """Built from DescribeUserPoolClient's UserPoolClient; a missing list means no restriction."""
        read, write = desc.get("ReadAttributes"), desc.get("WriteAttributes")
        flows = desc.get("ExplicitAuthFlows")
        return cls(str(desc.get("UserPoolId", "")), str(desc.get("ClientId", "")),
                   Lifetimes(*(_validity_seconds(desc, k) for k in ("IdToken", "AccessToken",
                                                                     "RefreshToken"))),
                   frozenset(read) if read else None, frozenset(write) if write else None,
                   desc.get("ClientSecret"), frozenset(map(str, flows)) if flows else None)

    def can_read(self, name: str) -> bool:
        return self.read is None or name in self.read

    def can_write(self, name: str, schema: PoolSchema) -> bool:
        """Client write permission; required attributes are writable by every client, dev: by none."""
        if name.startswith("dev:"):
            return False
        return self.write is None or name in self.write or name in schema.required


@dataclass(frozen=True)
class PoolSchema:
    """A pool's attribute rules: which attributes exist, which are required, which are immutable."""

    pool_id: str
    immutable: frozenset[str]
    required: frozenset[str]

    @classmethod
    def from_description(cls, pool: Mapping[str, Any]) -> PoolSchema:
        """Built from DescribeUserPool; standard attributes it does not list keep AWS's defaults."""
        immutable, required = set(_IMMUTABLE_STANDARD), set()
        for attr in pool.get("SchemaAttributes") or []:
            name = str(attr.get("Name", ""))
            if attr.get("Mutable") is False:
                immutable.add(name)
            else:
                immutable.discard(name)
            if attr.get("Required"):
                required.add(name)
        return cls(str(pool.get("Id", "")), frozenset(immutable), frozenset(required))

    def immutable_among(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if n in self.immutable]


@dataclass(frozen=True)
class UserView:
    """A user as AdminGetUser shows it."""

    username: str
    attributes: dict[str, str]
    enabled: bool
    status: str

    @property
    def sub(self) -> str:
        return self.attributes.get("sub", "")


@dataclass(frozen=True)
class AuthEvent:
    """One authentication: refreshed tokens keep its auth_time, origin_jti and event_id."""

    auth_time: int
    origin_jti: str
    event_id: str

    @classmethod
    def new(cls, now: float) -> AuthEvent:
        return cls(int(now), str(uuid.uuid4()), str(uuid.uuid4()))


def issuer(pool_id: str) -> str:
    region = pool_id.split("_", 1)[0]
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def _claim_value(name: str, value: str) -> Any:
    """Attribute strings as OIDC claim types: booleans, epoch seconds, address objects."""
    if name in _BOOLEAN_CLAIMS:
        return value.lower() == "true"
    if name == "updated_at" and value.isdigit():
        return int(value)
    if name == "address":
        return {"formatted": value}
    return value


def id_claims(user: UserView, client: ClientSettings, groups: list[str], event: AuthEvent,
              now: float) -> dict[str, Any]:
    """ID token payload: identity claims plus every attribute the client may read (custom as strings)."""
    iat = int(now)
    claims: dict[str, Any] = {"sub": user.sub}
    if groups:
        claims["cognito:groups"] = list(groups)
    for name in ("email_verified", "phone_number_verified"):
        if name in user.attributes and client.can_read(name):
            claims[name] = _claim_value(name, user.attributes[name])
    claims.update({"iss": issuer(client.pool_id), "cognito:username": user.username,
                   "origin_jti": event.origin_jti, "aud": client.client_id, "event_id": event.event_id,
                   "token_use": "id", "auth_time": event.auth_time, "exp": iat + client.lifetimes.id,
                   "iat": iat, "jti": str(uuid.uuid4())})
    for name, value in user.attributes.items():
        if name not in claims and name != "sub" and client.can_read(name):
            claims[name] = _claim_value(name, value)
    return claims


def access_claims(user: UserView, client: ClientSettings, groups: list[str], event: AuthEvent,
                  now: float) -> dict[str, Any]:
    """Access token payload: who, which client, the self-service scope; never user attributes."""
    iat = int(now)
    claims: dict[str, Any] = {"sub": user.sub}
    if groups:
        claims["cognito:groups"] = list(groups)
    claims.update({"iss": issuer(client.pool_id), "client_id": client.client_id,
                   "origin_jti": event.origin_jti, "event_id": event.event_id, "token_use": "access",
                   "scope": ACCESS_SCOPE, "auth_time": event.auth_time,
                   "exp": iat + client.lifetimes.access, "iat": iat, "jti": str(uuid.uuid4()),
                   "username": user.username})
    return claims


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_refresh_token() -> str:
    """An opaque refresh token shaped like Cognito's (a five-part JWE), carrying nothing readable."""
    header = _b64url(json.dumps({"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"},
                                separators=(",", ":")).encode())
    return ".".join([header, _b64url(os.urandom(256)), _b64url(os.urandom(12)),
                     _b64url(os.urandom(900)), _b64url(os.urandom(16))])


@dataclass
class IssuedToken:
    """A token the edge handed out, the upstream's token it stands for, and its fate."""

    token: str
    kind: str  # "access" or "refresh"
    pool_id: str
    client_id: str
    username: str
    upstream: str
    exp: float
    event: AuthEvent
    revoked: bool = False


_MESSAGES = {
    ("access", "unknown"): "Invalid Access Token",
    ("access", "expired"): "Access Token has expired",
    ("access", "revoked"): "Access Token has been revoked",
    ("refresh", "unknown"): "Invalid Refresh Token",
    ("refresh", "expired"): "Refresh Token has expired",
    ("refresh", "revoked"): "Refresh Token has been revoked",
}


def token_error(kind: str, why: str) -> CognitoError:
    return CognitoError("NotAuthorizedException", _MESSAGES[(kind, why)])


@dataclass
class TokenBook:
    """Every access and refresh token issued, indexed by user for sign-out and disable."""

    prune_every: int = 512
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, IssuedToken] = field(default_factory=dict)
    _by_user: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _adds: int = 0

    def add(self, issued: IssuedToken, now: float) -> None:
        with self._lock:
            self._tokens[issued.token] = issued
            self._by_user.setdefault((issued.pool_id, issued.username), set()).add(issued.token)
            self._adds += 1
            if self._adds % self.prune_every == 0:
                self._prune(now)

    def find(self, token: str) -> IssuedToken | None:
        with self._lock:
            return self._tokens.get(token)

    def use(self, token: str, kind: str, now: float) -> IssuedToken:
        """The live record for a presented token, or AWS's NotAuthorizedException for it."""
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or issued.kind != kind:
            raise token_error(kind, "unknown")
        if issued.revoked:
            raise token_error(kind, "revoked")
        if now >= issued.exp:
            raise token_error(kind, "expired")
        return issued

    def revoke_user(self, pool_id: str, username: str, kinds: Iterable[str]) -> int:
        """Revoke the user's tokens of these kinds (sign-out: both; disable: access only)."""
        wanted = set(kinds)
        count = 0
        with self._lock:
            for token in self._by_user.get((pool_id, username), set()):
                issued = self._tokens.get(token)
                if issued is not None and issued.kind in wanted and not issued.revoked:
                    issued.revoked = True
                    count += 1
        return count

    def revoke_family(self, refresh: IssuedToken) -> None:
        """RevokeToken: the refresh token and every access token minted from its authentication."""
        with self._lock:
            for token in self._by_user.get((refresh.pool_id, refresh.username), set()):
                issued = self._tokens.get(token)
                if issued is not None and issued.event.origin_jti == refresh.event.origin_jti:
                    issued.revoked = True

    def forget_pool(self, pool_id: str) -> None:
        with self._lock:
            for key in [k for k in self._by_user if k[0] == pool_id]:
                for token in self._by_user.pop(key):
                    self._tokens.pop(token, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._by_user.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._tokens)

    def _prune(self, now: float) -> None:
        dead = [t for t, i in self._tokens.items() if i.exp <= now]
        for token in dead:
            issued = self._tokens.pop(token)
            bucket = self._by_user.get((issued.pool_id, issued.username))
            if bucket is not None:
                bucket.discard(token)
                if not bucket:
                    del self._by_user[(issued.pool_id, issued.username)]


__all__ = ["ACCESS_SCOPE", "STANDARD_ATTRIBUTES", "AuthEvent", "ClientSettings", "CognitoError",
           "IssuedToken", "Lifetimes", "PoolSchema", "TokenBook", "UserView", "access_claims",
           "id_claims", "issuer", "new_refresh_token", "token_error", "validity_error"]
