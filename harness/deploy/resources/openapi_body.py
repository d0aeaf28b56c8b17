"""A RestApi's OpenAPI `Body` imported through the API Gateway API, as SAM generates it.

Covers what the SAM transform writes: paths with `x-amazon-apigateway-integration` (aws_proxy,
aws, http, mock, with responses), `securityDefinitions`/`components.securitySchemes` with
`x-amazon-apigateway-authorizer` (token, request, cognito_user_pools) and `awsSigv4`, `security`
with the `api_key` scheme, `x-amazon-apigateway-api-key-source`, `-binary-media-types`,
`-policy` and `-gateway-responses`. Other extensions are reported as notes.
"""

from __future__ import annotations

import json
from typing import Any

from harness.deploy.model import DeployError
from harness.deploy.resources.base import Context

_SVC = "apigateway"
_VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
_KNOWN_TOP = {"swagger", "openapi", "info", "paths", "securityDefinitions", "components",
              "security", "definitions", "basePath", "schemes", "servers", "tags",
              "x-amazon-apigateway-api-key-source", "x-amazon-apigateway-binary-media-types",
              "x-amazon-apigateway-policy", "x-amazon-apigateway-gateway-responses"}
_INTEGRATION_ARGS = {"type": "type", "httpMethod": "integrationHttpMethod", "uri": "uri",
                     "credentials": "credentials", "requestParameters": "requestParameters",
                     "requestTemplates": "requestTemplates",
                     "passthroughBehavior": "passthroughBehavior",
                     "contentHandling": "contentHandling", "timeoutInMillis": "timeoutInMillis",
                     "cacheNamespace": "cacheNamespace",
                     "cacheKeyParameters": "cacheKeyParameters",
                     "connectionType": "connectionType", "connectionId": "connectionId"}
# API Gateway's "invoke with the caller's credentials" value; moto refuses it (not a role of the
# account), and the harness gateway invokes through the function's resource policy, which SAM
# grants alongside.
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"
_AUTHORIZER_TYPES = {"token": "TOKEN", "request": "REQUEST",
                     "cognito_user_pools": "COGNITO_USER_POOLS"}


def settings(body: dict[str, Any]) -> dict[str, Any]:
    """RestApi settings the body carries (they win over none, lose to explicit properties)."""
    out: dict[str, Any] = {}
    if "x-amazon-apigateway-api-key-source" in body:
        out["ApiKeySourceType"] = str(body["x-amazon-apigateway-api-key-source"]).upper()
    if body.get("x-amazon-apigateway-binary-media-types"):
        out["BinaryMediaTypes"] = list(body["x-amazon-apigateway-binary-media-types"])
    if body.get("x-amazon-apigateway-policy"):
        out["Policy"] = body["x-amazon-apigateway-policy"]
    title = (body.get("info") or {}).get("title")
    if isinstance(title, str) and title:
        out["Name"] = title
    return out


def _schemes(body: dict[str, Any]) -> dict[str, Any]:
    schemes = dict(body.get("securityDefinitions") or {})
    schemes.update((body.get("components") or {}).get("securitySchemes") or {})
    return schemes


def _authorizer_args(name: str, scheme: dict[str, Any]) -> dict[str, Any]:
    spec = scheme["x-amazon-apigateway-authorizer"]
    kind = _AUTHORIZER_TYPES.get(str(spec.get("type", "")).lower())
    if kind is None:
        raise DeployError(f"authorizer {name}: unsupported x-amazon-apigateway-authorizer type "
                          f"{spec.get('type')!r}")
    source = spec.get("identitySource")
    if source is None and kind != "REQUEST" and scheme.get("in") == "header":
        source = f"method.request.header.{scheme.get('name', 'Authorization')}"
    return {"name": name, "type": kind, "authorizerUri": spec.get("authorizerUri"),
            "authorizerCredentials": spec.get("authorizerCredentials"),
            "identitySource": source,
            "identityValidationExpression": spec.get("identityValidationExpression"),
            "authorizerResultTtlInSeconds": spec.get("authorizerResultTtlInSeconds"),
            "providerARNs": spec.get("providerARNs")}


def _is_api_key(scheme: dict[str, Any]) -> bool:
    return (scheme.get("type") == "apiKey" and "x-amazon-apigateway-authtype" not in scheme
            and "x-amazon-apigateway-authorizer" not in scheme)


def _is_sigv4(scheme: dict[str, Any]) -> bool:
    return str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4"


class BodyImport:
    """One import of a body into an existing RestApi (fresh, or after `clear`)."""

    def __init__(self, ctx: Context, api_id: str, root_id: str, logical_id: str) -> None:
        self.ctx = ctx
        self.api_id = api_id
        self.root_id = root_id
        self.logical_id = logical_id
        self.authorizers: dict[str, tuple[str, str]] = {}
        self.resources: dict[str, str] = {"/": root_id}

    def run(self, body: dict[str, Any]) -> None:
        for key in sorted(set(body) - _KNOWN_TOP):
            if key.startswith("x-amazon-apigateway-"):
                self.ctx.note(f"{self.logical_id}: OpenAPI extension {key} is not imported by "
                              "the harness deployer")
        schemes = _schemes(body)
        for name, scheme in schemes.items():
            if isinstance(scheme, dict) and "x-amazon-apigateway-authorizer" in scheme:
                args = _authorizer_args(name, scheme)
                made = self.ctx.call(_SVC, "create_authorizer", restApiId=self.api_id, **args)
                kind = "COGNITO_USER_POOLS" if args["type"] == "COGNITO_USER_POOLS" else "CUSTOM"
                self.authorizers[name] = (str(made["id"]), kind)
        default_security = body.get("security")
        for path, item in sorted((body.get("paths") or {}).items()):
            if not isinstance(item, dict):
                continue
            resource_id = self._resource(str(path))
            for verb, operation in item.items():
                method = "ANY" if verb == ANY_METHOD else verb.upper() if verb in _VERBS else None
                if method is None or not isinstance(operation, dict):
                    continue
                security = operation.get("security", default_security)
                self._method(resource_id, method, operation, security or [], schemes)
        for rtype, spec in (body.get("x-amazon-apigateway-gateway-responses") or {}).items():
            self.ctx.call(_SVC, "put_gateway_response", restApiId=self.api_id,
                          responseType=rtype, statusCode=spec.get("statusCode"),
                          responseParameters=spec.get("responseParameters"),
                          responseTemplates=spec.get("responseTemplates"))

    def _resource(self, path: str) -> str:
        path = "/" + path.strip("/")
        if path in self.resources:
            return self.resources[path]
        parent_path, _, part = path.rpartition("/")
        parent = self._resource(parent_path or "/")
        made = self.ctx.call(_SVC, "create_resource", restApiId=self.api_id, parentId=parent,
                             pathPart=part)
        self.resources[path] = str(made["id"])
        return self.resources[path]

    def _auth(self, security: list[Any], schemes: dict[str, Any]
              ) -> tuple[str, str | None, list[str] | None, bool]:
        """(authorizationType, authorizerId, scopes, apiKeyRequired) of one operation."""
        kind, authorizer, scopes, api_key = "NONE", None, None, False
        for requirement in security:
            for name, wanted in (requirement or {}).items():
                scheme = schemes.get(name) or {}
                if name in self.authorizers:
                    authorizer, kind = self.authorizers[name]
                    scopes = list(wanted) if wanted and kind == "COGNITO_USER_POOLS" else scopes
                elif _is_sigv4(scheme) or name == "AWS_IAM":
                    kind = "AWS_IAM"
                elif _is_api_key(scheme) or name == "api_key":
                    api_key = True
                elif name == "NONE" and name not in schemes:
                    continue  # SAM's `Authorizer: NONE`: the route opts out of the default authorizer
                else:
                    raise DeployError(f"security scheme {name} is not defined in the body")
        return kind, authorizer, scopes, api_key

    def _method(self, resource_id: str, method: str, operation: dict[str, Any],
                security: list[Any], schemes: dict[str, Any]) -> None:
        kind, authorizer, scopes, api_key = self._auth(security, schemes)
        key = {"restApiId": self.api_id, "resourceId": resource_id, "httpMethod": method}
        self.ctx.call(_SVC, "put_method", **key, authorizationType=kind, authorizerId=authorizer,
                      authorizationScopes=scopes, apiKeyRequired=api_key,
                      operationName=operation.get("operationId"))
        for status, response in (operation.get("responses") or {}).items():
            headers = (response or {}).get("headers") or {}
            self.ctx.call(_SVC, "put_method_response", **key, statusCode=str(status),
                          responseParameters={f"method.response.header.{h}": False
                                              for h in headers} or None)
        integration = operation.get("x-amazon-apigateway-integration")
        if not isinstance(integration, dict):
            return
        args = {arg: integration.get(prop) for prop, arg in _INTEGRATION_ARGS.items()}
        args["type"] = str(args["type"] or "").upper()
        if str(args["credentials"]).endswith(":iam::*:user/*"):
            self.ctx.note(f"{self.logical_id}: {method} integration with the caller's credentials "
                          "is invoked through the function's resource policy")
            args["credentials"] = None
        if isinstance(args["requestTemplates"], dict):
            args["requestTemplates"] = {k: v if isinstance(v, str) else json.dumps(v)
                                        for k, v in args["requestTemplates"].items()}
        self.ctx.call(_SVC, "put_integration", **key, **args)
        for pattern, response in (integration.get("responses") or {}).items():
            self.ctx.call(_SVC, "put_integration_response", **key,
                          statusCode=str(response.get("statusCode", "200")),
                          selectionPattern=None if pattern == "default" else pattern,
                          responseParameters=response.get("responseParameters"),
                          responseTemplates=response.get("responseTemplates"),
                          contentHandling=response.get("contentHandling"))


def import_body(ctx: Context, api_id: str, root_id: str, logical_id: str,
                body: dict[str, Any]) -> None:
    """Create the body's authorizers, resources, methods and gateway responses in the API."""
    if not isinstance(body, dict):
        raise DeployError("Body must be an OpenAPI document (a mapping)")
    BodyImport(ctx, api_id, root_id, logical_id).run(body)


def clear(ctx: Context, api_id: str, root_id: str) -> None:
    """Remove what an import made (mode overwrite): resources, root methods, authorizers, responses."""
    items = ctx.call(_SVC, "get_resources", restApiId=api_id, limit=500).get("items", [])
    for item in sorted(items, key=lambda i: -len(str(i.get("path", "")))):
        if item["id"] != root_id:
            ctx.call(_SVC, "delete_resource", restApiId=api_id, resourceId=item["id"])
        else:
            for verb in item.get("resourceMethods") or {}:
                ctx.call(_SVC, "delete_method", restApiId=api_id, resourceId=root_id,
                         httpMethod=verb)
    for auth in ctx.call(_SVC, "get_authorizers", restApiId=api_id, limit=500).get("items", []):
        ctx.call(_SVC, "delete_authorizer", restApiId=api_id, authorizerId=auth["id"])
