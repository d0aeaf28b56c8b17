"""Disable, sign-out and revocation: what stops working, and the ID tokens that keep verifying."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from botocore.exceptions import ClientError

from tests.cognito.conftest import PoolFactory, claims, verify_with_jwks


def _error(exc: pytest.ExceptionInfo[ClientError]) -> dict[str, str]:
    err: dict[str, str] = exc.value.response["Error"]
    return err


def test_disabled_user_cannot_sign_in_but_issued_id_tokens_verify_until_exp(
        make_pool_fresh: PoolFactory) -> None:
    """AdminDisableUser: sign-in fails "User is disabled.", access tokens are revoked, ID tokens verify.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableUser.html
    """
    pool = make_pool_fresh(IdTokenValidity=10, TokenValidityUnits={"IdToken": "minutes"})
    pool.add_user("dis")
    tokens = pool.sign_in("dis")
    pool.idp.admin_disable_user(UserPoolId=pool.pool_id, Username="dis")
    for sign_in in (lambda: pool.sign_in("dis"),
                    lambda: pool.idp.admin_initiate_auth(
                        UserPoolId=pool.pool_id, ClientId=pool.client_id,
                        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                        AuthParameters={"USERNAME": "dis", "PASSWORD": "Passw0rd!Passw0rd"}),
                    lambda: pool.refresh(tokens["RefreshToken"])):
        with pytest.raises(ClientError) as err:
            sign_in()
        assert _error(err) == {"Code": "NotAuthorizedException", "Message": "User is disabled."}
    with pytest.raises(ClientError) as err:
        pool.public.get_user(AccessToken=tokens["AccessToken"])
    assert _error(err)["Message"] == "Access Token has been revoked"
    idt = verify_with_jwks(tokens["IdToken"], pool.jwks(), audience=pool.client_id)
    assert pool.target.clock.now() < idt["exp"]
    pool.target.clock.advance(601)
    assert verify_with_jwks(tokens["IdToken"], pool.jwks())["exp"] <= pool.target.clock.now()
    pool.idp.admin_enable_user(UserPoolId=pool.pool_id, Username="dis")
    assert pool.sign_in("dis")["AccessToken"]


def test_global_sign_out_revokes_access_and_refresh_tokens_not_id_tokens(
        make_pool: PoolFactory) -> None:
    """GlobalSignOut: "Access Token has been revoked", refresh refused; ID tokens still verify.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
    """
    pool = make_pool()
    pool.add_user("out")
    pool.add_user("other")
    tokens, elsewhere, bystander = pool.sign_in("out"), pool.sign_in("out"), pool.sign_in("other")
    pool.public.global_sign_out(AccessToken=tokens["AccessToken"])
    for access in (tokens["AccessToken"], elsewhere["AccessToken"]):
        with pytest.raises(ClientError) as err:
            pool.public.get_user(AccessToken=access)
        assert _error(err) == {"Code": "NotAuthorizedException",
                               "Message": "Access Token has been revoked"}
    with pytest.raises(ClientError) as err:
        pool.refresh(elsewhere["RefreshToken"])
    assert _error(err)["Message"] == "Refresh Token has been revoked"
    assert verify_with_jwks(tokens["IdToken"], pool.jwks())["cognito:username"] == "out"
    assert pool.public.get_user(AccessToken=bystander["AccessToken"])["Username"] == "other"
    assert pool.public.get_user(AccessToken=pool.sign_in("out")["AccessToken"])["Username"] == "out"


def test_admin_user_global_sign_out_revokes_the_users_tokens(make_pool: PoolFactory) -> None:
    """AdminUserGlobalSignOut has the same effect, authorised by IAM instead of the token."""
    pool = make_pool()
    pool.add_user("adm")
    tokens = pool.sign_in("adm")
    pool.idp.admin_user_global_sign_out(UserPoolId=pool.pool_id, Username="adm")
    with pytest.raises(ClientError) as err:
        pool.public.get_user(AccessToken=tokens["AccessToken"])
    assert _error(err)["Message"] == "Access Token has been revoked"
    with pytest.raises(ClientError) as err:
        pool.refresh(tokens["RefreshToken"])
    assert _error(err)["Message"] == "Refresh Token has been revoked"


def test_forged_or_foreign_access_tokens_are_invalid(make_pool: PoolFactory) -> None:
    """A token the pool never issued (tampered, re-signed, or another pool's) is "Invalid Access Token"."""
    pool, other = make_pool(), make_pool()
    pool.add_user("fox")
    other.add_user("fox")
    genuine = pool.sign_in("fox")["AccessToken"]
    head, _, sig = genuine.split(".")
    payload = claims(genuine) | {"username": "someone-else"}
    tampered = ".".join([head, base64.urlsafe_b64encode(json.dumps(payload).encode())
                         .rstrip(b"=").decode(), sig])
    from cryptography.hazmat.primitives.asymmetric import rsa
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    resigned = jwt.encode(claims(genuine), attacker, algorithm="RS256",
                          headers={"kid": jwt.get_unverified_header(genuine)["kid"]})
    foreign = other.sign_in("fox")["AccessToken"]
    for token in (tampered, resigned, "garbage", pool.sign_in("fox")["IdToken"]):
        with pytest.raises(ClientError) as err:
            pool.public.get_user(AccessToken=token)
        assert _error(err) == {"Code": "NotAuthorizedException", "Message": "Invalid Access Token"}
    assert other.public.get_user(AccessToken=foreign)["Username"] == "fox"


def test_revoke_token_stops_its_refresh_token_and_access_tokens(make_pool: PoolFactory) -> None:
    """RevokeToken revokes a refresh token and the access tokens issued from it, nothing else.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
    """
    pool = make_pool()
    pool.add_user("rev")
    gone, kept = pool.sign_in("rev"), pool.sign_in("rev")
    pool.public.revoke_token(Token=gone["RefreshToken"], ClientId=pool.client_id)
    with pytest.raises(ClientError) as err:
        pool.refresh(gone["RefreshToken"])
    assert _error(err)["Message"] == "Refresh Token has been revoked"
    with pytest.raises(ClientError):
        pool.public.get_user(AccessToken=gone["AccessToken"])
    assert pool.public.get_user(AccessToken=kept["AccessToken"])["Username"] == "rev"
    assert pool.refresh(kept["RefreshToken"])["IdToken"]


def test_get_tokens_from_refresh_token_and_delete_user(make_pool: PoolFactory) -> None:
    """GetTokensFromRefreshToken and DeleteUser work through the edge although moto lacks them."""
    pool = make_pool(AccessTokenValidity=15, TokenValidityUnits={"AccessToken": "minutes"})
    pool.add_user("del")
    first = pool.sign_in("del")
    res = pool.public.get_tokens_from_refresh_token(RefreshToken=first["RefreshToken"],
                                                    ClientId=pool.client_id)["AuthenticationResult"]
    assert res["ExpiresIn"] == 900
    assert claims(res["IdToken"])["origin_jti"] == claims(first["IdToken"])["origin_jti"]
    pool.public.delete_user(AccessToken=res["AccessToken"])
    with pytest.raises(ClientError) as err:
        pool.idp.admin_get_user(UserPoolId=pool.pool_id, Username="del")
    assert _error(err)["Code"] == "UserNotFoundException"
    with pytest.raises(ClientError):
        pool.public.get_user(AccessToken=first["AccessToken"])
