"""The gate checks Secrets Manager, SSM, SQS and Scheduler calls against their real resource ARNs.

Resource types and ARN formats: the Service Authorization Reference pages
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html,
list_awssystemsmanager.html, list_amazonsqs.html and list_amazoneventbridgescheduler.html.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.edge.helpers import allow, doc, error_code, make_role, make_user, unique


def test_secret_read_by_name_is_checked_against_its_full_arn(aws: Any) -> None:
    """A grant on one secret's ARN (with its random suffix) lets the name read it, not another.
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html"""
    sm = aws("secretsmanager")
    mine, other = unique("mine"), unique("other")
    arn = sm.create_secret(Name=mine, SecretString="s1")["ARN"]
    other_arn = sm.create_secret(Name=other, SecretString="s2")["ARN"]
    _, key = make_user(aws, doc(allow("secretsmanager:GetSecretValue", arn)))
    client = aws("secretsmanager", creds=key)
    assert client.get_secret_value(SecretId=mine)["SecretString"] == "s1"
    with pytest.raises(ClientError) as err:
        client.get_secret_value(SecretId=other)
    assert error_code(err.value) == "AccessDeniedException"
    assert other_arn in str(err.value)


def test_parameter_paths_and_queues_are_their_own_resources(aws: Any) -> None:
    """ssm:GetParameter on `parameter/app/*` and sqs:SendMessage on one queue ARN."""
    ssm = aws("ssm")
    app, other = f"/app/{unique('p')}", f"/other/{unique('p')}"
    for name in (app, other):
        ssm.put_parameter(Name=name, Value="v", Type="String")
    sqs = aws("sqs")
    ok_url = sqs.create_queue(QueueName=unique("ok"))["QueueUrl"]
    no_url = sqs.create_queue(QueueName=unique("no"))["QueueUrl"]
    ok_arn = sqs.get_queue_attributes(QueueUrl=ok_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    _, key = make_user(aws, doc(allow("ssm:GetParameter", "arn:aws:ssm:us-east-1:*:parameter/app/*"),
                                allow("sqs:SendMessage", ok_arn)))
    assert aws("ssm", creds=key).get_parameter(Name=app)["Parameter"]["Value"] == "v"
    with pytest.raises(ClientError) as err:
        aws("ssm", creds=key).get_parameter(Name=other)
    assert error_code(err.value) == "AccessDeniedException"
    aws("sqs", creds=key).send_message(QueueUrl=ok_url, MessageBody="x")
    with pytest.raises(ClientError) as err:
        aws("sqs", creds=key).send_message(QueueUrl=no_url, MessageBody="x")
    assert "AccessDenied" in error_code(err.value)


def test_create_schedule_passes_its_target_role(aws: Any) -> None:
    """CreateSchedule needs iam:PassRole on Target.RoleArn for scheduler.amazonaws.com.
    https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role"""
    role = make_role(aws, {"Service": "scheduler.amazonaws.com"}, doc(allow("lambda:InvokeFunction")))
    schedules = "arn:aws:scheduler:us-east-1:*:schedule/default/*"
    _, without = make_user(aws, doc(allow("scheduler:CreateSchedule", schedules)))
    _, with_pass = make_user(aws, doc(
        allow("scheduler:CreateSchedule", schedules),
        allow("iam:PassRole", role, {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}})))
    params: dict[str, Any] = {
        "ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "RoleArn": role}}
    with pytest.raises(ClientError) as err:
        aws("scheduler", creds=without).create_schedule(Name=unique("s"), **params)
    assert "iam:PassRole" in str(err.value)
    name = unique("s")
    aws("scheduler", creds=with_pass).create_schedule(Name=name, **params)
    with pytest.raises(ClientError) as err:
        aws("scheduler", creds=with_pass).create_schedule(Name=name, GroupName="other", **params)
    assert error_code(err.value) == "AccessDeniedException", "another group is another resource"
    aws("scheduler").delete_schedule(Name=name)
