"""The request/response values that pass between the listener, the edge and the gateway."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class HttpRequest:
    """One parsed HTTP request; header names are kept lower-case for lookup."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    client: str = "127.0.0.1"
    raw_headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def query_params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def query_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for k, v in self.query_params():
            out.setdefault(k, []).append(v)
        return out

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


# What http.client and urllib3 add to every request botocore sends (botocore does not sign them).
_WIRE_DEFAULTS = (("Accept-Encoding", "identity"),)


def wire_request(method: str, url: str, headers: Iterable[tuple[str, str | bytes]], body: bytes,
                 client: str = "127.0.0.1") -> HttpRequest:
    """A request an SDK handed over without a socket, as the listener's parser would have produced
    it from http.client's bytes: the Host and Content-Length http.client adds, headers joined."""
    parts = urlsplit(url)
    raw: list[tuple[str, str]] = [("Host", parts.netloc)]
    raw += [(str(k), v.decode("latin-1") if isinstance(v, bytes) else str(v)) for k, v in headers]
    present = {k.lower() for k, _ in raw}
    raw += [(k, v) for k, v in _WIRE_DEFAULTS if k.lower() not in present]
    if "content-length" not in present and (body or method.upper() in ("POST", "PUT", "PATCH")):
        raw.append(("Content-Length", str(len(body))))
    joined: dict[str, str] = {}
    for name, value in raw:
        lname = name.lower()
        joined[lname] = f"{joined[lname]},{value}" if lname in joined else value
    return HttpRequest(method.upper(), parts.path or "/", parts.query, joined, body, client, raw)


@dataclass
class HttpResponse:
    """What goes back on the wire, written in one buffered send."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    def set_header(self, name: str, value: str) -> None:
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname]
        self.headers.append((name, value))

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def json_response(
    status: int, payload: Any, headers: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
) -> HttpResponse:
    """A JSON body with its content type, the usual shape of AWS JSON-protocol answers."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return HttpResponse(status, [("Content-Type", content_type), *(headers or [])], body)


def text_response(status: int, text: str, content_type: str = "text/plain") -> HttpResponse:
    return HttpResponse(status, [("Content-Type", content_type)], text.encode())
