"""Issuing, checking and revoking tokens: the upstream's tokens are swapped for AWS-shaped ones we sign."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from harness.edge.app import Call, Observer
from harness.edge.cognito.lookups import NotFound
from harness.edge.cognito.models import (
    AuthEvent,
    ClientSettings,
    CognitoError,
    IssuedToken,
    UserView,
    access_claims,
    id_claims,
    new_refresh_token,
    token_error,
)
from harness.edge.cognito.wire import (
    ACCESS,
    REFRESH,
    USER,
    USERNAME,
    CognitoContext,
    json_body,
    log,
    replace_body,
    reply,
    rewrite,
    unverified_claims,
)
from harness.http import HttpResponse

REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})
_TOKEN_KEYS = ("AccessToken", "IdToken", "RefreshToken", "ExpiresIn", "TokenType")


def pool_from_issuer(iss: Any) -> str | None:
    """The pool id at the end of an issuer URL (any upstream's tokens name their pool there)."""
    if isinstance(iss, str) and "/" in iss:
        return iss.rstrip("/").rsplit("/", 1)[-1]
    return None


class TokenService:
    """Mints tokens on every successful sign-in or refresh, and vets every token presented back."""

    def __init__(self, ctx: CognitoContext) -> None:
        self.ctx = ctx

    # -- issuing --------------------------------------------------------------------------
    def issue(self, client: ClientSettings, user: UserView, event: AuthEvent, upstream_access: str,
              upstream_refresh: str | None) -> dict[str, Any]:
        """ID and access tokens (and a refresh token on sign-in) with the client's lifetimes."""
        ctx, now = self.ctx, self.ctx.now()
        iat = int(now)
        groups = ctx.directory.groups(client.pool_id, user.username)
        id_token = ctx.keys.sign(client.pool_id, "id", id_claims(user, client, groups, event, now))
        access = ctx.keys.sign(client.pool_id, "access",
                               access_claims(user, client, groups, event, now))
        ctx.book.add(IssuedToken(access, "access", client.pool_id, client.client_id, user.username,
                                 upstream_access, iat + client.lifetimes.access, event), now)
        result: dict[str, Any] = {"AccessToken": access, "ExpiresIn": client.lifetimes.access,
                                  "TokenType": "Bearer"}
        if upstream_refresh:
            refresh = new_refresh_token()
            ctx.book.add(IssuedToken(refresh, "refresh", client.pool_id, client.client_id,
                                     user.username, upstream_refresh, iat + client.lifetimes.refresh,
                                     event), now)
            result["RefreshToken"] = refresh
        result["IdToken"] = id_token
        return result

    def on_auth_result(self, call: Call, resp: HttpResponse) -> HttpResponse:
        """Observer for the sign-in operations: replace the upstream's tokens in AuthenticationResult."""
        if resp.status >= 300:
            return resp
        body = json_body(resp)
        result = body.get("AuthenticationResult") if body else None
        if body is None or not isinstance(result, dict) or not result.get("AccessToken"):
            return resp
        try:
            ours = self._reissue(call, result)
        except (NotFound, ClientError, CognitoError) as exc:
            log.warning("cannot re-mint tokens for %s: %r", call.op.name, exc)
            return self.ctx.error("InternalErrorException",
                                  "The harness could not issue tokens for this sign-in.", 500)
        rest = {k: v for k, v in result.items() if k not in _TOKEN_KEYS}
        body["AuthenticationResult"] = {**ours, **rest}
        return replace_body(resp, body)

    def _reissue(self, call: Call, result: dict[str, Any]) -> dict[str, Any]:
        params = call.params
        refresh: IssuedToken | None = call.extras.get(REFRESH)
        up_id = unverified_claims(result.get("IdToken"))
        up_access = unverified_claims(result.get("AccessToken"))
        pool_id = (params.get("UserPoolId") or (refresh.pool_id if refresh else None)
                   or pool_from_issuer(up_id.get("iss") or up_access.get("iss")))
        if not isinstance(pool_id, str):
            raise NotFound("user pool")
        client = self.ctx.directory.client(pool_id, str(params.get("ClientId", "")))
        user: UserView | None = call.extras.get(USER)
        if user is None:
            names = [up_access.get("username"), up_id.get("cognito:username"),
                     (params.get("AuthParameters") or {}).get("USERNAME"),
                     (params.get("ChallengeResponses") or {}).get("USERNAME")]
            user = self._find_user(pool_id, [n for n in names if isinstance(n, str) and n])
        event = refresh.event if refresh else AuthEvent.new(self.ctx.now())
        upstream_refresh = None if refresh else result.get("RefreshToken")
        return self.issue(client, user, event, str(result["AccessToken"]), upstream_refresh)

    def _find_user(self, pool_id: str, names: list[str]) -> UserView:
        for name in names:
            try:
                return self.ctx.directory.user(pool_id, name)
            except NotFound:
                continue
        raise NotFound("user")

    # -- refresh tokens -------------------------------------------------------------------
    def use_refresh(self, token: str, client_id: Any, pool_id: Any) -> tuple[IssuedToken, UserView]:
        """A live refresh token of this client (and pool), for a user who may still sign in."""
        issued = self.ctx.book.use(token, "refresh", self.ctx.now())
        if issued.client_id != client_id or (pool_id is not None and pool_id != issued.pool_id):
            raise token_error("refresh", "unknown")
        try:
            user = self.ctx.directory.user(issued.pool_id, issued.username)
        except NotFound:
            raise token_error("refresh", "revoked") from None
        if not user.enabled:
            raise CognitoError("NotAuthorizedException", "User is disabled.")
        return issued, user

    def check_refresh(self, call: Call) -> HttpResponse | None:
        """Validator for REFRESH_TOKEN(_AUTH) flows: expiry on the virtual clock, then the swap."""
        params = call.params
        auth = params.get("AuthParameters")
        if params.get("AuthFlow") not in REFRESH_FLOWS or not isinstance(auth, dict):
            return None
        token = auth.get("REFRESH_TOKEN")
        if not isinstance(token, str):
            return None
        try:
            issued, user = self.use_refresh(token, params.get("ClientId"), params.get("UserPoolId"))
        except CognitoError as exc:
            return self.ctx.fail(exc)
        call.extras[REFRESH] = issued
        call.extras[USER] = user
        rewrite(call, {**params, "AuthParameters": {**auth, "REFRESH_TOKEN": issued.upstream}})
        return None

    def tokens_from_refresh(self, call: Call) -> HttpResponse:
        """GetTokensFromRefreshToken (moto lacks it): a refresh through the upstream's admin flow."""
        params = call.params
        client_id = params.get("ClientId")
        try:
            issued, user = self.use_refresh(str(params.get("RefreshToken", "")), client_id, None)
            client = self.ctx.directory.client(issued.pool_id, str(client_id))
            up = self.ctx.edge.upstream.client("cognito-idp").admin_initiate_auth(
                UserPoolId=issued.pool_id, ClientId=client.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": issued.upstream})
            ours = self.issue(client, user, issued.event,
                              str(up["AuthenticationResult"]["AccessToken"]), None)
        except CognitoError as exc:
            return self.ctx.fail(exc)
        except ClientError as exc:
            return self.ctx.upstream_error(exc)
        except NotFound:
            return self.ctx.fail(token_error("refresh", "unknown"))
        return reply({"AuthenticationResult": ours})

    def revoke_token(self, call: Call) -> HttpResponse:
        """RevokeToken (moto lacks it): the refresh token and the access tokens it minted stop working."""
        issued = self.ctx.book.find(str(call.params.get("Token", "")))
        if (issued is not None and issued.kind == "refresh"
                and issued.client_id == call.params.get("ClientId")):
            self.ctx.book.revoke_family(issued)
        return reply({})

    # -- access tokens --------------------------------------------------------------------
    def check_access(self, call: Call) -> HttpResponse | None:
        """Validator for token-authenticated calls: ours, unexpired, unrevoked; then the upstream's."""
        token = call.params.get("AccessToken")
        if not isinstance(token, str):
            return None
        try:
            issued = self.ctx.book.use(token, "access", self.ctx.now())
        except CognitoError as exc:
            return self.ctx.fail(exc)
        if self.ctx.keys.verify(issued.pool_id, token, "access") is None:
            return self.ctx.fail(token_error("access", "unknown"))
        call.extras[ACCESS] = issued
        rewrite(call, {**call.params, "AccessToken": issued.upstream})
        return None

    # -- revocation -----------------------------------------------------------------------
    def remember_user(self, call: Call) -> HttpResponse | None:
        """Validator for admin user calls: the canonical username, looked up before a delete."""
        pool, name = call.params.get("UserPoolId"), call.params.get("Username")
        if isinstance(pool, str) and isinstance(name, str):
            try:
                call.extras[USERNAME] = self.ctx.directory.user(pool, name).username
            except (NotFound, ClientError):
                call.extras[USERNAME] = name
        return None

    def revoker(self, kinds: tuple[str, ...]) -> Observer:
        """An observer that revokes the named user's tokens of these kinds once the call succeeded."""
        def observe(call: Call, resp: HttpResponse) -> HttpResponse:
            if resp.status < 300:
                issued: IssuedToken | None = call.extras.get(ACCESS)
                if issued is not None:
                    self.ctx.book.revoke_user(issued.pool_id, issued.username, kinds)
                elif USERNAME in call.extras:
                    self.ctx.book.revoke_user(str(call.params.get("UserPoolId")),
                                              str(call.extras[USERNAME]), kinds)
            return resp
        return observe


__all__ = ["REFRESH_FLOWS", "TokenService", "pool_from_issuer"]
