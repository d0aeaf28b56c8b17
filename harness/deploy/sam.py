"""The SAM transform subset: Globals, Serverless functions and layers expanded to plain CloudFormation."""

from __future__ import annotations

from typing import Any

from harness.deploy.intrinsics import Resolver
from harness.deploy.loader import LDict, LList, Template, located
from harness.deploy.model import DeployError
from harness.deploy.sam_api import ApiBuilder
from harness.deploy.sam_globals import merge_globals
from harness.deploy.sam_policies import BASIC_EXECUTION, XRAY_WRITE, expand_policies, managed_arn

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["sts:AssumeRole"],
    "Principal": {"Service": ["lambda.amazonaws.com"]}}]}
_PASSTHROUGH = ("FunctionName", "Handler", "Runtime", "Description", "MemorySize", "Timeout",
                "Environment", "Layers", "Architectures", "EphemeralStorage", "KmsKeyArn",
                "ReservedConcurrentExecutions", "PackageType", "VpcConfig", "LoggingConfig",
                "RuntimeManagementConfig", "SnapStart", "FileSystemConfigs", "ImageConfig",
                "RecursiveLoop", "CodeSigningConfigArn")
_ROLE_PROPS = ("Role", "Policies", "AssumeRolePolicyDocument", "PermissionsBoundary", "RolePath")
_IGNORED = ("AutoPublishAlias", "AutoPublishCodeSha256", "AutoPublishAliasAllProperties",
            "DeploymentPreference", "ProvisionedConcurrencyConfig", "EventInvokeConfig",
            "FunctionUrlConfig", "VersionDescription", "PropagateTags", "SourceKMSKeyArn",
            "DeadLetterQueue")
_FUNCTION_PROPS = {*_PASSTHROUGH, *_ROLE_PROPS, *_IGNORED, "CodeUri", "InlineCode", "ImageUri",
                   "Events", "Tags", "Tracing"}
_LAYER_PROPS = {"LayerName", "Description", "ContentUri", "CompatibleRuntimes",
                "CompatibleArchitectures", "LicenseInfo", "RetentionPolicy"}
_RESOURCE_ATTRS = ("Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata")


def uses_transform(tpl: Template) -> bool:
    """Whether the template declares the SAM transform (alone or in a list)."""
    transform = tpl.body.get("Transform")
    names = transform if isinstance(transform, list) else [transform] if transform else []
    unknown = [n for n in names if n != SAM_TRANSFORM]
    if unknown:
        raise DeployError(f"{tpl.at(tpl.body.key_lines.get('Transform', 0))}: unsupported "
                          f"Transform {unknown[0]}")
    return bool(names)


def _resource(rtype: str, props: dict[str, Any], line: int, origin: LDict,
              **extra: Any) -> LDict:
    res = located({"Type": rtype, "Properties": located(props, line)}, line)
    for key in _RESOURCE_ATTRS:
        if key in origin and key != "Metadata":
            res[key] = origin[key]
    res.update({k: v for k, v in extra.items() if v is not None})
    return res


def _code(props: LDict, logical: str, where: str) -> Any:
    if "InlineCode" in props:
        return {"ZipFile": props["InlineCode"]}
    if "ImageUri" in props:
        return {"ImageUri": props["ImageUri"]}
    uri = props.get("CodeUri")
    if isinstance(uri, str):
        if uri.startswith("s3://"):
            bucket, _, key = uri[5:].partition("/")
            return {"S3Bucket": bucket, "S3Key": key}
        return {"_LocalPath": uri}
    if isinstance(uri, dict) and "Bucket" in uri:
        return {"S3Bucket": uri["Bucket"], "S3Key": uri["Key"], "S3ObjectVersion": uri.get("Version")}
    raise DeployError(f"{where}: AWS::Serverless::Function {logical} needs CodeUri or InlineCode")


class SamTransform:
    """One expansion of a template's Serverless resources, keeping lines for error messages."""

    def __init__(self, tpl: Template, resolver: Resolver, notes: list[str]) -> None:
        self.tpl = tpl
        self.resolver = resolver
        self.notes = notes
        self.globals = tpl.section("Globals")
        for section in self.globals:
            if section not in ("Function", "Api"):
                notes.append(f"Globals.{section} is ignored by the harness deployer")
        self.out: dict[str, LDict] = {}
        self.apis = ApiBuilder(tpl, resolver, self.globals.get("Api") or {}, notes)

    def run(self) -> dict[str, LDict]:
        resources = self.tpl.section("Resources")
        for logical, res in resources.items():
            rtype = res.get("Type") if isinstance(res, dict) else None
            if rtype == "AWS::Serverless::Function":
                self._function(logical, res)
            elif rtype == "AWS::Serverless::LayerVersion":
                self._layer(logical, res)
            elif rtype == "AWS::Serverless::Api":
                self.apis.declare(logical, res)
            elif isinstance(rtype, str) and rtype.startswith("AWS::Serverless::"):
                raise DeployError(f"{self.tpl.at(self.tpl.resource_line(logical))}: unsupported "
                                  f"resource type {rtype} (resource {logical})")
            else:
                self.out[logical] = res
        self._add(self.apis.build())
        aliases = self.apis.aliases
        if aliases:
            for logical, res in self.out.items():
                self.out[logical] = rewrite_refs(res, aliases)
            if "Outputs" in self.tpl.body:
                self.tpl.body["Outputs"] = rewrite_refs(self.tpl.body["Outputs"], aliases)
        return self.out

    def _add(self, generated: dict[str, tuple[LDict, int]]) -> None:
        for logical, (res, line) in generated.items():
            if logical in self.out:
                raise DeployError(f"{self.tpl.at(line)}: generated resource {logical} collides "
                                  "with a resource of the template")
            self.out[logical] = res
            self.tpl.extra_lines[logical] = line

    def _function(self, logical: str, res: LDict) -> None:
        line = self.tpl.resource_line(logical)
        where = self.tpl.at(line)
        props = merge_globals(self.globals.get("Function") or {}, res.get("Properties") or LDict())
        unknown = sorted(set(props) - _FUNCTION_PROPS)
        if unknown:
            raise DeployError(f"{where}: unsupported property {unknown[0]} of "
                              f"AWS::Serverless::Function {logical}")
        for key in _IGNORED:
            if key in props:
                self.notes.append(f"{logical}: {key} is ignored by the harness deployer")
        fn: dict[str, Any] = {k: props[k] for k in _PASSTHROUGH if k in props}
        fn["Code"] = _code(props, logical, where)
        if "Tracing" in props:
            fn["TracingConfig"] = {"Mode": props["Tracing"]}
        tags = dict(props.get("Tags") or {})
        fn["Tags"] = [{"Key": "lambda:createdBy", "Value": "SAM"},
                      *({"Key": k, "Value": v} for k, v in tags.items())]
        generated: dict[str, tuple[LDict, int]] = {}
        if "Role" in props:
            fn["Role"] = props["Role"]
        else:
            role_id = f"{logical}Role"
            managed, inline = expand_policies(logical, props.get("Policies", []), where)
            basics = [managed_arn(BASIC_EXECUTION)]
            if props.get("Tracing") == "Active":
                basics.append(managed_arn(XRAY_WRITE))
            role: dict[str, Any] = {
                "AssumeRolePolicyDocument": props.get("AssumeRolePolicyDocument", LAMBDA_TRUST),
                "ManagedPolicyArns": [*basics, *managed],
                "Tags": [{"Key": "lambda:createdBy", "Value": "SAM"},
                         *({"Key": k, "Value": v} for k, v in tags.items())]}
            if inline:
                role["Policies"] = inline
            if "PermissionsBoundary" in props:
                role["PermissionsBoundary"] = props["PermissionsBoundary"]
            if "RolePath" in props:
                role["Path"] = props["RolePath"]
            generated[role_id] = (_resource("AWS::IAM::Role", role, line, res), line)
            fn["Role"] = {"Fn::GetAtt": [role_id, "Arn"]}
        self.out[logical] = _resource("AWS::Lambda::Function", fn, line, res,
                                      DependsOn=res.get("DependsOn"))
        self._add(generated)
        for event_id, event in (props.get("Events") or {}).items():
            etype = event.get("Type") if isinstance(event, dict) else None
            if etype != "Api":
                raise DeployError(f"{self.tpl.at(getattr(event, 'line', line))}: unsupported "
                                  f"event type {etype} (event {event_id} of {logical})")
            self.apis.add_event(logical, event_id, event.get("Properties") or LDict(),
                                getattr(event, "line", line), res.get("Condition"))

    def _layer(self, logical: str, res: LDict) -> None:
        line = self.tpl.resource_line(logical)
        where = self.tpl.at(line)
        props = res.get("Properties") or LDict()
        unknown = sorted(set(props) - _LAYER_PROPS)
        if unknown:
            raise DeployError(f"{where}: unsupported property {unknown[0]} of "
                              f"AWS::Serverless::LayerVersion {logical}")
        uri = props.get("ContentUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            content: Any = {"_LocalPath": uri}
        elif isinstance(uri, dict) and "Bucket" in uri:
            content = {"S3Bucket": uri["Bucket"], "S3Key": uri["Key"]}
        else:
            raise DeployError(f"{where}: AWS::Serverless::LayerVersion {logical} needs a local "
                              "ContentUri directory")
        layer = {k: props[k] for k in ("Description", "CompatibleRuntimes",
                                        "CompatibleArchitectures", "LicenseInfo") if k in props}
        layer["LayerName"] = props.get("LayerName", logical)
        layer["Content"] = content
        retention = str(self.resolver.resolve(props.get("RetentionPolicy", "Retain"), line))
        policy = "Retain" if retention.lower() == "retain" else None
        self.out[logical] = _resource("AWS::Lambda::LayerVersion", layer, line, res,
                                      DependsOn=res.get("DependsOn"), DeletionPolicy=policy,
                                      UpdateReplacePolicy=policy)


def _sub_aliases(text: str, aliases: dict[str, str]) -> str:
    for alias, logical in aliases.items():
        text = text.replace("${" + alias + "}", "${" + logical + "}")
    return text


def rewrite_refs(value: Any, aliases: dict[str, str]) -> Any:
    """Replace SAM's referenceable properties (`MyApi.Stage`) by the generated logical ids."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("Ref"), str) and value["Ref"] in aliases:
            return located({"Ref": aliases[value["Ref"]]}, getattr(value, "line", 0))
        if len(value) == 1 and "Fn::Sub" in value:
            arg = value["Fn::Sub"]
            if isinstance(arg, str):
                return located({"Fn::Sub": _sub_aliases(arg, aliases)}, getattr(value, "line", 0))
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                return located({"Fn::Sub": [_sub_aliases(arg[0], aliases),
                                            *rewrite_refs(arg[1:], aliases)]},
                               getattr(value, "line", 0))
        out = LDict({k: rewrite_refs(v, aliases) for k, v in value.items()},
                    line=getattr(value, "line", 0))
        out.key_lines = dict(getattr(value, "key_lines", {}))
        return out
    if isinstance(value, list):
        return LList([rewrite_refs(v, aliases) for v in value], line=getattr(value, "line", 0))
    return value


def expand(tpl: Template, resolver: Resolver, notes: list[str]) -> dict[str, LDict]:
    """The template's resources with SAM types expanded; non-SAM resources pass through unchanged."""
    return SamTransform(tpl, resolver, notes).run()
