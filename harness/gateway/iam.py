"""AWS_IAM methods through the edge's check, and the API resource policy for other methods.

How resource policies combine with authorizers and IAM: https://docs.aws.amazon.com/apigateway/
latest/developerguide/apigateway-authorization-flow.html
"""

from __future__ import annotations

from harness.gateway.context import Invocation
from harness.gateway.protocols import IamAuthorizer
from harness.gateway.responses import RESPONSE_TYPES, GatewayError
from harness.iam import Caller, Outcome, RequestContext, evaluate

_ANONYMOUS = Caller(arn="anonymous", account="", kind="anonymous")
_MISSING = "Missing Authentication Token"


def _iam_error(status: int, message: str, response_type: str | None) -> GatewayError:
    """The gateway response for a refused AWS_IAM request, from the edge's verdict."""
    if response_type in RESPONSE_TYPES:
        assert response_type is not None
        key = "Message" if response_type == "ACCESS_DENIED" else "message"
        return GatewayError(response_type, message or "", status=status or None, message_key=key)
    lower = message.lower()
    if message == _MISSING or "missing authentication token" in lower:
        return GatewayError("MISSING_AUTHENTICATION_TOKEN")
    if message.startswith("User:"):
        return GatewayError("ACCESS_DENIED", message, message_key="Message")
    if "signature we calculated" in lower:
        return GatewayError("INVALID_SIGNATURE", message)
    if "expired" in lower:
        return GatewayError("EXPIRED_TOKEN", message)
    if "security token included in the request is invalid" in lower:
        return GatewayError("DEFAULT_4XX", message, status=403,
                            error_type="UnrecognizedClientException")
    return GatewayError("DEFAULT_4XX", message, status=status if 400 <= status < 500 else 403,
                        error_type="IncompleteSignatureException")


def check_iam(inv: Invocation, iam: IamAuthorizer | None) -> None:
    """SigV4 + identity policy + resource policy, decided by the edge; refusals are 403s."""
    assert inv.api is not None
    if iam is None:
        raise GatewayError("API_CONFIGURATION_ERROR")
    result = iam(inv.req, inv.method_arn, inv.api.policy_text)
    if result.allowed:
        inv.iam_identity = dict(result.identity)
        inv.iam_caller_arn = result.caller_arn
        return
    raise _iam_error(result.status, result.message, getattr(result, "response_type", None))


def check_resource_policy(inv: Invocation, account: str, *, require_allow: bool) -> None:
    """Explicit Deny refuses any method; a NONE method also needs an Allow for anonymous callers."""
    assert inv.api is not None
    policy = inv.api.resource_policy
    if policy is None:
        raise GatewayError("API_CONFIGURATION_ERROR")
    ctx = RequestContext("execute-api:Invoke", inv.method_arn, _ANONYMOUS,
                         keys={"aws:SourceIp": inv.req.client})
    decision = evaluate(ctx, resource_policy=policy)
    base = (f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
            f"{inv.method_arn}")
    if decision.outcome is Outcome.EXPLICIT_DENY:
        raise GatewayError("ACCESS_DENIED", base + " with an explicit deny", message_key="Message")
    if require_allow and decision.outcome is not Outcome.ALLOW:
        raise GatewayError("ACCESS_DENIED", base, message_key="Message")
