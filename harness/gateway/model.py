"""Compiled, immutable views of what was deployed, so the hot path reads plain attributes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from harness.gateway.responses import GatewayResponseSpec
from harness.gateway.routing import Router
from harness.iam import Policy

INF = float("inf")


@dataclass(frozen=True, slots=True)
class Limits:
    """A token bucket's shape: refill rate per second and capacity (burst)."""

    rate: float
    burst: float


class Passthrough(StrEnum):
    """passthroughBehavior: what happens to a payload whose Content-Type has no template."""

    WHEN_NO_MATCH = "WHEN_NO_MATCH"
    WHEN_NO_TEMPLATES = "WHEN_NO_TEMPLATES"
    NEVER = "NEVER"


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    """One integration response: chosen when pattern matches (None: the default response)."""

    status: int
    pattern: re.Pattern[str] | None
    parameters: Mapping[str, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)
    content_handling: str | None = None


@dataclass(frozen=True, slots=True)
class Integration:
    """One method's integration; function_arn is set for Lambda (AWS_PROXY/AWS) integrations."""

    type: str
    uri: str
    function_arn: str | None
    timeout_s: float
    request_templates: Mapping[str, str] = field(default_factory=dict)
    responses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    http_method: str = ""
    request_parameters: Mapping[str, str] = field(default_factory=dict)
    passthrough: Passthrough = Passthrough.WHEN_NO_MATCH
    content_handling: str | None = None
    selection: tuple[IntegrationResponse, ...] = ()
    default_response: IntegrationResponse | None = None
    credentials: str | None = None


@dataclass(frozen=True, slots=True)
class Method:
    """A method on a resource as deployed (verb may be ANY)."""

    verb: str
    authorization_type: str
    authorizer_id: str | None
    api_key_required: bool
    integration: Integration | None
    authorization_scopes: tuple[str, ...] = ()
    required_parameters: tuple[str, ...] = ()
    validate_parameters: bool = False


@dataclass(frozen=True, slots=True)
class IdentitySource:
    """One identity source: header (lower-cased name), querystring, stage variable or context."""

    kind: str
    name: str


@dataclass(frozen=True)
class AuthorizerConfig:
    """A Lambda (TOKEN/REQUEST) or Cognito authorizer; ttl already clamped to 0..3600.

    pool_ids are the user pools a COGNITO_USER_POOLS authorizer's providerARNs name;
    credentials is the role API Gateway assumes to invoke a Lambda authorizer (None: the
    function's resource policy decides)."""

    id: str
    name: str
    type: str
    function_arn: str | None
    sources: tuple[IdentitySource, ...]
    validation: re.Pattern[str] | None
    validation_broken: bool
    ttl: int
    pool_ids: tuple[str, ...] = ()
    credentials: str | None = None


@dataclass(frozen=True)
class ApiSnapshot:
    """A REST API as one deployment froze it: routes, authorizers, responses, policy, key source."""

    api_id: str
    deployment_id: str
    name: str
    api_key_source: str
    policy_text: str | None
    resource_policy: Policy | None
    policy_broken: bool
    binary_media_types: tuple[str, ...]
    router: Router[Method]
    authorizers: Mapping[str, AuthorizerConfig]
    responses: Mapping[str, GatewayResponseSpec]
    has_iam_methods: bool
    resource_ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StageConfig:
    """A stage's live settings (they apply without redeploying)."""

    api_id: str
    name: str
    deployment_id: str
    variables: Mapping[str, str]
    method_limits: Mapping[str, Limits]
    default_limits: Limits | None


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """An API key as the gateway checks it."""

    id: str
    value: str
    enabled: bool
    name: str | None


@dataclass(frozen=True, slots=True)
class QuotaSpec:
    """A usage plan quota; offset is subtracted from the limit in the initial period."""

    limit: int
    offset: int
    period: str


@dataclass(frozen=True)
class PlanInfo:
    """A usage plan: per-key throttle and quota, and the per-method throttles of each stage."""

    id: str
    name: str | None
    throttle: Limits | None
    quota: QuotaSpec | None
    stages: Mapping[tuple[str, str], Mapping[str, Limits]]
    key_ids: frozenset[str]


@dataclass(frozen=True)
class UsageIndex:
    """Keys by value and the plan that serves each (key, api, stage)."""

    keys_by_value: Mapping[str, ApiKeyInfo]
    keys_by_id: Mapping[str, ApiKeyInfo]
    plans: Mapping[str, PlanInfo]
    plan_by_key_stage: Mapping[tuple[str, str, str], PlanInfo]

    def plan_for(self, key_id: str, api_id: str, stage: str) -> PlanInfo | None:
        return self.plan_by_key_stage.get((key_id, api_id, stage))


EMPTY_USAGE = UsageIndex({}, {}, {}, {})
