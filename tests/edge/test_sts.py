"""STS as the edge implements it: trust policies, durations, session size, expiry on the virtual clock.

Docs: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html (role chaining, root)
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.target import EmbeddedTarget
from tests.edge.helpers import ACCOUNT, allow, doc, error_code, make_role, make_table, make_user


def assume(aws: Any, key: dict[str, str], role_arn: str, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = aws("sts", creds=key).assume_role(RoleArn=role_arn,
                                                             RoleSessionName="s1", **kw)
    return out


def code_of(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        fn(*args, **kwargs)
    return error_code(info.value), info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_trust_policy_naming_the_user_allows_assume_role_without_identity_policy(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    out = assume(aws, key, role)
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/" + role.split("/")[-1] + "/s1")


def test_trust_policy_not_naming_the_caller_denies(aws: Any) -> None:
    _, key = make_user(aws, doc(allow("sts:AssumeRole")))
    other_arn, _ = make_user(aws)
    role = make_role(aws, {"AWS": other_arn})
    assert code_of(assume, aws, key, role) == ("AccessDenied", 403)


def test_trust_naming_the_account_needs_the_callers_sts_assume_role_permission(aws: Any) -> None:
    role = make_role(aws, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    _, without = make_user(aws)
    assert code_of(assume, aws, without, role)[0] == "AccessDenied"
    _, with_perm = make_user(aws, doc(allow("sts:AssumeRole", role)))
    assert assume(aws, with_perm, role)["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_root_cannot_assume_a_role(aws: Any) -> None:
    role = make_role(aws, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    code, status = code_of(aws("sts").assume_role, RoleArn=role, RoleSessionName="root")
    assert (code, status) == ("AccessDenied", 403)


def test_missing_role_is_access_denied_not_a_leak_of_existence(aws: Any) -> None:
    _, key = make_user(aws, doc(allow("sts:AssumeRole")))
    code, _ = code_of(assume, aws, key, f"arn:aws:iam::{ACCOUNT}:role/does-not-exist")
    assert code == "AccessDenied"


def test_duration_below_900_is_refused_by_the_service(target: EmbeddedTarget, aws: Any) -> None:
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    body = f"Action=AssumeRole&Version=2011-06-15&RoleArn={role}&RoleSessionName=s1&DurationSeconds=899"
    req = AWSRequest("POST", target.endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(key["AccessKeyId"], key["SecretAccessKey"]), "sts", "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, data=body.encode(), headers=dict(req.headers), method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(r, timeout=10)
    assert info.value.code == 400
    assert b"<Code>ValidationError</Code>" in info.value.read()


def test_duration_above_max_session_duration_is_refused(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn}, max_session=7200)
    assert assume(aws, key, role, DurationSeconds=7200)["Credentials"]
    code, status = code_of(assume, aws, key, role, DurationSeconds=7201)
    assert (code, status) == ("ValidationError", 400)


def test_default_max_session_duration_is_one_hour(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    assert code_of(assume, aws, key, role, DurationSeconds=3601)[0] == "ValidationError"


def test_role_chaining_is_limited_to_one_hour(aws: Any) -> None:
    user_arn, key = make_user(aws)
    first = make_role(aws, {"AWS": user_arn}, doc(allow("sts:AssumeRole")), max_session=43200)
    second = make_role(aws, {"AWS": first}, max_session=43200)
    creds = assume(aws, key, first)["Credentials"]
    sts = aws("sts", creds=creds)
    code, _ = code_of(sts.assume_role, RoleArn=second, RoleSessionName="chain", DurationSeconds=7200)
    assert code == "ValidationError"
    assert sts.assume_role(RoleArn=second, RoleSessionName="chain")["Credentials"]


def test_session_policy_over_the_packed_limit_is_packed_policy_too_large(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    rng = random.Random(7)
    noise = ["arn:aws:dynamodb:us-east-1:123456789012:table/" +
             "".join(rng.choice(string.ascii_letters) for _ in range(40)) for _ in range(40)]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": noise}]},
        separators=(",", ":"))[:2048]
    policy = policy[: policy.rfind('",') + 1] + ']}]}'
    assert len(policy) <= 2048
    code, status = code_of(assume, aws, key, role, Policy=policy)
    assert (code, status) == ("PackedPolicyTooLarge", 400)


def test_small_session_policy_reports_packed_policy_size(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    out = assume(aws, key, role, Policy=doc(allow("dynamodb:GetItem")))
    assert 0 < out["PackedPolicySize"] < 100


def test_malformed_session_policy_is_malformed_policy_document(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    assert code_of(assume, aws, key, role, Policy='{"Version": "2012-10-17", "Statement": [')[0] \
        == "MalformedPolicyDocument"
    assert code_of(assume, aws, key, role, Policy=doc({"Effect": "Maybe", "Action": "s3:*",
                                                       "Resource": "*"}))[0] \
        == "MalformedPolicyDocument"


def test_session_name_must_match_the_documented_pattern(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    code, _ = code_of(aws("sts", creds=key).assume_role, RoleArn=role,
                      RoleSessionName="bad name!")
    assert code == "ValidationError"


def test_get_caller_identity_of_a_session(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    creds = assume(aws, key, role)["Credentials"]
    ident = aws("sts", creds=creds).get_caller_identity()
    assert ident["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/")
    assert ident["UserId"].endswith(":s1") and ident["Account"] == ACCOUNT


def test_expired_session_fails_in_each_services_own_shape(fresh_target: EmbeddedTarget) -> None:
    from tests.conftest import make_client_factory

    aws = make_client_factory(fresh_target.endpoint)
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn}, doc(allow("*")))
    table = make_table(aws)
    creds = assume(aws, key, role, DurationSeconds=900)["Credentials"]
    ddb = aws("dynamodb", creds=creds)
    ddb.describe_table(TableName=table)
    fresh_target.clock.advance(870)  # the clock also runs on real time: a margin for a busy machine
    ddb.describe_table(TableName=table)
    fresh_target.clock.advance(31)
    assert code_of(ddb.describe_table, TableName=table) == ("ExpiredTokenException", 400)
    assert code_of(aws("sts", creds=creds).get_caller_identity)[0] == "ExpiredToken"
    assert code_of(aws("iam", creds=creds).list_roles)[0] == "ExpiredToken"
    assert code_of(aws("lambda", creds=creds).list_functions)[0] == "ExpiredTokenException"


def test_expiration_is_reported_on_the_virtual_clock(fresh_target: EmbeddedTarget) -> None:
    from tests.conftest import make_client_factory

    aws = make_client_factory(fresh_target.endpoint)
    fresh_target.clock.advance(10 * 86400)
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn})
    exp = assume(aws, key, role, DurationSeconds=1200)["Credentials"]["Expiration"]
    assert abs(exp.timestamp() - (fresh_target.clock.now() + 1200)) < 5


def test_wrong_session_token_is_an_invalid_token(aws: Any) -> None:
    user_arn, key = make_user(aws)
    role = make_role(aws, {"AWS": user_arn}, doc(allow("*")))
    creds = dict(assume(aws, key, role)["Credentials"])
    creds["SessionToken"] = creds["SessionToken"][:-4] + "AAAA"
    assert code_of(aws("dynamodb", creds=creds).list_tables)[0] == "UnrecognizedClientException"
    assert code_of(aws("sts", creds=creds).get_caller_identity)[0] == "InvalidClientTokenId"


def test_lambda_service_principal_assumes_a_role_that_trusts_it(target: EmbeddedTarget,
                                                                aws: Any) -> None:
    svc = target.edge.book.service_credentials("lambda.amazonaws.com", target.edge.account)
    key = {"AccessKeyId": svc.access_key, "SecretAccessKey": svc.secret}
    trusting = make_role(aws, {"Service": "lambda.amazonaws.com"})
    assert assume(aws, key, trusting)["Credentials"]["AccessKeyId"].startswith("ASIA")
    user_arn, _ = make_user(aws)
    not_trusting = make_role(aws, {"AWS": user_arn})
    assert code_of(assume, aws, key, not_trusting)[0] == "AccessDenied"


def test_long_expired_sessions_are_forgotten_once_the_book_is_crowded() -> None:
    """Load tests mint a session per authorizer cache miss; the book must not grow forever."""
    from harness.edge import principals

    book = principals.CredentialBook()
    old = principals.Principal("assumed-role", "arn:old", "1", "ASIAOLD", "s", "u",
                               session_token="t", expiration=100.0, issued_at=0.0)
    book.add_session(old)
    saved = principals.SESSION_SWEEP_AT
    principals.SESSION_SWEEP_AT = 1
    try:
        fresh = principals.Principal("assumed-role", "arn:new", "1", "ASIANEW", "s", "u",
                                     session_token="t", expiration=10**9, issued_at=10**8)
        book.add_session(fresh)
    finally:
        principals.SESSION_SWEEP_AT = saved
    assert book.session("ASIAOLD") is None and book.session("ASIANEW") is fresh
