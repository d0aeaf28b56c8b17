"""Environment lookups in one place, because templates are the only channel for deployment knobs."""

from __future__ import annotations

import os

AWS_API_URL_FORMAT = "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}"
POOLED = "pooled"


def env(name: str, default: str | None = None) -> str:
    """A required variable; a missing one is a deployment bug, so fail loudly."""
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def flag(name: str) -> bool:
    """Boolean knobs are the string 'true' (any case); anything else is off."""
    return os.environ.get(name, "").strip().lower() == "true"


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def api_url(api_id: str, stage: str) -> str:
    """Base URL of an API stage, in AWS's shape unless API_URL_FORMAT says otherwise."""
    fmt = os.environ.get("API_URL_FORMAT") or AWS_API_URL_FORMAT
    return (fmt.replace("{apiId}", api_id).replace("{region}", region())
            .replace("{stage}", stage).rstrip("/"))


def jwks_url(pool_id: str) -> str:
    """Where a user pool publishes its signing keys; the base is overridable for local targets."""
    base = os.environ.get("JWKS_BASE_URL") or f"https://cognito-idp.{region()}.amazonaws.com"
    return f"{base.rstrip('/')}/{pool_id}/.well-known/jwks.json"


def issuer(pool_id: str) -> str:
    """The iss claim Cognito puts in every token of a pool (never overridden)."""
    return f"https://cognito-idp.{region()}.amazonaws.com/{pool_id}"


def tenant_details_table() -> str:
    return env("TENANT_DETAILS_TABLE")


def tenant_user_mapping_table() -> str:
    return env("TENANT_USER_MAPPING_TABLE")


def tenant_stack_mapping_table() -> str:
    return env("TENANT_STACK_MAPPING_TABLE")


def settings_table() -> str:
    return env("SETTINGS_TABLE")
