"""S10 bad input: forged, tampered, expired and confused tokens are refused with 401/403 (never 2xx,
never 5xx), and hostile bodies, paths and headers get a clean 4xx (a 5xx is a finding).

Verifying a Cognito ID token (kid in the pool's JWKS, RS256 signature, exp, aud = app client id,
iss, token_use = id): https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
API Gateway answers 401 when a TOKEN authorizer refuses and 403 for a Deny policy:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
API Gateway payload limit (10 MB) and header limits:
https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
import urllib3
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from harness import strategies as hs
from harness.suites.adapter import ResourceSpec, Route, SaasAdapter, Target, Tenant
from harness.suites.client import ApiClient, SignedInClient, created_id, listed_ids
from harness.suites.helpers import Clock, TenantFactory, Users, tenant_headers
from harness.suites.tokens import Signer, TamperKit, split

TOKEN_REFUSED = (401, 403)


def _jwks(target: Target, http: ApiClient, issuer: str) -> dict[str, Any]:
    """The pool's JWKS: on the harness at /<poolId>/.well-known/jwks.json, on AWS under the issuer."""
    pool_id = issuer.rstrip("/").rsplit("/", 1)[-1]
    url = (f"{issuer}/.well-known/jwks.json" if target.state.get("aws")
           else f"{target.endpoint.rstrip('/')}/{pool_id}/.well-known/jwks.json")
    reply = http.request("GET", url)
    assert reply.status == 200 and isinstance(reply.body, dict), (url, reply.status)
    return reply.body


def _pool_signer(target: Target, http: ApiClient, pool_id: str) -> Signer | None:
    """The pool's own signing key, to mint genuinely signed tokens with bad claims: an embedded target
    lends it in process, an attached harness target through its loopback admin API
    (`POST /_harness/cognito/sign`); anything else (AWS, another emulator) skips those cases."""
    if target.embedded is not None:
        ring = target.embedded.user_pool_tokens._keys

        def sign(claims: Mapping[str, Any]) -> str:
            return ring.sign(pool_id, "id", dict(claims))

        return sign
    if target.public_only or not target.endpoint:
        return None
    url = target.endpoint.rstrip("/") + "/_harness/cognito/sign"

    def sign_remote(claims: Mapping[str, Any]) -> str:
        body = {"pool_id": pool_id, "token_use": "id", "claims": dict(claims)}
        reply = http.request("POST", url, body=body)
        assert reply.status == 200 and isinstance(reply.body, dict), (url, reply.status, reply.body)
        return str(reply.body["token"])

    try:
        sign_remote({"probe": True})
    except AssertionError:
        return None  # a target without the admin signer
    return sign_remote


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


@pytest.fixture
def victim(saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users) -> SignedInClient:
    tenant = saas_tenants.get(saas_adapter.tiers[0] if saas_adapter.tiers else "default")
    return saas_users(tenant, _writer(saas_adapter))


@pytest.fixture
def kit(saas_adapter: SaasAdapter, saas_suite_target: Target, saas_http: ApiClient, saas_users: Users,
        victim: SignedInClient) -> TamperKit:
    """A forger's kit around the victim's genuine ID token: the pool's public key, another pool's
    token (a provider user's), the access token, and on an embedded target the pool's signer."""
    genuine = victim.credentials.token
    claims = split(genuine)[1]
    jwks = _jwks(saas_suite_target, saas_http, str(claims["iss"]))
    id_kid = split(genuine)[0]["kid"]
    id_jwk = next(k for k in jwks["keys"] if k["kid"] == id_kid)
    pem = jwt.PyJWK.from_dict(id_jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    provider = next((r.name for r in saas_adapter.roles if r.scope == "provider"), None)
    other = saas_users(None, provider).credentials.token if provider else None
    access = victim.credentials.access_token or None
    swap = split(access)[0].get("kid", "attacker-kid") if access else "attacker-kid"
    pool_id = str(claims["iss"]).rstrip("/").rsplit("/", 1)[-1]
    return TamperKit(genuine, pem, other, access, _pool_signer(saas_suite_target, saas_http, pool_id),
                     swap_kid=swap)


def _probes(adapter: SaasAdapter) -> list[Route]:
    """A read on the tenant API, and on the admin API a route tenant users may call."""
    routes = [adapter.resources()[0].list]
    routes += [c.route for c in adapter.role_matrix()
               if c.route.api == "admin" and not c.params and c.route.method == "GET"
               and set(adapter.tenant_roles()) <= c.allowed][:1]
    return routes


def _ask(victim: SignedInClient, route: Route, token: str) -> int:
    return victim.call(route, token=token).status


@given(data=st.data())
def test_tampered_tokens_are_refused_with_401_or_403(saas_adapter: SaasAdapter, victim: SignedInClient,
                                                     kit: TamperKit, data: st.DataObject) -> None:
    """Every tampering of harness/suites/tokens.py (alg none, HS256 keyed with the public key, kid
    swap, edited claims signed or not, another pool's token, an expired token, the access token)."""
    forged = data.draw(hs.tampered_tokens(kit))
    routes = [r for r in _probes(saas_adapter)
              if not (r.api == "admin" and forged.kind.value == "other-pool")]  # a provider token is
    # genuine on the admin API: only the tenant API must refuse it
    for route in routes:
        # The genuine token goes first, as in a real attack on a tenant that just signed in: an
        # authorizer that remembers answers by anything but the verified token must not hand the
        # forgery the genuine token's decision.
        assert 200 <= _ask(victim, route, kit.genuine) < 300, route.path
        status = _ask(victim, route, forged.token)
        assert status in TOKEN_REFUSED, (forged.kind.value, dict(forged.claims), route.path, status)


GENUINE_BAD_CLAIMS: tuple[tuple[str, Mapping[str, Any] | None], ...] = (
    ("wrong audience", {"aud": "0" * 26}),
    ("wrong issuer", {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_attacker"}),
    ("access token use", {"token_use": "access"}),
    ("expired a second ago", {"exp": -1}),
    ("not yet issued and expired", {"iat": 4_000_000_000, "exp": -1}),
    ("no expiry", None),
)


@pytest.mark.parametrize("case", [c[0] for c in GENUINE_BAD_CLAIMS])
def test_genuinely_signed_tokens_with_bad_claims_are_refused(case: str, saas_adapter: SaasAdapter,
                                                             victim: SignedInClient, kit: TamperKit,
                                                             saas_clock: Clock) -> None:
    """Signed with the pool's real key, so only claim checks can refuse them: aud, iss, token_use, exp."""
    if kit.pool_signer is None:
        pytest.skip("minting genuinely signed tokens needs the pool's key (a harness target lends it)")
    edits = dict(GENUINE_BAD_CLAIMS)[case]
    claims = dict(split(kit.genuine)[1])
    if edits is None:
        claims.pop("exp", None)
    else:
        claims.update(edits)
        if claims.get("exp") == -1:
            claims["exp"] = int(saas_clock.now()) - 1
    token = kit.pool_signer(claims)
    for route in _probes(saas_adapter):
        assert _ask(victim, route, token) in TOKEN_REFUSED, (case, route.path)


MALFORMED = ("", "Bearer", "Bearer ", "Bearer a.b", "Bearer a.b.c.d", "Basic dXNlcjpwYXNz", "null",
             "Bearer " + "A" * 9000, "Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer ..",
             "Bearer \u00e9.\u00e9.\u00e9")


@pytest.mark.parametrize("value", MALFORMED, ids=lambda v: f"{v[:16]!r}/{len(v)}")
def test_malformed_authorization_headers_are_refused(value: str, saas_adapter: SaasAdapter,
                                                     victim: SignedInClient) -> None:
    for route in _probes(saas_adapter):
        url = route.url(saas_adapter.api_base(victim.tenant, route.api))
        header = value if value.isascii() else value.encode().decode("latin-1")  # raw UTF-8 bytes
        reply = victim.http.request(route.method, url, headers={"Authorization": header})
        assert reply.status in TOKEN_REFUSED, (value[:40], route.path, reply.status)


def test_a_missing_authorization_header_is_401(saas_adapter: SaasAdapter, victim: SignedInClient) -> None:
    for route in _probes(saas_adapter):
        reply = victim.http.request(route.method, route.url(saas_adapter.api_base(victim.tenant, route.api)))
        assert reply.status == 401, (route.path, reply.status)


hostile_ids = st.one_of(
    st.text(min_size=1, max_size=64),
    st.sampled_from(("..", "../..", "%2e%2e", "a/b?c#d", "\x00", "' OR '1'='1", "${aws:username}", "*",
                     "{id}", "0:0", ":", "a" * 4000, "\u202e", "a\r\nX-Injected: 1")),
    hs.tenant_ids(),
)


@given(item_id=hostile_ids, op=st.sampled_from(("read", "update", "delete")))
def test_hostile_ids_in_paths_get_a_clean_4xx(saas_adapter: SaasAdapter, victim: SignedInClient,
                                              item_id: str, op: str) -> None:
    """An id nobody created, however shaped, is a 4xx (not found or bad id), never 2xx or 5xx."""
    resource: ResourceSpec = saas_adapter.resources()[0]
    reply = victim.call(resource.route(op),  # type: ignore[arg-type]
                        body=dict(resource.update_sample) if op == "update" else None,
                        params={resource.id_param: item_id})
    assert 400 <= reply.status < 500, (op, item_id[:60], reply.status, str(reply.body)[:200])


@given(data=st.data())
def test_hostile_bodies_never_get_a_5xx(saas_adapter: SaasAdapter, victim: SignedInClient,
                                        data: st.DataObject) -> None:
    """Near-valid create bodies (fields retyped, dropped, tenant fields injected) and arbitrary JSON:
    accepted or a clean 4xx."""
    resource: ResourceSpec = data.draw(st.sampled_from(saas_adapter.resources()))
    body = data.draw(st.one_of(hs.payloads(resource.sample), hs.json_values))
    reply = victim.call(resource.create, body=body)
    assert reply.status < 500, (json.dumps(body)[:200], reply.status, str(reply.body)[:200])


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


RAW_BODIES = {
    "not json": b"this is not json",
    "truncated json": b'{"name": "x", "price": ',
    "invalid utf-8": b'{"name": "\xff\xfe"}',
    "json array": b"[1, 2, 3]",
    "json string": b'"just a string"',
    "deep nesting": _nested(5000),
    "one megabyte field": b'{"name": "' + b"x" * 1_000_000 + b'", "price": 1}',
    "duplicate keys": b'{"price": 1, "price": "NaN", "name": "x"}',
    "nan and infinity": b'{"name": "x", "price": NaN, "sku": Infinity}',
}


@pytest.mark.parametrize("kind", sorted(RAW_BODIES))
def test_malformed_raw_bodies_get_a_clean_4xx(kind: str, saas_adapter: SaasAdapter,
                                              victim: SignedInClient) -> None:
    resource = saas_adapter.resources()[0]
    url = resource.create.url(saas_adapter.api_base(victim.tenant))
    reply = victim.http.request("POST", url, token=victim.credentials.token, raw=RAW_BODIES[kind])
    assert 400 <= reply.status < 500, (kind, reply.status, str(reply.body)[:200])


def test_a_body_over_the_gateway_payload_limit_is_refused_cleanly(saas_adapter: SaasAdapter,
                                                                  victim: SignedInClient) -> None:
    """Over 10 MB: API Gateway refuses it (413) before any function runs; never a 5xx."""
    resource = saas_adapter.resources()[0]
    url = resource.create.url(saas_adapter.api_base(victim.tenant))
    raw = b'{"name": "' + b"x" * (10 * 1024 * 1024 + 1024) + b'", "price": 1}'
    reply = victim.http.request("POST", url, token=victim.credentials.token, raw=raw)
    assert 400 <= reply.status < 500, (reply.status, str(reply.body)[:200])


HOSTILE_HEADERS: dict[str, dict[str, str]] = {
    "spoofed tenant": {"tenantId": "f" * 32, "x-tenant-id": "f" * 32},
    "client api key": {"x-api-key": "attacker-key"},
    "forwarded for": {"X-Forwarded-For": "127.0.0.1, 10.0.0.1", "X-Forwarded-Host": "evil.example"},
    "huge header": {"X-Big": "b" * 16_000},
    "many headers": {f"X-H{i}": str(i) for i in range(200)},
    "content type lies": {"Content-Type": "application/xml"},
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_HEADERS))
def test_hostile_headers_never_get_a_5xx_nor_change_the_caller(kind: str, saas_adapter: SaasAdapter,
                                                               victim: SignedInClient) -> None:
    """Extra or lying headers with a genuine token: the answer is the caller's own (2xx) or a clean
    4xx, never a 5xx."""
    resource = saas_adapter.resources()[0]
    reply = victim.call(resource.list, headers=HOSTILE_HEADERS[kind])
    assert reply.status < 500, (kind, reply.status, str(reply.body)[:200])


def raw_paths(collection: str) -> tuple[str, ...]:
    """Hostile spellings of paths under the resource's collection (e.g. '/tickets'), and outside it."""
    c = collection.rstrip("/")
    return ("/../../../_harness/health", f"{c}/%2F..%2F..", f"{c}/%00", f"/{c}//x", f"{c}/x;y", "/%ZZ",
            "/" + "p" * 8000)


def test_a_raw_unencoded_path_gets_a_clean_4xx(saas_adapter: SaasAdapter, victim: SignedInClient) -> None:
    """Paths a client library would never send (dot segments, encoded slashes, a NUL, bad escapes,
    an 8 KB segment), sent as they are: a 4xx, never a 5xx."""
    base = saas_adapter.api_base(victim.tenant).rstrip("/")
    http = urllib3.PoolManager(retries=False)
    headers = {"Authorization": f"Bearer {victim.credentials.token}"}
    paths = raw_paths(saas_adapter.resources()[0].list.path)
    statuses = {raw[:30]: http.request("GET", base + raw, headers=headers, timeout=30.0).status
                for raw in paths}
    assert all(400 <= s < 500 for s in statuses.values()), statuses


def test_tenant_is_never_taken_from_a_spoofed_header(saas_adapter: SaasAdapter, saas_tenants: TenantFactory,
                                                     saas_users: Users, victim: SignedInClient) -> None:
    """The caller's own list, with headers naming another tenant, shows none of that tenant's items."""
    tiers = saas_adapter.tiers or ("default",)
    # Another tenant than the victim's (tier 0's): tier 1's, or a fresh one where the app has one tier.
    other: Tenant = saas_tenants.get(tiers[1]) if len(tiers) > 1 else saas_tenants.fresh(tiers[0])
    resource = saas_adapter.resources()[0]
    theirs = created_id(resource, saas_users(other, _writer(saas_adapter)).create(resource))
    reply = victim.call(resource.list, headers=tenant_headers(other.id))
    assert reply.status == resource.list.ok_status
    assert theirs not in listed_ids(resource, reply)
