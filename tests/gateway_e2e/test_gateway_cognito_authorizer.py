"""COGNITO_USER_POOLS authorizers end to end: pools, sign-in and the API made with boto3 through
the edge, the API called over HTTP, tokens signed by each pool's own key.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
(ID or access token in the Authorization header; otherwise not authorized),
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
(OAuth scopes on the method require an access token with one of them),
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from harness.target import EmbeddedTarget
from tests.conftest import make_client_factory
from tests.gateway_e2e.cognito_support import CognitoApi, deploy_cognito_api, sign_in

UNAUTHORIZED = {"message": "Unauthorized"}


@pytest.fixture(scope="module")
def api(target: EmbeddedTarget) -> CognitoApi:
    return deploy_cognito_api(target)


@pytest.fixture(scope="module")
def tokens(api: CognitoApi, target: EmbeddedTarget) -> dict[str, Any]:
    aws = make_client_factory(target.endpoint)
    return {"own": sign_in(aws, api.pool), "other": sign_in(aws, api.other_pool)}


def test_cognito_authorizer_admits_its_pools_id_token(api: CognitoApi,
                                                      tokens: dict[str, Any]) -> None:
    """The pool's ID token in the Authorization header passes (apigateway-integrate-with-cognito)."""
    status, body = api.get("/me", tokens["own"]["IdToken"])
    assert status == 200, body
    claims = body["claims"]
    assert claims["cognito:username"] == api.pool.username
    assert claims["token_use"] == "id"
    assert claims["aud"] == api.pool.client_id
    assert claims["iss"].endswith("/" + api.pool.pool_id)


def test_cognito_claims_reach_the_integration_as_strings(api: CognitoApi,
                                                         tokens: dict[str, Any]) -> None:
    """requestContext.authorizer.claims carries every claim as a string; exp and iat are rendered
    as dates and booleans as "true"/"false", as REST APIs pass them (apigateway-integrate-with-cognito)."""
    status, body = api.get("/me", tokens["own"]["IdToken"])
    assert status == 200, body
    claims = body["claims"]
    assert all(isinstance(v, str) for v in claims.values())
    assert claims["email_verified"] == "true"
    assert claims["auth_time"].isdigit()
    assert claims["exp"].endswith(" UTC " + claims["exp"][-4:]) and claims["exp"][:3].isalpha()
    assert set(body) == {"claims"}


def test_cognito_authorizer_refuses_another_pools_id_token(api: CognitoApi,
                                                           tokens: dict[str, Any]) -> None:
    """A token from a pool the authorizer's providerARNs do not name is 401 Unauthorized."""
    assert api.get("/me", tokens["other"]["IdToken"]) == (401, UNAUTHORIZED)


def test_cognito_authorizer_refuses_a_missing_token(api: CognitoApi) -> None:
    """No Authorization header: 401 Unauthorized (apigateway-integrate-with-cognito)."""
    assert api.get("/me") == (401, UNAUTHORIZED)
    assert api.get("/me", "") == (401, UNAUTHORIZED)


def test_cognito_authorizer_refuses_malformed_and_tampered_tokens(api: CognitoApi,
                                                                  tokens: dict[str, Any]) -> None:
    """Anything not a JWT signed by the pool's key is 401 (verifying-a-jwt: signature check)."""
    token = tokens["own"]["IdToken"]
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for bad in ("not-a-jwt", "a.b.c", f"{head}.{forged}.{sig}", f"{head}.{payload}.",
                token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")):
        assert api.get("/me", bad) == (401, UNAUTHORIZED), bad


def test_cognito_authorizer_accepts_a_bearer_prefix(api: CognitoApi,
                                                    tokens: dict[str, Any]) -> None:
    """Apps send the token as a bearer token in the Authorization header
    (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-accessing-resources-api-gateway-and-lambda.html)."""
    status, body = api.get("/me", "Bearer " + tokens["own"]["IdToken"])
    assert status == 200, body


def test_cognito_authorizer_without_scopes_refuses_an_access_token(api: CognitoApi,
                                                                   tokens: dict[str, Any]) -> None:
    """A method without OAuth scopes authorizes with the ID token; an access token is 401
    (apigateway-enable-cognito-user-pool)."""
    assert api.get("/me", tokens["own"]["AccessToken"]) == (401, UNAUTHORIZED)


def test_cognito_authorizer_with_scopes_takes_an_access_token_with_the_scope(
        api: CognitoApi, tokens: dict[str, Any]) -> None:
    """With authorizationScopes, an access token carrying one of them passes and an ID token is
    401 (apigateway-enable-cognito-user-pool)."""
    status, body = api.get("/scoped", tokens["own"]["AccessToken"])
    assert status == 200, body
    assert body["claims"]["token_use"] == "access"
    assert body["claims"]["scope"] == "aws.cognito.signin.user.admin"
    assert api.get("/scoped", tokens["own"]["IdToken"]) == (401, UNAUTHORIZED)
    assert api.get("/scoped", tokens["other"]["AccessToken"]) == (401, UNAUTHORIZED)


def test_cognito_authorizer_counts_admissions_and_refusals(api: CognitoApi, target: EmbeddedTarget,
                                                           tokens: dict[str, Any]) -> None:
    """Both outcomes show in the gateway's metrics."""
    assert target.gateway is not None
    before = target.gateway.metrics()
    api.get("/me", tokens["own"]["IdToken"])
    api.get("/me", tokens["other"]["IdToken"])
    after = target.gateway.metrics()
    assert after["cognito_authorizations"] == before.get("cognito_authorizations", 0) + 1
    assert after["cognito_refusals"] == before.get("cognito_refusals", 0) + 1


def test_cognito_authorizer_refuses_an_expired_id_token(fresh_target: EmbeddedTarget) -> None:
    """A token past its exp on the virtual clock is 401; the same token passed before
    (verifying-a-jwt: check exp)."""
    api = deploy_cognito_api(fresh_target)
    aws = make_client_factory(fresh_target.endpoint)
    token = sign_in(aws, api.pool)["IdToken"]
    status, body = api.get("/me", token)
    assert status == 200, body
    fresh_target.clock.advance(3601)  # ID tokens live one hour by default
    assert api.get("/me", token) == (401, UNAUTHORIZED)
    status, body = api.get("/me", sign_in(aws, api.pool)["IdToken"])
    assert status == 200, body
