"""Per-user-pool RSA signing keys and their JWKS, because moto signs every pool with one bundled key."""

from __future__ import annotations

import base64
import os
import threading
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

TokenUse = Literal["id", "access"]


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    """One RS256 key pair with the random kid Cognito publishes beside it."""

    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh 2048-bit key with a kid shaped like Cognito's (base64 of 32 random bytes)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(base64.b64encode(os.urandom(32)).decode(), key)

    def jwk(self) -> dict[str, str]:
        """The public half as a JWKS entry, in the field order Cognito serves."""
        numbers = self.private.public_key().public_numbers()
        return {"alg": "RS256", "e": _b64url_uint(numbers.e), "kid": self.kid, "kty": "RSA",
                "n": _b64url_uint(numbers.n), "use": "sig"}


@dataclass(frozen=True)
class PoolKeys:
    """A pool's two keys: Cognito signs ID and access tokens with different keys (different kids)."""

    id_key: SigningKey
    access_key: SigningKey

    def for_use(self, use: TokenUse) -> SigningKey:
        return self.id_key if use == "id" else self.access_key

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.id_key.jwk(), self.access_key.jwk()]}


class KeyRing:
    """Every pool's keys, made on first use, so a token from pool A never verifies with pool B's JWKS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[str, PoolKeys] = {}

    def keys(self, pool_id: str) -> PoolKeys:
        """The pool's keys, generated lazily (key generation happens outside the lock)."""
        with self._lock:
            found = self._pools.get(pool_id)
        if found is not None:
            return found
        fresh = PoolKeys(SigningKey.generate(), SigningKey.generate())
        with self._lock:
            return self._pools.setdefault(pool_id, fresh)

    def jwks(self, pool_id: str) -> dict[str, list[dict[str, str]]]:
        return self.keys(pool_id).jwks()

    def has(self, pool_id: str) -> bool:
        """Whether the pool's keys exist yet (it issued a token or served its JWKS)."""
        with self._lock:
            return pool_id in self._pools

    def sign(self, pool_id: str, use: TokenUse, claims: dict[str, Any]) -> str:
        """An RS256 JWT whose header carries only kid and alg, as Cognito's do."""
        key = self.keys(pool_id).for_use(use)
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid, "typ": None})

    def verify(self, pool_id: str, token: str, use: TokenUse) -> dict[str, Any] | None:
        """Claims if signed by the pool's own key for this token use; the caller checks expiry."""
        key = self.keys(pool_id).for_use(use)
        try:
            if jwt.get_unverified_header(token).get("kid") != key.kid:
                return None
            claims: dict[str, Any] = jwt.decode(
                token, key.private.public_key(), algorithms=["RS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                         "verify_aud": False, "verify_iss": False})
        except jwt.PyJWTError:
            return None
        return claims

    def forget(self, pool_id: str) -> None:
        """Drop a deleted pool's keys so a recreated pool with the same id gets new ones."""
        with self._lock:
            self._pools.pop(pool_id, None)

    def clear(self) -> None:
        with self._lock:
            self._pools.clear()

    def __contains__(self, pool_id: object) -> bool:
        with self._lock:
            return pool_id in self._pools


__all__ = ["KeyRing", "PoolKeys", "SigningKey", "TokenUse"]
