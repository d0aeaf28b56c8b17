"""Lambda functions, layer versions and permissions, with code identified by its zip hash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.deploy import code
from harness.deploy.lambda_modules import cfnresponse_source
from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources import public_layers
from harness.deploy.resources.base import (
    ALL,
    Context,
    Created,
    Provisioner,
    delete_if_present,
    wait_until,
)

LOCAL_PATH = "_LocalPath"
SHA = "_Sha256"
_CONFIG_KEYS = ("Handler", "Runtime", "Role", "Description", "Timeout", "MemorySize",
                "Environment", "Layers", "EphemeralStorage", "TracingConfig", "KmsKeyArn")


def _inline_name(runtime: Any) -> str:
    text = str(runtime or "")
    return "index.js" if text.startswith("nodejs") else "index.py"


def prepare_code(ctx: Context, value: Any, runtime: Any, what: str) -> Any:
    """Replace a local path or inline source by its hash (the bytes go to ctx.blobs); S3 passes through."""
    if isinstance(value, str):
        value = {LOCAL_PATH: value}
    if not isinstance(value, dict):
        raise DeployError(f"{what} must be a mapping or a local path, got {value!r}")
    if LOCAL_PATH in value:
        path = Path(str(value[LOCAL_PATH]))
        path = path if path.is_absolute() else ctx.template_dir / path
        try:
            data = code.package(path)
        except (OSError, FileNotFoundError) as exc:
            raise DeployError(f"{what}: cannot package {path}: {exc}") from exc
    elif "ZipFile" in value:
        name = _inline_name(runtime)
        extra = {"cfnresponse.py": cfnresponse_source()} if name.endswith(".py") and \
            what == "Code" else None  # AWS adds cfn-response to inline functions' code
        data = code.zip_inline(str(value["ZipFile"]), name, extra)
    else:
        return value
    sha = code.code_sha256(data)
    ctx.blobs[sha] = data
    return {SHA: sha}


def code_argument(ctx: Context, value: dict[str, Any]) -> dict[str, Any]:
    """The Code/Content argument for the API: the zip bytes, or the S3 location as given."""
    if SHA in value:
        return {"ZipFile": ctx.blobs[value[SHA]]}
    return {k: v for k, v in value.items() if k in ("S3Bucket", "S3Key", "S3ObjectVersion",
                                                    "ImageUri")}


def _tags(value: Any) -> dict[str, str] | None:
    if isinstance(value, list):
        return {str(t["Key"]): str(t["Value"]) for t in value}
    return value if isinstance(value, dict) else None


def _wait_ready(ctx: Context, name: str) -> dict[str, Any]:
    holder: dict[str, Any] = {}

    def ready() -> bool:
        config = ctx.call("lambda", "get_function_configuration", FunctionName=name)
        holder["config"] = config
        return config.get("State") != "Pending" and config.get("LastUpdateStatus") != "InProgress"

    wait_until(ready, f"function {name} to become ready")
    return dict(holder["config"])


class Function(Provisioner):
    """AWS::Lambda::Function: new code → UpdateFunctionCode, new settings → UpdateFunctionConfiguration."""

    type_name = "AWS::Lambda::Function"
    name_property = "FunctionName"
    unique_name = True
    immutable = frozenset({"FunctionName", "PackageType"})
    attributes = frozenset({"Arn"})
    handled = frozenset({*_CONFIG_KEYS, "FunctionName", "Code", "Architectures", "PackageType",
                         "Tags", "ReservedConcurrentExecutions"})
    ignored = frozenset({"DeadLetterConfig", "VpcConfig", "LoggingConfig", "SnapStart",
                         "RuntimeManagementConfig", "FileSystemConfigs", "ImageConfig",
                         "RecursiveLoop", "CodeSigningConfigArn"})

    def prepare(self, ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        if "Code" not in props:
            raise DeployError("Code is required")
        out = dict(props)
        out["Code"] = prepare_code(ctx, props["Code"], props.get("Runtime"), "Code")
        if "Layers" in props:
            out["Layers"], public = public_layers.split(props["Layers"])
            for arn, what in public:
                ctx.note(f"{logical_id}: layer {arn} ({what}) is published by AWS; accepted as "
                         "an empty layer")
        return out

    def _config(self, props: dict[str, Any], clearing: bool) -> dict[str, Any]:
        params = {k: props.get(k) for k in _CONFIG_KEYS}
        if clearing:
            params["Environment"] = props.get("Environment") or {"Variables": {}}
            params["Layers"] = props.get("Layers") or []
        return params

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        assert name is not None
        ctx.call("lambda", "create_function", FunctionName=name,
                 Code=code_argument(ctx, props["Code"]), PackageType=props.get("PackageType"),
                 Architectures=props.get("Architectures"), Tags=_tags(props.get("Tags")),
                 **self._config(props, clearing=False))
        config = _wait_ready(ctx, name)
        if props.get("ReservedConcurrentExecutions") is not None:
            ctx.call("lambda", "put_function_concurrency", FunctionName=name,
                     ReservedConcurrentExecutions=props["ReservedConcurrentExecutions"])
        return Created(name, {"Arn": config["FunctionArn"]})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        fn = old.physical_id
        before = old.properties
        if (before.get("Code") != props.get("Code")
                or before.get("Architectures") != props.get("Architectures")):
            ctx.call("lambda", "update_function_code", FunctionName=fn,
                     Architectures=props.get("Architectures"),
                     **code_argument(ctx, props["Code"]))
            _wait_ready(ctx, fn)
        if any(before.get(k) != props.get(k) for k in _CONFIG_KEYS):
            ctx.call("lambda", "update_function_configuration", FunctionName=fn,
                     **self._config(props, clearing=True))
            _wait_ready(ctx, fn)
        reserved = props.get("ReservedConcurrentExecutions")
        if before.get("ReservedConcurrentExecutions") != reserved:
            if reserved is None:
                ctx.call("lambda", "delete_function_concurrency", FunctionName=fn)
            else:
                ctx.call("lambda", "put_function_concurrency", FunctionName=fn,
                         ReservedConcurrentExecutions=reserved)
        config = ctx.call("lambda", "get_function_configuration", FunctionName=fn)
        return Created(fn, {"Arn": config["FunctionArn"]})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "lambda", "delete_function", FunctionName=res.physical_id)


class LayerVersion(Provisioner):
    """AWS::Lambda::LayerVersion: versions are immutable, so any change publishes a new one."""

    type_name = "AWS::Lambda::LayerVersion"
    name_property = "LayerName"
    name_max = 140
    immutable = ALL
    attributes = frozenset({"LayerVersionArn"})
    handled = frozenset({"LayerName", "Description", "Content", "CompatibleRuntimes",
                         "CompatibleArchitectures", "LicenseInfo"})

    def prepare(self, ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        if "Content" not in props:
            raise DeployError("Content is required")
        out = dict(props)
        out["Content"] = prepare_code(ctx, props["Content"], None, "Content")
        return out

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        result = ctx.call("lambda", "publish_layer_version", LayerName=name,
                          Description=props.get("Description"),
                          Content=code_argument(ctx, props["Content"]),
                          CompatibleRuntimes=props.get("CompatibleRuntimes"),
                          CompatibleArchitectures=props.get("CompatibleArchitectures"),
                          LicenseInfo=props.get("LicenseInfo"))
        arn = result["LayerVersionArn"]
        return Created(arn, {"LayerVersionArn": arn, "Ref": arn})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        layer, _, version = res.physical_id.rpartition(":")
        delete_if_present(ctx, "lambda", "delete_layer_version", LayerName=layer,
                          VersionNumber=int(version))


class Permission(Provisioner):
    """AWS::Lambda::Permission: one statement of a function's resource policy; changes replace it."""

    type_name = "AWS::Lambda::Permission"
    name_max = 100
    immutable = ALL
    handled = frozenset({"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount",
                         "EventSourceToken", "FunctionUrlAuthType", "PrincipalOrgID"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        statement = name or ctx.generate_name(logical_id, self.name_max)
        ctx.call("lambda", "add_permission", StatementId=statement, **{
            k: props.get(k) for k in self.handled})
        return Created(statement)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "lambda", "remove_permission",
                          FunctionName=res.properties.get("FunctionName"), StatementId=res.physical_id)
