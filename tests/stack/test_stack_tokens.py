"""ID token verification and the authorizers' decisions, with locally generated RSA keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from saas_common import authorizer, jwt_verify, roles

from tests.stack.support import ACCOUNT, REGION, TENANT_A, TENANT_B

POOL = f"{REGION}_Pooled"
OTHER_POOL = f"{REGION}_Other"
CLIENT = "pooledclient"
ISS = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
METHOD_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api123/prod/GET/products"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = new_key(), new_key()


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


JWKS = {POOL: {"keys": [jwk(KEY, "kid-1")]}, OTHER_POOL: {"keys": [jwk(OTHER_KEY, "kid-2")]}}


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"sub": "sub-1", "iss": ISS, "aud": CLIENT, "token_use": "id", "iat": now,
            "exp": now + 3600, "cognito:username": "alice", "custom:tenantId": TENANT_A,
            "custom:userRole": roles.TENANT_ADMIN}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def token(key: rsa.RSAPrivateKey = KEY, kid: str = "kid-1", **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm="RS256", headers={"kid": kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(alg: str, secret: bytes = b"", **changes: Any) -> str:
    header = b64(json.dumps({"alg": alg, "kid": "kid-1", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims(**changes)).encode())
    signing_input = f"{header}.{payload}".encode()
    sig = b64(hmac.new(secret, signing_input, hashlib.sha256).digest()) if alg == "HS256" else ""
    return f"{header}.{payload}.{sig}"


@pytest.fixture
def cache() -> jwt_verify.JwksCache:
    return jwt_verify.JwksCache(fetch=lambda pool: JWKS[pool])


def verify(tok: str, cache: jwt_verify.JwksCache, pool: str = POOL,
           client: str = CLIENT) -> dict[str, Any]:
    return jwt_verify.verify_id_token(tok, pool_id=pool, client_id=client, jwks=cache,
                                      issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{pool}")


def test_a_valid_id_token_verifies(cache: jwt_verify.JwksCache) -> None:
    assert verify(token(), cache)["custom:tenantId"] == TENANT_A


PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize(("name", "make"), [
    ("wrong kid", lambda: token(kid="kid-unknown")),
    ("signed by another pool's key", lambda: token(key=OTHER_KEY)),
    ("kid of another pool", lambda: token(key=OTHER_KEY, kid="kid-2")),
    ("wrong aud", lambda: token(aud="otherclient")),
    ("wrong iss", lambda: token(iss=f"https://cognito-idp.{REGION}.amazonaws.com/{OTHER_POOL}")),
    ("iss look-alike", lambda: token(iss="https://evil.example/" + POOL)),
    ("access token", lambda: token(token_use="access")),
    ("no token_use", lambda: token(token_use=None)),
    ("expired", lambda: token(exp=int(time.time()) - 5)),
    ("no exp", lambda: token(exp=None)),
    ("no aud", lambda: token(aud=None)),
    ("alg none", lambda: unsigned("none")),
    ("HS256 with the public key as secret", lambda: unsigned("HS256", PUBLIC_PEM)),
    ("HS256 with an empty secret", lambda: unsigned("HS256", b"")),
    ("tampered payload", lambda: tamper(token())),
    ("garbage", lambda: "a.b.c"),
])
def test_bad_tokens_are_rejected(cache: jwt_verify.JwksCache, name: str, make: Any) -> None:
    with pytest.raises(jwt_verify.TokenError):
        verify(make(), cache)


def tamper(tok: str) -> str:
    header, payload, sig = tok.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["custom:tenantId"] = TENANT_B
    return f"{header}.{b64(json.dumps(data).encode())}.{sig}"


def test_a_token_of_another_pool_fails_against_this_pool(cache: jwt_verify.JwksCache) -> None:
    other = token(key=OTHER_KEY, kid="kid-2",
                  iss=f"https://cognito-idp.{REGION}.amazonaws.com/{OTHER_POOL}")
    verify(other, cache, pool=OTHER_POOL)
    with pytest.raises(jwt_verify.TokenError):
        verify(other, cache, pool=POOL)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer a b", "Basic abc", "x" * 9000,
                                    "Bearer onlyonepart"])
def test_malformed_authorization_headers(header: Any) -> None:
    with pytest.raises(jwt_verify.TokenError):
        jwt_verify.strip_bearer(header)


def test_bearer_and_bare_tokens() -> None:
    tok = token()
    assert jwt_verify.strip_bearer(f"Bearer {tok}") == tok
    assert jwt_verify.strip_bearer(f"bearer {tok}") == tok
    assert jwt_verify.strip_bearer(tok) == tok


def test_jwks_is_cached_and_refetched_once_for_an_unknown_kid() -> None:
    calls: list[str] = []
    now = [0.0]

    def fetch(pool: str) -> dict[str, Any]:
        calls.append(pool)
        return JWKS[pool]

    cache = jwt_verify.JwksCache(fetch=fetch, clock=lambda: now[0])
    assert cache.key(POOL, "kid-1") is not None
    assert cache.key(POOL, "kid-1") is not None
    assert cache.key(POOL, "nope") is None
    assert len(calls) == 1
    now[0] += jwt_verify.JWKS_REFRESH_S
    assert cache.key(POOL, "nope") is None
    assert len(calls) == 2


# ---------------------------------------------------------------- authenticate + outputs
def resolver(seen: list[tuple[str, str]]) -> authorizer.PoolResolver:
    def resolve(role: str, tenant_id: str) -> tuple[str, str, str, dict[str, Any] | None]:
        seen.append((role, tenant_id))
        if tenant_id != TENANT_A:
            raise authorizer.Unauthorized("unknown tenant")
        return POOL, CLIENT, "tenant-a-key", {"tenantId": TENANT_A, "isActive": True}
    return resolve


def test_authenticate_picks_the_pool_from_the_claims(cache: jwt_verify.JwksCache) -> None:
    seen: list[tuple[str, str]] = []
    ident = authorizer.authenticate(f"Bearer {token()}", resolver(seen), cache)
    assert seen == [(roles.TENANT_ADMIN, TENANT_A)]
    assert (ident.role, ident.tenant_id, ident.user_name, ident.api_key) == (
        roles.TENANT_ADMIN, TENANT_A, "alice", "tenant-a-key")


@pytest.mark.parametrize("changes", [
    {"custom:userRole": "Root"}, {"custom:userRole": None}, {"custom:tenantId": "t1"},
    {"custom:tenantId": None}, {"custom:tenantId": TENANT_B},
])
def test_authenticate_refuses_bad_claims(cache: jwt_verify.JwksCache,
                                         changes: dict[str, Any]) -> None:
    with pytest.raises(authorizer.Unauthorized):
        authorizer.authenticate(token(**changes), resolver([]), cache)


def test_forged_provider_role_in_a_tenant_pool_token_fails(cache: jwt_verify.JwksCache) -> None:
    """A pooled-pool token claiming SystemAdmin is verified against the operations pool: no."""
    def resolve(role: str, tenant_id: str) -> tuple[str, str, str, dict[str, Any] | None]:
        assert role == roles.SYSTEM_ADMIN
        return OTHER_POOL, "opsclient", "sysadmin-key", None
    with pytest.raises(authorizer.Unauthorized):
        authorizer.authenticate(token(**{"custom:userRole": roles.SYSTEM_ADMIN}), resolve, cache)


def test_allow_output_shape(cache: jwt_verify.JwksCache) -> None:
    ident = authorizer.authenticate(token(), resolver([]), cache)
    arn = authorizer.MethodArn.parse(METHOD_ARN)
    out = authorizer.allow_output(ident, arn, roles.TENANT_API_METHODS[ident.role],
                                  {"accesskey": "AK", "secretkey": "SK", "sessiontoken": "ST"})
    assert out["principalId"] == "sub-1"
    assert out["usageIdentifierKey"] == "tenant-a-key"
    assert out["policyDocument"]["Statement"] == [{
        "Action": "execute-api:Invoke", "Effect": "Allow",
        "Resource": [f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api123/prod/*/*"]}]
    assert set(out["context"]) == {"tenantId", "userRole", "userName", "userPoolId", "apiKey",
                                   "accesskey", "secretkey", "sessiontoken"}
    assert all(isinstance(v, str) for v in out["context"].values())


@pytest.mark.parametrize("arn", [None, "", "arn:aws:lambda:us-east-1:1:function:x",
                                 f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api123"])
def test_method_arn_parse_refuses_garbage(arn: Any) -> None:
    with pytest.raises(ValueError):
        authorizer.MethodArn.parse(arn)


def test_session_names_are_valid() -> None:
    ident = authorizer.Identity("s", "u", roles.TENANT_USER, TENANT_A, POOL, "k", {})
    assert authorizer.session_name(ident) == TENANT_A
    provider = authorizer.Identity("s", "u", roles.SYSTEM_ADMIN, "", POOL, "k", None)
    assert authorizer.session_name(provider) == roles.SYSTEM_ADMIN
