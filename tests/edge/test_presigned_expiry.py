"""Presigned requests expire: X-Amz-Date + X-Amz-Expires, measured on the clock that signed them.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
"""

from __future__ import annotations

import datetime
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import botocore.auth
import botocore.config
import pytest

from harness.edge.sigv4 import SignedRequest
from harness.target import EmbeddedTarget
from tests.edge.helpers import allow, doc, make_user, unique


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _s3(target: EmbeddedTarget) -> Any:
    """An S3 client presigning with SigV4 (boto3 presigns S3 with SigV2 unless told)."""
    return boto3.session.Session().client(
        "s3", region_name="us-east-1", endpoint_url=target.endpoint, aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "path"}))


@pytest.fixture(scope="module")
def obj(aws: Any) -> tuple[str, str]:
    bucket = unique("presign")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="k.txt", Body=b"hello")
    return bucket, "k.txt"


def _signed_hours_ago(monkeypatch: pytest.MonkeyPatch, hours: float) -> None:
    """botocore's presigner reads this clock for X-Amz-Date; move it into the past."""
    real = botocore.auth.get_current_datetime

    def past(remove_tzinfo: bool = True) -> datetime.datetime:
        return real(remove_tzinfo) - datetime.timedelta(hours=hours)

    monkeypatch.setattr(botocore.auth, "get_current_datetime", past)


def test_presigned_s3_url_works_until_it_expires(target: EmbeddedTarget,
                                                 obj: tuple[str, str]) -> None:
    """An S3 presigned GET succeeds within ExpiresIn and is then refused with 403 AccessDenied
    "Request has expired".

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
    """
    bucket, key = obj
    # X-Amz-Date has whole seconds, so ExpiresIn=1 can leave a GET on a busy machine no time at all.
    url = _s3(target).generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                           ExpiresIn=3)
    assert _get(url) == (200, b"hello")
    time.sleep(4.1)
    status, body = _get(url)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body and b"Request has expired" in body


def test_presigned_url_signed_earlier_than_its_expiry_is_refused(
        target: EmbeddedTarget, obj: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed two hours ago for one hour: expired, whatever the signature says.

    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    """
    bucket, key = obj
    _signed_hours_ago(monkeypatch, 2)
    s3 = _s3(target)
    stale = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                      ExpiresIn=3600)
    fresh = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                      ExpiresIn=3 * 3600)
    assert _get(stale)[0] == 403 and b"Request has expired" in _get(stale)[1]
    assert _get(fresh) == (200, b"hello")


def test_presigned_expiry_ignores_the_virtual_clock(target: EmbeddedTarget,
                                                    obj: tuple[str, str]) -> None:
    """X-Amz-Date comes from the SDK's wall clock, so expiry is measured on wall time: advancing
    the harness clock (session and token TTLs) does not age a presigned URL.

    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    """
    bucket, key = obj
    url = _s3(target).generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                           ExpiresIn=600)
    target.clock.advance(3600)
    assert _get(url) == (200, b"hello")


def test_presigned_query_protocol_request_expires_with_the_service_shape(
        aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A presigned STS query past its expiry is refused in the query protocol's XML error shape.

    botocore signs the presigned query with the operation's method (POST), so it is sent so.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
    """
    _, key = make_user(aws, doc(allow("iam:GetUser")))
    sts = aws("sts", creds=key)
    ok = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    assert _get(ok, "POST")[0] == 200
    _signed_hours_ago(monkeypatch, 1)
    status, body = _get(sts.generate_presigned_url("get_caller_identity", ExpiresIn=60), "POST")
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body and b"Request has expired" in body


@pytest.mark.parametrize(("expires", "message"), [
    ("604801", b"X-Amz-Expires must be less than a week"),
    ("-1", b"X-Amz-Expires must be non-negative"),
    ("soon", b"X-Amz-Expires should be a number"),
])
def test_presigned_expires_out_of_range_is_refused(target: EmbeddedTarget, obj: tuple[str, str],
                                                   expires: str, message: bytes) -> None:
    """X-Amz-Expires is a number of seconds from 1 to 604800 (seven days).

    https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    """
    bucket, key = obj
    url = _s3(target).generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                           ExpiresIn=60)
    status, body = _get(url.replace("X-Amz-Expires=60", f"X-Amz-Expires={expires}"))
    assert 400 <= status < 500 and message in body


def test_expiry_is_date_plus_expires_and_header_signing_has_none() -> None:
    """The deadline is X-Amz-Date plus X-Amz-Expires (15 minutes when a non-S3 URL omits it).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
    """
    base = dict(access_key="AKID", date="20260101", region="us-east-1", service="sts",
                signed_headers=("host",), signature="00", amz_date="20260101T000000Z",
                security_token=None)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).timestamp()
    assert SignedRequest(**base, presigned=True, expires=60).expires_at() == start + 60
    assert SignedRequest(**base, presigned=True).expires_at() == start + 900
    assert SignedRequest(**base, presigned=False).expires_at() is None
