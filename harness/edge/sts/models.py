"""AssumeRole: trust policy, caller permission, duration and packed-size rules, on the virtual clock."""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from harness.clock import VirtualClock
from harness.edge.directory import IdentityDirectory, NoSuchEntity, RoleInfo
from harness.edge.principals import CredentialBook, Principal, new_key_id, new_secret
from harness.iam import (
    Caller,
    ContextValue,
    MalformedPolicyDocument,
    PolicyKind,
    RequestContext,
    evaluate,
    parse_policy,
)

SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
MIN_DURATION = 900
CHAINED_MAX = 3600
POLICY_PLAINTEXT_MAX = 2048
# STS packs session policies and tags into the token with a separate, undocumented budget; the
# harness approximates it as 640 bytes of zlib-compressed policy and tags (see docs/ARCHITECTURE.md).
PACKED_BUDGET = 640


class STSError(Exception):
    """A refusal in STS's own terms: code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class AssumeRoleRequest:
    role_arn: str
    session_name: str
    duration: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    source_ip: str = "127.0.0.1"


def caller_of(p: Principal) -> Caller:
    """The evaluator's view of an authenticated principal."""
    return Caller(
        arn=p.arn,
        account=p.account,
        kind=p.kind,
        role_arn=p.role_arn,
        service=p.service,
        userid=p.userid,
        username=p.user_name,
        tags=dict(p.tags),
    )


def packed_policy_percent(policy: str | None, policy_arns: tuple[str, ...],
                          tags: tuple[tuple[str, str], ...]) -> int:
    """How much of the session token's packed space the policies and tags take."""
    minified = ""
    if policy:
        try:
            minified = json.dumps(json.loads(policy), separators=(",", ":"))
        except ValueError:
            minified = policy
    blob = (minified + "|" + "|".join(policy_arns) + "|"
            + "|".join(f"{k}={v}" for k, v in tags)).encode()
    return math.ceil(100 * len(zlib.compress(blob, 9)) / PACKED_BUDGET)


class SessionService:
    """Issues role sessions and answers who a session is."""

    def __init__(self, directory: IdentityDirectory, book: CredentialBook,
                 clock: VirtualClock) -> None:
        self._dir = directory
        self._book = book
        self._clock = clock

    def assume_role(self, caller: Principal, req: AssumeRoleRequest,
                    identity_docs: tuple[str, ...], boundary: str | None,
                    context_keys: Mapping[str, ContextValue]) -> tuple[Principal, int]:
        if caller.kind == "root":
            raise STSError("AccessDenied", "Roles may not be assumed by root accounts.", 403)
        if not SESSION_NAME.match(req.session_name):
            raise STSError(
                "ValidationError",
                f"1 validation error detected: Value '{req.session_name}' at 'roleSessionName' "
                "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                "[\\w+=,.@-]* and have length between 2 and 64",
            )
        denied = STSError(
            "AccessDenied",
            f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"{req.role_arn}",
            403,
        )
        try:
            role = self._dir.role_by_arn(req.role_arn)
        except NoSuchEntity:
            raise denied from None
        chained = caller.kind == "assumed-role"
        duration = self._duration(req, role, chained)
        session_docs = self._session_policies(req)
        ctx = RequestContext(action="sts:AssumeRole", resource=role.arn, caller=caller_of(caller),
                             keys=context_keys, resource_account=role.account)
        trust = parse_policy(role.trust_policy, PolicyKind.TRUST)
        identity = [parse_policy(d) for d in identity_docs]
        session = [parse_policy(d, PolicyKind.SESSION) for d in caller.session_policies] or None
        bound = parse_policy(boundary, PolicyKind.BOUNDARY) if boundary else None
        decision = evaluate(ctx, identity=identity, session=session, boundary=bound,
                            resource_policy=trust)
        if not decision.allowed:
            raise STSError("AccessDenied", f"{denied.message} {decision.reason}".rstrip(), 403)
        packed = packed_policy_percent(req.policy, req.policy_arns, req.tags)
        if packed > 100:
            raise STSError("PackedPolicyTooLarge",
                           f"Packed policy consumes {packed}% of allotted space, please use smaller "
                           "policy for AssumeRole.")
        return self._issue(role, req, duration, session_docs, caller), packed

    def _duration(self, req: AssumeRoleRequest, role: RoleInfo, chained: bool) -> int:
        duration = req.duration if req.duration is not None else 3600
        if duration < MIN_DURATION:
            raise STSError(
                "ValidationError",
                f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                "satisfy constraint: Member must have value greater than or equal to 900",
            )
        if chained and duration > CHAINED_MAX:
            raise STSError("ValidationError", "The requested DurationSeconds exceeds the 1 hour "
                           "session limit for roles assumed by role chaining.")
        if duration > role.max_session_duration:
            raise STSError("ValidationError", "The requested DurationSeconds exceeds the "
                           "MaxSessionDuration set for this role.")
        return duration

    def _session_policies(self, req: AssumeRoleRequest) -> tuple[str, ...]:
        docs: list[str] = []
        if req.policy is not None:
            if len(req.policy) > POLICY_PLAINTEXT_MAX:
                raise STSError(
                    "ValidationError",
                    "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {POLICY_PLAINTEXT_MAX}",
                )
            try:
                parse_policy(req.policy, PolicyKind.SESSION)
            except MalformedPolicyDocument as exc:
                raise STSError("MalformedPolicyDocument", str(exc)) from None
            docs.append(req.policy)
        if len(req.policy_arns) > 10:
            raise STSError("ValidationError", "1 validation error detected: Value at 'policyArns' "
                           "failed to satisfy constraint: Member must have length less than or "
                           "equal to 10")
        for arn in req.policy_arns:
            try:
                docs.append(self._dir.managed_policy(arn))
            except NoSuchEntity:
                raise STSError("InvalidParameterValue", f"Policy {arn} does not exist or is not "
                               "attachable.") from None
        return tuple(docs)

    def _issue(self, role: RoleInfo, req: AssumeRoleRequest, duration: int,
               session_docs: tuple[str, ...], caller: Principal) -> Principal:
        now = self._clock.now()
        role_path_name = role.arn.split(":role/", 1)[1]
        role_name = role_path_name.rsplit("/", 1)[-1]
        tags = dict(role.tags)
        tags.update(dict(req.tags))
        if caller.kind == "assumed-role":
            tags.update(caller.tags)
        session = Principal(
            kind="assumed-role",
            arn=f"arn:aws:sts::{role.account}:assumed-role/{role_name}/{req.session_name}",
            account=role.account,
            access_key=new_key_id("ASIA"),
            secret=new_secret(),
            userid=f"{role.role_id}:{req.session_name}",
            role_name=role_name,
            role_arn=role.arn,
            session_name=req.session_name,
            session_token=_session_token(),
            expiration=now + duration,
            issued_at=now,
            session_policies=session_docs,
            tags=tags,
        )
        self._book.add_session(session)
        return session


def _session_token() -> str:
    return "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(180)).decode()

