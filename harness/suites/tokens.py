"""Token tamperings: forged variants of a genuine Cognito ID token that a correct verifier rejects."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

Signer = Callable[[Mapping[str, Any]], str]
"""Signs claims with the genuine pool's own ID-token key (only an embedded target can offer one)."""


class Tampering(StrEnum):
    """How a token was forged; each names an attack a verifier must survive."""

    ALG_NONE = "alg-none"
    HS256_PUBLIC_KEY = "hs256-with-public-key"
    KID_SWAP = "kid-swap"
    CLAIM_EDIT_UNSIGNED = "claim-edit-unsigned"
    CLAIM_EDIT_RESIGNED = "claim-edit-resigned"
    OTHER_POOL = "other-pool"
    EXPIRED = "expired"
    ACCESS_FOR_ID = "access-token-for-id-token"


@dataclass(frozen=True)
class TamperKit:
    """What a forger holds: a genuine ID token, the pool's public key, and what else it can get."""

    genuine: str
    public_pem: bytes
    other_pool_token: str | None = None
    access_token: str | None = None
    pool_signer: Signer | None = None
    swap_kid: str = "attacker-kid"


@dataclass(frozen=True)
class Tampered:
    kind: Tampering
    token: str
    claims: Mapping[str, Any]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Header, claims and signature of a compact JWS, unverified."""
    head, body, sig = token.split(".")
    return json.loads(_unb64(head)), json.loads(_unb64(body)), sig


def assemble(header: Mapping[str, Any], claims: Mapping[str, Any], signature: str) -> str:
    enc = [b64url(json.dumps(dict(x), separators=(",", ":")).encode()) for x in (header, claims)]
    return ".".join([*enc, signature])


_ATTACKER_KEY: rsa.RSAPrivateKey | None = None


def attacker_key() -> rsa.RSAPrivateKey:
    """One RSA key the attacker owns, made once per process (key generation is slow)."""
    global _ATTACKER_KEY
    if _ATTACKER_KEY is None:
        _ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _ATTACKER_KEY


def edited_claims(claims: Mapping[str, Any], edits: Mapping[str, Any]) -> dict[str, Any]:
    return {**claims, **edits}


def tamper(kind: Tampering, kit: TamperKit, edits: Mapping[str, Any] | None = None) -> Tampered:
    """The forged token of `kind`; `edits` are the claim changes (default: another tenant id)."""
    header, claims, sig = split(kit.genuine)
    changes = dict(edits) if edits is not None else {"custom:tenantId": "f" * 32}
    if kind is Tampering.ALG_NONE:
        forged = edited_claims(claims, changes)
        return Tampered(kind, assemble({**header, "alg": "none"}, forged, ""), forged)
    if kind is Tampering.HS256_PUBLIC_KEY:
        forged = edited_claims(claims, changes)
        head = {**header, "alg": "HS256"}
        signing_input = ".".join(assemble(head, forged, "").split(".")[:2]).encode()
        mac = hmac.new(kit.public_pem, signing_input, hashlib.sha256).digest()
        return Tampered(kind, assemble(head, forged, b64url(mac)), forged)
    if kind is Tampering.KID_SWAP:
        return Tampered(kind, assemble({**header, "kid": kit.swap_kid}, claims, sig), claims)
    if kind is Tampering.CLAIM_EDIT_UNSIGNED:
        forged = edited_claims(claims, changes)
        return Tampered(kind, assemble(header, forged, sig), forged)
    if kind is Tampering.CLAIM_EDIT_RESIGNED:
        forged = edited_claims(claims, changes)
        token = jwt.encode(forged, attacker_key(), algorithm="RS256", headers={"kid": header.get("kid")})
        return Tampered(kind, token, forged)
    if kind is Tampering.OTHER_POOL:
        return _given(kind, kit.other_pool_token, "a token of another pool")
    if kind is Tampering.ACCESS_FOR_ID:
        return _given(kind, kit.access_token, "the user's access token")
    return _expired(kit, claims)


def _given(kind: Tampering, token: str | None, what: str) -> Tampered:
    if token is None:
        raise LookupError(f"{kind.value} needs {what} in the TamperKit")
    return Tampered(kind, token, split(token)[1])


def _expired(kit: TamperKit, claims: Mapping[str, Any]) -> Tampered:
    """Genuinely signed by the pool, its exp an hour before the genuine token was issued.

    Dated from the genuine token's iat, not wall time, because the target's virtual clock signed it.
    """
    if kit.pool_signer is None:
        raise LookupError("expired needs the pool's signer in the TamperKit (an embedded target)")
    issued = claims.get("iat")
    now = int(issued) if isinstance(issued, int | float) else int(time.time())
    forged = {**claims, "iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}
    return Tampered(Tampering.EXPIRED, kit.pool_signer(forged), forged)


def available(kit: TamperKit) -> tuple[Tampering, ...]:
    """The tamperings this kit can make (some need another pool's token, the access token, a signer)."""
    missing = {Tampering.OTHER_POOL: kit.other_pool_token, Tampering.ACCESS_FOR_ID: kit.access_token,
               Tampering.EXPIRED: kit.pool_signer}
    return tuple(k for k in Tampering if missing.get(k, True) is not None)
