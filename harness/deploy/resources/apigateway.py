"""API Gateway REST APIs: the API, its resources, methods, authorizers, deployments and stages."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources.apigateway_body import checked_plan, has_definition, import_definition
from harness.deploy.resources.base import ALL, Context, Created, Provisioner, exists

_SVC = "apigateway"


def escape_path(text: str) -> str:
    """JSON-pointer escaping used by API Gateway patch paths."""
    return text.replace("~", "~0").replace("/", "~1")


def tag_map(value: Any) -> dict[str, str] | None:
    if isinstance(value, list):
        return {str(t["Key"]): str(t["Value"]) for t in value}
    return value if isinstance(value, dict) else None


def expand_policy(ctx: Context, api_id: str, policy: Any) -> str | None:
    """A resource policy as API Gateway stores it: `execute-api:/...` shorthand made a full ARN."""
    if policy is None:
        return None
    doc = json.loads(policy) if isinstance(policy, str) else policy
    prefix = ctx.arn("execute-api", f"{api_id}/")

    def fix(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("execute-api:/"):
            return prefix + value[len("execute-api:/"):]
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    for statement in doc.get("Statement", []):
        for key in ("Resource", "NotResource"):
            if key in statement:
                statement[key] = fix(statement[key])
    return json.dumps(doc, separators=(",", ":"))


class RestApi(Provisioner):
    """AWS::ApiGateway::RestApi, with its OpenAPI Body imported; settings update through patch
    operations."""

    type_name = "AWS::ApiGateway::RestApi"
    immutable = frozenset({"EndpointConfiguration"})
    attributes = frozenset({"RestApiId", "RootResourceId"})
    handled = frozenset({"Name", "Description", "ApiKeySourceType", "BinaryMediaTypes",
                         "EndpointConfiguration", "Policy", "MinimumCompressionSize",
                         "DisableExecuteApiEndpoint", "Tags", "Body", "BodyS3Location",
                         "FailOnWarnings", "Mode"})
    ignored = frozenset({"Tags", "Parameters"})

    def prepare(self, ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        if "CloneFrom" in props:
            raise DeployError("CloneFrom is not supported; declare the API's definition in Body")
        return props

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        endpoint = props.get("EndpointConfiguration")
        plan = checked_plan(ctx, props) if has_definition(props) else None
        if plan is not None and not props.get("Name"):
            name = str(plan.api.get("name") or name)
        api = ctx.call(_SVC, "create_rest_api", name=props.get("Name") or name,
                       description=props.get("Description"),
                       apiKeySource=props.get("ApiKeySourceType"),
                       binaryMediaTypes=props.get("BinaryMediaTypes"),
                       minimumCompressionSize=props.get("MinimumCompressionSize"),
                       disableExecuteApiEndpoint=props.get("DisableExecuteApiEndpoint"),
                       endpointConfiguration={"types": endpoint.get("Types")} if endpoint else None,
                       tags=tag_map(props.get("Tags")))
        api_id = api["id"]
        if plan is not None:
            import_definition(ctx, api_id, props, plan)
        if props.get("Policy") is not None:
            ctx.call(_SVC, "update_rest_api", restApiId=api_id, patchOperations=[
                {"op": "replace", "path": "/policy",
                 "value": expand_policy(ctx, api_id, props["Policy"])}])
        return Created(api_id, {"RestApiId": api_id, "RootResourceId": api["rootResourceId"]})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        api_id = old.physical_id
        before = old.properties
        ops: list[dict[str, Any]] = []
        simple = {"Name": "/name", "Description": "/description",
                  "ApiKeySourceType": "/apiKeySource",
                  "DisableExecuteApiEndpoint": "/disableExecuteApiEndpoint",
                  "MinimumCompressionSize": "/minimumCompressionSize"}
        for key, path in simple.items():
            if before.get(key) != props.get(key):
                value = props.get(key, name if key == "Name" else None)
                ops.append({"op": "replace", "path": path,
                            "value": "" if value is None else str(value).lower()
                            if isinstance(value, bool) else str(value)})
        if before.get("Policy") != props.get("Policy"):
            ops.append({"op": "replace", "path": "/policy",
                        "value": expand_policy(ctx, api_id, props.get("Policy")) or ""})
        old_types = set(before.get("BinaryMediaTypes") or [])
        new_types = set(props.get("BinaryMediaTypes") or [])
        ops += [{"op": "remove", "path": f"/binaryMediaTypes/{escape_path(t)}", "value": t}
                for t in sorted(old_types - new_types)]
        ops += [{"op": "add", "path": f"/binaryMediaTypes/{escape_path(t)}", "value": t}
                for t in sorted(new_types - old_types)]
        if has_definition(props) and (before.get("Body") != props.get("Body") or
                                      before.get("BodyS3Location") != props.get("BodyS3Location")):
            import_definition(ctx, api_id, props)
        if ops:
            ctx.call(_SVC, "update_rest_api", restApiId=api_id, patchOperations=ops)
        return Created(api_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        if exists(ctx, _SVC, "get_rest_api", restApiId=res.physical_id):
            ctx.call(_SVC, "delete_rest_api", restApiId=res.physical_id)


class Resource(Provisioner):
    """AWS::ApiGateway::Resource: one path segment; any change makes a new one."""

    type_name = "AWS::ApiGateway::Resource"
    immutable = ALL
    attributes = frozenset({"ResourceId"})
    handled = frozenset({"RestApiId", "ParentId", "PathPart"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        res = ctx.call(_SVC, "create_resource", restApiId=props["RestApiId"],
                       parentId=props["ParentId"], pathPart=props["PathPart"])
        return Created(res["id"], {"ResourceId": res["id"]})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        api = res.properties["RestApiId"]
        if exists(ctx, _SVC, "get_resource", restApiId=api, resourceId=res.physical_id):
            ctx.call(_SVC, "delete_resource", restApiId=api, resourceId=res.physical_id)


_INTEGRATION_ARGS = {"Type": "type", "IntegrationHttpMethod": "integrationHttpMethod",
                     "Uri": "uri", "Credentials": "credentials",
                     "RequestParameters": "requestParameters",
                     "RequestTemplates": "requestTemplates",
                     "PassthroughBehavior": "passthroughBehavior",
                     "CacheNamespace": "cacheNamespace", "CacheKeyParameters": "cacheKeyParameters",
                     "ContentHandling": "contentHandling", "TimeoutInMillis": "timeoutInMillis",
                     "ConnectionType": "connectionType", "ConnectionId": "connectionId"}


class Method(Provisioner):
    """AWS::ApiGateway::Method with its integration; an update re-puts method and integration."""

    type_name = "AWS::ApiGateway::Method"
    immutable = frozenset({"RestApiId", "ResourceId", "HttpMethod"})
    handled = frozenset({"RestApiId", "ResourceId", "HttpMethod", "AuthorizationType",
                         "AuthorizerId", "ApiKeyRequired", "AuthorizationScopes", "OperationName",
                         "RequestParameters", "RequestModels", "RequestValidatorId",
                         "Integration", "MethodResponses"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        key = {"restApiId": props["RestApiId"], "resourceId": props["ResourceId"],
               "httpMethod": str(props["HttpMethod"]).upper()}
        ctx.call(_SVC, "put_method", **key,
                 authorizationType=props.get("AuthorizationType") or "NONE",
                 authorizerId=props.get("AuthorizerId"),
                 apiKeyRequired=props.get("ApiKeyRequired"),
                 authorizationScopes=props.get("AuthorizationScopes"),
                 operationName=props.get("OperationName"),
                 requestParameters=props.get("RequestParameters"),
                 requestModels=props.get("RequestModels"),
                 requestValidatorId=props.get("RequestValidatorId"))
        for response in props.get("MethodResponses") or []:
            ctx.call(_SVC, "put_method_response", **key, statusCode=response["StatusCode"],
                     responseParameters=response.get("ResponseParameters"),
                     responseModels=response.get("ResponseModels"))
        integration = props.get("Integration")
        if integration:
            ctx.call(_SVC, "put_integration", **key, **{
                arg: integration.get(prop) for prop, arg in _INTEGRATION_ARGS.items()})
            for response in integration.get("IntegrationResponses") or []:
                ctx.call(_SVC, "put_integration_response", **key,
                         statusCode=response["StatusCode"],
                         selectionPattern=response.get("SelectionPattern"),
                         responseParameters=response.get("ResponseParameters"),
                         responseTemplates=response.get("ResponseTemplates"),
                         contentHandling=response.get("ContentHandling"))
        return Created("/".join(key.values()))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        self.delete(ctx, old)
        return self.create(ctx, old.logical_id, props, name)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        api, resource, method = res.physical_id.split("/")
        key = {"restApiId": api, "resourceId": resource, "httpMethod": method}
        if exists(ctx, _SVC, "get_method", **key):
            ctx.call(_SVC, "delete_method", **key)


_AUTHORIZER_ARGS = {"Name": "name", "Type": "type", "AuthorizerUri": "authorizerUri",
                    "AuthorizerCredentials": "authorizerCredentials",
                    "IdentitySource": "identitySource",
                    "IdentityValidationExpression": "identityValidationExpression",
                    "AuthorizerResultTtlInSeconds": "authorizerResultTtlInSeconds",
                    "AuthType": "authType"}


class Authorizer(Provisioner):
    """AWS::ApiGateway::Authorizer (TOKEN, REQUEST, COGNITO_USER_POOLS) with its result TTL."""

    type_name = "AWS::ApiGateway::Authorizer"
    immutable = frozenset({"RestApiId", "ProviderARNs"})
    attributes = frozenset({"AuthorizerId"})
    handled = frozenset({"RestApiId", "ProviderARNs", *_AUTHORIZER_ARGS})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        args = {arg: props.get(prop) for prop, arg in _AUTHORIZER_ARGS.items()}
        args["name"] = props.get("Name") or name
        auth = ctx.call(_SVC, "create_authorizer", restApiId=props["RestApiId"],
                        providerARNs=props.get("ProviderARNs"), **args)
        return Created(auth["id"], {"AuthorizerId": auth["id"]})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        ops = [{"op": "replace", "path": f"/{arg}", "value": str(props.get(prop, ""))}
               for prop, arg in _AUTHORIZER_ARGS.items()
               if old.properties.get(prop) != props.get(prop)]
        if ops:
            ctx.call(_SVC, "update_authorizer", restApiId=props["RestApiId"],
                     authorizerId=old.physical_id, patchOperations=ops)
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        key = {"restApiId": res.properties["RestApiId"], "authorizerId": res.physical_id}
        if exists(ctx, _SVC, "get_authorizer", **key):
            ctx.call(_SVC, "delete_authorizer", **key)


class Deployment(Provisioner):
    """AWS::ApiGateway::Deployment: a snapshot, remade whenever anything in its API changed."""

    type_name = "AWS::ApiGateway::Deployment"
    immutable = ALL
    attributes = frozenset({"DeploymentId"})
    handled = frozenset({"RestApiId", "Description", "StageName", "StageDescription"})
    ignored = frozenset({"DeploymentCanarySettings"})

    def prepare(self, ctx: Context, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        members = {m: ctx.resolved.get(m) for m in sorted(ctx.members.get(logical_id, []))}
        blob = json.dumps(members, sort_keys=True, default=str).encode()
        return {**props, "_ApiFingerprint": hashlib.sha256(blob).hexdigest()}

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        stage = props.get("StageDescription") or {}
        dep = ctx.call(_SVC, "create_deployment", restApiId=props["RestApiId"],
                       description=props.get("Description"), stageName=props.get("StageName"),
                       stageDescription=stage.get("Description"),
                       variables=stage.get("Variables"))
        return Created(dep["id"], {"DeploymentId": dep["id"]})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        api = res.properties["RestApiId"]
        if not exists(ctx, _SVC, "get_rest_api", restApiId=api):
            return
        stage_name = res.properties.get("StageName")
        if stage_name:
            try:
                stage = ctx.call(_SVC, "get_stage", restApiId=api, stageName=stage_name)
            except Exception:
                stage = {}
            if stage.get("deploymentId") == res.physical_id:
                ctx.call(_SVC, "delete_stage", restApiId=api, stageName=stage_name)
        # moto answers get_deployment of a missing id with a 500, so look in the listing.
        listing = ctx.call(_SVC, "get_deployments", restApiId=api, limit=500)
        if any(d["id"] == res.physical_id for d in listing.get("items", [])):
            ctx.call(_SVC, "delete_deployment", restApiId=api, deploymentId=res.physical_id)


class Stage(Provisioner):
    """AWS::ApiGateway::Stage: points at the current deployment and carries stage variables."""

    type_name = "AWS::ApiGateway::Stage"
    name_property = "StageName"
    name_max = 128
    immutable = frozenset({"RestApiId", "StageName"})
    handled = frozenset({"RestApiId", "StageName", "DeploymentId", "Description", "Variables",
                         "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize", "Tags"})
    ignored = frozenset({"Tags", "MethodSettings", "AccessLogSetting", "CanarySetting",
                         "ClientCertificateId", "DocumentationVersion"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        if props.get("MethodSettings"):
            ctx.note(f"{logical_id}: stage MethodSettings are not applied by the harness deployer")
        ctx.call(_SVC, "create_stage", restApiId=props["RestApiId"], stageName=name,
                 deploymentId=props["DeploymentId"], description=props.get("Description"),
                 variables=props.get("Variables"), tracingEnabled=props.get("TracingEnabled"),
                 cacheClusterEnabled=props.get("CacheClusterEnabled"),
                 cacheClusterSize=props.get("CacheClusterSize"),
                 tags=tag_map(props.get("Tags")))
        return Created(str(name))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        before = old.properties
        ops: list[dict[str, Any]] = []
        for key, path in (("DeploymentId", "/deploymentId"), ("Description", "/description"),
                          ("TracingEnabled", "/tracingEnabled")):
            if before.get(key) != props.get(key):
                value = props.get(key)
                text = str(value).lower() if isinstance(value, bool) else str(value or "")
                ops.append({"op": "replace", "path": path, "value": text})
        old_vars = before.get("Variables") or {}
        new_vars = props.get("Variables") or {}
        ops += [{"op": "remove", "path": f"/variables/{k}"} for k in old_vars if k not in new_vars]
        ops += [{"op": "replace", "path": f"/variables/{k}", "value": str(v)}
                for k, v in new_vars.items() if old_vars.get(k) != v]
        if ops:
            ctx.call(_SVC, "update_stage", restApiId=props["RestApiId"],
                     stageName=old.physical_id, patchOperations=ops)
        return Created(old.physical_id)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        key = {"restApiId": res.properties["RestApiId"], "stageName": res.physical_id}
        if exists(ctx, _SVC, "get_stage", **key):
            ctx.call(_SVC, "delete_stage", **key)


class GatewayResponse(Provisioner):
    """AWS::ApiGateway::GatewayResponse: how the gateway words its own 4xx/5xx answers."""

    type_name = "AWS::ApiGateway::GatewayResponse"
    immutable = frozenset({"RestApiId", "ResponseType"})
    handled = frozenset({"RestApiId", "ResponseType", "StatusCode", "ResponseParameters",
                         "ResponseTemplates"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        ctx.call(_SVC, "put_gateway_response", restApiId=props["RestApiId"],
                 responseType=props["ResponseType"], statusCode=props.get("StatusCode"),
                 responseParameters=props.get("ResponseParameters"),
                 responseTemplates=props.get("ResponseTemplates"))
        return Created(f"{props['RestApiId']}/{props['ResponseType']}")

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        return self.create(ctx, old.logical_id, props, name)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        key = {"restApiId": res.properties["RestApiId"],
               "responseType": res.properties["ResponseType"]}
        if exists(ctx, _SVC, "get_gateway_response", **key):
            ctx.call(_SVC, "delete_gateway_response", **key)
