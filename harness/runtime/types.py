"""Value types shared by the runtime, the Lambda API layer and the gateway, so they agree."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LayerCode:
    """One layer version as the runtime needs it: identity plus the zip to put under /opt."""

    arn: str
    sha256: str
    zip_bytes: bytes


@dataclass(frozen=True)
class FunctionConfig:
    """What the Lambda service knows about one function version when it starts an environment."""

    name: str
    arn: str
    version: str
    code_sha256: str
    zip_bytes: bytes
    handler: str
    runtime: str
    environment: Mapping[str, str]
    layers: Sequence[LayerCode]
    role_arn: str
    timeout: int = 3
    memory_mb: int = 128


@dataclass(frozen=True)
class SessionCredentials:
    """The execution role's session, handed to an environment at start like Lambda does."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: float


CredentialsProvider = Callable[[FunctionConfig], SessionCredentials]


@dataclass
class InvokeResult:
    """Everything Invoke returns, so the API layer can shape headers (X-Amz-Function-Error, ...)."""

    request_id: str
    status_code: int
    payload: bytes
    function_error: str | None
    log_tail: str
    duration_ms: float
    init_duration_ms: float | None
    executed_version: str
    init_error: bool = False  # the environment failed to start (import error, init raised, init timeout)
