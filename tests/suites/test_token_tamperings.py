"""Every token tampering is rejected by a correct verifier holding the pool's real key; the genuine
token is accepted.

Verifying a Cognito user pool JWT (kid lookup in the pool's JWKS, RS256 signature, exp, aud = app
client id, iss, token_use): https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from harness import strategies as hs
from harness.suites.tokens import Tampered, Tampering, TamperKit, available, split, tamper
from harness.target import EmbeddedTarget
from tests.cognito.conftest import Pool, pool_factory


class Rejected(Exception):
    """The verifier refused the token."""


def verify(token: str, jwks: Mapping[str, Any], client_id: str, issuer: str,
           now: float) -> dict[str, Any]:
    """A correct ID-token verifier after the AWS page above; raises Rejected on any failure.

    Time claims are checked against `now`, the target's virtual clock, which signed the token
    (other tests in the session may have moved it away from wall time)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = {k["kid"]: k for k in jwks["keys"]}
        if kid not in keys:
            raise Rejected(f"kid {kid!r} not in the pool's JWKS")
        key = jwt.PyJWK.from_dict(keys[kid]).key
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["RS256"], audience=client_id, issuer=issuer,
            options={"require": ["exp", "iat"], "verify_exp": False, "verify_iat": False})
    except jwt.PyJWTError as exc:
        raise Rejected(str(exc)) from exc
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= now:
        raise Rejected("expired")
    if not isinstance(claims["iat"], int | float) or claims["iat"] > now:
        raise Rejected("issued in the future")
    if claims.get("token_use") != "id":
        raise Rejected("not an ID token")
    return claims


@pytest.fixture(scope="module")
def pools(target: EmbeddedTarget) -> tuple[Pool, Pool]:
    make = pool_factory(target)
    mine, other = make(), make()
    mine.add_user("alice")
    other.add_user("mallory")
    return mine, other


@pytest.fixture(scope="module")
def kit(target: EmbeddedTarget, pools: tuple[Pool, Pool]) -> TamperKit:
    mine, other = pools
    tokens = mine.sign_in("alice")
    jwks = mine.jwks()
    id_kid = split(tokens["IdToken"])[0]["kid"]
    id_jwk = next(k for k in jwks["keys"] if k["kid"] == id_kid)
    access_kid = next(k["kid"] for k in jwks["keys"] if k["kid"] != id_kid)
    pem = jwt.PyJWK.from_dict(id_jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    # The pool's own signing key: only an embedded target can lend it, to mint a genuinely expired token.
    ring = target.user_pool_tokens._keys

    def sign(claims: Mapping[str, Any]) -> str:
        return ring.sign(mine.pool_id, "id", dict(claims))

    return TamperKit(tokens["IdToken"], pem, other.sign_in("mallory")["IdToken"], tokens["AccessToken"],
                     sign, swap_kid=access_kid)


@pytest.fixture(scope="module")
def verifier(target: EmbeddedTarget, pools: tuple[Pool, Pool], kit: TamperKit) -> Any:
    mine, _ = pools
    jwks, issuer = mine.jwks(), split(kit.genuine)[1]["iss"]
    return lambda token: verify(token, jwks, mine.client_id, issuer, target.clock.now())


def test_the_genuine_token_is_accepted(verifier: Any, kit: TamperKit) -> None:
    assert verifier(kit.genuine)["cognito:username"] == "alice"


@pytest.mark.parametrize("kind", list(Tampering), ids=lambda k: k.value)
def test_each_tampering_is_rejected(verifier: Any, kit: TamperKit, kind: Tampering) -> None:
    forged = tamper(kind, kit)
    assert forged.token != kit.genuine
    with pytest.raises(Rejected):
        verifier(forged.token)


def test_the_expired_token_is_validly_signed_but_expired(target: EmbeddedTarget, pools: tuple[Pool, Pool],
                                                         kit: TamperKit) -> None:
    """Its only fault is exp (on the target's clock): so a verifier that skips exp would accept it."""
    mine, _ = pools
    forged = tamper(Tampering.EXPIRED, kit)
    claims = verify_sig_only(forged.token, mine.jwks(), mine.client_id)
    assert claims["exp"] <= target.clock.now()
    assert claims["cognito:username"] == "alice"


def verify_sig_only(token: str, jwks: Mapping[str, Any], client_id: str) -> dict[str, Any]:
    """Signature and audience only: time claims are left to the caller."""
    key = jwt.PyJWKSet.from_dict(dict(jwks))[jwt.get_unverified_header(token)["kid"]].key
    out: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=client_id,
                                     options={"verify_exp": False, "verify_iat": False})
    return out


def test_claim_edits_reach_the_forged_claims(kit: TamperKit) -> None:
    for kind in (Tampering.ALG_NONE, Tampering.HS256_PUBLIC_KEY, Tampering.CLAIM_EDIT_UNSIGNED,
                 Tampering.CLAIM_EDIT_RESIGNED):
        forged = tamper(kind, kit, {"custom:tenantId": "victim"})
        assert split(forged.token)[1]["custom:tenantId"] == "victim" == forged.claims["custom:tenantId"]


def test_a_kit_without_extras_offers_only_what_it_can_make(kit: TamperKit) -> None:
    bare = TamperKit(kit.genuine, kit.public_pem)
    assert set(available(bare)) == set(Tampering) - {Tampering.OTHER_POOL, Tampering.ACCESS_FOR_ID,
                                                     Tampering.EXPIRED}
    with pytest.raises(LookupError, match="another pool"):
        tamper(Tampering.OTHER_POOL, bare)


@given(data=st.data())
def test_every_drawn_tampered_token_is_rejected(verifier: Any, kit: TamperKit, data: st.DataObject) -> None:
    forged: Tampered = data.draw(hs.tampered_tokens(kit))
    with pytest.raises(Rejected):
        verifier(forged.token)
