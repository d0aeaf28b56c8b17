"""Invoking a Lambda authorizer with the role named by its authorizerCredentials, as API Gateway does.

API Gateway assumes the role (its trust policy must let apigateway.amazonaws.com do so) and calls
Invoke with that session, so the role's identity policy must allow lambda:InvokeFunction; the
function's resource policy is then not needed. Both calls go through this target's own edge, so
SigV4, STS and the IAM gate decide exactly as for any other caller.
https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (authorizerCredentials)
https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.config
from botocore.exceptions import BotoCoreError, ClientError

from harness.clock import VirtualClock
from harness.edge.principals import CredentialBook
from harness.runtime import InvokeResult

SERVICE = "apigateway.amazonaws.com"
SESSION_MARGIN_S = 60.0  # a cached session this close to its end is replaced
_CONFIG = botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=900,
                                 connect_timeout=5)
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "InvalidClientTokenId",
                     "ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException"})


class RoleInvoker:
    """AssumeRole as API Gateway, then Invoke with the session; PermissionError when either is
    refused, LookupError for a missing function, and a 429 result when Lambda throttles."""

    def __init__(self, endpoint_url: str, region: str, account: str, book: CredentialBook,
                 clock: VirtualClock, service: str = SERVICE) -> None:
        self._service = service  # the principal that assumes the role (scheduler.amazonaws.com...)
        self._endpoint = endpoint_url
        self._region = region
        self._account = account
        self._book = book
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[float, Any]] = {}  # role -> (expiration, lambda client)

    def _client(self, service: str, key: str, secret: str, token: str | None = None) -> Any:
        return boto3.session.Session().client(
            service, region_name=self._region, endpoint_url=self._endpoint,
            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
            config=_CONFIG)

    def _lambda_for(self, role_arn: str) -> tuple[Any, bool]:
        """A Lambda client signed with the role's session, and whether it came from the cache."""
        with self._lock:
            found = self._sessions.get(role_arn)
        if found is not None and found[0] - self._clock.now() > SESSION_MARGIN_S:
            return found[1], True
        svc = self._book.service_credentials(self._service, self._account)
        sts = self._client("sts", svc.access_key, svc.secret)
        try:
            session = ("apigateway-authorizer" if self._service == SERVICE
                       else self._service.split(".", 1)[0] + "-invoke")
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session)["Credentials"]
        except ClientError as exc:
            raise PermissionError(f"{self._service} cannot assume {role_arn}: {exc}") from None
        client = self._client("lambda", creds["AccessKeyId"], creds["SecretAccessKey"],
                              creds["SessionToken"])
        with self._lock:
            self._sessions[role_arn] = (creds["Expiration"].timestamp(), client)
        return client, False

    def __call__(self, role_arn: str, function_arn: str, payload: bytes) -> InvokeResult:
        client, cached = self._lambda_for(role_arn)
        try:
            return self._invoke(client, role_arn, function_arn, payload)
        except PermissionError:
            if not cached:
                raise
        client, _ = self._lambda_for(role_arn)  # the cached session may predate a reset
        return self._invoke(client, role_arn, function_arn, payload)

    def _invoke(self, client: Any, role_arn: str, function_arn: str,
                payload: bytes) -> InvokeResult:
        try:
            resp = client.invoke(FunctionName=function_arn, Payload=payload)
        except ClientError as exc:
            err = exc.response
            code = str(err.get("Error", {}).get("Code", ""))
            rid = str(err.get("ResponseMetadata", {}).get("RequestId", ""))
            if code == "TooManyRequestsException":
                return InvokeResult(rid, 429, b"", None, "", 0.0, None, "$LATEST")
            if code == "ResourceNotFoundException":
                raise LookupError(function_arn) from None
            if code in _DENIED:
                with self._lock:
                    self._sessions.pop(role_arn, None)
                raise PermissionError(f"{role_arn} may not invoke {function_arn}") from None
            raise LookupError(f"{function_arn}: {code}") from None
        except BotoCoreError as exc:
            raise TimeoutError(f"{function_arn}: {exc}") from None
        return InvokeResult(str(resp["ResponseMetadata"].get("RequestId", "")),
                            int(resp["StatusCode"]), resp["Payload"].read(),
                            resp.get("FunctionError"), "", 0.0, None,
                            str(resp.get("ExecutedVersion") or "$LATEST"))

    def reset(self) -> None:
        with self._lock:
            self._sessions.clear()


__all__ = ["RoleInvoker"]
