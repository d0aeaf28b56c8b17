"""Token lifetimes from the app client, and expiry judged on the virtual clock."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.cognito.conftest import PoolFactory, claims, http_post


def test_token_validity_comes_from_the_app_client_settings(make_pool: PoolFactory) -> None:
    """IdTokenValidity/AccessTokenValidity with TokenValidityUnits set exp - iat and ExpiresIn.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TokenValidityUnitsType.html
    """
    pool = make_pool(IdTokenValidity=5, AccessTokenValidity=10, RefreshTokenValidity=2,
                     TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes",
                                         "RefreshToken": "hours"})
    pool.add_user("val")
    tokens = pool.sign_in("val")
    idt, acc = claims(tokens["IdToken"]), claims(tokens["AccessToken"])
    assert idt["exp"] - idt["iat"] == 300
    assert acc["exp"] - acc["iat"] == 600 and tokens["ExpiresIn"] == 600
    seconds = pool.add_client("seconds", IdTokenValidity=900, AccessTokenValidity=1,
                              TokenValidityUnits={"IdToken": "seconds"})
    tokens = pool.sign_in("val", seconds)
    assert claims(tokens["IdToken"])["exp"] - claims(tokens["IdToken"])["iat"] == 900
    assert tokens["ExpiresIn"] == 3600  # AccessTokenValidity=1 in the default unit, hours


def test_default_validity_is_one_hour_for_id_and_access_tokens(make_pool: PoolFactory) -> None:
    """Without settings, ID and access tokens live 60 minutes (refresh tokens 30 days).

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
    """
    pool = make_pool()
    pool.add_user("dee")
    tokens = pool.sign_in("dee")
    for token in (tokens["IdToken"], tokens["AccessToken"]):
        assert claims(token)["exp"] - claims(token)["iat"] == 3600
    assert tokens["ExpiresIn"] == 3600


@pytest.mark.parametrize("settings", [
    {"IdTokenValidity": 4, "TokenValidityUnits": {"IdToken": "minutes"}},
    {"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}},
    {"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}},
    {"RefreshTokenValidity": 3651},
])
def test_token_validity_outside_aws_ranges_is_refused(make_pool: PoolFactory,
                                                      settings: dict[str, object]) -> None:
    """ID/access validity must be 5 minutes..1 day, refresh 60 minutes..10 years.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TokenValidityUnitsType.html
    """
    pool = make_pool()
    with pytest.raises(ClientError) as err:
        pool.add_client("bad", **settings)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert err.value.response["Error"]["Message"] == "Invalid range for token validity."
    with pytest.raises(ClientError):
        pool.idp.update_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id,
                                         **settings)


def test_access_token_expires_on_the_virtual_clock(make_pool_fresh: PoolFactory) -> None:
    """GetUser with an access token past its exp: NotAuthorizedException "Access Token has expired".

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
    """
    pool = make_pool_fresh(AccessTokenValidity=5, TokenValidityUnits={"AccessToken": "minutes"})
    pool.add_user("exa")
    access = pool.sign_in("exa")["AccessToken"]
    assert pool.public.get_user(AccessToken=access)["Username"] == "exa"
    status, clock = http_post(f"{pool.target.endpoint}/_harness/clock", {"advance": 301})
    assert status == 200 and clock["offset"] >= 301
    with pytest.raises(ClientError) as err:
        pool.public.get_user(AccessToken=access)
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException",
                                           "Message": "Access Token has expired"}
    assert pool.public.get_user(AccessToken=pool.sign_in("exa")["AccessToken"])["Username"] == "exa"


def test_refresh_token_expires_per_refresh_token_validity(make_pool_fresh: PoolFactory) -> None:
    """Refresh works until RefreshTokenValidity passes on the virtual clock, then "has expired".

    Refreshed tokens keep the original auth_time and origin_jti and get the client's lifetimes.
    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html
    """
    pool = make_pool_fresh(RefreshTokenValidity=60, IdTokenValidity=5,
                           TokenValidityUnits={"RefreshToken": "minutes", "IdToken": "minutes"})
    pool.add_user("ref")
    first = pool.sign_in("ref")
    pool.target.clock.advance(1800)
    again = pool.refresh(first["RefreshToken"])
    assert "RefreshToken" not in again
    old, new = claims(first["IdToken"]), claims(again["IdToken"])
    assert new["auth_time"] == old["auth_time"] and new["origin_jti"] == old["origin_jti"]
    assert new["iat"] >= old["iat"] + 1800 and new["exp"] - new["iat"] == 300
    assert pool.public.get_user(AccessToken=again["AccessToken"])["Username"] == "ref"
    pool.target.clock.advance(1801)
    with pytest.raises(ClientError) as err:
        pool.refresh(first["RefreshToken"])
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException",
                                           "Message": "Refresh Token has expired"}


def test_refresh_token_is_bound_to_its_app_client(make_pool: PoolFactory) -> None:
    """A refresh token presented with another client id, or an unknown one, is an invalid token."""
    pool = make_pool()
    pool.add_user("bob")
    other = pool.add_client("other")
    refresh = pool.sign_in("bob")["RefreshToken"]
    for token, client in ((refresh, other), ("not-a-token", pool.client_id)):
        with pytest.raises(ClientError) as err:
            pool.refresh(token, client)
        assert err.value.response["Error"]["Message"] == "Invalid Refresh Token"
    assert pool.refresh(refresh)["AccessToken"]
    admin = pool.idp.admin_initiate_auth(UserPoolId=pool.pool_id, ClientId=pool.client_id,
                                         AuthFlow="REFRESH_TOKEN_AUTH",
                                         AuthParameters={"REFRESH_TOKEN": refresh})
    assert claims(admin["AuthenticationResult"]["IdToken"])["cognito:username"] == "bob"
