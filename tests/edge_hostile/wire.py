"""Raw HTTP to the edge on 127.0.0.1, SigV4 signing by hand, and checks of AWS's error shapes."""

from __future__ import annotations

import http.client
import json
import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"
DDB_PREFIX = "com.amazonaws.dynamodb.v20120810#"
JSON_10 = "application/x-amz-json-1.0"
JSON_11 = "application/x-amz-json-1.1"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:  # what a failed assertion shows
        return f"Reply({self.status}, {self.headers!r}, {self.body[:300]!r})"


class Wire:
    """A tiny HTTP client for one loopback port: one connection per request, nothing hidden."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def send(self, method: str, path: str, body: bytes = b"",
             headers: dict[str, str] | None = None, timeout: float = 30.0) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def sign(self, service: str, body: bytes, headers: dict[str, str], *, key: str = "test",
             secret: str = "test", token: str | None = None, method: str = "POST",
             path: str = "/", region: str = REGION) -> dict[str, str]:
        """Headers that make a correct SigV4 signature for this exact request."""
        req = AWSRequest(method=method, url=self.base + path, data=body, headers=dict(headers))
        SigV4Auth(Credentials(key, secret, token), service, region).add_auth(req)
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in req.headers.items()}

    def signed(self, service: str, body: bytes, headers: dict[str, str], *, method: str = "POST",
               path: str = "/", **kw: Any) -> Reply:
        return self.send(method, path, body,
                         self.sign(service, body, headers, method=method, path=path, **kw))

    # Shorthands for the three wire protocols the hostile tests aim at.
    def dynamodb(self, operation: str, body: bytes, **kw: Any) -> Reply:
        return self.signed("dynamodb", body, ddb_headers(operation), **kw)

    def query(self, service: str, params: str, **kw: Any) -> Reply:
        return self.signed(service, params.encode(), {"Content-Type": FORM}, **kw)

    def raw(self, data: bytes, *, shutdown: bool = True, timeout: float = 5.0) -> bytes:
        """Bytes on a fresh socket; everything the server sends back until it closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            try:
                s.sendall(data)
                if shutdown:
                    s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may close on us mid-send once it has seen enough garbage
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, TimeoutError):
                    break
                if not chunk:
                    break
                out += chunk
            return out


def ddb_headers(operation: str) -> dict[str, str]:
    return {"X-Amz-Target": f"DynamoDB_20120810.{operation}", "Content-Type": JSON_10}


def cognito_headers(operation: str) -> dict[str, str]:
    return {"X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
            "Content-Type": JSON_11}


def status_line(raw: bytes) -> int:
    """The status code of the first response in a raw byte stream."""
    first = raw.split(b"\r\n", 1)[0].split(b" ")
    assert first[0].startswith(b"HTTP/1."), raw[:200]
    return int(first[1])


# -- AWS error shapes ----------------------------------------------------------------------------

def is_client_error(r: Reply) -> bool:
    return 400 <= r.status < 500


def json_error(r: Reply, *, dynamodb: bool = False) -> str:
    """awsJson 1.0/1.1 (DynamoDB, Cognito): a JSON object with __type and a message. Returns the code."""
    assert 400 <= r.status < 500, r
    # The edge says application/x-amz-json-1.x as AWS does; moto's own errors say application/json.
    assert "json" in (r.header("content-type") or ""), r
    body = r.json()
    assert isinstance(body, dict), r
    type_name = body.get("__type")
    assert isinstance(type_name, str) and type_name, r
    message = body.get("message", body.get("Message"))
    assert isinstance(message, str), r
    if dynamodb:
        assert type_name.startswith(DDB_PREFIX), r
    return type_name.rsplit("#", 1)[-1]


def query_error(r: Reply) -> str:
    """AWS query protocol (STS, IAM): <ErrorResponse><Error><Code>. Returns the code."""
    assert 400 <= r.status < 500, r
    root = ET.fromstring(r.body)
    assert root.tag.split("}")[-1] == "ErrorResponse", r
    codes = [el.text for el in root.iter() if el.tag.split("}")[-1] == "Code"]
    assert codes and codes[0], r
    return str(codes[0])


def rest_json_error(r: Reply) -> str:
    """REST-JSON (Lambda, API Gateway): x-amzn-ErrorType header and a JSON body with a message."""
    assert 400 <= r.status < 500, r
    code = r.header("x-amzn-errortype")
    assert code, r
    body = r.json()
    assert isinstance(body, dict), r
    assert isinstance(body.get("message", body.get("Message")), str), r
    return code.split(":", 1)[0]


def error_of(protocol: str, r: Reply) -> str:
    if protocol == "dynamodb":
        return json_error(r, dynamodb=True)
    if protocol == "json":
        return json_error(r)
    if protocol == "query":
        return query_error(r)
    if protocol == "rest-json":
        return rest_json_error(r)
    raise AssertionError(f"unknown protocol {protocol}")


def not_a_server_error(protocol: str, r: Reply) -> None:
    """A hostile request may succeed (2xx) or be refused (4xx in the service's shape); never 5xx."""
    assert r.status < 500, r
    if r.status >= 400:
        error_of(protocol, r)
