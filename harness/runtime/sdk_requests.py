"""The harness end of a Python worker's SDK pipe (bootstrap/pipe_transport.py): a b"Q" frame in,
the listener's app on the same request, a b"A" frame out.

The worker's botocore has already serialised and signed the request; the app runs everything past
the socket unchanged (SigV4, the IAM gate, moto, the fault plan). The exchange thread answers in
place, the cheap path, unless the answer may take a while: a fault plan is set (added latency, a
held connection) or the service can block (a Lambda Invoke, a long poll). Those are answered on a
thread of their own, so the exchange still kills the worker at its deadline, as Lambda would.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from harness.faults.plan import FaultPlan
from harness.http import HttpRequest, HttpResponse, wire_request

App = Callable[[HttpRequest], HttpResponse]
# Services whose calls the edge answers from memory, without waiting on anything.
PROMPT_SERVICES = frozenset({"dynamodb", "sts", "cognito-idp", "ssm", "secretsmanager", "kms"})
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/,]+/([^/,]+)/aws4_request")


class MalformedSdkRequest(ValueError):
    """A Q frame that does not parse: the worker broke the protocol."""


@dataclass(frozen=True)
class SdkRequest:
    """One decoded Q frame: its id and the request as the listener would have parsed it."""

    rid: int
    request: HttpRequest

    @property
    def service(self) -> str | None:
        """The SigV4 credential scope's service, or None for an unsigned request."""
        found = _SCOPE.search(self.request.headers.get("authorization", ""))
        return found.group(1) if found else None


def decode(payload: bytes) -> SdkRequest:
    """A Q frame's body: JSON {"i", "m", "u", "h"}, a newline, the request body."""
    try:
        newline = payload.index(b"\n")
        head = json.loads(payload[:newline])
        headers = [(str(k), str(v)) for k, v in head["h"]]
        return SdkRequest(int(head["i"]), wire_request(str(head["m"]), str(head["u"]), headers,
                                                       payload[newline + 1:]))
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedSdkRequest(f"bad SDK request frame: {exc}") from None


def encode(rid: int, resp: HttpResponse, method: str) -> bytes:
    """The A frame's body for an answer (status 0: the connection was dropped without one)."""
    head = {"i": rid, "s": resp.status, "h": [[k, v] for k, v in resp.headers]}
    body = b"" if method == "HEAD" else resp.body
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + body


class SdkRequests:
    """Answers workers' SDK requests with the app the listener serves."""

    def __init__(self, app: App, faults: FaultPlan) -> None:
        self.app = app
        self.faults = faults
        self._lock = threading.Lock()
        self._counts = {"in_place": 0, "on_thread": 0}

    def answer(self, sdk: SdkRequest) -> bytes:
        return encode(sdk.rid, self.app(sdk.request), sdk.request.method)

    def prompt(self, sdk: SdkRequest) -> bool:
        """Whether the exchange thread may answer in place (see the module docstring); counted."""
        in_place = not self.faults.active and sdk.service in PROMPT_SERVICES
        with self._lock:
            self._counts["in_place" if in_place else "on_thread"] += 1
        return in_place

    def metrics(self) -> dict[str, int]:
        """SDK requests that came by pipe, answered in place or on a thread of their own."""
        with self._lock:
            return dict(self._counts)
