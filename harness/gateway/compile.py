"""Turn apigateway API documents (as moto or AWS return them) into the gateway's compiled model."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.gateway.compile_integration import (
    compile_integration,
    function_arn_from_uri,
)
from harness.gateway.model import (
    INF,
    ApiKeyInfo,
    ApiSnapshot,
    AuthorizerConfig,
    IdentitySource,
    Limits,
    Method,
    PlanInfo,
    QuotaSpec,
    StageConfig,
    UsageIndex,
)
from harness.gateway.responses import GatewayResponseSpec, compile_spec
from harness.gateway.routing import Router
from harness.iam import MalformedPolicyDocument, PolicyKind, parse_policy

log = logging.getLogger("harness.gateway")

DEFAULT_TTL_S = 300
MAX_TTL_S = 3600
_SOURCE_PREFIXES = (
    ("method.request.header.", "header"),
    ("method.request.querystring.", "querystring"),
    ("method.request.multivaluequerystring.", "querystring"),
    ("method.request.multivalueheader.", "header"),
    ("stageVariables.", "stage"),
    ("context.", "context"),
)


def limits_from(doc: Mapping[str, Any] | None) -> Limits | None:
    """rateLimit/burstLimit (either may be missing) as Limits, or None when neither is set."""
    if not doc:
        return None
    rate, burst = doc.get("rateLimit"), doc.get("burstLimit")
    if rate is None and burst is None:
        return None
    try:
        r = float(rate) if rate is not None else INF
        b = float(burst) if burst is not None else (r if r != INF else INF)
    except (TypeError, ValueError):
        return None
    return Limits(max(r, 0.0), max(b, 0.0))


def parse_identity_sources(text: str | None) -> tuple[IdentitySource, ...]:
    """'method.request.header.Auth, method.request.querystring.q' -> sources (headers lower-cased)."""
    out: list[IdentitySource] = []
    for raw in (text or "").split(","):
        item = raw.strip()
        for prefix, kind in _SOURCE_PREFIXES:
            if item.startswith(prefix) and len(item) > len(prefix):
                name = item[len(prefix):]
                out.append(IdentitySource(kind, name.lower() if kind == "header" else name))
                break
    return tuple(out)


_POOL_ARN = re.compile(r"^arn:aws[a-z-]*:cognito-idp:[^:]+:\d{12}:userpool/(?P<id>[\w-]+_[0-9A-Za-z]+)$")


def pool_ids_from(arns: Any) -> tuple[str, ...]:
    """providerARNs (arn:aws:cognito-idp:{region}:{account}:userpool/{id}) -> pool ids."""
    out = []
    for arn in arns if isinstance(arns, list) else ():
        m = _POOL_ARN.match(str(arn))
        if m:
            out.append(m.group("id"))
    return tuple(out)


def compile_authorizer(doc: Mapping[str, Any]) -> AuthorizerConfig:
    """An authorizer document; TTL default 300, 0 disables caching, at most 3600."""
    ttl_raw = doc.get("authorizerResultTtlInSeconds")
    try:
        ttl = DEFAULT_TTL_S if ttl_raw is None else int(ttl_raw)
    except (TypeError, ValueError):
        ttl = DEFAULT_TTL_S
    expr = doc.get("identityValidationExpression")
    pattern: re.Pattern[str] | None = None
    broken = False
    if expr:
        try:
            pattern = re.compile(str(expr))
        except re.error:
            broken = True
    return AuthorizerConfig(
        id=str(doc.get("id", "")), name=str(doc.get("name") or ""),
        type=str(doc.get("type") or "TOKEN").upper(),
        function_arn=function_arn_from_uri(doc.get("authorizerUri")),
        sources=parse_identity_sources(doc.get("identitySource")),
        validation=pattern, validation_broken=broken, ttl=max(0, min(ttl, MAX_TTL_S)),
        pool_ids=pool_ids_from(doc.get("providerARNs")),
        credentials=str(doc["authorizerCredentials"]) if doc.get("authorizerCredentials") else None)


def compile_method(doc: Mapping[str, Any],
                   validators: Mapping[str, Mapping[str, Any]] | None = None) -> Method:
    validator = (validators or {}).get(str(doc.get("requestValidatorId") or "")) or {}
    required = tuple(sorted(str(k) for k, v in (doc.get("requestParameters") or {}).items()
                            if v is True))
    return Method(
        verb=str(doc.get("httpMethod") or "").upper(),
        authorization_type=str(doc.get("authorizationType") or "NONE").upper(),
        authorizer_id=doc.get("authorizerId") or None,
        api_key_required=bool(doc.get("apiKeyRequired")),
        integration=compile_integration(doc.get("methodIntegration")),
        authorization_scopes=tuple(str(s) for s in doc.get("authorizationScopes") or ()),
        required_parameters=required,
        validate_parameters=bool(validator.get("validateRequestParameters")) and bool(required))


def normalise_policy(raw: Any, region: str, account: str, api_id: str) -> str | None:
    """The API's resource policy as plain JSON with execute-api:/ shorthands expanded.

    AWS returns the policy JSON-escaped inside a string; moto returns it as given. Both are
    accepted; the shorthand expands as AWS does on PutRestApi/UpdateRestApi.
    """
    if raw is None or raw == "":
        return None
    doc: Any = raw
    for _ in range(3):
        if not isinstance(doc, str):
            break
        try:
            doc = json.loads(doc)
        except ValueError:
            if '\\"' not in doc:
                return str(raw)
            doc = doc.replace('\\"', '"').replace("\\/", "/")
    if not isinstance(doc, dict):
        return str(raw)
    prefix = f"arn:aws:execute-api:{region}:{account}:{api_id}/"

    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("execute-api:/"):
            return prefix + value[len("execute-api:/"):]
        if isinstance(value, list):
            return [expand(v) for v in value]
        return value

    statements = doc.get("Statement")
    for stmt in statements if isinstance(statements, list) else [statements]:
        if isinstance(stmt, dict):
            for key in ("Resource", "NotResource"):
                if key in stmt:
                    stmt[key] = expand(stmt[key])
    return json.dumps(doc)


def compile_snapshot(
    api_id: str, deployment_id: str, rest_api: Mapping[str, Any],
    resources: Iterable[Mapping[str, Any]], authorizers: Iterable[Mapping[str, Any]],
    responses: Iterable[Mapping[str, Any]], *, region: str, account: str,
    validators: Iterable[Mapping[str, Any]] = (),
) -> ApiSnapshot:
    """One deployment's view of the API (GetRestApi, GetResources embed=methods, ...)."""
    table: dict[str, dict[str, Method]] = {}
    ids: dict[str, str] = {}
    has_iam = False
    by_id = {str(v.get("id")): v for v in validators}
    for res in resources:
        path = str(res.get("path") or "/")
        ids[path] = str(res.get("id") or "")
        methods: dict[str, Method] = {}
        for verb, mdoc in (res.get("resourceMethods") or {}).items():
            method = compile_method({"httpMethod": verb, **mdoc}, by_id)
            methods[method.verb or str(verb).upper()] = method
            has_iam = has_iam or method.authorization_type == "AWS_IAM"
        table[path] = methods
    auths = {a.id: a for a in (compile_authorizer(d) for d in authorizers)}
    specs: dict[str, GatewayResponseSpec] = {}
    for item in responses:
        spec = compile_spec(item)
        if spec is not None and not item.get("defaultResponse"):
            specs[spec.response_type] = spec
    policy_text = normalise_policy(rest_api.get("policy"), region, account, api_id)
    policy = None
    broken = False
    if policy_text:
        try:
            policy = parse_policy(policy_text, PolicyKind.RESOURCE)
        except MalformedPolicyDocument as exc:
            log.warning("API %s has a resource policy the gateway cannot use: %s", api_id, exc)
            broken = True
    return ApiSnapshot(
        api_id=api_id, deployment_id=deployment_id, name=str(rest_api.get("name") or ""),
        api_key_source=str(rest_api.get("apiKeySource") or "HEADER").upper(),
        policy_text=policy_text, resource_policy=policy, policy_broken=broken,
        binary_media_types=tuple(str(t) for t in rest_api.get("binaryMediaTypes") or ()),
        router=Router(table), authorizers=auths, responses=specs, has_iam_methods=has_iam,
        resource_ids=ids)


def method_setting_key(resource_path: str, verb: str) -> str:
    """The methodSettings key of a method: '/pets/{id}' GET -> '~1pets~1{id}/GET'."""
    return resource_path.replace("~", "~0").replace("/", "~1") + "/" + verb


def compile_stage(api_id: str, doc: Mapping[str, Any]) -> StageConfig:
    """GetStage: deployment, variables, and methodSettings throttles (*/* is the stage default)."""
    method_limits: dict[str, Limits] = {}
    default: Limits | None = None
    for key, settings in (doc.get("methodSettings") or {}).items():
        limits = limits_from({"rateLimit": settings.get("throttlingRateLimit"),
                              "burstLimit": settings.get("throttlingBurstLimit")})
        if limits is None:
            continue
        if key == "*/*":
            default = limits
        else:
            method_limits[str(key)] = limits
    return StageConfig(
        api_id=api_id, name=str(doc.get("stageName") or ""),
        deployment_id=str(doc.get("deploymentId") or ""),
        variables={str(k): str(v) for k, v in (doc.get("variables") or {}).items()},
        method_limits=method_limits, default_limits=default)


def compile_quota(doc: Mapping[str, Any] | None) -> QuotaSpec | None:
    if not doc or doc.get("limit") is None:
        return None
    try:
        limit, offset = int(doc["limit"]), int(doc.get("offset") or 0)
    except (TypeError, ValueError):
        return None
    period = str(doc.get("period") or "DAY").upper()
    return QuotaSpec(max(limit, 0), max(offset, 0), period if period in
                     ("DAY", "WEEK", "MONTH") else "DAY")


def compile_usage(plans: Iterable[Mapping[str, Any]], keys: Iterable[Mapping[str, Any]],
                  plan_keys: Mapping[str, Iterable[Mapping[str, Any]]]) -> UsageIndex:
    """Usage plans, API keys and their associations as one lookup structure."""
    by_value: dict[str, ApiKeyInfo] = {}
    by_id: dict[str, ApiKeyInfo] = {}
    for k in keys:
        info = ApiKeyInfo(str(k.get("id")), str(k.get("value") or ""), bool(k.get("enabled")),
                          k.get("name"))
        by_id[info.id] = info
        if info.value:
            by_value[info.value] = info
    compiled: dict[str, PlanInfo] = {}
    by_key_stage: dict[tuple[str, str, str], PlanInfo] = {}
    for p in sorted(plans, key=lambda d: str(d.get("id"))):
        pid = str(p.get("id"))
        stages: dict[tuple[str, str], dict[str, Limits]] = {}
        for st in p.get("apiStages") or ():
            per_method = {}
            for mkey, mlim in (st.get("throttle") or {}).items():
                lim = limits_from(mlim)
                if lim is not None:
                    per_method[str(mkey)] = lim
            stages[(str(st.get("apiId")), str(st.get("stage")))] = per_method
        key_ids = frozenset(str(k.get("id")) for k in plan_keys.get(pid, ()))
        plan = PlanInfo(pid, p.get("name"), limits_from(p.get("throttle")),
                        compile_quota(p.get("quota")), stages, key_ids)
        compiled[pid] = plan
        for key_id in key_ids:
            for api_id, stage in stages:
                by_key_stage.setdefault((key_id, api_id, stage), plan)
    return UsageIndex(by_value, by_id, compiled, by_key_stage)
