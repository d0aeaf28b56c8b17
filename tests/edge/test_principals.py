"""Who may call: root, IAM user keys and their policies, and AWS's per-service authentication errors.

Docs: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.edge.helpers import ACCOUNT, allow, deny, doc, error_code, make_table, make_user, unique

UNKNOWN = {"AccessKeyId": "AKIAUNKNOWNUNKNOWN00", "SecretAccessKey": "x" * 40}


def fails(fn: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    return error_code(info.value), info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_test_test_is_the_account_root(aws: Any) -> None:
    ident = aws("sts").get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT}:root" and ident["Account"] == ACCOUNT


@pytest.mark.parametrize(("service", "call", "code", "status"), [
    ("dynamodb", "list_tables", "UnrecognizedClientException", 400),
    ("sts", "get_caller_identity", "InvalidClientTokenId", 403),
    ("iam", "list_users", "InvalidClientTokenId", 403),
    ("lambda", "list_functions", "UnrecognizedClientException", 403),
    ("cognito-idp", "list_user_pools", "UnrecognizedClientException", 400),
])
def test_unknown_key_fails_in_each_services_own_shape(aws: Any, service: str, call: str,
                                                      code: str, status: int) -> None:
    kwargs = {"MaxResults": 10} if service == "cognito-idp" else {}
    assert fails(getattr(aws(service, creds=UNKNOWN), call), **kwargs) == (code, status)


@pytest.mark.parametrize(("service", "call", "code"), [
    ("dynamodb", "list_tables", "InvalidSignatureException"),
    ("sts", "get_caller_identity", "SignatureDoesNotMatch"),
    ("iam", "list_users", "SignatureDoesNotMatch"),
    ("lambda", "list_functions", "InvalidSignatureException"),
])
def test_bad_signature_fails_in_each_services_own_shape(aws: Any, service: str, call: str,
                                                        code: str) -> None:
    _, key = make_user(aws)
    wrong = {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"] + "x"}
    assert fails(getattr(aws(service, creds=wrong), call))[0] == code


def test_root_signature_is_verified_too(aws: Any) -> None:
    assert fails(aws("dynamodb", key="test", secret="not-test").list_tables)[0] == \
        "InvalidSignatureException"


def test_iam_user_key_is_a_real_principal(aws: Any) -> None:
    arn, key = make_user(aws, doc(allow("dynamodb:ListTables")))
    assert aws("sts", creds=key).get_caller_identity()["Arn"] == arn
    aws("dynamodb", creds=key).list_tables()


def test_default_deny_without_any_policy(aws: Any) -> None:
    _, key = make_user(aws)
    code, status = fails(aws("dynamodb", creds=key).list_tables)
    assert (code, status) == ("AccessDeniedException", 400)


def test_explicit_deny_wins_over_allow(aws: Any) -> None:
    table = make_table(aws)
    _, key = make_user(aws, doc(allow("dynamodb:*")), doc(deny("dynamodb:DescribeTable")))
    ddb = aws("dynamodb", creds=key)
    ddb.list_tables()
    with pytest.raises(ClientError) as info:
        ddb.describe_table(TableName=table)
    assert "with an explicit deny in an identity-based policy" in str(info.value)


def test_action_matching_is_case_insensitive_with_wildcards(aws: Any) -> None:
    _, key = make_user(aws, doc(allow("DynamoDB:list*")))
    aws("dynamodb", creds=key).list_tables()


def test_inactive_and_deleted_keys_stop_working(aws: Any) -> None:
    name = unique("user")
    _, key = make_user(aws, doc(allow("dynamodb:ListTables")), name=name)
    ddb = aws("dynamodb", creds=key)
    ddb.list_tables()
    aws("iam").update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert fails(ddb.list_tables)[0] == "UnrecognizedClientException"
    aws("iam").update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Active")
    ddb.list_tables()
    aws("iam").delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    assert fails(ddb.list_tables)[0] == "UnrecognizedClientException"


def test_group_and_managed_policies_apply(aws: Any) -> None:
    iam = aws("iam")
    name, group = unique("user"), unique("group")
    _, key = make_user(aws, name=name)
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="g", PolicyDocument=doc(allow(
        "dynamodb:ListTables")))
    assert fails(aws("dynamodb", creds=key).list_tables)[0] == "AccessDeniedException"
    iam.add_user_to_group(GroupName=group, UserName=name)
    aws("dynamodb", creds=key).list_tables()
    pol = iam.create_policy(PolicyName=unique("mp"), PolicyDocument=doc(allow(
        "lambda:ListFunctions")))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=pol)
    aws("lambda", creds=key).list_functions()


def test_permissions_boundary_limits_identity_policies(aws: Any) -> None:
    iam = aws("iam")
    name = unique("user")
    boundary = iam.create_policy(PolicyName=unique("b"), PolicyDocument=doc(allow(
        "dynamodb:*")))["Policy"]["Arn"]
    iam.create_user(UserName=name, PermissionsBoundary=boundary)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(allow("dynamodb:*"),
                                                                           allow("lambda:*")))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    key = {"AccessKeyId": k["AccessKeyId"], "SecretAccessKey": k["SecretAccessKey"]}
    aws("dynamodb", creds=key).list_tables()
    with pytest.raises(ClientError) as info:
        aws("lambda", creds=key).list_functions()
    assert "because no permissions boundary allows" in str(info.value)


def test_policy_change_takes_effect_on_the_next_call(aws: Any) -> None:
    name = unique("user")
    _, key = make_user(aws, name=name)
    ddb = aws("dynamodb", creds=key)
    assert fails(ddb.list_tables)[0] == "AccessDeniedException"
    aws("iam").put_user_policy(UserName=name, PolicyName="late",
                               PolicyDocument=doc(allow("dynamodb:ListTables")))
    ddb.list_tables()


def test_policy_variables_resolve_from_the_caller(aws: Any) -> None:
    table = make_table(aws)
    name = unique("user")
    aws("dynamodb").put_item(TableName=table, Item={"shardId": {"S": name}, "id": {"S": "1"}})
    _, key = make_user(aws, doc(allow("dynamodb:GetItem", "*", {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}})), name=name)
    ddb = aws("dynamodb", creds=key)
    assert ddb.get_item(TableName=table, Key={"shardId": {"S": name}, "id": {"S": "1"}})["Item"]
    with pytest.raises(ClientError):
        ddb.get_item(TableName=table, Key={"shardId": {"S": "someone-else"}, "id": {"S": "1"}})


def test_malformed_identity_policy_is_refused_by_iam(aws: Any) -> None:
    iam = aws("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    with pytest.raises(ClientError) as info:
        iam.put_user_policy(UserName=name, PolicyName="bad", PolicyDocument='{"Statement": 5}')
    assert error_code(info.value) == "MalformedPolicyDocument"
