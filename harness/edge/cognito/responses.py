"""Cognito fidelity wired into the edge: JWKS, token swaps, attribute rules, client validity checks."""

from __future__ import annotations

import re
import weakref
from typing import Any

from botocore.exceptions import ClientError

from harness.edge.app import Call, Edge
from harness.edge.cognito.flows import flow_allowed, flow_refusal
from harness.edge.cognito.lookups import NotFound
from harness.edge.cognito.models import ClientSettings, PoolSchema, issuer, validity_error
from harness.edge.cognito.tokens import TokenService
from harness.edge.cognito.wire import (
    ACCESS,
    SERVICE,
    CognitoContext,
    json_body,
    log,
    replace_body,
    reply,
)
from harness.http import HttpRequest, HttpResponse, json_response

WELL_KNOWN = r"^/([\w-]+_[0-9A-Za-z]+)/\.well-known/(jwks\.json|openid-configuration)$"
SIGN_IN_OPERATIONS = ("InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge",
                      "AdminRespondToAuthChallenge")
UNAUTHORIZED_WRITE = "A client attempted to write unauthorized attribute"
_POOL_CHANGES = ("UpdateUserPool", "AddCustomAttributes")
_CLIENT_CHANGES = ("CreateUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient")
# Installing twice would swap tokens twice, so each edge remembers its one front.
_INSTALLED: weakref.WeakKeyDictionary[Edge, CognitoFront] = weakref.WeakKeyDictionary()


def access_token_operations(edge: Edge) -> list[str]:
    """Every cognito-idp operation authorised by an access token, read from botocore's model."""
    svc = edge.service_info(SERVICE)
    if svc is None:
        return []
    out = []
    for name in svc.model.operation_names:
        shape = svc.model.operation_model(name).input_shape
        if shape is not None and "AccessToken" in shape.members:
            out.append(name)
    return out


def _attribute_names(params: dict[str, Any]) -> list[str]:
    attrs = params.get("UserAttributes")
    if isinstance(attrs, list):
        return [str(a.get("Name", "")) for a in attrs if isinstance(a, dict)]
    names = params.get("UserAttributeNames")
    return [str(n) for n in names] if isinstance(names, list) else []


def immutable_error(name: str) -> tuple[str, str]:
    """AWS's answer to changing a `Mutable: false` attribute after the user was created."""
    return "InvalidParameterException", f"user.{name}: Attribute cannot be updated."


class CognitoFront:
    """The handlers that are not about minting tokens: JWKS, attribute rules, caches."""

    def __init__(self, ctx: CognitoContext, tokens: TokenService) -> None:
        self.ctx = ctx
        self.tokens = tokens

    # -- JWKS and discovery ---------------------------------------------------------------
    def well_known(self, req: HttpRequest, match: re.Match[str]) -> HttpResponse:
        """GET /<poolId>/.well-known/jwks.json or openid-configuration, for pools that exist."""
        pool_id, doc = match.group(1), match.group(2)
        try:
            exists = self.ctx.directory.pool_exists(pool_id)
        except ClientError as exc:
            log.warning("cannot look up pool %s: %r", pool_id, exc)
            exists = False
        if not exists:
            return json_response(404, {"message": f"User pool {pool_id[:64]} does not exist."})
        if doc == "jwks.json":
            return json_response(200, self.ctx.keys.jwks(pool_id))
        host = req.headers.get("host") or "127.0.0.1"
        scheme = "https" if host.split(":")[0].endswith(".amazonaws.com") else "http"
        base = f"{scheme}://{host}"
        return json_response(200, {
            "issuer": issuer(pool_id),
            "jwks_uri": f"{base}/{pool_id}/.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    # -- attribute rules ------------------------------------------------------------------
    def _client_and_schema(self, pool_id: str, client_id: str) -> tuple[ClientSettings, PoolSchema]:
        return self.ctx.directory.client(pool_id, client_id), self.ctx.directory.schema(pool_id)

    def _self_service_refusal(self, names: list[str], client: ClientSettings,
                              schema: PoolSchema, *, creating: bool) -> HttpResponse | None:
        if any(not client.can_write(n, schema) for n in names):
            return self.ctx.error("NotAuthorizedException", UNAUTHORIZED_WRITE)
        frozen = [] if creating else schema.immutable_among(names)
        if frozen:
            return self.ctx.error(*immutable_error(frozen[0]))
        return None

    def check_self_service(self, call: Call) -> HttpResponse | None:
        """Self-service attribute writes: the issuing client's WriteAttributes, then mutability."""
        issued = call.extras.get(ACCESS)
        if issued is None:
            return None
        try:
            client, schema = self._client_and_schema(issued.pool_id, issued.client_id)
        except NotFound:
            return self.ctx.error("NotAuthorizedException", "Invalid Access Token")
        return self._self_service_refusal(_attribute_names(call.params), client, schema,
                                          creating=False)

    def check_sign_up(self, call: Call) -> HttpResponse | None:
        """SignUp writes attributes through an app client, so its WriteAttributes apply too."""
        client_id = call.params.get("ClientId")
        if not isinstance(client_id, str):
            return None
        try:
            pool_id = self.ctx.directory.pool_of_client(client_id)
            client, schema = self._client_and_schema(pool_id, client_id)
        except NotFound:
            return None
        return self._self_service_refusal(_attribute_names(call.params), client, schema,
                                          creating=True)

    def check_admin_change(self, call: Call) -> HttpResponse | None:
        """Admin attribute updates ignore WriteAttributes but not `Mutable: false`."""
        pool_id = call.params.get("UserPoolId")
        if not isinstance(pool_id, str):
            return None
        try:
            schema = self.ctx.directory.schema(pool_id)
        except NotFound:
            return None
        frozen = schema.immutable_among(_attribute_names(call.params))
        return self.ctx.error(*immutable_error(frozen[0])) if frozen else None

    def filter_get_user(self, call: Call, resp: HttpResponse) -> HttpResponse:
        """GetUser returns only the attributes the token's app client may read."""
        issued = call.extras.get(ACCESS)
        body = json_body(resp) if resp.status < 300 else None
        if issued is None or body is None or not isinstance(body.get("UserAttributes"), list):
            return resp
        try:
            client = self.ctx.directory.client(issued.pool_id, issued.client_id)
        except NotFound:
            return resp
        body["UserAttributes"] = [a for a in body["UserAttributes"] if isinstance(a, dict) and (
            a.get("Name") == "sub" or client.can_read(str(a.get("Name"))))]
        return replace_body(resp, body)

    def delete_user(self, call: Call) -> HttpResponse | None:
        """DeleteUser (moto lacks it) as the root's AdminDeleteUser for the token's user."""
        issued = call.extras.get(ACCESS)
        if issued is None:
            return None
        try:
            self.ctx.edge.upstream.client(SERVICE).admin_delete_user(
                UserPoolId=issued.pool_id, Username=issued.username)
        except ClientError as exc:
            return self.ctx.upstream_error(exc)
        self.ctx.book.revoke_user(issued.pool_id, issued.username, ("access", "refresh"))
        return reply({})

    # -- app client settings --------------------------------------------------------------
    def check_auth_flow(self, call: Call) -> HttpResponse | None:
        """InitiateAuth/AdminInitiateAuth with a flow the app client's ExplicitAuthFlows lacks."""
        flow, client_id = call.params.get("AuthFlow"), call.params.get("ClientId")
        if not isinstance(flow, str) or not isinstance(client_id, str):
            return None
        pool_id = call.params.get("UserPoolId")
        try:
            if not isinstance(pool_id, str):
                pool_id = self.ctx.directory.pool_of_client(client_id)
            client = self.ctx.directory.client(pool_id, client_id)
        except (NotFound, ClientError):
            return None  # the upstream answers ResourceNotFoundException in AWS's words
        if flow_allowed(flow, client.flows):
            return None
        return self.ctx.fail(flow_refusal(flow))

    def check_validity(self, call: Call) -> HttpResponse | None:
        """Token validity outside AWS's ranges is refused (on update, omitted values mean defaults)."""
        problem = validity_error(call.params)
        return self.ctx.error("InvalidParameterException", problem) if problem else None

    def pool_changed(self, call: Call, resp: HttpResponse) -> HttpResponse:
        """A changed pool's cached schema goes; a deleted pool's keys and tokens go too."""
        pool_id = call.params.get("UserPoolId")
        if resp.status < 300 and isinstance(pool_id, str):
            if call.op.name == "DeleteUserPool":
                self.ctx.forget_pool(pool_id)
            else:
                self.ctx.directory.forget_pool(pool_id)
        return resp

    def client_changed(self, call: Call, resp: HttpResponse) -> HttpResponse:
        """A changed app client's cached lifetimes and permissions go; a new one's pool is noted,
        so sign-ins naming only the client need no search of every pool."""
        pool_id, client_id = call.params.get("UserPoolId"), call.params.get("ClientId")
        if resp.status < 300 and isinstance(pool_id, str) and isinstance(client_id, str):
            self.ctx.directory.forget_client(pool_id, client_id)
        elif resp.status < 300 and isinstance(pool_id, str) and call.op.name == "CreateUserPoolClient":
            created = (json_body(resp) or {}).get("UserPoolClient")
            if isinstance(created, dict) and isinstance(created.get("ClientId"), str):
                self.ctx.directory.note_client_pool(created["ClientId"], pool_id)
        return resp

    def on_change(self, service: str, operation: str) -> None:
        """A harness reset empties the upstream, so keys, tokens and caches go too."""
        if service == SERVICE and operation == "reset":
            self.ctx.reset()


def install(edge: Edge) -> CognitoFront:
    """Wire Cognito user-pool fidelity into the edge (once); returns the handlers for inspection."""
    if edge in _INSTALLED:
        return _INSTALLED[edge]
    ctx = CognitoContext(edge)
    tokens = TokenService(ctx)
    front = CognitoFront(ctx, tokens)
    edge.route(WELL_KNOWN, front.well_known, service="cognito-idp")
    for op in access_token_operations(edge):
        edge.check(SERVICE, op, tokens.check_access)
    for op in ("UpdateUserAttributes", "DeleteUserAttributes"):
        edge.check(SERVICE, op, front.check_self_service)
    for op in ("AdminUpdateUserAttributes", "AdminDeleteUserAttributes"):
        edge.check(SERVICE, op, front.check_admin_change)
    edge.check(SERVICE, "SignUp", front.check_sign_up)
    for op in ("InitiateAuth", "AdminInitiateAuth"):
        edge.check(SERVICE, op, front.check_auth_flow)
        edge.check(SERVICE, op, tokens.check_refresh)
    for op in SIGN_IN_OPERATIONS:
        edge.observe(SERVICE, op, tokens.on_auth_result)
    edge.respond(SERVICE, "GetTokensFromRefreshToken", tokens.tokens_from_refresh)
    edge.respond(SERVICE, "RevokeToken", tokens.revoke_token)
    edge.respond(SERVICE, "DeleteUser", front.delete_user)
    edge.observe(SERVICE, "GetUser", front.filter_get_user)
    edge.observe(SERVICE, "GlobalSignOut", tokens.revoker(("access", "refresh")))
    for op, kinds in (("AdminUserGlobalSignOut", ("access", "refresh")),
                      ("AdminDisableUser", ("access",)), ("AdminDeleteUser", ("access", "refresh"))):
        edge.check(SERVICE, op, tokens.remember_user)
        edge.observe(SERVICE, op, tokens.revoker(kinds))
    for op in ("CreateUserPoolClient", "UpdateUserPoolClient"):
        edge.check(SERVICE, op, front.check_validity)
    for op in (*_POOL_CHANGES, "DeleteUserPool"):
        edge.observe(SERVICE, op, front.pool_changed)
    for op in _CLIENT_CHANGES:
        edge.observe(SERVICE, op, front.client_changed)
    edge.changes.subscribe(front.on_change)
    _INSTALLED[edge] = front
    return front


__all__ = ["CognitoFront", "access_token_operations", "install"]
