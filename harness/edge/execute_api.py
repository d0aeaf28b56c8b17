"""AWS_IAM authorisation for API Gateway methods: SigV4 for execute-api, identity and resource policy.

API Gateway allows a same-account caller when either the identity policies or the API's
resource policy allow execute-api:Invoke and nothing denies it explicitly.
"""

from __future__ import annotations

from harness.contracts import IamResult
from harness.edge.app import Edge
from harness.edge.errors import AUTH_FAILURES
from harness.edge.sigv4 import SigV4Error, parse_authorization
from harness.edge.sts.models import caller_of
from harness.http import HttpRequest
from harness.iam import PolicyKind, RequestContext, evaluate, parse_policy

_MISSING = "Missing Authentication Token"


class ExecuteApiAuthorizer:
    """The edge's answer to 'may this signed request invoke this method ARN?'."""

    def __init__(self, edge: Edge) -> None:
        self._edge = edge

    def __call__(self, req: HttpRequest, method_arn: str, resource_policy: str | None) -> IamResult:
        try:
            claims = parse_authorization(req)
        except SigV4Error as exc:
            return IamResult(False, 403, str(exc))
        if claims is None:
            return IamResult(False, 403, _MISSING)
        if claims.service != "execute-api":
            return IamResult(False, 403, "Credential should be scoped to correct service: "
                                         "'execute-api'. ")
        principal = self._edge.identify(claims, req)
        if isinstance(principal, str):
            return IamResult(False, 403, AUTH_FAILURES[principal][2])
        identity = {
            "accessKey": principal.access_key,
            "accountId": principal.account,
            "caller": principal.userid,
            "user": principal.userid,
            "userArn": principal.arn,
            "sourceIp": req.client,
            "userAgent": req.headers.get("user-agent"),
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
        }
        identity_docs, boundary_doc = self._edge.gate.policies(principal)
        keys = self._edge.gate.global_keys(principal, req)
        ctx = RequestContext(action="execute-api:Invoke", resource=method_arn,
                             caller=caller_of(principal), keys=keys)
        decision = evaluate(
            ctx,
            identity=[parse_policy(d) for d in identity_docs],
            session=[parse_policy(d, PolicyKind.SESSION) for d in principal.session_policies]
            or None,
            boundary=parse_policy(boundary_doc, PolicyKind.BOUNDARY) if boundary_doc else None,
            resource_policy=parse_policy(resource_policy, PolicyKind.RESOURCE)
            if resource_policy else None,
        )
        if decision.allowed:
            return IamResult(True, 200, "", principal.arn, identity)
        return IamResult(False, 403, f"User: {principal.arn} is not authorized to perform: "
                         f"execute-api:Invoke on resource: {method_arn} {decision.reason}".rstrip(),
                         principal.arn, identity)

