"""Which sign-in flows an app client allows (ExplicitAuthFlows), and AWS's refusal of the others.

Values, the legacy names without ALLOW_, and the default when the client sets none
(ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH):
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
A flow the client does not allow is InvalidParameterException ("USER_PASSWORD_AUTH flow not
enabled for this client" for USER_PASSWORD_AUTH, "Auth flow not enabled for this client" else).
"""

from __future__ import annotations

from collections.abc import Collection

from harness.edge.cognito.models import CognitoError

DEFAULT_FLOWS = frozenset({"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"})
LEGACY_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"})
# AuthFlow -> the ExplicitAuthFlows values (current name, then its legacy name) that enable it
_ENABLED_BY: dict[str, tuple[str, ...]] = {
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "USER_AUTH": ("ALLOW_USER_AUTH",),
}


def flow_allowed(flow: str, configured: Collection[str] | None) -> bool:
    """Whether a client with these ExplicitAuthFlows (None or empty: AWS's default) allows flow.

    Legacy clients (names without ALLOW_) keep the old behaviour: refresh and, unless
    CUSTOM_AUTH_FLOW_ONLY, SRP and custom authentication are always on.
    """
    allowed = frozenset(configured) if configured else DEFAULT_FLOWS
    needed = _ENABLED_BY.get(flow)
    if needed is None:
        return True  # not a sign-in flow AWS knows: the upstream's parameter check answers
    if allowed & LEGACY_FLOWS:
        if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return True
        if flow in ("USER_SRP_AUTH", "CUSTOM_AUTH") and "CUSTOM_AUTH_FLOW_ONLY" not in allowed:
            return True
        if flow == "USER_SRP_AUTH":
            return False
    return any(name in allowed for name in needed)


def flow_refusal(flow: str) -> CognitoError:
    """AWS's answer to a flow the app client does not allow."""
    if flow == "USER_PASSWORD_AUTH":
        return CognitoError("InvalidParameterException",
                            "USER_PASSWORD_AUTH flow not enabled for this client")
    return CognitoError("InvalidParameterException", "Auth flow not enabled for this client")


__all__ = ["DEFAULT_FLOWS", "LEGACY_FLOWS", "flow_allowed", "flow_refusal"]
