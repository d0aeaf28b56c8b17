"""Per-pool signing keys and JWKS, served by the edge over HTTP."""

from __future__ import annotations

import jwt
import pytest

from tests.cognito.conftest import PoolFactory, claims, http_get, verify_with_jwks


def test_each_user_pool_has_its_own_rsa_keys_and_kid(make_pool: PoolFactory) -> None:
    """Each pool publishes its own RS256 keys with their own kids at /<poolId>/.well-known/jwks.json.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    """
    a, b = make_pool(), make_pool()
    jwks_a, jwks_b = a.jwks(), b.jwks()
    kids_a = {k["kid"] for k in jwks_a["keys"]}
    kids_b = {k["kid"] for k in jwks_b["keys"]}
    assert kids_a and kids_b and not kids_a & kids_b
    for key in jwks_a["keys"]:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert key["e"] == "AQAB" and key["kid"] != "dummy"
        assert len(jwt.PyJWK.from_dict(key).key.public_numbers().n.to_bytes(256, "big")) == 256
    a.add_user("ann")
    tokens = a.sign_in("ann")
    assert jwt.get_unverified_header(tokens["IdToken"]) == {
        "kid": jwt.get_unverified_header(tokens["IdToken"])["kid"], "alg": "RS256"}
    assert jwt.get_unverified_header(tokens["IdToken"])["kid"] in kids_a
    assert jwt.get_unverified_header(tokens["AccessToken"])["kid"] in kids_a


def test_token_from_pool_a_never_verifies_with_pool_b_jwks(make_pool: PoolFactory) -> None:
    """A token from pool A fails verification with pool B's keys, whichever of B's keys is tried.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    """
    a, b = make_pool(), make_pool()
    a.add_user("amy")
    tokens = a.sign_in("amy")
    jwks_b = b.jwks()
    for token in (tokens["IdToken"], tokens["AccessToken"]):
        assert verify_with_jwks(token, a.jwks())["iss"].endswith(a.pool_id)
        with pytest.raises(KeyError):
            verify_with_jwks(token, jwks_b)
        for key in jwt.PyJWKSet.from_dict(jwks_b).keys:
            with pytest.raises(jwt.InvalidSignatureError):
                jwt.decode(token, key.key, algorithms=["RS256"],
                           options={"verify_exp": False, "verify_aud": False, "verify_iat": False})


def test_id_and_access_tokens_are_signed_with_different_keys(make_pool: PoolFactory) -> None:
    """Cognito signs access tokens with a different key (kid) than ID tokens; both are in the JWKS.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
    """
    pool = make_pool()
    pool.add_user("ada")
    tokens = pool.sign_in("ada")
    id_kid = jwt.get_unverified_header(tokens["IdToken"])["kid"]
    access_kid = jwt.get_unverified_header(tokens["AccessToken"])["kid"]
    assert id_kid != access_kid
    assert {id_kid, access_kid} == {k["kid"] for k in pool.jwks()["keys"]}


def test_jwks_of_a_missing_pool_is_a_404_and_discovery_points_at_the_edge(
        make_pool: PoolFactory) -> None:
    """No JWKS for a pool that does not exist; discovery names the AWS issuer and the edge's JWKS URL.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    """
    pool = make_pool()
    base = pool.target.endpoint
    status, body = http_get(f"{base}/us-east-1_doesNotExist0/.well-known/jwks.json")
    assert status == 404 and "does not exist" in body["message"]
    status, doc = http_get(f"{base}/{pool.pool_id}/.well-known/openid-configuration")
    assert status == 200
    assert doc["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool.pool_id}"
    assert doc["jwks_uri"] == f"{base}/{pool.pool_id}/.well-known/jwks.json"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    pool.add_user("ari")
    assert claims(pool.sign_in("ari")["IdToken"])["iss"] == doc["issuer"]


def test_deleted_pool_loses_its_keys(make_pool: PoolFactory) -> None:
    """After DeleteUserPool the pool's JWKS is gone, like the pool itself."""
    pool = make_pool()
    assert pool.jwks()["keys"]
    pool.idp.delete_user_pool(UserPoolId=pool.pool_id)
    status, _ = http_get(f"{pool.target.endpoint}/{pool.pool_id}/.well-known/jwks.json")
    assert status == 404


def test_installing_twice_wires_the_edge_once(make_pool: PoolFactory) -> None:
    """A second install() returns the first front, so tokens are never swapped twice."""
    from harness.edge.cognito import install

    pool = make_pool()
    edge = pool.target.edge
    validators = sum(len(v) for v in edge._validators.values())
    assert install(edge) is install(edge)
    assert sum(len(v) for v in edge._validators.values()) == validators
    pool.add_user("two")
    assert pool.public.get_user(AccessToken=pool.sign_in("two")["AccessToken"])["Username"] == "two"
