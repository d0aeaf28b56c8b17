"""Huge and malformed policy JSON in IAM and STS calls: refused in IAM/STS's own XML error shape.

AWS references: IAM MalformedPolicyDocument and LimitExceeded
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html#API_PutRolePolicy_Errors);
IAM character quotas: role inline policies 10,240, user 2,048, group 5,120, managed 6,144, role
trust policy 2,048, whitespace not counted
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length);
policyDocumentType length 1..131,072 (API reference); STS AssumeRole Policy up to 2,048 characters and
PackedPolicyTooLarge (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.edge_hostile.conftest import HOSTILE_ACCOUNT
from tests.edge_hostile.wire import Reply, Wire, query_error

IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
ROLE = "policy-target"
USER = "policy-user"
GOOD = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{HOSTILE_ACCOUNT}:root"},
     "Action": "sts:AssumeRole"}]})


def iam(wire: Wire, action: str, **params: str) -> Reply:
    return wire.query("iam", urlencode({"Action": action, "Version": IAM_VERSION, **params}))


@pytest.fixture(scope="module")
def caller(haws: Callable[..., Any]) -> dict[str, str]:
    """A user allowed sts:AssumeRole, and a role trusting the account: the STS tests' cast."""
    client = haws("iam")
    client.create_role(RoleName=ROLE, AssumeRolePolicyDocument=TRUST)
    client.put_role_policy(RoleName=ROLE, PolicyName="good", PolicyDocument=GOOD)
    client.create_user(UserName=USER)
    client.put_user_policy(UserName=USER, PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Resource": "*"}]}))
    client.create_group(GroupName="policy-group")
    key = client.create_access_key(UserName=USER)["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def assume(wire: Wire, caller: dict[str, str], **params: str) -> Reply:
    body = urlencode({"Action": "AssumeRole", "Version": STS_VERSION,
                      "RoleArn": f"arn:aws:iam::{HOSTILE_ACCOUNT}:role/{ROLE}",
                      "RoleSessionName": "hostile", **params})
    return wire.query("sts", body, key=caller["AccessKeyId"], secret=caller["SecretAccessKey"])


MALFORMED = {
    "not json": "{not json",
    "truncated": GOOD[:-3],
    "trailing garbage": GOOD + "}}",
    "json array": "[1, 2]",
    "json string": '"policy"',
    "json null": "null",
    "empty object": "{}",
    "no Statement": '{"Version": "2012-10-17"}',
    "Statement a number": '{"Version": "2012-10-17", "Statement": 5}',
    "empty Statement list": '{"Version": "2012-10-17", "Statement": []}',
    "bad Effect": '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*", '
                  '"Resource": "*"}]}',
    "action without vendor": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                             '"Action": "GetItem", "Resource": "*"}]}',
    "unknown element": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
                       '"s3:*", "Resource": "*", "Bogus": 1}]}',
    "unknown operator": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
                        '"s3:*", "Resource": "*", "Condition": {"StringFooBar": {"a": "b"}}}]}',
    "bad version": '{"Version": "2099-01-01", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
                   '"Resource": "*"}]}',
    "NaN": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": NaN, '
           '"Resource": "*"}]}',
    "deep nesting": "[" * 50_000 + "]" * 50_000,
    "deep object": '{"Statement": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}",
    "NUL bytes": "\x00" * 100,
    "lone surrogate escape": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                             '"Action": "s3:*", "Resource": "\\ud800"}]}',
}
IDENTITY_ONLY = {
    "principal in identity policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                                    '"Principal": "*", "Action": "s3:*", "Resource": "*"}]}',
    "no Resource": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}',
}
TRUST_ONLY = {
    "trust without Principal": GOOD,
}


@pytest.mark.parametrize("case", sorted({**MALFORMED, **IDENTITY_ONLY}))
@pytest.mark.parametrize("action", ["PutRolePolicy", "PutUserPolicy", "PutGroupPolicy", "CreatePolicy"])
def test_malformed_identity_policies_are_refused(wire: Wire, caller: dict[str, str], case: str,
                                                 action: str) -> None:
    doc = {**MALFORMED, **IDENTITY_ONLY}[case]
    target = {"PutRolePolicy": {"RoleName": ROLE, "PolicyName": "bad"},
              "PutUserPolicy": {"UserName": USER, "PolicyName": "bad"},
              "PutGroupPolicy": {"GroupName": "policy-group", "PolicyName": "bad"},
              "CreatePolicy": {"PolicyName": "bad-managed"}}[action]
    r = iam(wire, action, PolicyDocument=doc, **target)
    assert query_error(r) in ("MalformedPolicyDocument", "ValidationError", "LimitExceeded"), r


@pytest.mark.parametrize("case", sorted({**MALFORMED, **TRUST_ONLY}))
def test_malformed_trust_policies_are_refused(wire: Wire, caller: dict[str, str], case: str) -> None:
    doc = {**MALFORMED, **TRUST_ONLY}[case]
    refusals = ("MalformedPolicyDocument", "ValidationError", "LimitExceeded")
    r = iam(wire, "CreateRole", RoleName="bad-trust", AssumeRolePolicyDocument=doc)
    assert query_error(r) in refusals, r
    r = iam(wire, "UpdateAssumeRolePolicy", RoleName=ROLE, PolicyDocument=doc)
    assert query_error(r) in refusals, r


def test_an_empty_policy_document_is_a_validation_error(wire: Wire, caller: dict[str, str]) -> None:
    r = iam(wire, "PutRolePolicy", RoleName=ROLE, PolicyName="empty", PolicyDocument="")
    assert query_error(r) in ("ValidationError", "MalformedPolicyDocument"), r


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["Version", "Statement", "Effect",
                                                             "Action", "Resource", "Principal",
                                                             "Condition", "Sid", "x"]),
                                            inner, max_size=4)),
    max_leaves=12)


@settings(max_examples=60)
@given(doc=st.one_of(st.text(max_size=200), json_values.map(json.dumps)))
def test_random_text_is_never_stored_as_a_policy(wire: Wire, caller: dict[str, str], doc: str) -> None:
    r = iam(wire, "PutRolePolicy", RoleName=ROLE, PolicyName="fuzz", PolicyDocument=doc)
    assert r.status < 500, r
    if r.status == 200:  # hypothesis built a valid policy: fine, it must then parse for the gate
        from harness.iam import parse_policy

        parse_policy(doc)
        return
    assert query_error(r) in ("MalformedPolicyDocument", "ValidationError", "LimitExceeded"), r


def _sized_policy(chars: int) -> str:
    """A valid identity policy of about `chars` non-whitespace characters."""
    filler = "x" * max(1, chars - 120)
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem",
         "Resource": f"arn:aws:dynamodb:us-east-1:{HOSTILE_ACCOUNT}:table/{filler}"}]})


@pytest.mark.parametrize(("action", "target", "limit"), [
    ("PutRolePolicy", {"RoleName": ROLE, "PolicyName": "big"}, 10240),
    ("PutUserPolicy", {"UserName": USER, "PolicyName": "big"}, 2048),
    ("PutGroupPolicy", {"GroupName": "policy-group", "PolicyName": "big"}, 5120),
    ("CreatePolicy", {"PolicyName": "big-managed"}, 6144),
])
def test_policies_over_iams_character_quota_are_limit_exceeded(wire: Wire, caller: dict[str, str],
                                                              action: str, target: dict[str, str],
                                                              limit: int) -> None:
    r = iam(wire, action, PolicyDocument=_sized_policy(limit + 50), **target)
    assert query_error(r) == "LimitExceeded", r
    assert str(limit) in r.body.decode(), r
    # Just under the quota is fine: the limit is the quota, not a guess.
    ok = iam(wire, action, PolicyDocument=_sized_policy(limit - 200), **target)
    assert ok.status == 200, ok


def test_limit_exceeded_has_iams_status_409(wire: Wire, caller: dict[str, str]) -> None:
    r = iam(wire, "PutRolePolicy", RoleName=ROLE, PolicyName="big", PolicyDocument=_sized_policy(11000))
    assert query_error(r) == "LimitExceeded"
    assert r.status == 409, r


def test_whitespace_does_not_count_towards_the_quota(wire: Wire, caller: dict[str, str]) -> None:
    padded = GOOD.replace(",", "," + " " * 4000)  # ~12 KB of text, ~110 characters that count
    r = iam(wire, "PutUserPolicy", UserName=USER, PolicyName="padded", PolicyDocument=padded)
    assert r.status == 200, r


@pytest.mark.parametrize("size", [131_073, 5 * 1024 * 1024])
def test_policies_over_the_api_length_limit_are_validation_errors(wire: Wire, caller: dict[str, str],
                                                                  size: int) -> None:
    doc = _sized_policy(size)
    for action, target in (("PutRolePolicy", {"RoleName": ROLE, "PolicyName": "huge"}),
                           ("CreateRole", {"RoleName": "huge-trust"})):
        key = "AssumeRolePolicyDocument" if action == "CreateRole" else "PolicyDocument"
        r = iam(wire, action, **{key: doc}, **target)
        assert query_error(r) == "ValidationError", r
        assert "131072" in r.body.decode(), r


def test_an_oversized_trust_policy_is_limit_exceeded(wire: Wire, caller: dict[str, str]) -> None:
    trust = json.loads(TRUST)
    trust["Statement"][0]["Principal"]["AWS"] = [
        f"arn:aws:iam::{HOSTILE_ACCOUNT}:user/u{i:04d}" for i in range(80)]
    r = iam(wire, "CreateRole", RoleName="wide-trust", AssumeRolePolicyDocument=json.dumps(trust))
    assert query_error(r) == "LimitExceeded", r


def test_refused_writes_leave_the_role_and_its_sessions_intact(wire: Wire, caller: dict[str, str],
                                                               haws: Callable[..., Any]) -> None:
    """After every refusal above, the role still has exactly its good policy and can be assumed."""
    from harness.iam import parse_policy

    client = haws("iam")
    stored = client.get_role_policy(RoleName=ROLE, PolicyName="good")["PolicyDocument"]
    assert stored == json.loads(GOOD)
    assert "bad" not in client.list_role_policies(RoleName=ROLE)["PolicyNames"]
    for name in client.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        doc = client.get_role_policy(RoleName=ROLE, PolicyName=name)["PolicyDocument"]
        parse_policy(json.dumps(doc))  # nothing the gate cannot read was stored
    trust = client.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert trust == json.loads(TRUST)
    assert "bad-trust" not in {r["RoleName"] for r in client.list_roles()["Roles"]}
    r = assume(wire, caller)
    assert r.status == 200, r


# -- sts:AssumeRole session policies ---------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_session_policies_are_refused(wire: Wire, caller: dict[str, str], case: str) -> None:
    r = assume(wire, caller, Policy=MALFORMED[case])
    assert query_error(r) in ("MalformedPolicyDocument", "ValidationError"), r


def test_a_session_policy_over_2048_characters_is_a_validation_error(wire: Wire,
                                                                     caller: dict[str, str]) -> None:
    r = assume(wire, caller, Policy=_sized_policy(2100))
    assert query_error(r) == "ValidationError", r
    assert "2048" in r.body.decode()


def test_a_huge_session_policy_is_a_validation_error(wire: Wire, caller: dict[str, str]) -> None:
    r = assume(wire, caller, Policy=_sized_policy(3 * 1024 * 1024))
    assert query_error(r) == "ValidationError", r


def test_an_incompressible_session_policy_is_packed_policy_too_large(wire: Wire,
                                                                      caller: dict[str, str]) -> None:
    """Under 2,048 characters but too big once packed: PackedPolicyTooLarge, as STS answers."""
    rng = random.Random(7)
    resources: list[str] = []

    def render(res: list[str]) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": res}]},
            separators=(",", ":"))

    while True:
        name = "".join(rng.choices(string.ascii_letters + string.digits, k=60))
        more = [*resources, f"arn:aws:dynamodb:*:*:table/{name}"]
        if len(render(more)) > 2048:
            break
        resources = more
    policy = render(resources)
    assert 1900 < len(policy) <= 2048
    r = assume(wire, caller, Policy=policy)
    assert query_error(r) == "PackedPolicyTooLarge", r


@settings(max_examples=50)
@given(policy=st.one_of(st.text(min_size=1, max_size=300), json_values.map(json.dumps),
                        st.text(min_size=2049, max_size=2600)))
def test_random_session_policies_get_an_sts_refusal(wire: Wire, caller: dict[str, str],
                                                    policy: str) -> None:
    r = assume(wire, caller, Policy=policy)
    assert r.status < 500, r
    if r.status == 200:
        return  # hypothesis wrote a valid policy
    assert query_error(r) in ("MalformedPolicyDocument", "ValidationError", "PackedPolicyTooLarge"), r


@pytest.mark.parametrize("params", [
    {"DurationSeconds": "abc"}, {"DurationSeconds": "-5"}, {"DurationSeconds": "1e3"},
    {"DurationSeconds": "9" * 40}, {"DurationSeconds": "899"}, {"DurationSeconds": ""},
    {"RoleSessionName": "x"}, {"RoleSessionName": "bad name!"}, {"RoleSessionName": "y" * 65},
    {"RoleArn": "not-an-arn"}, {"RoleArn": "arn:aws:iam::123:role/" + "r" * 3000},
    {"PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/Nope"},
    {"Tags.member.1.Key": "", "Tags.member.1.Value": "v"},
])
def test_other_hostile_assume_role_parameters(wire: Wire, caller: dict[str, str],
                                              params: dict[str, str]) -> None:
    r = assume(wire, caller, **params)
    assert 400 <= r.status < 500, r
    query_error(r)
