"""The edge's SigV4 verifier against botocore's own signers, on random requests.

botocore signs (SigV4Auth and S3SigV4Auth in the Authorization header, SigV4QueryAuth and
S3SigV4QueryAuth in a presigned query); the signed request is written as HTTP/1.1 bytes and
parsed by the listener's own `read_request`, then `sigv4.parse_authorization` and `sigv4.verify`
judge it exactly as the edge does. Every request botocore signs must be accepted; any single
change that alters what was signed must be refused.

Docs: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
(canonical request: URI-encode each path segment twice except for S3, normalise the path except
for S3, sort query parameters by encoded name, trim and fold header values, join repeated
headers with commas), https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-query-string-auth.html
(presigned requests), https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
(S3: UNSIGNED-PAYLOAD).
"""

from __future__ import annotations

import email.utils
import io
import string
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any
from urllib.parse import quote, urlsplit

import botocore.loaders
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import assume, given
from hypothesis import strategies as st

from harness.edge.sigv4 import SigV4Error, parse_authorization, verify
from harness.http import HttpRequest
from harness.server import read_request


class Mode(Enum):
    HEADER = "header"
    QUERY = "query"


REGIONS = sorted({r for p in botocore.loaders.create_loader().load_data("endpoints")["partitions"]
                  for r in p["regions"]})
NAMED_SERVICES = ["dynamodb", "sts", "lambda", "execute-api", "iam", "cognito-idp", "apigateway",
                  "monitoring", "codepipeline", "states"]
# Headers the transport owns or the signer writes; a request never carries them twice.
RESERVED = {"host", "content-length", "transfer-encoding", "authorization", "expect", "connection",
            "date", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "content-type",
            "user-agent", "x-amzn-trace-id"}
SAFE_SETS = ["", "-_.~", "-_.~!$'()*,;=:@+"]
HEADER_TEXT = string.ascii_letters + string.digits + string.punctuation + "  \t\u00e9\u00fc"


@dataclass(frozen=True)
class Wire:
    """One request as it travels: request line, header lines in order, body."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def encode(self) -> bytes:
        target = self.path + ("?" + self.query if self.query else "")
        lines = [f"{self.method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in self.headers]
        if self.body:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body

    def parsed(self) -> HttpRequest:
        req = read_request(io.BytesIO(self.encode()), io.BytesIO(), "127.0.0.1")
        assert req is not None
        return req

    def with_header(self, name: str, fn: Any) -> Wire:
        """Apply fn to the value of the first header called name (any case)."""
        out, done = [], False
        for k, v in self.headers:
            if not done and k.lower() == name:
                v, done = fn(v), True
            out.append((k, v))
        assert done, name
        return replace(self, headers=tuple(out))


@dataclass(frozen=True)
class Signed:
    wire: Wire
    secret: str
    access_key: str
    region: str
    service: str
    mode: Mode
    signer: SigV4Auth
    custom_headers: tuple[str, ...]

    def canonical_path(self, path: str) -> str:
        """The path as botocore's signer puts it in the canonical request."""
        return str(self.signer._normalize_url_path(path))


def accepted(wire: Wire, secret: str) -> bool:
    """The edge's judgement: claims parsed from the request, then the signature recomputed."""
    req = wire.parsed()
    try:
        claims = parse_authorization(req)
    except SigV4Error:
        return False
    return claims is not None and verify(req, claims, secret)


segments = st.one_of(st.sampled_from(["", ".", ".."]), st.text(min_size=1, max_size=8))
query_text = st.text(max_size=8).filter(lambda s: not s.lower().startswith("x-amz-"))
header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True).filter(
    lambda n: n.lower() not in RESERVED)


@st.composite
def encoded_path(draw: st.DrawFn) -> str:
    safe = draw(st.sampled_from(SAFE_SETS))
    parts = [quote(s, safe=safe) for s in draw(st.lists(segments, max_size=6))]
    return "/" + "/".join(parts) + draw(st.sampled_from(["", "/"]))


@st.composite
def encoded_query(draw: st.DrawFn) -> str:
    safe = draw(st.sampled_from([*SAFE_SETS[:2], "-_.~+"]))
    keys = draw(st.lists(query_text.filter(bool), min_size=1, max_size=3, unique=True))
    pairs = []
    for _ in range(draw(st.integers(0, 5))):
        key = quote(draw(st.sampled_from(keys)), safe=safe)  # repeated keys
        value = draw(st.none() | query_text)
        pairs.append(key if value is None else f"{key}={quote(value, safe=safe)}")
    return "&".join(pairs)


@st.composite
def header_lines(draw: st.DrawFn) -> list[tuple[str, str]]:
    names = draw(st.lists(header_names, max_size=4, unique_by=str.lower))
    lines = []
    for _ in range(draw(st.integers(0, 6)) if names else 0):
        name = draw(st.sampled_from(names))
        name = draw(st.sampled_from([name, name.lower(), name.upper(), name.swapcase()]))
        value = draw(st.text(alphabet=HEADER_TEXT, max_size=16))
        lines.append((name, value))  # a name drawn twice is a header with multiple values
    return lines


@st.composite
def signed_requests(draw: st.DrawFn, mode: Mode) -> Signed:
    s3 = draw(st.booleans())
    service = "s3" if s3 else draw(st.one_of(
        st.sampled_from(NAMED_SERVICES),
        st.from_regex(r"[a-z][a-z0-9-]{1,20}", fullmatch=True).filter(lambda s: s != "s3")))
    region = draw(st.sampled_from(REGIONS))
    secret = draw(st.text(alphabet=string.ascii_letters + string.digits + "/+", min_size=1,
                          max_size=40))
    access_key = draw(st.from_regex(r"(AKIA|ASIA)[A-Z0-9]{16}", fullmatch=True))
    token = draw(st.none() | st.text(alphabet=string.ascii_letters + string.digits + "/+=",
                                     min_size=1, max_size=60))
    host = draw(st.sampled_from(["127.0.0.1:4566", "localhost", "localhost.localstack.cloud:4566",
                                 "bucket.s3.localhost.localstack.cloud:4566"]))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]))
    path, query = draw(encoded_path()), draw(st.none() | encoded_query())
    body = draw(st.binary(max_size=64)) if mode is Mode.HEADER else b""
    creds = Credentials(access_key, secret, token)
    signer: SigV4Auth
    if mode is Mode.HEADER:
        signer = (S3SigV4Auth if s3 else SigV4Auth)(creds, service, region)
    else:
        signer = (S3SigV4QueryAuth if s3 else SigV4QueryAuth)(creds, service, region,
                                                              expires=draw(st.integers(1, 604800)))
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body)
    lines = draw(header_lines())
    for name, value in lines:
        request.headers[name] = value  # HTTPMessage appends: repeated names stay repeated
    if mode is Mode.HEADER and draw(st.booleans()):
        request.headers["Date"] = "placeholder"  # the signer rewrites it and signs with it
    signer.add_auth(request)
    parts = urlsplit(request.url)
    headers = [("Host", host)] + [(k, v) for k, v in request.headers.items()]
    wire = Wire(method, parts.path, parts.query, tuple(headers), bytes(request.data or b""))
    return Signed(wire, secret, access_key, region, service, mode, signer,
                  tuple(sorted({n.lower() for n, _ in lines})))


MODES = [Mode.HEADER, Mode.QUERY]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_every_request_botocore_signs_is_accepted(mode: Mode, data: st.DataObject) -> None:
    """What the SDK signs, the edge accepts, with the claims read back as signed."""
    s = data.draw(signed_requests(mode))
    req = s.wire.parsed()
    claims = parse_authorization(req)
    assert claims is not None and claims.presigned is (mode is Mode.QUERY)
    assert (claims.access_key, claims.region, claims.service) == (s.access_key, s.region, s.service)
    assert verify(req, claims, s.secret)


def _query_pairs(wire: Wire) -> list[str]:
    return wire.query.split("&") if wire.query else []


def _set_signature(wire: Wire, mode: Mode, fn: Any) -> Wire:
    if mode is Mode.HEADER:
        def sub(v: str) -> str:
            head, _, sig = v.rpartition("Signature=")
            return head + "Signature=" + fn(sig)
        return wire.with_header("authorization", sub)
    pairs = [p if not p.startswith("X-Amz-Signature=") else "X-Amz-Signature=" + fn(p[16:])
             for p in _query_pairs(wire)]
    return replace(wire, query="&".join(pairs))


def _scope_field(wire: Wire, mode: Mode, index: int, value: str) -> Wire:
    """Replace one field (1 date, 2 region, 3 service) of the credential scope."""
    def sub(credential: str, sep: str) -> str:
        fields = credential.split(sep)
        fields[index] = value
        return sep.join(fields)
    if mode is Mode.HEADER:
        def in_header(v: str) -> str:
            head, _, rest = v.partition("Credential=")
            cred, comma, tail = rest.partition(",")
            return head + "Credential=" + sub(cred, "/") + comma + tail
        return wire.with_header("authorization", in_header)
    pairs = [p if not p.startswith("X-Amz-Credential=") else
             "X-Amz-Credential=" + sub(p[len("X-Amz-Credential="):], "%2F")
             for p in _query_pairs(wire)]
    return replace(wire, query="&".join(pairs))


def _flip_hex(sig: str, at: int) -> str:
    i = at % len(sig)
    return sig[:i] + ("0" if sig[i] != "0" else "1") + sig[i + 1:]


def _later_second(amz_date: str) -> str:
    seconds = int(amz_date[13:15])
    return amz_date[:13] + f"{(seconds + 1) % 60:02d}" + amz_date[15:]


def _http_date_a_second_later(value: str) -> str:
    return email.utils.formatdate(email.utils.parsedate_to_datetime(value).timestamp() + 1)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_one_changed_signature_character_is_refused(mode: Mode, data: st.DataObject) -> None:
    s = data.draw(signed_requests(mode))
    at = data.draw(st.integers(0, 63))
    assert not accepted(_set_signature(s.wire, mode, lambda sig: _flip_hex(sig, at)), s.secret)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_a_changed_signed_header_value_is_refused(mode: Mode, data: st.DataObject) -> None:
    s = data.draw(signed_requests(mode))
    name = data.draw(st.sampled_from(("host", *s.custom_headers)))
    assert not accepted(s.wire.with_header(name, lambda v: v + "x"), s.secret)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_a_changed_path_character_is_refused_unless_the_canonical_path_is_unchanged(
        mode: Mode, data: st.DataObject) -> None:
    """Non-S3 paths are normalised before signing (so /a/b/.. and /a are one path); S3's are not."""
    s = data.draw(signed_requests(mode))
    path = s.wire.path
    at = data.draw(st.integers(1, max(1, len(path))))
    new = data.draw(st.sampled_from("aZ%/.-~_"))
    mutated = path[:at] + new + path[at + 1:]
    assume(mutated != path)
    same = s.canonical_path(mutated) == s.canonical_path(path)
    assert accepted(replace(s.wire, path=mutated), s.secret) is same


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_an_added_or_changed_query_parameter_is_refused(mode: Mode, data: st.DataObject) -> None:
    s = data.draw(signed_requests(mode))
    pairs = _query_pairs(s.wire)
    added = replace(s.wire, query="&".join([*pairs, "zz=1"]) if pairs else "zz=1")
    assert not accepted(added, s.secret)
    own = [i for i, p in enumerate(pairs) if not p.startswith("X-Amz-")]
    if own:
        i = data.draw(st.sampled_from(own))
        changed = [*pairs[:i], pairs[i] + ("x" if "=" in pairs[i] else "=x"), *pairs[i + 1:]]
        assert not accepted(replace(s.wire, query="&".join(changed)), s.secret)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_a_changed_body_is_refused_unless_the_payload_is_unsigned(
        mode: Mode, data: st.DataObject) -> None:
    """S3 presigned URLs sign UNSIGNED-PAYLOAD, so only their body may change."""
    s = data.draw(signed_requests(mode))
    extra = data.draw(st.binary(min_size=1, max_size=8))
    unsigned = mode is Mode.QUERY and s.service == "s3"
    assert accepted(replace(s.wire, body=s.wire.body + extra), s.secret) is unsigned


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_a_changed_request_time_is_refused(mode: Mode, data: st.DataObject) -> None:
    s = data.draw(signed_requests(mode))
    if mode is Mode.QUERY:
        pairs = [p if not p.startswith("X-Amz-Date=") else "X-Amz-Date=" + _later_second(p[11:])
                 for p in _query_pairs(s.wire)]
        mutated = replace(s.wire, query="&".join(pairs))
    elif any(k.lower() == "x-amz-date" for k, _ in s.wire.headers):
        mutated = s.wire.with_header("x-amz-date", _later_second)
    else:
        mutated = s.wire.with_header("date", _http_date_a_second_later)
    assert not accepted(mutated, s.secret)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_another_region_or_service_in_the_scope_is_refused(mode: Mode, data: st.DataObject) -> None:
    s = data.draw(signed_requests(mode))
    region = data.draw(st.sampled_from(REGIONS).filter(lambda r: r != s.region))
    service = data.draw(st.sampled_from([*NAMED_SERVICES, "s3"]).filter(lambda v: v != s.service))
    assert not accepted(_scope_field(s.wire, mode, 2, region), s.secret)
    assert not accepted(_scope_field(s.wire, mode, 3, service), s.secret)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@given(data=st.data())
def test_another_secret_or_method_is_refused(mode: Mode, data: st.DataObject) -> None:
    s = data.draw(signed_requests(mode))
    other = data.draw(st.text(alphabet=string.ascii_letters, min_size=1, max_size=40))
    assume(other != s.secret)
    assert not accepted(s.wire, other)
    method = data.draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]).filter(
        lambda m: m != s.wire.method))
    assert not accepted(replace(s.wire, method=method), s.secret)


def test_date_header_is_read_when_x_amz_date_is_absent() -> None:
    """AWS looks for X-Amz-Date first and then the Date header; botocore signs a request that
    carries a Date header with it (an HTTP-date) and writes no X-Amz-Date
    (https://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html)."""
    request = AWSRequest(method="GET", url="http://127.0.0.1:4566/", data=b"")
    request.headers["Date"] = "placeholder"
    SigV4Auth(Credentials("AKIAEXAMPLE000000000", "secret"), "sts", "us-east-1").add_auth(request)
    headers = (("Host", "127.0.0.1:4566"), *request.headers.items())
    wire = Wire("GET", "/", "", tuple(headers), b"")
    assert not any(k.lower() == "x-amz-date" for k, _ in wire.headers)
    assert accepted(wire, "secret")
    req = wire.with_header("date", lambda v: "yesterday-ish").parsed()
    with pytest.raises(SigV4Error, match="ISO-8601"):
        parse_authorization(req)
