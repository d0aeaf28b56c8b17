"""The seams the gateway is wired through: a Lambda invoker, the edge's AWS_IAM check and its
Cognito token verifier."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from harness.contracts import UserPoolToken
from harness.http import HttpRequest
from harness.runtime.types import InvokeResult


class LambdaInvoker(Protocol):
    """Invoke a function as apigateway.amazonaws.com would, from source_arn, or with role_arn's
    session when an authorizer names credentials.

    Raises PermissionError when the function's resource policy does not let API Gateway
    invoke it from source_arn (or the role cannot be assumed or may not invoke it),
    LookupError when the function does not exist, and TimeoutError when timeout_s elapsed
    before the function answered.
    """

    def __call__(self, function_arn: str, payload: bytes, *, source_arn: str,
                 timeout_s: float | None = None,
                 role_arn: str | None = None) -> InvokeResult: ...


class IamResultLike(Protocol):
    """What the gateway reads from an AWS_IAM decision (the edge may use its own class)."""

    @property
    def allowed(self) -> bool: ...

    @property
    def status(self) -> int: ...

    @property
    def message(self) -> str: ...

    @property
    def caller_arn(self) -> str | None: ...

    @property
    def identity(self) -> Mapping[str, str | None]: ...


class IamAuthorizer(Protocol):
    """SigV4 for execute-api plus identity and API resource policy, implemented by the edge."""

    def __call__(self, req: HttpRequest, method_arn: str,
                 resource_policy: str | None) -> IamResultLike: ...


class UserPoolTokenVerifier(Protocol):
    """Checks a JWT against the named user pools: signed with the issuing pool's own key, issued by
    one of pool_ids, token_use "id" or "access". None when it is not; expiry is the caller's check
    (on the virtual clock)."""

    def __call__(self, token: str, pool_ids: Collection[str]) -> UserPoolToken | None: ...
