"""botocore clients that reach the harness app in their own process without a socket.

The embedded target deploys its own SaaS through boto3 clients pointed at its own listener. For
those clients, `attach` hooks botocore's `before-send`: botocore still builds, serialises and
signs every request exactly as for HTTP, and the hook hands the same request to the app as the
listener would have parsed it off the wire (method, path, query, headers with the Host and
Content-Length that http.client adds, body), then gives botocore the app's answer as a response.
Everything past the socket runs unchanged: SigV4 verification, the IAM gate, moto. What is left
out is loopback TCP, http.client, urllib3 and the listener's parser, about a fifth of `up`'s CPU.
Clients a user makes, and `saas-harness deploy` in its own process, still go over HTTP.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectionClosedError

from harness.http import HttpRequest, HttpResponse, wire_request

App = Callable[[HttpRequest], HttpResponse]


class _Body(io.BytesIO):
    """The answer's body as urllib3's response offers it to botocore: read() and stream()."""

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


def _request_body(request: AWSPreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    data = body.read()  # a file-like body (streaming uploads)
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def to_http_request(request: AWSPreparedRequest) -> HttpRequest:
    """The request as the listener's parser would have produced it from http.client's bytes."""
    return wire_request(request.method, request.url, request.headers.items(), _request_body(request))


def to_aws_response(url: str, resp: HttpResponse) -> AWSResponse:
    headers: dict[str, str] = {}
    for name, value in resp.headers:
        lname = name.lower()
        headers[lname] = f"{headers[lname]}, {value}" if lname in headers else value
    headers.setdefault("content-length", str(len(resp.body)))
    return AWSResponse(url, resp.status, headers, _Body(resp.body))


def attach(client: Any, app: App) -> Any:
    """Send this client's requests straight to `app`; returns the client."""

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        resp = app(to_http_request(request))
        if resp.status == 0:  # a fault plan's dropped connection: no answer at all
            raise ConnectionClosedError(endpoint_url=request.url)
        return to_aws_response(request.url, resp)

    client.meta.events.register_first("before-send", send)
    return client


__all__ = ["App", "attach", "to_aws_response", "to_http_request"]
