"""The aws:* global condition keys, filled per principal type as AWS fills them.

Source: IAM User Guide, "AWS global condition context keys" (reference_policies_condition-keys.html),
each key's **Availability** line, and "Principal key values" in reference_policies_variables.html.
What each key holds in the harness, and why, is listed in docs/ARCHITECTURE.md ("Request context").
"""

from __future__ import annotations

import time
from typing import Any

from harness.edge.principals import Principal
from harness.http import HttpRequest

# aws:PrincipalType per principal kind ("Principal key values" table).
PRINCIPAL_TYPES = {"root": "Account", "user": "User", "assumed-role": "AssumedRole"}
# Kinds that sign with temporary (STS) credentials: aws:MultiFactorAuthPresent and
# aws:TokenIssueTime are present for them only.
TEMPORARY_KINDS = frozenset({"assumed-role"})


def iso_time(epoch: float) -> str:
    """ISO 8601 in UTC, the shape aws:CurrentTime and aws:TokenIssueTime take."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def signed_region(req: HttpRequest, default: str) -> str:
    """The region of the SigV4 credential scope: what aws:RequestedRegion is on AWS."""
    auth = req.headers.get("authorization", "")
    start = auth.find("Credential=")
    if start >= 0:
        scope = auth[start + 11:].split(",", 1)[0]
    else:
        scope = next(iter(req.query_dict().get("X-Amz-Credential", [])), "")
    parts = scope.split("/")
    return parts[2] if len(parts) >= 5 and parts[2] else default


def global_keys(principal: Principal, req: HttpRequest, now: float, region: str) -> dict[str, Any]:
    """Every global key AWS puts in the request context for this signed request."""
    kind = principal.kind
    keys: dict[str, Any] = {
        # Always present ("This key is always included in the request context").
        "aws:CurrentTime": iso_time(now),
        "aws:EpochTime": str(int(now)),
        "aws:RequestedRegion": signed_region(req, region),
        # The harness stands in for AWS's HTTPS endpoint, where an SDK always uses TLS; the
        # loopback hop is plain HTTP only because no certificate exists on this machine.
        "aws:SecureTransport": "true",
        # No service in the harness forwards a caller's own credentials (Lambda and API Gateway
        # act with their own service roles), so no request is ever made via an AWS service.
        "aws:ViaAWSService": "false",
        # Present for every signed request that uses AWS credentials; true only for a service
        # principal acting directly, which the gate never lets through to policy evaluation.
        "aws:PrincipalIsAWSService": "true" if kind == "service" else "false",
        "aws:SourceIp": req.client,
        "aws:PrincipalAccount": principal.account,
        "aws:userid": principal.userid,
    }
    user_agent = req.headers.get("user-agent")
    if user_agent:
        keys["aws:UserAgent"] = user_agent
    ptype = PRINCIPAL_TYPES.get(kind)
    if ptype is not None:
        keys["aws:PrincipalType"] = ptype
        # For a role session this is the role's ARN, not the session's.
        keys["aws:PrincipalArn"] = principal.role_arn or principal.arn
    if kind == "user" and principal.user_name:
        keys["aws:username"] = principal.user_name
    if kind in TEMPORARY_KINDS:
        # Temporary credentials: MFA key present (false: STS sessions here carry no MFA), and
        # the issue time on the virtual clock. Long-term keys (users, root) have neither.
        keys["aws:MultiFactorAuthPresent"] = "false"
        if principal.issued_at is not None:
            keys["aws:TokenIssueTime"] = iso_time(principal.issued_at)
    if kind in ("user", "assumed-role"):
        for k, v in principal.tags.items():
            keys[f"aws:PrincipalTag/{k}"] = v
    return keys
