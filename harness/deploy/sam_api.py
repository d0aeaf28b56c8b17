"""SAM REST APIs: Api events and AWS::Serverless::Api become resources, methods and auth, or an
OpenAPI Body (harness/deploy/sam_definition.py)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from harness.deploy import sam_definition
from harness.deploy.intrinsics import Resolver, stringify
from harness.deploy.loader import LDict, Template, located
from harness.deploy.model import DeployError
from harness.deploy.sam_globals import merge_globals

IMPLICIT_API = "ServerlessRestApi"
_INVOKE_URI = ("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
               "functions/${__FunctionArn__}/invocations")
_EXECUTE_ARN = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}"
_NOTED = ("EndpointConfiguration", "Cors", "MethodSettings", "AccessLogSetting",
          "Models", "CanarySetting", "OpenApiVersion", "AlwaysDeploy",
          "MergeDefinitions", "FailOnWarnings", "Mode", "PropagateTags")
_DEFINED = ("DefinitionBody", "DefinitionUri")
_API_PROPS = {*_NOTED, *_DEFINED, "StageName", "Name", "Description", "Auth", "ApiKeySourceType",
              "BinaryMediaTypes", "MinimumCompressionSize", "DisableExecuteApiEndpoint", "Tags",
              "Variables", "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize", "Policy",
              "GatewayResponses"}
_UNSUPPORTED = ("Domain",)


def _pascal(path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Root"


def _arn_path(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "*", path)


@dataclass
class _Event:
    function: str
    name: str
    api: str
    path: str
    method: str
    auth: dict[str, Any]
    line: int
    condition: Any
    timeout: Any = None


@dataclass
class _Api:
    logical: str
    props: Any
    line: int
    origin: LDict
    events: list[_Event] = field(default_factory=list)


class ApiBuilder:
    """Collects Api events and Serverless::Api declarations, then emits the CloudFormation for each API."""

    def __init__(self, tpl: Template, resolver: Resolver, globals_api: Any,
                 notes: list[str]) -> None:
        self.tpl = tpl
        self.resolver = resolver
        self.globals_api = globals_api
        self.notes = notes
        self.apis: dict[str, _Api] = {}
        self.events: list[_Event] = []
        self.aliases: dict[str, str] = {}
        self.out: dict[str, tuple[LDict, int]] = {}

    def declare(self, logical: str, res: LDict) -> None:
        line = self.tpl.resource_line(logical)
        props = merge_globals(self.globals_api, res.get("Properties") or LDict())
        for key in sorted(props):
            if key in _UNSUPPORTED:
                raise DeployError(f"{self.tpl.at(line)}: {key} of AWS::Serverless::Api {logical} "
                                  "is not supported; declare the API through function events")
            if key not in _API_PROPS:
                raise DeployError(f"{self.tpl.at(line)}: unsupported property {key} of "
                                  f"AWS::Serverless::Api {logical}")
        self.apis[logical] = _Api(logical, props, line, res)

    def add_event(self, function: str, name: str, props: Any, line: int, condition: Any) -> None:
        if condition is not None and not self.resolver.condition(str(condition), line):
            return  # the function is not created: neither is its route nor the route's path
        rest = props.get("RestApiId")
        if rest is None:
            api = IMPLICIT_API
        elif isinstance(rest, dict) and isinstance(rest.get("Ref"), str) and len(rest) == 1:
            api = rest["Ref"]
        else:
            raise DeployError(f"{self.tpl.at(line)}: event {name} of {function}: RestApiId must "
                              "be a Ref to an AWS::Serverless::Api of this template")
        for key in ("Path", "Method"):
            if not isinstance(props.get(key), str):
                raise DeployError(f"{self.tpl.at(line)}: event {name} of {function} needs {key}")
        for key in ("RequestParameters", "RequestModel"):
            if key in props:
                self.notes.append(f"{function}.{name}: {key} is ignored by the harness deployer")
        self.events.append(_Event(function, name, api, "/" + props["Path"].strip("/"),
                                  props["Method"].upper(), dict(props.get("Auth") or {}), line,
                                  condition, props.get("TimeoutInMillis")))

    def build(self) -> dict[str, tuple[LDict, int]]:
        for event in self.events:
            if event.api == IMPLICIT_API and IMPLICIT_API not in self.apis:
                props = merge_globals(self.globals_api, LDict({"StageName": "Prod"}))
                self.apis[IMPLICIT_API] = _Api(IMPLICIT_API, props, event.line, LDict())
            if event.api not in self.apis:
                raise DeployError(f"{self.tpl.at(event.line)}: event {event.name} of "
                                  f"{event.function}: {event.api} is not an AWS::Serverless::Api")
            self.apis[event.api].events.append(event)
        for api in self.apis.values():
            self._api(api)
        return self.out

    def _emit(self, logical: str, rtype: str, props: dict[str, Any], line: int,
              origin: LDict | None = None, condition: Any = None) -> str:
        base, n = logical, 2
        while logical in self.out:
            logical, n = f"{base}{n}", n + 1
        res = located({"Type": rtype, "Properties": located(props, line)}, line)
        cond = condition if condition is not None else (
            origin.get("Condition") if origin is not None else None)
        if cond is not None:
            res["Condition"] = cond
        if origin is not None and "DependsOn" in origin and rtype == "AWS::ApiGateway::RestApi":
            res["DependsOn"] = origin["DependsOn"]
        self.out[logical] = (res, line)
        return logical

    def _api(self, api: _Api) -> None:
        props, line, a = api.props, api.line, api.logical
        for key in _NOTED:
            if key in props:
                self.notes.append(f"{a}: {key} is ignored by the harness deployer")
        if "StageName" not in props:
            raise DeployError(f"{self.tpl.at(line)}: AWS::Serverless::Api {a} needs StageName")
        stage = stringify(self.resolver.resolve(props["StageName"], line), "StageName",
                          self.tpl.at(line))
        if any(k in props for k in _DEFINED):
            self._defined_api(api, stage)
            return
        auth = dict(props.get("Auth") or {})
        for key in ("UsagePlan", "InvokeRole"):
            if key in auth:
                raise DeployError(f"{self.tpl.at(line)}: Auth.{key} of {a} is not supported; "
                                  "declare AWS::ApiGateway::UsagePlan resources instead")
        rest: dict[str, Any] = {"Name": props.get("Name", {"Ref": "AWS::StackName"})}
        for key in ("Description", "ApiKeySourceType", "BinaryMediaTypes",
                    "MinimumCompressionSize", "DisableExecuteApiEndpoint", "Tags"):
            if key in props:
                rest[key] = props[key]
        if isinstance(rest.get("Tags"), dict):
            rest["Tags"] = [{"Key": k, "Value": v} for k, v in rest["Tags"].items()]
        authorizers = self._authorizers(a, auth, line, api.origin)
        default = auth.get("DefaultAuthorizer")
        if default is not None and default != "AWS_IAM" and default not in authorizers:
            raise DeployError(f"{self.tpl.at(line)}: DefaultAuthorizer {default} of {a} is not "
                              "one of its Authorizers")
        statements = self._base_statements(props, auth, line)
        methods = self._methods(api, stage, auth, authorizers, statements)
        if statements:
            rest["Policy"] = {"Version": "2012-10-17", "Statement": statements}
        self._emit(a, "AWS::ApiGateway::RestApi", rest, line, api.origin)
        deployment = self._emit(f"{a}Deployment", "AWS::ApiGateway::Deployment",
                                {"RestApiId": {"Ref": a}}, line, api.origin)
        stage_props: dict[str, Any] = {"RestApiId": {"Ref": a}, "StageName": stage,
                                       "DeploymentId": {"Ref": deployment}}
        for key in ("Variables", "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize"):
            if key in props:
                stage_props[key] = props[key]
        stage_logical = f"{a}{re.sub('[^A-Za-z0-9]', '', stage)}Stage"
        stage_id = self._emit(stage_logical, "AWS::ApiGateway::Stage", stage_props, line,
                              api.origin)
        self.aliases.update({f"{a}.Stage": stage_id, f"{a}.Deployment": deployment})
        for rtype, cfg in (props.get("GatewayResponses") or {}).items():
            self._gateway_response(a, str(rtype), cfg or {}, line, api.origin)
        if not methods:
            self.notes.append(f"{a}: the API has no methods")

    def _defined_api(self, api: _Api, stage: str) -> None:
        """An API whose OpenAPI definition is the RestApi Body; events add their paths to it."""
        props, line, a = api.props, api.line, api.logical
        body = sam_definition.definition(props, self.tpl.directory, self.tpl.at(line))
        for key in ("Auth", "GatewayResponses", "Policy"):
            if key in props:
                self.notes.append(f"{a}: {key} is not merged into DefinitionBody by the harness "
                                  "deployer; declare it in the definition")
        for ev in api.events:
            sam_definition.add_event(body, ev.path, ev.method, ev.function)
            self._permission(ev, a)
        rest: dict[str, Any] = {"Body": body}
        for key in ("Name", "Description", "ApiKeySourceType", "BinaryMediaTypes",
                    "MinimumCompressionSize", "DisableExecuteApiEndpoint", "FailOnWarnings",
                    "Mode"):
            if key in props:
                rest[key] = props[key]
        self._emit(a, "AWS::ApiGateway::RestApi", rest, line, api.origin)
        deployment = self._emit(f"{a}Deployment", "AWS::ApiGateway::Deployment",
                                {"RestApiId": {"Ref": a}}, line, api.origin)
        stage_props: dict[str, Any] = {"RestApiId": {"Ref": a}, "StageName": stage,
                                       "DeploymentId": {"Ref": deployment}}
        for key in ("Variables", "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize"):
            if key in props:
                stage_props[key] = props[key]
        stage_id = self._emit(f"{a}{re.sub('[^A-Za-z0-9]', '', stage)}Stage",
                              "AWS::ApiGateway::Stage", stage_props, line, api.origin)
        self.aliases.update({f"{a}.Stage": stage_id, f"{a}.Deployment": deployment})

    def _permission(self, ev: _Event, a: str) -> None:
        arn_method = "*" if ev.method == "ANY" else ev.method
        self._emit(f"{ev.function}{ev.name}Permission", "AWS::Lambda::Permission", {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": ev.function},
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": [f"{_EXECUTE_ARN}/${{__Stage__}}/{arn_method}"
                                      f"{_arn_path(ev.path)}",
                                      {"__ApiId__": {"Ref": a}, "__Stage__": "*"}]}},
            ev.line, condition=ev.condition)

    def _authorizers(self, a: str, auth: dict[str, Any], line: int,
                     origin: LDict) -> dict[str, tuple[str, str, Any]]:
        """Emit each authorizer (and its invoke permission); name → (logical id, method auth type,
        the authorizer's AuthorizationScopes, which its methods get unless an event sets its own)."""
        out: dict[str, tuple[str, str, Any]] = {}
        for name, cfg in (auth.get("Authorizers") or {}).items():
            where = self.tpl.at(getattr(cfg, "line", line))
            identity = dict(cfg.get("Identity") or {})
            props: dict[str, Any] = {"RestApiId": {"Ref": a}, "Name": name}
            if "UserPoolArn" in cfg:
                arns = cfg["UserPoolArn"]
                props.update(Type="COGNITO_USER_POOLS",
                             ProviderARNs=arns if isinstance(arns, list) else [arns],
                             IdentitySource="method.request.header."
                             + str(identity.get("Header", "Authorization")))
                if "ValidationExpression" in identity:
                    props["IdentityValidationExpression"] = identity["ValidationExpression"]
                kind = "COGNITO_USER_POOLS"
            elif "FunctionArn" in cfg:
                payload = str(cfg.get("FunctionPayloadType", "TOKEN")).upper()
                props.update(Type=payload, AuthorizerUri={"Fn::Sub": [
                    _INVOKE_URI, {"__FunctionArn__": cfg["FunctionArn"]}]})
                if payload == "TOKEN":
                    props["IdentitySource"] = ("method.request.header."
                                               + str(identity.get("Header", "Authorization")))
                    if "ValidationExpression" in identity:
                        props["IdentityValidationExpression"] = identity["ValidationExpression"]
                elif payload == "REQUEST":
                    sources = self._request_sources(identity)
                    if sources:
                        props["IdentitySource"] = ", ".join(sources)
                else:
                    raise DeployError(f"{where}: FunctionPayloadType {payload} of authorizer "
                                      f"{name} is not TOKEN or REQUEST")
                if "FunctionInvokeRole" in cfg:
                    props["AuthorizerCredentials"] = cfg["FunctionInvokeRole"]
                else:
                    self._emit(f"{a}{_pascal(name)}AuthorizerPermission",
                               "AWS::Lambda::Permission", {
                                   "Action": "lambda:InvokeFunction",
                                   "FunctionName": cfg["FunctionArn"],
                                   "Principal": "apigateway.amazonaws.com",
                                   "SourceArn": {"Fn::Sub": [_EXECUTE_ARN + "/authorizers/*",
                                                             {"__ApiId__": {"Ref": a}}]}},
                               line, origin)
                kind = "CUSTOM"
            else:
                raise DeployError(f"{where}: authorizer {name} of {a} needs FunctionArn or "
                                  "UserPoolArn")
            if "ReauthorizeEvery" in identity:
                props["AuthorizerResultTtlInSeconds"] = identity["ReauthorizeEvery"]
            logical = self._emit(f"{a}{_pascal(name)}Authorizer", "AWS::ApiGateway::Authorizer",
                                 props, line, origin)
            out[name] = (logical, kind, cfg.get("AuthorizationScopes"))
        return out

    def _gateway_response(self, a: str, rtype: str, cfg: dict[str, Any], line: int,
                          origin: LDict) -> None:
        """SAM GatewayResponses: Headers/Paths/QueryStrings become gatewayresponse.* parameters."""
        params: dict[str, Any] = {}
        for key, prefix in (("Headers", "header"), ("Paths", "path"),
                            ("QueryStrings", "querystring")):
            for name, value in ((cfg.get("ResponseParameters") or {}).get(key) or {}).items():
                params[f"gatewayresponse.{prefix}.{name}"] = value
        props: dict[str, Any] = {"RestApiId": {"Ref": a}, "ResponseType": rtype}
        if "StatusCode" in cfg:
            props["StatusCode"] = cfg["StatusCode"]
        if params:
            props["ResponseParameters"] = params
        if "ResponseTemplates" in cfg:
            props["ResponseTemplates"] = cfg["ResponseTemplates"]
        self._emit(f"{a}{_pascal(rtype)}GatewayResponse", "AWS::ApiGateway::GatewayResponse",
                   props, line, origin)

    @staticmethod
    def _request_sources(identity: dict[str, Any]) -> list[str]:
        sources = [f"method.request.header.{h}" for h in identity.get("Headers") or []]
        sources += [f"method.request.querystring.{q}" for q in identity.get("QueryStrings") or []]
        sources += [f"stageVariables.{s}" for s in identity.get("StageVariables") or []]
        sources += [f"context.{c}" for c in identity.get("Context") or []]
        return sources

    def _base_statements(self, props: Any, auth: dict[str, Any], line: int) -> list[Any]:
        statements: list[Any] = []
        policy = props.get("Policy")
        if isinstance(policy, dict):
            found = policy.get("Statement", [])
            statements += found if isinstance(found, list) else [found]
        custom = (auth.get("ResourcePolicy") or {}).get("CustomStatements")
        if custom:
            statements += custom if isinstance(custom, list) else [custom]
        return statements

    def _policy_for(self, policy: dict[str, Any], stage: str, method: str, path: str,
                    where: str) -> list[dict[str, Any]]:
        """Account allow/deny lists of a ResourcePolicy, scoped to one method like SAM does."""
        out = []
        resource = f"execute-api:/{stage}/{'*' if method == 'ANY' else method}{_arn_path(path)}"
        for key, effect in (("AwsAccountWhitelist", "Allow"), ("AwsAccountBlacklist", "Deny")):
            accounts = policy.get(key)
            if accounts:
                out.append({"Effect": effect, "Principal": {"AWS": accounts},
                            "Action": "execute-api:Invoke", "Resource": resource})
        unsupported = sorted(set(policy) - {"AwsAccountWhitelist", "AwsAccountBlacklist",
                                            "CustomStatements"})
        if unsupported:
            raise DeployError(f"{where}: ResourcePolicy.{unsupported[0]} is not supported")
        return out

    def _path_resource(self, a: str, path: str, line: int, cache: dict[str, Any]) -> Any:
        if path == "/":
            return {"Fn::GetAtt": [a, "RootResourceId"]}
        if path in cache:
            return cache[path]
        parent_path, _, part = path.rpartition("/")
        parent = self._path_resource(a, parent_path or "/", line, cache)
        digest = hashlib.sha256(path.encode()).hexdigest()[:6]
        logical = self._emit(f"{a}Resource{_pascal(path)}{digest}", "AWS::ApiGateway::Resource",
                             {"RestApiId": {"Ref": a}, "ParentId": parent, "PathPart": part}, line)
        cache[path] = {"Ref": logical}
        return cache[path]

    def _methods(self, api: _Api, stage: str, auth: dict[str, Any],
                 authorizers: dict[str, tuple[str, str, Any]], statements: list[Any]) -> list[str]:
        a = api.logical
        api_policy = dict(auth.get("ResourcePolicy") or {})
        api_key_default = auth.get("ApiKeyRequired", False)
        default = auth.get("DefaultAuthorizer")
        cache: dict[str, Any] = {}
        seen: dict[tuple[str, str], str] = {}
        emitted = []
        for ev in api.events:
            where = self.tpl.at(ev.line)
            if (ev.path, ev.method) in seen:
                raise DeployError(f"{where}: {ev.method} {ev.path} of {a} is already served by "
                                  f"{seen[(ev.path, ev.method)]}")
            seen[(ev.path, ev.method)] = ev.function
            method: dict[str, Any] = {"RestApiId": {"Ref": a}, "HttpMethod": ev.method,
                                      "ResourceId": self._path_resource(a, ev.path, ev.line, cache)}
            name = ev.auth.get("Authorizer", default)
            if name in (None, "NONE"):
                method["AuthorizationType"] = "NONE"
            elif name == "AWS_IAM":
                method["AuthorizationType"] = "AWS_IAM"
            elif name in authorizers:
                logical, kind, default_scopes = authorizers[name]
                method.update(AuthorizationType=kind, AuthorizerId={"Ref": logical})
                scopes = ev.auth.get("AuthorizationScopes", default_scopes)
                if scopes:
                    method["AuthorizationScopes"] = scopes
            else:
                raise DeployError(f"{where}: event {ev.name} of {ev.function} uses unknown "
                                  f"authorizer {name}")
            method["ApiKeyRequired"] = ev.auth.get("ApiKeyRequired", api_key_default)
            integration: dict[str, Any] = {
                "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                "Uri": {"Fn::Sub": [_INVOKE_URI, {
                    "__FunctionArn__": {"Fn::GetAtt": [ev.function, "Arn"]}}]}}
            if ev.timeout is not None:
                integration["TimeoutInMillis"] = ev.timeout
            method["Integration"] = integration
            statements += self._policy_for(api_policy, stage, ev.method, ev.path, where)
            statements += self._policy_for(dict(ev.auth.get("ResourcePolicy") or {}), stage,
                                           ev.method, ev.path, where)
            event_custom = (ev.auth.get("ResourcePolicy") or {}).get("CustomStatements")
            if event_custom:
                statements += event_custom if isinstance(event_custom, list) else [event_custom]
            emitted.append(self._emit(f"{a}{_pascal(ev.path)}{ev.method.title()}Method",
                                      "AWS::ApiGateway::Method", method, ev.line,
                                      condition=ev.condition))
            self._permission(ev, a)
        return emitted
