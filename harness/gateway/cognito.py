"""COGNITO_USER_POOLS authorizers: the user pool's JWT in a header, checked without any Lambda.

Without authorizationScopes on the method an ID token is required; with them, an access token
carrying one of the scopes. Missing, malformed, foreign, expired or wrong-kind tokens get 401
Unauthorized; identityValidationExpression is matched against the token's aud.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
The claims reach the integration as strings in requestContext.authorizer.claims:
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
Verification (signature with the pool's JWKS, iss, exp, token_use):
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

from harness.contracts import UserPoolToken
from harness.gateway.context import Invocation
from harness.gateway.metrics import Metrics
from harness.gateway.model import AuthorizerConfig
from harness.gateway.protocols import UserPoolTokenVerifier
from harness.gateway.responses import GatewayError

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_CLAIMS = frozenset({"exp", "iat"})
_BEARER = "bearer "


def claim_date(epoch: float) -> str:
    """'Sun Apr 19 08:06:14 UTC 2020': how a REST API renders the exp and iat claims."""
    t = time.gmtime(epoch)
    return (f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}")


def claim_string(name: str, value: Any) -> str:
    """One claim as the REST API passes it on: every value a string (lists comma-joined)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in _DATE_CLAIMS and isinstance(value, int | float) and math.isfinite(value):
        return claim_date(float(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(claim_string(name, v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def string_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): claim_string(str(k), v) for k, v in claims.items()}


def admits(token: UserPoolToken, scopes: tuple[str, ...], now: float,
           cfg: AuthorizerConfig) -> bool:
    """Expiry on the virtual clock, the token kind the method needs, its scopes and its aud."""
    exp = token.claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or now >= exp:
        return False
    if scopes:
        granted = token.claims.get("scope")
        if token.token_use != "access" or not isinstance(granted, str):
            return False
        if not set(granted.split()) & set(scopes):
            return False
    elif token.token_use != "id":
        return False
    if cfg.validation is not None:
        aud = token.claims.get("aud")
        if not isinstance(aud, str) or cfg.validation.fullmatch(aud) is None:
            return False
    return True


class CognitoAuthorizers:
    """Checks the method's user-pool token; raises GatewayError to refuse, returns string claims."""

    def __init__(self, verify: UserPoolTokenVerifier | None, metrics: Metrics) -> None:
        self._verify = verify
        self._metrics = metrics

    def authorize(self, inv: Invocation, cfg: AuthorizerConfig) -> dict[str, str]:
        if (self._verify is None or not cfg.pool_ids or not cfg.sources
                or cfg.sources[0].kind != "header" or cfg.validation_broken):
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None)
        token = (inv.req.headers.get(cfg.sources[0].name) or "").strip()
        if token[:len(_BEARER)].lower() == _BEARER:
            token = token[len(_BEARER):].strip()
        verified = self._verify(token, cfg.pool_ids) if token.count(".") == 2 else None
        if verified is None or not admits(verified, inv.method.authorization_scopes, inv.now, cfg):
            self._metrics.count("cognito_refusals")
            raise GatewayError("UNAUTHORIZED")
        self._metrics.count("cognito_authorizations")
        return string_claims(verified.claims)
