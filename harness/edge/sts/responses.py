"""STS and IAM key wire formats: the query-protocol XML answers the edge gives itself."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from harness.edge import errors
from harness.edge.app import Call, Edge
from harness.edge.sts.models import AssumeRoleRequest, STSError
from harness.http import HttpResponse

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _xml(action: str, result: str) -> HttpResponse:
    rid = errors.request_id()
    body = (f'<{action}Response xmlns="{STS_NS}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{action}Response>")
    return HttpResponse(200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)],
                        body.encode())


def _members(params: dict[str, object], prefix: str) -> list[dict[str, str]]:
    """Query-protocol lists: Prefix.member.N.Field."""
    out: dict[int, dict[str, str]] = {}
    for k, v in params.items():
        if k.startswith(prefix + ".member."):
            rest = k[len(prefix) + 8:]
            idx, _, field = rest.partition(".")
            if idx.isdigit():
                out.setdefault(int(idx), {})[field] = str(v)
    return [out[i] for i in sorted(out)]


def assume_role(edge: Edge, call: Call) -> HttpResponse:
    p = call.params
    assert call.principal is not None
    try:
        duration = int(str(p["DurationSeconds"])) if p.get("DurationSeconds") else None
    except ValueError:
        return errors.aws_error(call.service, "ValidationError",
                                "DurationSeconds must be an integer", 400)
    req = AssumeRoleRequest(
        role_arn=str(p.get("RoleArn", "")),
        session_name=str(p.get("RoleSessionName", "")),
        duration=duration,
        policy=str(p["Policy"]) if "Policy" in p else None,
        policy_arns=tuple(m.get("arn", "") for m in _members(p, "PolicyArns")),
        tags=tuple((m.get("Key", ""), m.get("Value", "")) for m in _members(p, "Tags")),
        source_ip=call.req.client,
    )
    principal = call.principal
    identity, boundary = edge.gate.policies(principal) if principal.kind in (
        "user", "assumed-role") else ((), None)
    keys = edge.gate.global_keys(principal, call.req)
    if req.tags:
        keys["aws:TagKeys"] = [k for k, _ in req.tags]
        for k, v in req.tags:
            keys[f"aws:RequestTag/{k}"] = v
    try:
        session, packed = edge.sessions.assume_role(principal, req, identity, boundary, keys)
    except STSError as exc:
        return errors.aws_error(call.service, exc.code, exc.message, exc.status)
    assert session.expiration is not None and session.session_token is not None
    result = (
        f"<AssumedRoleUser><Arn>{escape(session.arn)}</Arn>"
        f"<AssumedRoleId>{escape(session.userid)}</AssumedRoleId></AssumedRoleUser>"
        f"<Credentials><AccessKeyId>{session.access_key}</AccessKeyId>"
        f"<SecretAccessKey>{escape(session.secret)}</SecretAccessKey>"
        f"<SessionToken>{escape(session.session_token)}</SessionToken>"
        f"<Expiration>{_iso(session.expiration)}</Expiration></Credentials>"
        f"<PackedPolicySize>{packed}</PackedPolicySize>"
    )
    return _xml("AssumeRole", result)


def get_caller_identity(edge: Edge, call: Call) -> HttpResponse:
    p = call.principal
    assert p is not None
    if p.kind == "service":
        return errors.aws_error(call.service, "AccessDenied", "Service credentials have no caller "
                                "identity.", 403)
    result = (f"<Arn>{escape(p.arn)}</Arn><UserId>{escape(p.userid)}</UserId>"
              f"<Account>{p.account}</Account>")
    return _xml("GetCallerIdentity", result)


def not_emulated(call: Call) -> HttpResponse:
    return errors.aws_error(call.service, "InvalidAction",
                            f"{call.op.name} is not emulated by the harness; use AssumeRole.", 400)


def record_access_key(edge: Edge, call: Call, resp: HttpResponse) -> HttpResponse:
    if resp.status == 200:
        root = ET.fromstring(resp.body)
        found = {el.tag.split("}")[-1]: (el.text or "") for el in root.iter()}
        if found.get("AccessKeyId") and found.get("SecretAccessKey"):
            edge.book.record_user_key(found["AccessKeyId"], found["SecretAccessKey"],
                                      found.get("UserName", ""))
    return resp


def update_access_key(edge: Edge, call: Call, resp: HttpResponse) -> HttpResponse:
    if resp.status == 200:
        akid = str(call.params.get("AccessKeyId", ""))
        if call.op.name == "DeleteAccessKey":
            edge.book.delete_user_key(akid)
        else:
            edge.book.set_user_key_status(akid, call.params.get("Status") == "Active")
    return resp


def _empty_iam(action: str) -> HttpResponse:
    rid = errors.request_id()
    body = (f'<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{action}Response>")
    return HttpResponse(200, [("Content-Type", "text/xml")], body.encode())


def user_boundary(edge: Edge, call: Call) -> HttpResponse | None:
    """moto drops user permissions boundaries; the edge keeps them for the gate."""
    name = str(call.params.get("UserName", ""))
    try:
        edge.directory.user(name)
    except LookupError:
        return errors.aws_error(call.service, "NoSuchEntity",
                                f"The user with name {name} cannot be found.", 404)
    if call.op.name == "PutUserPermissionsBoundary":
        edge.directory.set_user_boundary(name, str(call.params.get("PermissionsBoundary", "")))
    else:
        edge.directory.set_user_boundary(name, None)
    return _empty_iam(call.op.name)


def record_user_boundary(edge: Edge, call: Call, resp: HttpResponse) -> HttpResponse:
    if resp.status == 200 and call.params.get("PermissionsBoundary"):
        edge.directory.set_user_boundary(str(call.params["UserName"]),
                                         str(call.params["PermissionsBoundary"]))
    return resp


def install(edge: Edge) -> None:
    """Wire STS and IAM key bookkeeping into the edge."""
    edge.respond("sts", "AssumeRole", lambda c: assume_role(edge, c))
    edge.respond("sts", "GetCallerIdentity", lambda c: get_caller_identity(edge, c))
    for op in ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "GetSessionToken",
               "GetFederationToken"):
        edge.respond("sts", op, not_emulated)
    edge.observe("iam", "CreateAccessKey", lambda c, r: record_access_key(edge, c, r))
    edge.observe("iam", "UpdateAccessKey", lambda c, r: update_access_key(edge, c, r))
    edge.observe("iam", "DeleteAccessKey", lambda c, r: update_access_key(edge, c, r))
    edge.observe("iam", "CreateUser", lambda c, r: record_user_boundary(edge, c, r))
    for op in ("PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary"):
        edge.respond("iam", op, lambda c: user_boundary(edge, c))
