"""Cognito ID token verification (JWKS, kid, RS256, exp, aud, iss, token_use), per AWS's guidance."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt

from saas_common import config

MAX_TOKEN_CHARS = 8192
JWKS_REFRESH_S = 60.0  # an unknown kid triggers at most one re-fetch per pool per minute

Fetcher = Callable[[str], dict[str, Any]]


class TokenError(Exception):
    """The token is missing, malformed, forged, expired or meant for someone else."""


def fetch_jwks(pool_id: str) -> dict[str, Any]:
    """GET the pool's JWKS; the URL comes from configuration and the pool id, never from a token."""
    with urllib.request.urlopen(config.jwks_url(pool_id), timeout=5) as resp:
        return dict(json.loads(resp.read()))


class JwksCache:
    """Signing keys per pool for the container's lifetime, re-fetched when an unknown kid shows up."""

    def __init__(self, fetch: Fetcher = fetch_jwks, clock: Callable[[], float] = time.monotonic):
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: dict[str, float] = {}

    def _load(self, pool_id: str) -> None:
        doc = self._fetch(pool_id)
        keys: dict[str, Any] = {}
        for jwk in doc.get("keys", []) if isinstance(doc, dict) else []:
            if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("kid"):
                continue
            if jwk.get("use", "sig") != "sig":
                continue
            try:
                keys[str(jwk["kid"])] = jwt.PyJWK(jwk, algorithm="RS256").key
            except jwt.PyJWTError:
                continue
        self._keys[pool_id] = keys
        self._fetched_at[pool_id] = self._clock()

    def key(self, pool_id: str, kid: str) -> Any | None:
        with self._lock:
            keys = self._keys.get(pool_id)
            if keys is not None and kid in keys:
                return keys[kid]
            last = self._fetched_at.get(pool_id)
            if keys is None or last is None or self._clock() - last >= JWKS_REFRESH_S:
                self._load(pool_id)
            return self._keys.get(pool_id, {}).get(kid)


def strip_bearer(header_value: object) -> str:
    """'Bearer <jwt>' (or a bare JWT) from the Authorization header."""
    if not isinstance(header_value, str) or not header_value.strip():
        raise TokenError("no token")
    parts = header_value.strip().split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        token = parts[1]
    elif len(parts) == 1:
        token = parts[0]
    else:
        raise TokenError("malformed authorization header")
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise TokenError("not a JWS compact token")
    return token


def unverified_claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before verification: only used to pick which pool must verify the token."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenError(f"undecodable token: {exc}") from None
    if not isinstance(claims, dict):
        raise TokenError("claims are not an object")
    return header, claims


def verify_id_token(token: str, *, pool_id: str, client_id: str, jwks: JwksCache,
                    issuer: str | None = None) -> dict[str, Any]:
    """The verified claims of a pool's ID token for this app client, or TokenError."""
    header, _ = unverified_claims(token)
    if header.get("alg") != "RS256":
        raise TokenError("algorithm must be RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenError("no kid")
    key = jwks.key(pool_id, kid)
    if key is None:
        raise TokenError("unknown kid")
    try:
        claims = jwt.decode(
            token, key=key, algorithms=["RS256"], audience=client_id,
            issuer=issuer or config.issuer(pool_id),
            # iat is not part of Cognito's verification steps; exp is, and is required.
            options={"require": ["exp", "iss", "aud", "sub", "token_use"], "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {exc}") from None
    if claims.get("token_use") != "id":
        raise TokenError("not an ID token")
    return dict(claims)
