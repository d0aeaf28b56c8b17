"""App clients' ExplicitAuthFlows: a sign-in flow the client does not allow is refused with AWS's
InvalidParameterException, through boto3 against the edge.

Docs: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
(ExplicitAuthFlows values, legacy names, and the default ALLOW_REFRESH_TOKEN_AUTH,
ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH when none is set),
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.edge.cognito.flows import flow_allowed
from tests.cognito.conftest import PASSWORD, Pool, PoolFactory


def _password_auth(pool: Pool, client_id: str, user: str) -> dict[str, Any]:
    out: dict[str, Any] = pool.public.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD})
    return out


def _admin_auth(pool: Pool, client_id: str, user: str) -> dict[str, Any]:
    out: dict[str, Any] = pool.idp.admin_initiate_auth(
        UserPoolId=pool.pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD})
    return out


def _refused(exc: pytest.ExceptionInfo[ClientError], message: str) -> None:
    err = exc.value.response
    assert err["Error"]["Code"] == "InvalidParameterException"
    assert err["Error"]["Message"] == message
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_user_password_auth_on_a_client_that_does_not_allow_it_fails(make_pool: PoolFactory) -> None:
    """USER_PASSWORD_AUTH without ALLOW_USER_PASSWORD_AUTH: InvalidParameterException
    "USER_PASSWORD_AUTH flow not enabled for this client" (API_InitiateAuth, ExplicitAuthFlows)."""
    pool = make_pool()
    user = pool.add_user("ann")
    srp_only = pool.add_client("srp", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH",
                                                         "ALLOW_REFRESH_TOKEN_AUTH"])
    with pytest.raises(ClientError) as exc:
        _password_auth(pool, srp_only, user)
    _refused(exc, "USER_PASSWORD_AUTH flow not enabled for this client")
    assert _password_auth(pool, pool.client_id, user)["AuthenticationResult"]["IdToken"]


def test_a_client_without_explicit_auth_flows_allows_only_the_default_flows(
        make_pool: PoolFactory) -> None:
    """No ExplicitAuthFlows: only refresh, SRP and custom auth, so both password flows fail."""
    pool = make_pool()
    user = pool.add_user("bob")
    bare = str(pool.idp.create_user_pool_client(UserPoolId=pool.pool_id, ClientName="bare")
               ["UserPoolClient"]["ClientId"])
    with pytest.raises(ClientError) as exc:
        _password_auth(pool, bare, user)
    _refused(exc, "USER_PASSWORD_AUTH flow not enabled for this client")
    with pytest.raises(ClientError) as exc:
        _admin_auth(pool, bare, user)
    _refused(exc, "Auth flow not enabled for this client")


def test_admin_user_password_auth_needs_allow_admin_user_password_auth(
        make_pool: PoolFactory) -> None:
    """AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH needs ALLOW_ADMIN_USER_PASSWORD_AUTH (or the
    legacy ADMIN_NO_SRP_AUTH); USER_PASSWORD_AUTH alone does not enable it."""
    pool = make_pool()
    user = pool.add_user("cat")
    user_only = pool.add_client("user", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                           "ALLOW_REFRESH_TOKEN_AUTH"])
    with pytest.raises(ClientError) as exc:
        _admin_auth(pool, user_only, user)
    _refused(exc, "Auth flow not enabled for this client")
    assert _admin_auth(pool, pool.client_id, user)["AuthenticationResult"]["AccessToken"]


def test_refresh_token_auth_needs_allow_refresh_token_auth(make_pool: PoolFactory) -> None:
    """A client without ALLOW_REFRESH_TOKEN_AUTH refuses REFRESH_TOKEN_AUTH."""
    pool = make_pool()
    user = pool.add_user("dan")
    no_refresh = pool.add_client("norefresh", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    tokens = _password_auth(pool, no_refresh, user)["AuthenticationResult"]
    with pytest.raises(ClientError) as exc:
        pool.refresh(tokens["RefreshToken"], no_refresh)
    _refused(exc, "Auth flow not enabled for this client")


def test_enabling_a_flow_with_update_user_pool_client_takes_effect(make_pool: PoolFactory) -> None:
    """UpdateUserPoolClient replaces ExplicitAuthFlows; the next sign-in sees the new list."""
    pool = make_pool()
    user = pool.add_user("eve")
    client = pool.add_client("later", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    with pytest.raises(ClientError):
        _password_auth(pool, client, user)
    pool.idp.update_user_pool_client(UserPoolId=pool.pool_id, ClientId=client,
                                     ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    assert _password_auth(pool, client, user)["AuthenticationResult"]["IdToken"]


def test_an_unknown_client_is_still_resource_not_found(make_pool: PoolFactory) -> None:
    """The flow check does not mask AWS's answer for a client that does not exist."""
    pool = make_pool()
    with pytest.raises(ClientError) as exc:
        _password_auth(pool, "no-such-client-0123456789", "nobody")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(("flow", "configured", "allowed"), [
    ("USER_PASSWORD_AUTH", None, False),
    ("USER_SRP_AUTH", None, True),
    ("CUSTOM_AUTH", None, True),
    ("REFRESH_TOKEN_AUTH", None, True),
    ("USER_PASSWORD_AUTH", ["ALLOW_USER_PASSWORD_AUTH"], True),
    ("USER_SRP_AUTH", ["ALLOW_USER_PASSWORD_AUTH"], False),
    ("USER_AUTH", ["ALLOW_USER_SRP_AUTH"], False),
    ("USER_AUTH", ["ALLOW_USER_AUTH"], True),
    ("ADMIN_NO_SRP_AUTH", ["ALLOW_ADMIN_USER_PASSWORD_AUTH"], True),
    ("ADMIN_USER_PASSWORD_AUTH", ["ADMIN_NO_SRP_AUTH"], True),
    ("USER_PASSWORD_AUTH", ["USER_PASSWORD_AUTH"], True),
    ("REFRESH_TOKEN_AUTH", ["ADMIN_NO_SRP_AUTH"], True),
    ("USER_SRP_AUTH", ["CUSTOM_AUTH_FLOW_ONLY"], False),
    ("CUSTOM_AUTH", ["CUSTOM_AUTH_FLOW_ONLY"], True),
])
def test_explicit_auth_flow_names_enable_their_flows(flow: str, configured: list[str] | None,
                                                     allowed: bool) -> None:
    """Each ExplicitAuthFlows value (current and legacy name) enables its AuthFlow
    (API_CreateUserPoolClient)."""
    assert flow_allowed(flow, configured) is allowed
