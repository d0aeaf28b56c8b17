"""Cognito user pools, app clients and groups, with CloudFormation's replace-or-update rules."""

from __future__ import annotations

from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner, delete_if_present

_POOL_MUTABLE = ("Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes",
                 "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject",
                 "VerificationMessageTemplate", "SmsAuthenticationMessage",
                 "UserAttributeUpdateSettings", "MfaConfiguration", "DeviceConfiguration",
                 "EmailConfiguration", "SmsConfiguration", "UserPoolTags",
                 "AdminCreateUserConfig", "UserPoolAddOns", "AccountRecoverySetting",
                 "UserPoolTier")
_POOL_CREATE_ONLY = ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration", "Schema")
_CLIENT_KEYS = ("RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity",
                "TokenValidityUnits", "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows",
                "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI",
                "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
                "AnalyticsConfiguration", "PreventUserExistenceErrors", "EnableTokenRevocation",
                "EnablePropagateAdditionalUserContextData", "AuthSessionValidity")


def _schema_by_name(props: dict[str, Any]) -> dict[str, Any]:
    return {str(a.get("Name")): a for a in props.get("Schema") or []}


class UserPool(Provisioner):
    """AWS::Cognito::UserPool; new custom attributes are added in place, changed ones replace the pool."""

    type_name = "AWS::Cognito::UserPool"
    name_property = "UserPoolName"
    name_max = 128
    immutable = frozenset({"AliasAttributes", "UsernameAttributes", "UsernameConfiguration"})
    attributes = frozenset({"Arn", "ProviderName", "ProviderURL", "UserPoolId"})
    handled = frozenset({"UserPoolName", *_POOL_MUTABLE, *_POOL_CREATE_ONLY})
    ignored = frozenset({"EnabledMfas", "Tags", "WebAuthnRelyingPartyID",
                         "WebAuthnUserVerification"})

    def replacement_reason(self, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        reason = super().replacement_reason(old, new)
        if reason:
            return reason
        before, after = _schema_by_name(old), _schema_by_name(new)
        if any(name not in after or after[name] != attr for name, attr in before.items()):
            return "Schema"
        return None

    def _attrs(self, ctx: Context, pool_id: str, arn: str) -> dict[str, Any]:
        host = f"cognito-idp.{ctx.region}.amazonaws.com"
        return {"Arn": arn, "ProviderName": f"{host}/{pool_id}",
                "ProviderURL": f"https://{host}/{pool_id}", "UserPoolId": pool_id}

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        params = {k: props.get(k) for k in (*_POOL_MUTABLE, *_POOL_CREATE_ONLY)}
        pool = ctx.call("cognito-idp", "create_user_pool", PoolName=name, **params)["UserPool"]
        if props.get("EnabledMfas"):
            ctx.note(f"{logical_id}: EnabledMfas is not applied by the harness deployer")
        return Created(pool["Id"], self._attrs(ctx, pool["Id"], pool["Arn"]))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        pool_id = old.physical_id
        if any(old.properties.get(k) != props.get(k) for k in (*_POOL_MUTABLE, "UserPoolName")):
            ctx.call("cognito-idp", "update_user_pool", UserPoolId=pool_id, PoolName=name,
                     **{k: props.get(k) for k in _POOL_MUTABLE})
        before = _schema_by_name(old.properties)
        added = [a for n, a in _schema_by_name(props).items() if n not in before]
        if added:
            ctx.call("cognito-idp", "add_custom_attributes", UserPoolId=pool_id,
                     CustomAttributes=added)
        return Created(pool_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "cognito-idp", "delete_user_pool", UserPoolId=res.physical_id)


class UserPoolClient(Provisioner):
    """AWS::Cognito::UserPoolClient: token validity, flows and attribute permissions update in place."""

    type_name = "AWS::Cognito::UserPoolClient"
    name_property = "ClientName"
    name_max = 128
    immutable = frozenset({"UserPoolId", "GenerateSecret"})
    attributes = frozenset({"ClientId", "Name", "ClientSecret"})
    handled = frozenset({"UserPoolId", "ClientName", "GenerateSecret", *_CLIENT_KEYS})

    def _attrs(self, client: dict[str, Any]) -> dict[str, Any]:
        attrs = {"ClientId": client["ClientId"], "Name": client["ClientName"]}
        if client.get("ClientSecret"):
            attrs["ClientSecret"] = client["ClientSecret"]
        return attrs

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        client = ctx.call("cognito-idp", "create_user_pool_client",
                          UserPoolId=props["UserPoolId"], ClientName=name,
                          GenerateSecret=props.get("GenerateSecret"),
                          **{k: props.get(k) for k in _CLIENT_KEYS})["UserPoolClient"]
        return Created(client["ClientId"], self._attrs(client))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        client = ctx.call("cognito-idp", "update_user_pool_client",
                          UserPoolId=props["UserPoolId"], ClientId=old.physical_id,
                          ClientName=name, **{k: props.get(k) for k in _CLIENT_KEYS}
                          )["UserPoolClient"]
        return Created(old.physical_id, self._attrs(client))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "cognito-idp", "delete_user_pool_client",
                          UserPoolId=res.properties["UserPoolId"], ClientId=res.physical_id)


class UserPoolGroup(Provisioner):
    """AWS::Cognito::UserPoolGroup: name and pool fixed, description/precedence/role updatable."""

    type_name = "AWS::Cognito::UserPoolGroup"
    name_property = "GroupName"
    name_max = 128
    immutable = frozenset({"GroupName", "UserPoolId"})
    handled = frozenset({"GroupName", "UserPoolId", "Description", "Precedence", "RoleArn"})

    def _params(self, props: dict[str, Any]) -> dict[str, Any]:
        return {"Description": props.get("Description"), "Precedence": props.get("Precedence"),
                "RoleArn": props.get("RoleArn")}

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        ctx.call("cognito-idp", "create_group", GroupName=name, UserPoolId=props["UserPoolId"],
                 **self._params(props))
        return Created(str(name))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        ctx.call("cognito-idp", "update_group", GroupName=old.physical_id,
                 UserPoolId=props["UserPoolId"], **self._params(props))
        return Created(old.physical_id)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "cognito-idp", "delete_group", GroupName=res.physical_id,
                          UserPoolId=res.properties["UserPoolId"])
