"""The error each service itself answers when throttled or failing, so SDKs retry and raise as on AWS.

Sources: DynamoDB "Error handling with DynamoDB" (ProvisionedThroughputExceededException 400,
InternalServerError 500, ServiceUnavailable 503); the common errors of the Query APIs (STS, IAM:
Throttling 400, InternalFailure 500, ServiceUnavailable 503); Lambda Invoke errors
(TooManyRequestsException 429, ServiceException 500); Cognito user pools
(TooManyRequestsException 400, InternalErrorException 500); API Gateway (TooManyRequestsException
429, ServiceUnavailableException 503).
"""

from __future__ import annotations

import json

from harness.edge import errors
from harness.edge.protocols import ServiceInfo
from harness.faults.models import ErrorKind
from harness.http import HttpResponse

# (code, message, status) per service and kind; None falls back to the protocol's default below.
_BY_SERVICE: dict[str, dict[ErrorKind, tuple[str, str, int]]] = {
    "dynamodb": {
        "throttle": ("ProvisionedThroughputExceededException",
                     "The level of configured provisioned throughput for the table was exceeded. "
                     "Consider increasing your provisioning level with the UpdateTable API.", 400),
        "server": ("InternalServerError", "Internal server error", 500),
        "unavailable": ("ServiceUnavailable", "Service Unavailable", 503),
    },
    "lambda": {
        "throttle": ("TooManyRequestsException", "Rate Exceeded.", 429),
        "server": ("ServiceException", "An internal error occurred in the Lambda service.", 500),
        "unavailable": ("ServiceException", "Service Unavailable", 503),
    },
    "cognito-idp": {
        "throttle": ("TooManyRequestsException", "Too many requests", 400),
        "server": ("InternalErrorException", "Internal error", 500),
        "unavailable": ("InternalErrorException", "Service Unavailable", 503),
    },
    "apigateway": {
        "throttle": ("TooManyRequestsException", "Too Many Requests", 429),
        "server": ("InternalFailure", "Internal server error", 500),
        "unavailable": ("ServiceUnavailableException", "Service Unavailable", 503),
    },
}

_BY_PROTOCOL: dict[str, dict[ErrorKind, tuple[str, str, int]]] = {
    "query": {
        "throttle": ("Throttling", "Rate exceeded", 400),
        "server": ("InternalFailure", "The request processing has failed because of an unknown "
                                      "error, exception or failure.", 500),
        "unavailable": ("ServiceUnavailable", "The request has failed due to a temporary failure of "
                                              "the server.", 503),
    },
    "json": {
        "throttle": ("ThrottlingException", "Rate exceeded", 400),
        "server": ("InternalFailure", "Internal failure", 500),
        "unavailable": ("ServiceUnavailable", "Service Unavailable", 503),
    },
    "rest": {
        "throttle": ("TooManyRequestsException", "Too Many Requests", 429),
        "server": ("InternalFailure", "Internal failure", 500),
        "unavailable": ("ServiceUnavailable", "Service Unavailable", 503),
    },
}

# An HttpResponse with status 0 tells the HTTP server to close the connection without an answer.
DROP_CONNECTION = 0


def error_shape(svc: ServiceInfo | None, kind: ErrorKind) -> tuple[str, str, int]:
    """(code, message, HTTP status) the service answers for this kind of failure."""
    if kind == "timeout":
        return ("RequestTimeout", "the connection was held and dropped without an answer", DROP_CONNECTION)
    name = svc.name if svc else ""
    if name in _BY_SERVICE:
        return _BY_SERVICE[name][kind]
    proto = svc.protocol if svc else "rest-json"
    family = "query" if proto in ("query", "ec2") else "json" if proto == "json" else "rest"
    return _BY_PROTOCOL[family][kind]


def error_response(svc: ServiceInfo | None, kind: ErrorKind) -> HttpResponse:
    """The injected answer in the service's own wire shape (or a dropped connection for timeout)."""
    code, message, status = error_shape(svc, kind)
    if status == DROP_CONNECTION:
        return HttpResponse(DROP_CONNECTION, [("Connection", "close")], b"")
    resp = errors.aws_error(svc, code, message, status, sender=status < 500)
    if svc is not None and svc.name == "lambda" and kind == "throttle":  # Lambda's 429 names a Reason
        body = {"Type": "User", "message": message, "Reason": "CallerRateLimitExceeded"}
        resp = HttpResponse(status, resp.headers, json.dumps(body).encode())
    return resp


def raw_error(kind: ErrorKind) -> HttpResponse:
    """A failure of an unsigned document route (a user pool's JWKS): a bare HTTP error."""
    if kind == "timeout":
        return HttpResponse(DROP_CONNECTION, [("Connection", "close")], b"")
    status = {"throttle": 429, "server": 500, "unavailable": 503}[kind]
    text = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}[status]
    return HttpResponse(status, [("Content-Type", "application/json")],
                        json.dumps({"message": text}).encode())
