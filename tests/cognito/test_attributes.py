"""Attribute rules: `Mutable: false` after creation, and the app client's WriteAttributes."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from tests.cognito.conftest import PASSWORD, PoolFactory, claims


def _attrs(pool_idp: object, pool_id: str, username: str) -> dict[str, str]:
    user = pool_idp.admin_get_user(UserPoolId=pool_id, Username=username)  # type: ignore[attr-defined]
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_immutable_custom_attribute_cannot_change_after_creation(make_pool: PoolFactory) -> None:
    """`Mutable: false` is set at AdminCreateUser and then refused, even for the admin API.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddCustomAttributes.html
    """
    pool = make_pool(WriteAttributes=["email", "custom:tenantId", "custom:role"])
    pool.add_user("imm", tenant="t1")
    assert _attrs(pool.idp, pool.pool_id, "imm")["custom:tenantId"] == "t1"
    with pytest.raises(ClientError) as err:
        pool.idp.admin_update_user_attributes(
            UserPoolId=pool.pool_id, Username="imm",
            UserAttributes=[{"Name": "custom:tenantId", "Value": "t2"}])
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "user.custom:tenantId: Attribute cannot be updated."}
    access = pool.sign_in("imm")["AccessToken"]
    with pytest.raises(ClientError) as err:
        pool.public.update_user_attributes(
            AccessToken=access, UserAttributes=[{"Name": "custom:tenantId", "Value": "t2"}])
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError):
        pool.idp.admin_delete_user_attributes(UserPoolId=pool.pool_id, Username="imm",
                                              UserAttributeNames=["custom:tenantId"])
    assert _attrs(pool.idp, pool.pool_id, "imm")["custom:tenantId"] == "t1"
    pool.idp.admin_update_user_attributes(UserPoolId=pool.pool_id, Username="imm",
                                          UserAttributes=[{"Name": "custom:role", "Value": "admin"}])
    assert _attrs(pool.idp, pool.pool_id, "imm")["custom:role"] == "admin"


def test_immutable_attribute_cannot_be_set_later_even_if_never_set(make_pool: PoolFactory) -> None:
    """An immutable attribute the user was created without cannot be added afterwards."""
    pool = make_pool()
    pool.idp.admin_create_user(UserPoolId=pool.pool_id, Username="late", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as err:
        pool.idp.admin_update_user_attributes(
            UserPoolId=pool.pool_id, Username="late",
            UserAttributes=[{"Name": "custom:tenantId", "Value": "t9"}])
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "custom:tenantId" not in _attrs(pool.idp, pool.pool_id, "late")


def test_user_may_write_only_the_app_clients_write_attributes(make_pool: PoolFactory) -> None:
    """UpdateUserAttributes with an access token outside WriteAttributes: NotAuthorizedException.

    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html
    """
    pool = make_pool(WriteAttributes=["email"])
    pool.add_user("wri", tenant="t1")
    access = pool.sign_in("wri")["AccessToken"]
    for name in ("custom:role", "custom:tenantId"):
        with pytest.raises(ClientError) as err:
            pool.public.update_user_attributes(
                AccessToken=access, UserAttributes=[{"Name": name, "Value": "admin"}])
        assert err.value.response["Error"] == {
            "Code": "NotAuthorizedException",
            "Message": "A client attempted to write unauthorized attribute"}
    with pytest.raises(ClientError):
        pool.public.delete_user_attributes(AccessToken=access, UserAttributeNames=["custom:role"])
    pool.public.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "new@example.com"}])
    attrs = _attrs(pool.idp, pool.pool_id, "wri")
    assert attrs["custom:role"] == "user" and attrs["email"] == "new@example.com"


def test_writable_mutable_attribute_is_updated_by_the_user(make_pool: PoolFactory) -> None:
    """A client whose WriteAttributes name a mutable custom attribute lets the user change it."""
    pool = make_pool(WriteAttributes=["email", "custom:role"])
    pool.add_user("own")
    access = pool.sign_in("own")["AccessToken"]
    pool.public.update_user_attributes(AccessToken=access,
                                       UserAttributes=[{"Name": "custom:role", "Value": "x"}])
    assert claims(pool.sign_in("own")["IdToken"])["custom:role"] == "x"


def test_admin_updates_are_not_limited_by_write_attributes(make_pool: PoolFactory) -> None:
    """AdminUpdateUserAttributes (IAM-authorised) may write what the app client may not.

    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateUserAttributes.html
    """
    pool = make_pool(WriteAttributes=["email"])
    pool.add_user("adm")
    pool.idp.admin_update_user_attributes(
        UserPoolId=pool.pool_id, Username="adm",
        UserAttributes=[{"Name": "custom:role", "Value": "TenantAdmin"}])
    assert _attrs(pool.idp, pool.pool_id, "adm")["custom:role"] == "TenantAdmin"


def test_sign_up_cannot_set_attributes_the_client_may_not_write(make_pool: PoolFactory) -> None:
    """SignUp goes through an app client, so WriteAttributes bind it too (immutable ones are allowed)."""
    pool = make_pool(WriteAttributes=["email", "custom:tenantId"])
    name = f"su-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ClientError) as err:
        pool.public.sign_up(ClientId=pool.client_id, Username=name, Password=PASSWORD,
                            UserAttributes=[{"Name": "custom:role", "Value": "admin"}])
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    pool.public.sign_up(ClientId=pool.client_id, Username=name, Password=PASSWORD,
                        UserAttributes=[{"Name": "custom:tenantId", "Value": "t5"}])
    assert _attrs(pool.idp, pool.pool_id, name)["custom:tenantId"] == "t5"
