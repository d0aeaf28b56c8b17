"""The edge: SigV4 → principal → IAM gate → responders or the upstream, in AWS's error shapes."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.edge import errors
from harness.edge.directory import IdentityDirectory
from harness.edge.dynamodb.context import ContextError, DynamoContext
from harness.edge.dynamodb.schemas import SchemaCache
from harness.edge.gate import BadRequestParams, Gate, request_params
from harness.edge.principals import CredentialBook, Principal, root_principal
from harness.edge.protocols import Operation, ServiceCatalog, ServiceInfo
from harness.edge.sigv4 import SignedRequest, SigV4Error, parse_authorization, verify
from harness.edge.sts.models import SessionService
from harness.edge.upstream import ROOT_KEY, ROOT_SECRET, Upstream, UpstreamUnavailable
from harness.edge.validate import ParamError, validate
from harness.faults import shapes as fault_shapes
from harness.faults.models import ErrorKind
from harness.faults.plan import FaultPlan
from harness.http import HttpRequest, HttpResponse

log = logging.getLogger("harness.edge")

# Operations AWS serves without SigV4 (Cognito's token-authenticated and public calls).
UNSIGNED_OPERATIONS: dict[str, frozenset[str]] = {
    "cognito-idp": frozenset({
        "InitiateAuth", "RespondToAuthChallenge", "SignUp", "ConfirmSignUp",
        "ResendConfirmationCode", "ForgotPassword", "ConfirmForgotPassword", "GetUser",
        "UpdateUserAttributes", "DeleteUser", "DeleteUserAttributes", "ChangePassword",
        "GlobalSignOut", "RevokeToken", "VerifyUserAttribute", "GetUserAttributeVerificationCode",
        "SetUserMFAPreference", "SetUserSettings", "AssociateSoftwareToken", "VerifySoftwareToken",
        "ListDevices", "GetDevice", "ForgetDevice", "ConfirmDevice", "UpdateDeviceStatus",
        "GetTokensFromRefreshToken", "GetUserAuthFactors",
    }),
    "sts": frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}),
}

# Prefixes of read-only operations: anything else that succeeds is a write worth announcing.
_READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet",
                  "Simulate", "Generate", "Lookup", "Search", "Check", "Head", "Test")
_DDL = {"CreateTable", "DeleteTable", "UpdateTable", "RestoreTableFromBackup",
        "RestoreTableToPointInTime", "ImportTable"}
_WELL_KNOWN = re.compile(r"^/([\w-]+_[0-9A-Za-z]+)/\.well-known/(jwks\.json|openid-configuration)$")


@dataclass
class Call:
    """One authenticated, resolved API call on its way through the edge."""

    req: HttpRequest
    op: Operation
    principal: Principal | None
    params: dict[str, Any]
    region: str
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def service(self) -> ServiceInfo:
        return self.op.service


Responder = Callable[[Call], HttpResponse | None]
Observer = Callable[[Call, HttpResponse], HttpResponse]
RawRoute = Callable[[HttpRequest, re.Match[str]], HttpResponse]
RawService = str | None  # the service a raw route belongs to, for fault rules ("cognito-idp")


class Edge:
    """One AWS endpoint in front of the upstream, faithful in who may do what."""

    def __init__(self, upstream: Upstream, clock: VirtualClock, changes: ChangeFeed | None = None) -> None:
        self.upstream = upstream
        self.clock = clock
        self.region = upstream.region
        self.account = upstream.account
        self.changes = changes or ChangeFeed()
        self.catalog = ServiceCatalog()
        self.book = CredentialBook()
        self.directory = IdentityDirectory(upstream, self.changes)
        self.sessions = SessionService(self.directory, self.book, clock)
        self.schemas = SchemaCache(upstream, self.changes)
        self.gate = Gate(self.directory, clock, self.region, self.account,
                         DynamoContext(self.region, self.account, self.schemas.lookup))
        self.root = root_principal(self.account)
        self._responders: dict[tuple[str, str], Responder] = {}
        self._validators: dict[tuple[str, str], list[Responder]] = {}
        self._observers: dict[tuple[str, str], list[Observer]] = {}
        self._raw_routes: list[tuple[re.Pattern[str], RawRoute, RawService]] = []
        self.faults = FaultPlan()  # latency and errors users inject per operation (harness/faults/)
        self.stats = {"requests": 0, "denied": 0, "auth_failures": 0, "upstream_errors": 0}

    # -- extension points used by the service modules -------------------------------------
    def respond(self, service: str, operation: str, responder: Responder) -> None:
        """Answer this operation in the edge instead of the upstream."""
        self._responders[(service, operation)] = responder

    def check(self, service: str, operation: str, validator: Responder) -> None:
        """Run after authorisation; a returned response refuses the call."""
        self._validators.setdefault((service, operation), []).append(validator)

    def observe(self, service: str, operation: str, observer: Observer) -> None:
        """See (and possibly rewrite) the upstream's answer."""
        self._observers.setdefault((service, operation), []).append(observer)

    def route(self, pattern: str, handler: RawRoute, service: RawService = None) -> None:
        """Serve an unsigned non-API path, such as a user pool's JWKS (faulted as service:<last segment>)."""
        self._raw_routes.append((re.compile(pattern), handler, service))

    # -- request path ---------------------------------------------------------------------
    def handle(self, req: HttpRequest) -> HttpResponse:
        self.stats["requests"] += 1
        for pattern, raw, raw_service in self._raw_routes:
            m = pattern.match(req.path)
            if m and req.method in ("GET", "HEAD"):
                if raw_service is not None and self.faults.active:
                    injected = self._raw_fault(raw_service, req.path)
                    if injected is not None:
                        return injected
                return raw(req, m)
        try:
            claims = parse_authorization(req)
        except SigV4Error as exc:
            self.stats["auth_failures"] += 1
            svc = self._guess_service(req)
            return errors.auth_error(svc, "incomplete", str(exc))
        services = (self.catalog.services_for_signing(claims.service) if claims
                    else self._unsigned_services(req))
        if not services:
            name = claims.service if claims else "unknown"
            return errors.aws_error(None, "UnknownServiceException",
                                    f"The harness does not serve the service '{name[:64]}'.", 400)
        op = self.catalog.resolve(req, services)
        svc = op.service if op else services[0]
        if op is None or op.input_shape is None:
            return self._unknown_operation(svc, op)
        region = claims.region if claims else self.region
        principal: Principal | None = None
        if claims is None:
            if op.name not in UNSIGNED_OPERATIONS.get(svc.name, frozenset()):
                self.stats["auth_failures"] += 1
                return errors.auth_error(svc, "missing")
        else:
            principal_or_error = self.authenticate(claims, req, svc)
            if isinstance(principal_or_error, HttpResponse):
                self.stats["auth_failures"] += 1
                return principal_or_error
            principal = principal_or_error
        try:
            params = request_params(req, op)
            validate(op, params, wire_json=svc.protocol not in ("query", "ec2"))
        except BadRequestParams as exc:
            return errors.aws_error(svc, "SerializationException", str(exc)[:300], 400)
        except ParamError as exc:
            return errors.aws_error(svc, exc.code, str(exc)[:500], exc.status)
        call = Call(req, op, principal, params, region)
        key = (svc.name, op.name)
        if principal is not None and op.name not in UNSIGNED_OPERATIONS.get(svc.name, ()):
            try:
                denial = self.gate.authorize(principal, op, params, req) if key not in \
                    self._self_authorised else None
            except ContextError as exc:
                return errors.aws_error(svc, "ValidationException", str(exc)[:500], 400)
            if denial is not None:
                self.stats["denied"] += 1
                return errors.access_denied(svc, principal.arn, denial.action, denial.resource,
                                            denial.decision.reason)
        if self.faults.active and (principal is None or principal.kind != "service"):
            injected = self._fault(svc, op.name)
            if injected is not None:
                return injected
        for validator in self._validators.get(key, ()):
            refusal = validator(call)
            if refusal is not None:
                return refusal
        responder = self._responders.get(key)
        resp = responder(call) if responder else None
        if resp is None:
            resp = self._forward(call)
        for observer in self._observers.get(key, ()):
            resp = observer(call, resp)
        if resp.status < 300:
            self._announce(svc, op)
        return resp

    _self_authorised = {("sts", "AssumeRole")}

    def _fault(self, svc: ServiceInfo, operation: str) -> HttpResponse | None:
        """A matching fault rule's added latency (real time), then its error instead of the call.

        AWS's own internal calls (Lambda assuming an execution role) are exempt: a plan models the
        service as the app sees it.
        """
        kind = self._serve_fault(svc.name, operation)
        return None if kind is None else fault_shapes.error_response(svc, kind)

    def _raw_fault(self, service: str, path: str) -> HttpResponse | None:
        """The same for a document route: jwks.json is faulted as `<service>:jwks`."""
        kind = self._serve_fault(service, path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json"))
        return None if kind is None else fault_shapes.raw_error(kind)

    def _serve_fault(self, service: str, operation: str) -> ErrorKind | None:
        """Sleep the drawn latency (and a timeout's hold); the error kind to answer, if any."""
        decision = self.faults.for_call(service, operation)
        if decision is None:
            return None
        if decision.delay_s:
            time.sleep(decision.delay_s)
        if decision.error is None:
            return None
        if decision.error.kind == "timeout":
            time.sleep(decision.error.hold_s)
        return decision.error.kind

    def _forward(self, call: Call) -> HttpResponse:
        try:
            resp = self.upstream.forward(call.req, call.service.signing_name, call.region)
        except UpstreamUnavailable as exc:
            self.stats["upstream_errors"] += 1
            return errors.aws_error(call.service, "ServiceUnavailable", str(exc)[:300], 503,
                                    sender=False)
        if resp.status >= 500 and not getattr(self.upstream, "crashes_are_client_errors", False) \
                and _is_aws_error(resp):
            self.stats["upstream_errors"] += 1
            return resp
        if resp.status >= 500:
            self.stats["upstream_errors"] += 1
            if call.service.name == "apigateway" and b"KeyError" in resp.body:
                return errors.aws_error(call.service, "NotFoundException",
                                        "Invalid identifier specified", 404)
            if b"NotImplementedError" in resp.body:
                return errors.aws_error(call.service, "NotImplemented",
                                        f"{call.op.name} is not implemented by the upstream "
                                        f"emulator ({self.upstream.endpoint_label}).", 501)
            log.warning("upstream failed %s.%s: %s", call.service.name, call.op.name,
                        resp.body[:2000].decode("utf-8", "replace"))
            return errors.aws_error(
                call.service, "ValidationException",
                f"The request could not be processed by {call.op.name}: the emulated service "
                "rejected its parameters.", 400)
        return resp

    def _announce(self, svc: ServiceInfo, op: Operation) -> None:
        if svc.name == "dynamodb":
            if op.name in _DDL:
                self.changes.bump("dynamodb-ddl", op.name)
            return
        if op.name.startswith(_READ_PREFIXES):
            return
        self.changes.bump(svc.name, op.name)

    def authenticate(self, claims: SignedRequest, req: HttpRequest,
                     svc: ServiceInfo) -> Principal | HttpResponse:
        found = self.identify(claims, req)
        if isinstance(found, str):
            return errors.auth_error(svc, found)
        return found

    def identify(self, claims: SignedRequest, req: HttpRequest) -> Principal | str:
        """The signing principal, or why not: "unknown_key", "bad_signature", "expired" (its
        session) or "request_expired" (a presigned URL past X-Amz-Expires).

        Presigned expiry is measured on wall time, the clock the SDK read for X-Amz-Date.
        """
        akid = claims.access_key
        if akid == ROOT_KEY:
            principal, secret = self.root, ROOT_SECRET
        else:
            found = self._lookup_key(akid)
            if found is None:
                return "unknown_key"
            principal, secret = found
        if not verify(req, claims, secret):
            return "bad_signature"
        deadline = claims.expires_at()
        if deadline is not None and time.time() > deadline:
            return "request_expired"
        if principal.session_token is not None:
            if claims.security_token != principal.session_token:
                return "unknown_key"
            if principal.expiration is not None and self.clock.now() >= principal.expiration:
                return "expired"
        return principal

    def _lookup_key(self, akid: str) -> tuple[Principal, str] | None:
        session = self.book.session(akid)
        if session is not None:
            return session, session.secret
        service = self.book.service(akid)
        if service is not None:
            return service, service.secret
        key = self.book.user_key(akid)
        if key is None:
            return None
        if not key.active:
            return None
        try:
            user = self.directory.user(key.user_name)
        except LookupError:
            return None
        p = Principal("user", user.arn, user.account, akid, key.secret, user.user_id,
                      user_name=user.name, tags=dict(user.tags))
        return p, key.secret

    def _unsigned_services(self, req: HttpRequest) -> list[ServiceInfo]:
        target = req.headers.get("x-amz-target")
        if target:
            svc = self.catalog.service_for_target(target)
            return [svc] if svc else []
        body = req.body[:4096].decode("utf-8", "replace")
        if "Action=AssumeRoleWith" in body or "Action=AssumeRoleWith" in req.query:
            sts = self.catalog.service("sts")
            return [sts] if sts else []
        return []

    def _guess_service(self, req: HttpRequest) -> ServiceInfo | None:
        auth = req.headers.get("authorization", "")
        m = re.search(r"Credential=[^/,\s]*/[^/,\s]*/[^/,\s]*/([^/,\s]+)/", auth)
        if m:
            found = self.catalog.services_for_signing(m.group(1))
            if found:
                return found[0]
        params = dict(req.query_params())
        if "x-www-form-urlencoded" in req.headers.get("content-type", ""):
            params.update(parse_qsl(req.body[:4096].decode("utf-8", "replace")))
        parts = params.get("X-Amz-Credential", "").split("/")
        if len(parts) == 5:
            found = self.catalog.services_for_signing(parts[3])
            if found:
                return found[0]
        target = req.headers.get("x-amz-target")
        if target:
            return self.catalog.service_for_target(target)
        name = {"2011-06-15": "sts", "2010-05-08": "iam"}.get(params.get("Version", ""))
        return self.catalog.service(name) if name else None

    def _unknown_operation(self, svc: ServiceInfo, op: Operation | None) -> HttpResponse:
        name = op.name if op else ""
        if svc.protocol in ("query", "ec2"):
            return errors.aws_error(svc, "InvalidAction",
                                    f"Could not find operation {name[:64]} for version "
                                    f"{svc.model.api_version}", 400)
        if svc.protocol in ("json", "smithy-rpc-v2-cbor"):
            return errors.aws_error(svc, "UnknownOperationException",
                                    f"Unknown operation {name[:64]}".strip(), 400)
        return errors.aws_error(svc, "UnknownOperationException",
                                "No operation matches this method and path", 404)

    def reset(self) -> None:
        """Forget every resource and credential, for POST /_harness/reset."""
        self.upstream.reset()
        self.book.reset()
        self.changes.bump_all()

    def service_info(self, name: str) -> ServiceInfo | None:
        return self.catalog.service(name)


def _is_aws_error(resp: HttpResponse) -> bool:
    """An upstream's own AWS-shaped 5xx (passed on), as opposed to a crash dump (a 4xx here)."""
    body = resp.body[:4096]
    return b'"__type"' in body or b"<Code>" in body or resp.header("x-amzn-ErrorType") is not None


__all__ = ["UNSIGNED_OPERATIONS", "Call", "Edge", "Observer", "Responder"]
