"""Why a suite failed on an endpoint's own gateway: the reason read off the failure, and a known cause."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

CauseId = Literal["api-key-from-client", "silo-pipeline-not-run", "session-policy-not-narrowing",
                  "authorizer-cache-shared", "usage-plan-not-enforced", "faults-not-reaching-endpoint",
                  "usage-plans-not-filtered-by-key", "gateway-5xx"]

_SETUP = re.compile(r'^failed on (?:setup|teardown) with "(.*)"?$', re.DOTALL)
_VOLATILE = (
    (re.compile(r"\bt[0-9a-f]{6,}-(basic|standard|premium|platinum)(-\d+)?\b"), r"<tenant:\1>"),
    (re.compile(r"\b[a-z]{2}-[a-z]+-\d_[0-9A-Za-z]+\b"), "<user-pool>"),
    (re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "<id>"),
    (re.compile(r"http://127\.0\.0\.1:\d+"), "http://127.0.0.1:<port>"),
)
REASON_CHARS = 300
_TERSE = 30  # a first line this short (`AssertionError: /products`) is read with the line after it


@dataclass(frozen=True)
class KnownCause:
    """A documented way an emulator's gateway or services depart from AWS, and how its failures read."""

    id: CauseId
    pattern: re.Pattern[str]
    explanation: str
    aws_doc: str


CAUSES: tuple[KnownCause, ...] = (
    KnownCause(
        "silo-pipeline-not-run",
        re.compile(r"provisioning failed|InternalCallFailed|StartPipelineExecution"),
        "Silo (Platinum) onboarding fails: the provisioning function, run by the endpoint itself, calls "
        "CodePipeline StartPipelineExecution on the endpoint, whose CodePipeline never deploys the tenant "
        "template (the harness's edge serves the tenant pipeline; the endpoint's functions do not reach it).",
        "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StartPipelineExecution.html"),
    KnownCause(
        "api-key-from-client",
        re.compile(r"(answered|got) 403\b.*Forbidden|assert 403 (== 20\d|< 300)|answered 403 without"),
        "Signed-in tenants' requests get 403 Forbidden: the API takes each tenant's usage-plan key from its "
        "Lambda authorizer (apiKeySource AUTHORIZER, usageIdentifierKey), which this gateway ignores; it "
        "wants the client's own x-api-key header instead, so a client would choose its own usage plan.",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-source.html"),
    KnownCause(
        "session-policy-not-narrowing",
        re.compile(r"LeadingKeys|session policy|AccessDenied.*expected|was allowed|not denied",
                   re.IGNORECASE),
        "A tenant-scoped session reached keys outside its tenant: the endpoint does not narrow DynamoDB by "
        "the session policy's dynamodb:LeadingKeys condition.",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html"),
    KnownCause(
        "authorizer-cache-shared",
        re.compile(r"cached (decision|policy)|cache[- ]key|hit ratio", re.IGNORECASE),
        "The authorizer result cache behaves differently: a cached decision is keyed or re-evaluated "
        "otherwise than API Gateway documents (per identity source, policy evaluated per method ARN).",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-lambda-authorizer-output.html"),
    KnownCause(
        "usage-plan-not-enforced",
        re.compile(r"\b429\b|throttl|quota|GetUsage", re.IGNORECASE),
        "Usage-plan throttling or quotas differ: requests past the plan's rate, burst or quota are "
        "admitted (or metered against another key) where API Gateway answers 429.",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html"),
    KnownCause(
        "faults-not-reaching-endpoint",
        re.compile(r"no function crash|fault plan|faults? (were|was) never", re.IGNORECASE),
        "A fault the suite injects never happens: the harness's fault plan (docs/FAULTS.md) acts on its own "
        "edge and Lambda runtime, and the functions the endpoint runs itself (and their AWS calls) never "
        "meet it.",
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html"),
    KnownCause(
        "usage-plans-not-filtered-by-key",
        re.compile(r"exposes no usage plan"),
        "GetUsagePlans with keyId answers every plan instead of the key's own, so the adapter cannot tell "
        "a tenant's plan and the usage-plan suites skip (on both gateways: the control plane is the "
        "endpoint's).",
        "https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlans.html"),
    KnownCause(
        "gateway-5xx",
        re.compile(r"\b5\d\d\b"),
        "The endpoint answered a 5xx where the harness's data plane answers a clean 4xx or a 2xx.",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html"),
)


def extract_reason(message: str) -> str:
    """The failing assertion or error in one line, with run-specific names and ids replaced by placeholders,
    so the same cause seen by many tests reads the same."""
    text = message.strip()
    setup = _SETUP.match(text)
    if setup:
        text = setup.group(1).rstrip('"')
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    if len(line) < _TERSE and len(lines) > 1:
        line = f"{line} | {lines[1]}"
    for pattern, placeholder in _VOLATILE:
        line = pattern.sub(placeholder, line)
    if len(line) > REASON_CHARS:
        line = line[:REASON_CHARS - 3] + "..."
    return line or "(no message)"


def explain(message: str) -> KnownCause | None:
    """The first known cause whose pattern the failure message matches, or None."""
    return next((c for c in CAUSES if c.pattern.search(message)), None)
