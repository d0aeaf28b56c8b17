"""The edge's user-pool token check for API Gateway's Cognito authorizers, with each pool's own keys.

Steps (structure, iss naming the pool, token_use, signature by the pool's key for that use):
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import jwt

from harness.contracts import UserPoolToken
from harness.edge.cognito.keys import KeyRing
from harness.edge.cognito.models import issuer
from harness.edge.cognito.tokens import pool_from_issuer


class UserPoolTokens:
    """Implements the gateway's UserPoolTokenVerifier; the gateway judges exp and scopes itself."""

    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys

    def __call__(self, token: str, pool_ids: Collection[str]) -> UserPoolToken | None:
        try:
            unverified: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        pool_id = pool_from_issuer(unverified.get("iss"))
        if pool_id is None or pool_id not in pool_ids or unverified.get("iss") != issuer(pool_id):
            return None
        use = unverified.get("token_use")
        if use not in ("id", "access") or pool_id not in self._keys:
            return None  # a pool whose keys were never made has signed nothing
        claims = self._keys.verify(pool_id, token, "id" if use == "id" else "access")
        if claims is None:
            return None
        return UserPoolToken(pool_id, "id" if use == "id" else "access", claims)


__all__ = ["UserPoolTokens"]
