"""Claims of the ID and access tokens the edge mints in place of moto's."""

from __future__ import annotations

from tests.cognito.conftest import PoolFactory, claims, verify_with_jwks


def test_id_token_carries_issuer_audience_username_email_custom_attributes_and_groups(
        make_pool: PoolFactory) -> None:
    """ID token: iss, aud = client id, token_use id, cognito:username, email, custom:*, cognito:groups.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
    """
    pool = make_pool()
    pool.add_user("ivy", tenant="tenant-7")
    pool.idp.create_group(GroupName="TenantAdmin", UserPoolId=pool.pool_id)
    pool.idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username="ivy",
                                     GroupName="TenantAdmin")
    tokens = pool.sign_in("ivy")
    idt = verify_with_jwks(tokens["IdToken"], pool.jwks(), audience=pool.client_id)
    sub = {a["Name"]: a["Value"] for a in pool.idp.admin_get_user(
        UserPoolId=pool.pool_id, Username="ivy")["UserAttributes"]}["sub"]
    assert idt["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool.pool_id}"
    assert idt["aud"] == pool.client_id and "client_id" not in idt
    assert idt["token_use"] == "id" and idt["sub"] == sub
    assert idt["cognito:username"] == "ivy"
    assert idt["email"] == "ivy@example.com" and idt["email_verified"] is True
    assert idt["custom:tenantId"] == "tenant-7" and idt["custom:role"] == "user"
    assert idt["cognito:groups"] == ["TenantAdmin"]
    assert idt["auth_time"] == idt["iat"] and idt["exp"] - idt["iat"] == 3600
    assert {"jti", "origin_jti", "event_id"} <= idt.keys()


def test_access_token_has_client_id_scope_and_no_custom_attributes(make_pool: PoolFactory) -> None:
    """Access token: client_id (no aud), token_use access, the admin scope, username, no custom:*.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
    """
    pool = make_pool()
    pool.add_user("abe")
    pool.idp.create_group(GroupName="TenantUser", UserPoolId=pool.pool_id)
    pool.idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username="abe",
                                     GroupName="TenantUser")
    tokens = pool.sign_in("abe")
    acc = verify_with_jwks(tokens["AccessToken"], pool.jwks())
    idt = claims(tokens["IdToken"])
    assert acc["client_id"] == pool.client_id and "aud" not in acc
    assert acc["token_use"] == "access" and acc["scope"] == "aws.cognito.signin.user.admin"
    assert acc["username"] == "abe" and acc["sub"] == idt["sub"]
    assert acc["cognito:groups"] == ["TenantUser"]
    assert acc["origin_jti"] == idt["origin_jti"] and acc["jti"] != idt["jti"]
    assert not [k for k in acc if k.startswith("custom:") or k == "email"]
    assert tokens["TokenType"] == "Bearer" and tokens["ExpiresIn"] == acc["exp"] - acc["iat"]


def test_id_token_holds_only_attributes_the_client_may_read(make_pool: PoolFactory) -> None:
    """A client with ReadAttributes gets only those attributes as ID-token claims.

    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html
    """
    pool = make_pool(ReadAttributes=["email", "custom:tenantId"])
    pool.add_user("ida", **{"custom:secret": "s3cret"})
    idt = claims(pool.sign_in("ida")["IdToken"])
    assert idt["custom:tenantId"] == "t1" and idt["email"] == "ida@example.com"
    assert "custom:secret" not in idt and "custom:role" not in idt and "email_verified" not in idt
    everything = claims(pool.sign_in("ida", pool.add_client("all"))["IdToken"])
    assert everything["custom:secret"] == "s3cret"


def test_get_user_returns_only_attributes_the_client_may_read(make_pool: PoolFactory) -> None:
    """GetUser with an access token returns only the attributes its app client can read.

    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html
    """
    pool = make_pool(ReadAttributes=["email", "custom:tenantId"])
    pool.add_user("gus", **{"custom:secret": "s3cret"})
    user = pool.public.get_user(AccessToken=pool.sign_in("gus")["AccessToken"])
    names = {a["Name"] for a in user["UserAttributes"]}
    assert names == {"email", "custom:tenantId", "sub"}
    assert user["Username"] == "gus"


def test_tokens_carry_the_virtual_clock_time(make_pool_fresh: PoolFactory) -> None:
    """iat, auth_time and exp come from the harness's virtual clock, not the wall clock."""
    pool = make_pool_fresh()
    pool.add_user("tim")
    pool.target.clock.advance(7 * 86400)
    tokens = pool.sign_in("tim")
    now = pool.target.clock.now()
    for token in (tokens["IdToken"], tokens["AccessToken"]):
        c = claims(token)
        assert now - 5 <= c["iat"] <= now + 1 and c["auth_time"] == c["iat"]


def test_tokens_from_a_challenge_response_are_minted_by_the_edge(make_pool: PoolFactory) -> None:
    """NEW_PASSWORD_REQUIRED answered with RespondToAuthChallenge yields the pool's own tokens too.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
    """
    pool = make_pool()
    pool.idp.admin_create_user(UserPoolId=pool.pool_id, Username="newbie", MessageAction="SUPPRESS",
                               TemporaryPassword="Temp0rary!Pass",
                               UserAttributes=[{"Name": "custom:tenantId", "Value": "t8"}])
    start = pool.public.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": "newbie",
                                                      "PASSWORD": "Temp0rary!Pass"})
    assert start["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = pool.public.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=start["Session"],
        ChallengeResponses={"USERNAME": "newbie", "NEW_PASSWORD": "Passw0rd!Passw0rd"})
    idt = verify_with_jwks(done["AuthenticationResult"]["IdToken"], pool.jwks())
    assert idt["cognito:username"] == "newbie" and idt["custom:tenantId"] == "t8"
    assert pool.public.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])


def test_email_as_username_pool_names_the_user_by_sub(make_pool: PoolFactory) -> None:
    """With UsernameAttributes=[email] the username is the sub and the email is a claim.

    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html
    """
    pool = make_pool({"UsernameAttributes": ["email"]})
    pool.add_user("eve@example.com", email="eve@example.com")
    tokens = pool.sign_in("eve@example.com")
    idt, acc = claims(tokens["IdToken"]), claims(tokens["AccessToken"])
    assert idt["cognito:username"] == idt["sub"] == acc["username"]
    assert idt["email"] == "eve@example.com"
