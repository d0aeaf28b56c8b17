"""An OpenAPI 2.0 or 3.0 document with API Gateway's extensions, read into an import plan: the
control-plane calls (CreateAuthorizer, PutMethod, PutIntegration, ...) that build the API.

Extensions: https://docs.aws.amazon.com/apigateway/latest/developerguide/
api-gateway-swagger-extensions.html (x-amazon-apigateway-integration, -any-method, -authorizer,
-api-key-source, -request-validators, -gateway-responses, -binary-media-types, -policy).
Problems are collected, never raised one at a time: api-gateway-import-api-errors-warnings.html.
"""

from __future__ import annotations

import json
import re
from typing import Any

from harness.gateway.openapi_plan import ImportFailure, ImportPlan, MethodPlan, load_document
from harness.gateway.responses import RESPONSE_TYPES

__all__ = ["ImportFailure", "ImportPlan", "MethodPlan", "load_document", "plan_import"]

VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
_INTEGRATION_TYPES = ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK")
_PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
_CONTENT = ("CONVERT_TO_TEXT", "CONVERT_TO_BINARY")
_AUTH_TYPES = {"token": "TOKEN", "request": "REQUEST", "cognito_user_pools": "COGNITO_USER_POOLS"}
_SEGMENT = re.compile(r"^(\{[A-Za-z0-9._-]+\+?\}|[A-Za-z0-9._:@&=+$,;~!*'()-]+)$")
_PARAM_SCOPES = {"path": "path", "query": "querystring", "header": "header"}
# API Gateway's "invoke with the caller's own credentials" value (SAM writes it for AWS_IAM
# routes). moto refuses it as a role of another account; the gateway invokes the function through
# its resource policy, which SAM grants alongside, so the import leaves it out.
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"


def _where(path: str, verb: str) -> str:
    return f"'{verb.upper()}' on resource at path '{path}'"


def _schemes(doc: dict[str, Any]) -> dict[str, Any]:
    if "swagger" in doc:
        found = doc.get("securityDefinitions") or {}
    else:
        found = (doc.get("components") or {}).get("securitySchemes") or {}
    return found if isinstance(found, dict) else {}


def _authorizer(name: str, scheme: dict[str, Any], plan: ImportPlan) -> None:
    ext = scheme.get("x-amazon-apigateway-authorizer")
    if not isinstance(ext, dict):
        plan.errors.append(f"Invalid authorizer definition for '{name}': not an object")
        return
    kind = _AUTH_TYPES.get(str(ext.get("type", "")).lower())
    if kind is None:
        plan.errors.append(f"Invalid authorizer type '{ext.get('type')}' for authorizer "
                           f"'{name}'; expected token, request or cognito_user_pools")
        return
    args: dict[str, Any] = {"name": name, "type": kind}
    source = ext.get("identitySource")
    if source is None and kind != "REQUEST" and scheme.get("in") == "header" and scheme.get("name"):
        source = f"method.request.header.{scheme['name']}"
    if source is not None:
        args["identitySource"] = str(source)
    if kind == "COGNITO_USER_POOLS":
        arns = ext.get("providerARNs")
        if not isinstance(arns, list) or not arns:
            plan.errors.append(f"Authorizer '{name}': providerARNs is required for "
                               "cognito_user_pools")
        args["providerARNs"] = arns
    else:
        if not isinstance(ext.get("authorizerUri"), str):
            plan.errors.append(f"Authorizer '{name}': authorizerUri is required (a string)")
        args["authorizerUri"] = ext.get("authorizerUri")
    if kind == "TOKEN" and "identitySource" not in args:
        plan.errors.append(f"Authorizer '{name}': identitySource is required for a token "
                           "authorizer")
    for key in ("authorizerCredentials", "identityValidationExpression"):
        if ext.get(key) is not None:
            args[key] = str(ext[key])
    ttl = ext.get("authorizerResultTtlInSeconds")
    if isinstance(ttl, str) and ttl.strip().isdigit():
        ttl = int(ttl)  # a template parameter resolves to a string, as CloudFormation passes it
    if ttl is not None:
        if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 3600:
            plan.errors.append(f"Authorizer '{name}': authorizerResultTtlInSeconds must be an "
                               "integer from 0 to 3600")
        else:
            args["authorizerResultTtlInSeconds"] = ttl
    auth_type = scheme.get("x-amazon-apigateway-authtype")
    if auth_type is not None:
        args["authType"] = str(auth_type)
    plan.authorizers[name] = args


def _integration(ext: Any, where: str, plan: ImportPlan, mplan: MethodPlan) -> None:
    if not isinstance(ext, dict):
        plan.errors.append(f"Unable to put integration on {where}: not an object")
        return
    kind = str(ext.get("type", "")).upper()
    problems = []
    if kind not in _INTEGRATION_TYPES:
        problems.append(f"Invalid integration type '{ext.get('type')}'")
    uri = ext.get("uri")
    if kind != "MOCK" and not isinstance(uri, str):
        problems.append("Invalid integration URI specified" if uri is None else
                        "Invalid integration URI specified: it is not a string (an unresolved "
                        "intrinsic function?)")
    verb = ext.get("httpMethod")
    if kind not in ("MOCK", "") and not isinstance(verb, str):
        problems.append("Enumeration value for HttpMethod must be non-empty")
    behaviour = str(ext.get("passthroughBehavior", "WHEN_NO_MATCH")).upper()
    if behaviour not in _PASSTHROUGH:
        problems.append(f"Invalid passthrough behavior '{ext.get('passthroughBehavior')}'")
    handling = ext.get("contentHandling")
    if handling is not None and str(handling).upper() not in _CONTENT:
        problems.append(f"Invalid content handling '{handling}'")
    timeout = ext.get("timeoutInMillis")
    if timeout is not None and (not isinstance(timeout, int) or not 50 <= timeout <= 29000):
        problems.append("Timeout should be between 50 ms and 29000 ms")
    for key in ("requestParameters", "requestTemplates"):
        if ext.get(key) is not None and not isinstance(ext.get(key), dict):
            problems.append(f"{key} must be an object")
    if problems:
        plan.errors.extend(f"Unable to put integration on {where}: {p}" for p in problems)
        return
    mplan.integration = {
        "type": kind, "uri": uri, "integrationHttpMethod": verb,
        "credentials": (None if ext.get("credentials") == CALLER_CREDENTIALS
                        else ext.get("credentials")),
        "requestParameters": ext.get("requestParameters"),
        "requestTemplates": ext.get("requestTemplates"), "passthroughBehavior": behaviour,
        "contentHandling": str(handling).upper() if handling else None,
        "timeoutInMillis": timeout, "cacheNamespace": ext.get("cacheNamespace"),
        "cacheKeyParameters": ext.get("cacheKeyParameters"),
        "connectionType": ext.get("connectionType"), "connectionId": ext.get("connectionId")}
    responses = ext.get("responses") or {}
    if not isinstance(responses, dict):
        plan.errors.append(f"Unable to put integration response on {where}: not an object")
        return
    for pattern, spec in responses.items():
        if not isinstance(spec, dict) or spec.get("statusCode") is None:
            plan.errors.append(f"Unable to put integration response on {where}: response "
                               f"'{pattern}' needs a statusCode")
            continue
        mplan.integration_responses.append({
            "statusCode": str(spec["statusCode"]),
            "selectionPattern": None if pattern == "default" else str(pattern),
            "responseParameters": spec.get("responseParameters"),
            "responseTemplates": spec.get("responseTemplates"),
            "contentHandling": spec.get("contentHandling")})


def _operation(doc: dict[str, Any], path: str, verb: str, op: Any, shared: list[Any],
               schemes: dict[str, Any], plan: ImportPlan) -> None:
    where = _where(path, "ANY" if verb == ANY_METHOD else verb)
    http = "ANY" if verb == ANY_METHOD else verb.upper()
    if not isinstance(op, dict):
        plan.errors.append(f"Unable to put method {where}: the operation is not an object")
        return
    mplan = MethodPlan(path, http, {"authorizationType": "NONE", "apiKeyRequired": False})
    if op.get("operationId"):
        mplan.method["operationName"] = str(op["operationId"])
    params: dict[str, bool] = {}
    for param in [*shared, *(op.get("parameters") or [])]:
        if isinstance(param, dict) and "$ref" in param:
            ref = str(param["$ref"]).split("/")
            target: Any = doc
            for part in ref[1:]:
                target = target.get(part) if isinstance(target, dict) else None
            param = target
        if isinstance(param, dict) and param.get("in") in _PARAM_SCOPES and param.get("name"):
            scope = _PARAM_SCOPES[str(param["in"])]
            params[f"method.request.{scope}.{param['name']}"] = bool(
                param.get("required")) or scope == "path"
    if params:
        mplan.method["requestParameters"] = params
    security = op.get("security", doc.get("security")) or []
    for requirement in security if isinstance(security, list) else []:
        for name, scopes in (requirement or {}).items():
            scheme = schemes.get(name)
            if not isinstance(scheme, dict):
                plan.errors.append(f"Unable to put method {where}: no security definition "
                                   f"named '{name}'")
            elif "x-amazon-apigateway-authorizer" in scheme:
                auth = plan.authorizers.get(name, {})
                mplan.authorizer = name
                mplan.method["authorizationType"] = (
                    "COGNITO_USER_POOLS" if auth.get("type") == "COGNITO_USER_POOLS" else "CUSTOM")
                if scopes:
                    mplan.method["authorizationScopes"] = [str(s) for s in scopes]
            elif str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
                mplan.method["authorizationType"] = "AWS_IAM"
            elif scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == \
                    "x-api-key" and scheme.get("in") == "header":
                mplan.method["apiKeyRequired"] = True
    validator = op.get("x-amazon-apigateway-request-validator",
                       doc.get("x-amazon-apigateway-request-validator"))
    if validator is not None:
        if validator not in plan.validators:
            plan.errors.append(f"Unable to put method {where}: no request validator named "
                               f"'{validator}'")
        mplan.validator = str(validator)
    responses = op.get("responses")
    if responses is None:
        plan.warnings.append(f"Parse issue: attribute paths.'{path}'({verb}).responses is "
                             "missing")
    for status, spec in (responses or {}).items():
        if not str(status).isdigit():
            continue
        headers = (spec or {}).get("headers") or {}
        mplan.responses.append({"statusCode": str(status), "responseParameters": {
            f"method.response.header.{h}": False for h in headers} or None})
    if "x-amazon-apigateway-integration" in op:
        _integration(op["x-amazon-apigateway-integration"], where, plan, mplan)
    plan.methods.append(mplan)


def _root(doc: dict[str, Any], plan: ImportPlan) -> None:
    version = str(doc.get("swagger") or doc.get("openapi") or "")
    if not (version == "2.0" or version.startswith("3.")):
        plan.errors.append("Invalid OpenAPI input: 'swagger: \"2.0\"' or 'openapi: 3.x' is "
                           "required")
    found = doc.get("info")
    info: dict[str, Any] = found if isinstance(found, dict) else {}
    if not info.get("title"):
        plan.errors.append("Invalid OpenAPI input: info.title is required (the API's name)")
    plan.api = {"name": str(info.get("title") or ""), "description": info.get("description")}
    source = doc.get("x-amazon-apigateway-api-key-source")
    if source is not None:
        if str(source).upper() not in ("HEADER", "AUTHORIZER"):
            plan.errors.append(f"Invalid x-amazon-apigateway-api-key-source '{source}'; "
                               "expected HEADER or AUTHORIZER")
        plan.api["apiKeySource"] = str(source).upper()
    binary = doc.get("x-amazon-apigateway-binary-media-types")
    if binary is not None:
        if not isinstance(binary, list):
            plan.errors.append("x-amazon-apigateway-binary-media-types must be a list")
        else:
            plan.api["binaryMediaTypes"] = [str(t) for t in binary]
    if isinstance(doc.get("x-amazon-apigateway-policy"), dict):
        plan.api["policy"] = json.dumps(doc["x-amazon-apigateway-policy"])
    for name, spec in (doc.get("x-amazon-apigateway-request-validators") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        plan.validators[str(name)] = {
            "name": str(name), "validateRequestBody": bool(spec.get("validateRequestBody")),
            "validateRequestParameters": bool(spec.get("validateRequestParameters"))}
    for rtype, spec in (doc.get("x-amazon-apigateway-gateway-responses") or {}).items():
        if rtype not in RESPONSE_TYPES:
            plan.errors.append(f"Invalid gateway response type '{rtype}'")
            continue
        spec = spec if isinstance(spec, dict) else {}
        plan.gateway_responses.append({
            "responseType": rtype,
            "statusCode": str(spec["statusCode"]) if spec.get("statusCode") else None,
            "responseParameters": spec.get("responseParameters"),
            "responseTemplates": spec.get("responseTemplates")})


def plan_import(doc: dict[str, Any]) -> ImportPlan:
    """Read the whole document; every problem lands in plan.errors or plan.warnings."""
    plan = ImportPlan()
    _root(doc, plan)
    schemes = _schemes(doc)
    for name, scheme in schemes.items():
        if isinstance(scheme, dict) and "x-amazon-apigateway-authorizer" in scheme:
            _authorizer(str(name), scheme, plan)
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        plan.errors.append("Invalid OpenAPI input: paths must be an object")
        return plan
    for path, item in paths.items():
        path = str(path)
        segments = [s for s in path.split("/") if s]
        if not path.startswith("/") or any(_SEGMENT.match(s) is None for s in segments):
            plan.errors.append(f"Unable to create resource at path '{path}': Resource's path "
                               "part only allow a-zA-Z0-9._- and curly braces at the beginning "
                               "and the end and an optional plus sign before the closing brace.")
            continue
        plan.paths.append("/" + "/".join(segments))
        if not isinstance(item, dict):
            plan.errors.append(f"Unable to create resource at path '{path}': not an object")
            continue
        shared = item.get("parameters") or []
        for verb in (*VERBS, ANY_METHOD):
            if verb in item:
                _operation(doc, "/" + "/".join(segments), verb, item[verb], shared, schemes,
                           plan)
    return plan
