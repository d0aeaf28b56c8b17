"""Secrets Manager secrets and SSM parameters through their APIs (what dynamic references read)."""

from __future__ import annotations

import json
from typing import Any

from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner, delete_if_present

# GenerateSecretString members that GetRandomPassword takes as they are.
_PASSWORD_KEYS = ("PasswordLength", "ExcludeCharacters", "ExcludeNumbers", "ExcludePunctuation",
                  "ExcludeUppercase", "ExcludeLowercase", "IncludeSpace", "RequireEachIncludedType")


def generated_secret(ctx: Context, spec: dict[str, Any]) -> str:
    """GenerateSecretString: a random password, alone or merged into SecretStringTemplate's JSON.

    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-secret-generatesecretstring.html
    """
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if bool(template) != bool(key):
        raise DeployError("GenerateSecretString needs both SecretStringTemplate and "
                          "GenerateStringKey, or neither")
    password = str(ctx.call("secretsmanager", "get_random_password",
                            **{k: spec.get(k) for k in _PASSWORD_KEYS})["RandomPassword"])
    if not template:
        return password
    try:
        doc = json.loads(str(template))
    except ValueError as exc:
        raise DeployError(f"SecretStringTemplate is not a JSON object: {exc}") from None
    if not isinstance(doc, dict):
        raise DeployError("SecretStringTemplate is not a JSON object")
    doc[str(key)] = password
    return json.dumps(doc)


class Secret(Provisioner):
    """AWS::SecretsManager::Secret; Ref and Id are the secret's ARN, Name replaces it."""

    type_name = "AWS::SecretsManager::Secret"
    name_property = "Name"
    name_max = 256
    unique_name = True
    immutable = frozenset({"Name"})
    attributes = frozenset({"Id"})
    handled = frozenset({"Name", "Description", "SecretString", "GenerateSecretString", "KmsKeyId",
                         "Tags"})
    ignored = frozenset({"ReplicaRegions"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        if props.get("SecretString") is not None and props.get("GenerateSecretString"):
            raise DeployError("SecretString and GenerateSecretString cannot both be set")
        value = props.get("SecretString")
        if value is None:
            value = generated_secret(ctx, props.get("GenerateSecretString") or {})
        arn = str(ctx.call("secretsmanager", "create_secret", Name=name,
                           Description=props.get("Description"), KmsKeyId=props.get("KmsKeyId"),
                           SecretString=str(value), Tags=props.get("Tags"))["ARN"])
        return Created(arn, {"Id": arn})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        before = old.properties
        if (props.get("SecretString") != before.get("SecretString")
                or props.get("GenerateSecretString") != before.get("GenerateSecretString")):
            value = props.get("SecretString")
            if value is None:
                value = generated_secret(ctx, props.get("GenerateSecretString") or {})
            ctx.call("secretsmanager", "put_secret_value", SecretId=old.physical_id,
                     SecretString=str(value))
        if props.get("Description") != before.get("Description"):
            ctx.call("secretsmanager", "update_secret", SecretId=old.physical_id,
                     Description=props.get("Description") or "")
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        # CloudFormation deletes a stack's secret at once, without a recovery window.
        delete_if_present(ctx, "secretsmanager", "delete_secret", SecretId=res.physical_id,
                          ForceDeleteWithoutRecovery=True)


class Parameter(Provisioner):
    """AWS::SSM::Parameter (String or StringList; CloudFormation cannot create SecureString)."""

    type_name = "AWS::SSM::Parameter"
    name_property = "Name"
    name_max = 1011
    unique_name = True
    immutable = frozenset({"Name"})
    attributes = frozenset({"Type", "Value"})
    handled = frozenset({"Name", "Type", "Value", "Description", "AllowedPattern", "Tier",
                         "DataType", "Policies", "Tags"})

    def _put(self, ctx: Context, name: str, props: dict[str, Any], overwrite: bool) -> Created:
        kind = str(props.get("Type", ""))
        if kind not in ("String", "StringList"):
            raise DeployError(f"Type {kind or '(none)'} is not supported: CloudFormation creates "
                              "String and StringList parameters only")
        if props.get("Value") is None:
            raise DeployError("Property Value cannot be empty")
        tags = props.get("Tags")
        ctx.call("ssm", "put_parameter", Name=name, Type=kind, Value=str(props["Value"]),
                 Description=props.get("Description"), AllowedPattern=props.get("AllowedPattern"),
                 Tier=props.get("Tier"), DataType=props.get("DataType"),
                 Policies=props.get("Policies"), Overwrite=overwrite or None,
                 Tags=[{"Key": k, "Value": str(v)} for k, v in tags.items()]
                 if isinstance(tags, dict) and not overwrite else None)
        return Created(name, {"Type": kind, "Value": str(props["Value"])})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        assert name is not None
        return self._put(ctx, name, props, overwrite=False)

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        return self._put(ctx, old.physical_id, props, overwrite=True)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "ssm", "delete_parameter", Name=res.physical_id)
