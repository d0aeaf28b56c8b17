"""The admin API lends a pool's signing key to attached suites: tokens it signs verify with the pool's
own JWKS (so only claim checks can refuse a bad one); unknown pools and bad bodies are clear 4xx.

How Cognito tokens are verified (kid in the pool's JWKS, RS256):
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

from __future__ import annotations

import json

import jwt
import pytest
import urllib3

from harness.target import EmbeddedTarget
from tests.conftest import make_client_factory


def _post(target: EmbeddedTarget, body: bytes) -> tuple[int, dict[str, object]]:
    r = urllib3.request("POST", target.endpoint + "/_harness/cognito/sign", body=body, timeout=10)
    return r.status, json.loads(r.data)


def test_a_token_signed_through_the_admin_api_verifies_with_the_pools_jwks(target: EmbeddedTarget) -> None:
    pool = make_client_factory(target.endpoint)("cognito-idp").create_user_pool(PoolName="signer")["UserPool"]
    jwks = json.loads(urllib3.request("GET", f"{target.endpoint}/{pool['Id']}/.well-known/jwks.json").data)
    claims = {"sub": "u1", "aud": "0" * 26, "token_use": "id", "exp": 1}
    status, body = _post(target, json.dumps({"pool_id": pool["Id"], "token_use": "id",
                                             "claims": claims}).encode())
    assert status == 200, body
    token = str(body["token"])
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK.from_dict(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    assert jwt.decode(token, key, algorithms=["RS256"], options={"verify_exp": False,
                                                                  "verify_aud": False}) == claims


def test_signing_for_a_pool_without_keys_is_404(target: EmbeddedTarget) -> None:
    status, body = _post(target, b'{"pool_id": "us-east-1_nope", "claims": {}}')
    assert status == 404 and "no signing key" in str(body["message"])


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"claims": {}}', b'{"pool_id": "p"}',
                                  b'{"pool_id": "p", "claims": [], "token_use": "id"}',
                                  b'{"pool_id": "p", "claims": {}, "token_use": "refresh"}'])
def test_bad_sign_bodies_are_400_with_a_message(target: EmbeddedTarget, body: bytes) -> None:
    status, reply = _post(target, body)
    assert status == 400 and reply["message"]
