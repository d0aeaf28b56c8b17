"""COGNITO_USER_POOLS pure logic: compiling providerARNs and scopes, the admission rules, and how
claims are rendered for the integration; plus the edge's verifier with real per-pool keys.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html,
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

from __future__ import annotations

import re
from typing import Any

from harness.contracts import UserPoolToken
from harness.edge.cognito.keys import KeyRing
from harness.edge.cognito.models import issuer
from harness.edge.cognito.verify import UserPoolTokens
from harness.gateway.cognito import admits, claim_date, claim_string, string_claims
from harness.gateway.compile import compile_authorizer, compile_method, pool_ids_from

POOL, OTHER = "us-east-1_AAAAAAAAA", "us-east-1_BBBBBBBBB"
ARN = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL}"


def _cfg(validation: str | None = None) -> Any:
    doc: dict[str, Any] = {"id": "a1", "type": "COGNITO_USER_POOLS", "providerARNs": [ARN],
                           "identitySource": "method.request.header.Authorization"}
    if validation is not None:
        doc["identityValidationExpression"] = validation
    return compile_authorizer(doc)


def _token(use: str, **claims: Any) -> UserPoolToken:
    base: dict[str, Any] = {"exp": 2000, "token_use": use, "aud": "client-1"}
    if use == "access":
        base.pop("aud")
        base["scope"] = "aws.cognito.signin.user.admin"
    return UserPoolToken(POOL, "id" if use == "id" else "access", {**base, **claims})


def test_provider_arns_compile_to_pool_ids() -> None:
    """providerARNs name pools as arn:aws:cognito-idp:{region}:{account}:userpool/{id}."""
    assert pool_ids_from([ARN, "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_x1",
                          "not-an-arn", 7]) == (POOL, "eu-west-1_x1")
    assert pool_ids_from(None) == ()
    assert _cfg().pool_ids == (POOL,)


def test_method_authorization_scopes_compile() -> None:
    method = compile_method({"httpMethod": "GET", "authorizationType": "COGNITO_USER_POOLS",
                             "authorizationScopes": ["a/read", "a/write"]})
    assert method.authorization_scopes == ("a/read", "a/write")
    assert compile_method({"httpMethod": "GET"}).authorization_scopes == ()


def test_without_scopes_only_an_unexpired_id_token_is_admitted() -> None:
    """No method scopes: the ID token is required; exp is judged on the clock given."""
    cfg = _cfg()
    assert admits(_token("id"), (), 1999.0, cfg)
    assert not admits(_token("id"), (), 2000.0, cfg)
    assert not admits(_token("access"), (), 1000.0, cfg)
    assert not admits(_token("id", exp="2000"), (), 1000.0, cfg)


def test_with_scopes_an_access_token_needs_one_of_them() -> None:
    """Method scopes: an access token whose scope claim holds any one of them."""
    cfg = _cfg()
    assert admits(_token("access", scope="x/y aws.cognito.signin.user.admin"), ("x/y",), 1.0, cfg)
    assert not admits(_token("access", scope="x/z"), ("x/y",), 1.0, cfg)
    assert not admits(_token("id", scope="x/y"), ("x/y",), 1.0, cfg)


def test_identity_validation_expression_is_matched_against_aud() -> None:
    """For COGNITO_USER_POOLS, identityValidationExpression is matched against the token's aud
    (https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html)."""
    assert admits(_token("id"), (), 1.0, _cfg(r"client-\d"))
    assert not admits(_token("id"), (), 1.0, _cfg(r"other-client"))
    assert _cfg(r"client-\d").validation == re.compile(r"client-\d")


def test_claims_are_passed_on_as_strings() -> None:
    """Every claim becomes a string: dates for exp/iat, "true"/"false", numbers as digits."""
    out = string_claims({"exp": 1587283574, "iat": 1587279974.0, "auth_time": 1587279974,
                         "email_verified": True, "cognito:groups": ["admins", "users"],
                         "address": {"formatted": "1 Main St"}, "sub": "abc"})
    assert out == {"exp": "Sun Apr 19 08:06:14 UTC 2020", "iat": "Sun Apr 19 07:06:14 UTC 2020",
                   "auth_time": "1587279974", "email_verified": "true",
                   "cognito:groups": "admins,users", "address": '{"formatted":"1 Main St"}',
                   "sub": "abc"}
    assert claim_date(0) == "Thu Jan 01 00:00:00 UTC 1970"
    assert claim_string("x", False) == "false"


def test_edge_verifier_takes_only_the_named_pools_own_signatures() -> None:
    """A token verifies only with its issuing pool's key, for a pool the authorizer names."""
    keys = KeyRing()
    verify = UserPoolTokens(keys)
    claims = {"iss": issuer(POOL), "token_use": "id", "exp": 10, "sub": "s"}
    token = keys.sign(POOL, "id", claims)
    found = verify(token, (POOL,))
    assert found is not None and found.pool_id == POOL and found.token_use == "id"
    assert verify(token, (OTHER,)) is None
    forged = keys.sign(OTHER, "id", claims)  # another pool's key claiming POOL as issuer
    assert verify(forged, (POOL, OTHER)) is None
    assert verify(keys.sign(POOL, "access", claims), (POOL,)) is None  # id claims, access key
    assert verify(keys.sign(POOL, "id", {**claims, "token_use": "refresh"}), (POOL,)) is None
    assert verify("x.y.z", (POOL,)) is None
