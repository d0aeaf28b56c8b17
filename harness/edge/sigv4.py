"""SigV4 verification: the edge recomputes every signature the way AWS does before trusting a key."""

from __future__ import annotations

import calendar
import email.utils
import hashlib
import hmac
import posixpath
import re
import time
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from urllib.parse import quote, unquote

from harness.botocore_loader import shared_loader
from harness.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Presigned URLs: X-Amz-Expires is 1..604800 seconds; without it a signature lasts 15 minutes
# (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
MAX_PRESIGNED_EXPIRES = 604800
DEFAULT_PRESIGNED_EXPIRES = 900


class SigV4Error(Exception):
    """Why a request's signature information is unusable; each kind maps to a service error."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "incomplete" | "unsupported"


@dataclass(frozen=True)
class SignedRequest:
    """The signature claims a request makes about itself."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    security_token: str | None
    presigned: bool
    expires: int | None = None  # X-Amz-Expires of a presigned request, in seconds

    def expires_at(self) -> float | None:
        """When a presigned request stops being valid (epoch seconds); None for header signing."""
        if not self.presigned:
            return None
        signed_at = calendar.timegm(time.strptime(self.amz_date, "%Y%m%dT%H%M%SZ"))
        return signed_at + (self.expires if self.expires is not None else DEFAULT_PRESIGNED_EXPIRES)


_SCOPE_DATE = re.compile(r"[0-9]{8}")
_AMZ_DATE = re.compile(r"([0-9]{8})T[0-9]{6}Z")
# Every AWS partition's region names: us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, ...
_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")


def _split_credential(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
        raise SigV4Error(
            "incomplete",
            f"Credential should be scoped to a valid region. Authorization header requires "
            f"'Credential' parameter in the form 'AKID/date/region/service/aws4_request', "
            f"got '{credential[:200]}'.",
        )
    akid, date, region, service = parts[:4]
    if not _SCOPE_DATE.fullmatch(date):
        raise SigV4Error("incomplete", f"Credential should be scoped to a valid date, not "
                         f"'{date[:40]}'.")
    if not _REGION.fullmatch(region) or region not in _known_regions():
        raise SigV4Error("incomplete", f"Credential should be scoped to a valid region, not "
                         f"'{region[:40]}'.")
    if not _SERVICE.fullmatch(service):
        raise SigV4Error("incomplete", f"Credential should be scoped to correct service: "
                         f"'{service[:40]}'.")
    return akid, date, region, service


@lru_cache(maxsize=1)
def _known_regions() -> frozenset[str]:
    """Every region of every partition botocore knows (the upstream has a backend for each)."""
    data = shared_loader().load_data("endpoints")
    return frozenset(r for part in data.get("partitions", []) for r in part.get("regions", {}))


def _check_amz_date(amz_date: str, scope_date: str) -> None:
    m = _AMZ_DATE.fullmatch(amz_date)
    if m is None:
        raise SigV4Error("incomplete", f"Date must be in ISO-8601 'basic format'. Got "
                         f"'{amz_date[:40]}'. See http://en.wikipedia.org/wiki/ISO_8601")
    if m.group(1) != scope_date:
        raise SigV4Error("incomplete", f"Date in Credential scope does not match YYYYMMDD from "
                         f"ISO-8601 version of date from HTTP: '{scope_date}' != '{m.group(1)}', "
                         f"from '{amz_date}'.")


def _from_date_header(value: str | None) -> str:
    """AWS reads the Date header when X-Amz-Date is absent; an HTTP-date (what SDKs write there)
    is signed in ISO 8601 basic form. Unparseable values are returned as they are, to be refused."""
    if not value or _AMZ_DATE.fullmatch(value.strip()):
        return (value or "").strip()
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return value
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_authorization(req: HttpRequest) -> SignedRequest | None:
    """Read the SigV4 claims from the header or a presigned query; None if the request is unsigned."""
    auth = req.headers.get("authorization")
    if auth is None:
        return _parse_presigned(req)
    auth = auth.strip()
    if not auth.startswith(ALGORITHM + " "):
        if auth.startswith("AWS "):
            raise SigV4Error("unsupported", "Signature Version 2 is not supported; use SigV4.")
        raise SigV4Error(
            "incomplete",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
            f"parameters with the {ALGORITHM} algorithm.",
        )
    fields: dict[str, str] = {}
    for part in auth[len(ALGORITHM) + 1:].split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SigV4Error("incomplete", f"Authorization header has a malformed part: '{part[:80]}'.")
        fields[key.strip()] = value.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise SigV4Error(
            "incomplete",
            "Authorization header requires " + ", ".join(f"'{m}'" for m in missing)
            + " parameter" + ("s" if len(missing) > 1 else "") + ".",
        )
    akid, date, region, service = _split_credential(fields["Credential"])
    amz_date = req.headers.get("x-amz-date") or _from_date_header(req.headers.get("date"))
    if not amz_date:
        raise SigV4Error("incomplete", "Authorization header requires existence of either a "
                         "'X-Amz-Date' or a 'Date' header.")
    _check_amz_date(amz_date, date)
    signed = tuple(h.strip().lower() for h in fields["SignedHeaders"].split(";") if h.strip())
    if "host" not in signed:
        raise SigV4Error("incomplete", "'Host' or ':authority' must be a 'SignedHeader' in the "
                         "AWS Authorization.")
    return SignedRequest(akid, date, region, service, signed, fields["Signature"], amz_date,
                         req.headers.get("x-amz-security-token"), False)


def _parse_presigned(req: HttpRequest) -> SignedRequest | None:
    if "X-Amz-Algorithm" not in req.query:
        return None
    q = {k: v for k, v in req.query_params()}
    if q.get("X-Amz-Algorithm") != ALGORITHM:
        raise SigV4Error("unsupported", "Only AWS4-HMAC-SHA256 presigned requests are supported.")
    for k in ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"):
        if not q.get(k):
            raise SigV4Error("incomplete", f"Query-string authentication requires the {k} parameter.")
    akid, date, region, service = _split_credential(q["X-Amz-Credential"])
    _check_amz_date(q["X-Amz-Date"], date)
    signed = tuple(h.lower() for h in q["X-Amz-SignedHeaders"].split(";") if h)
    return SignedRequest(akid, date, region, service, signed, q["X-Amz-Signature"],
                         q["X-Amz-Date"], q.get("X-Amz-Security-Token"), True,
                         _presigned_expires(q.get("X-Amz-Expires"), service))


def _presigned_expires(raw: str | None, service: str) -> int | None:
    """X-Amz-Expires as S3 validates it (S3 requires it; other services default to 15 minutes)."""
    if raw is None:
        if service == "s3":
            raise SigV4Error("incomplete", "Query-string authentication version 4 requires the "
                             "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
                             "X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        return None
    if not raw.lstrip("-").isdigit():
        raise SigV4Error("incomplete", "X-Amz-Expires should be a number")
    value = int(raw)
    if value < 0:
        raise SigV4Error("incomplete", "X-Amz-Expires must be non-negative")
    if value > MAX_PRESIGNED_EXPIRES:
        raise SigV4Error("incomplete", "X-Amz-Expires must be less than a week (in seconds) that "
                         f"is; {MAX_PRESIGNED_EXPIRES}")
    return value


@lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived key is the same for a whole day, so it is cached."""
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(k, region.encode(), hashlib.sha256).digest()
    k = hmac.new(k, service.encode(), hashlib.sha256).digest()
    return hmac.new(k, b"aws4_request", hashlib.sha256).digest()


def _canonical_uri(path: str, service: str) -> str:
    if service == "s3":
        return path or "/"
    normalized = posixpath.normpath(path) if path not in ("", "/") else "/"
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    if normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")
    return quote(normalized, safe="/~")


def _canonical_query(query: str, presigned: bool) -> list[str]:
    """Both spellings SDKs use: pairs re-encoded per the spec, and pairs as sent."""
    pairs: list[tuple[str, str]] = []
    raw_pairs: list[tuple[str, str]] = []
    for pair in query.split("&") if query else []:
        if not pair:
            continue
        k, _, v = pair.partition("=")
        if presigned and unquote(k) == "X-Amz-Signature":
            continue
        raw_pairs.append((k, v))
        pairs.append((quote(unquote(k.replace("+", " ")), safe="-_.~"),
                      quote(unquote(v.replace("+", " ")), safe="-_.~")))
    spec = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    as_sent = "&".join(f"{k}={v}" for k, v in sorted(raw_pairs))
    return [spec] if spec == as_sent else [spec, as_sent]


def _canonical_headers(req: HttpRequest, signed: tuple[str, ...]) -> str | None:
    lines = []
    for name in sorted(set(signed)):
        values = [v for k, v in req.raw_headers if k.lower() == name]
        if not values:
            value = req.headers.get(name)
            if value is None:
                return None
            values = [value]
        lines.append(f"{name}:" + ",".join(" ".join(v.split()) for v in values))
    return "\n".join(lines)


def _payload_hash(req: HttpRequest, claims: SignedRequest) -> str | None:
    """The payload hash to sign with, computed from the body actually received.

    A client-supplied x-amz-content-sha256 is only a claim: trusting it would let a body be
    swapped after signing. Only S3 accepts the unsigned/streaming markers; any other value must be
    the hash of the body that arrived (AWS answers XAmzContentSHA256Mismatch / a bad signature).
    None means the claim is false.
    """
    if claims.presigned and claims.service == "s3":
        return "UNSIGNED-PAYLOAD"
    actual = hashlib.sha256(req.body).hexdigest() if req.body else EMPTY_SHA256
    claimed = req.headers.get("x-amz-content-sha256")
    if not claimed:
        return actual
    if claims.service == "s3" and (claimed == "UNSIGNED-PAYLOAD"
                                   or claimed.startswith("STREAMING-")):
        return claimed
    return claimed if hmac.compare_digest(claimed.lower(), actual) else None


def verify(req: HttpRequest, claims: SignedRequest, secret: str) -> bool:
    """True when the request's signature is the one the secret would produce."""
    headers = _canonical_headers(req, claims.signed_headers)
    if headers is None:
        return False
    payload_hash = _payload_hash(req, claims)
    if payload_hash is None:
        return False
    scope = f"{claims.date}/{claims.region}/{claims.service}/aws4_request"
    key = signing_key(secret, claims.date, claims.region, claims.service)
    signed_list = ";".join(sorted(set(claims.signed_headers)))
    uri = _canonical_uri(req.path, claims.service)
    for query in _canonical_query(req.query, claims.presigned):
        canonical = "\n".join([req.method, uri, query, headers + "\n", signed_list, payload_hash])
        to_sign = "\n".join([ALGORITHM, claims.amz_date, scope,
                             hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()])
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, claims.signature):
            return True
    return False
