"""Scheduled rules and Scheduler schedules on the frozen virtual clock: advance, tick, count.

https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html and
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from harness.target import EmbeddedTarget, TargetOptions
from tests.awslambda.test_event_sources import _events, _function
from tests.conftest import ClientFactory, make_client_factory
from tests.edge.helpers import allow, doc, make_role


@pytest.fixture
def frozen(tmp_path: Path) -> Iterator[EmbeddedTarget]:
    """A target of its own with a frozen clock and no background poller: only tick() fires."""
    account = f"{random.randrange(10**11, 10**12):012d}"
    with EmbeddedTarget(TargetOptions(port=0, work_dir=tmp_path / "h", frozen_clock=True,
                                      account=account)) as t:
        assert t.pollers is not None
        t.pollers.stop()
        yield t


@pytest.fixture
def aws(frozen: EmbeddedTarget) -> ClientFactory:
    return make_client_factory(frozen.endpoint)


def _tick(t: EmbeddedTarget) -> int:
    assert t.pollers is not None
    return t.pollers.tick()


def test_rate_rule_fires_each_period_as_the_clock_passes_it(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """rate(5 minutes) counts from creation; the function's resource policy admits the rule;
    the event is the documented Scheduled Event."""
    out = tmp_path / "e.jsonl"
    fn = _function(aws, out)
    events = aws("events")
    rule = events.put_rule(Name="every5", ScheduleExpression="rate(5 minutes)")["RuleArn"]
    events.put_targets(Rule="every5", Targets=[{"Id": "f", "Arn": fn}])
    aws("lambda").add_permission(FunctionName="recorder", StatementId="ev", Action="lambda:InvokeFunction",
                                 Principal="events.amazonaws.com", SourceArn=rule)
    assert _tick(frozen) == 0
    frozen.clock.advance(299)
    assert _tick(frozen) == 0
    frozen.clock.advance(1)
    assert _tick(frozen) == 1
    frozen.clock.advance(600)
    assert _tick(frozen) == 2, "two more periods passed"
    assert _tick(frozen) == 0, "each due time fires once"
    first = _events(out)[0]
    assert (first["detail-type"], first["source"], first["resources"]) == (
        "Scheduled Event", "aws.events", [rule])


def test_rule_without_permission_does_not_invoke(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """Without lambda:InvokeFunction for events.amazonaws.com in the function policy, nothing runs."""
    fn = _function(aws, tmp_path / "e.jsonl")
    aws("events").put_rule(Name="denied", ScheduleExpression="rate(1 minute)")
    aws("events").put_targets(Rule="denied", Targets=[{"Id": "f", "Arn": fn}])
    _tick(frozen)
    frozen.clock.advance(180)
    assert _tick(frozen) == 0
    assert _events(tmp_path / "e.jsonl") == []


def test_at_schedule_fires_once_with_its_role_and_deletes_itself(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """at() fires once at its time with the target's Input; ActionAfterCompletion DELETE removes it;
    a role without lambda:InvokeFunction invokes nothing."""
    out = tmp_path / "e.jsonl"
    fn = _function(aws, out)
    trust = {"Service": "scheduler.amazonaws.com"}
    role = make_role(aws, trust, doc(allow("lambda:InvokeFunction", fn)))
    weak = make_role(aws, trust, doc(allow("sqs:SendMessage")))
    when = datetime.fromtimestamp(frozen.clock.now() + 3600, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    scheduler = aws("scheduler")
    for name, role_arn in (("once", role), ("weak", weak)):
        scheduler.create_schedule(Name=name, ScheduleExpression=f"at({when})",
                                  FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
                                  Target={"Arn": fn, "RoleArn": role_arn, "Input": '{"n": 1}'})
    assert _tick(frozen) == 0
    frozen.clock.advance(3600)
    assert _tick(frozen) == 1, "only the schedule whose role may invoke"
    frozen.clock.advance(86400)
    assert _tick(frozen) == 0
    assert [e["n"] for e in _events(out)] == [1]
    with pytest.raises(ClientError):
        scheduler.get_schedule(Name="once")


def test_cron_schedule_follows_weekdays_and_time_zone(
        frozen: EmbeddedTarget, aws: ClientFactory, tmp_path: Path) -> None:
    """cron(0 9 ? * MON-FRI *) in Europe/Paris fires at 09:00 local time on weekdays only."""
    out = tmp_path / "e.jsonl"
    fn = _function(aws, out)
    role = make_role(aws, {"Service": "scheduler.amazonaws.com"},
                     doc(allow("lambda:InvokeFunction", fn)))
    aws("scheduler").create_schedule(
        Name="weekdays", ScheduleExpression="cron(0 9 ? * MON-FRI *)",
        ScheduleExpressionTimezone="Europe/Paris", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": fn, "RoleArn": role, "Input": json.dumps({"k": "v"})})
    _tick(frozen)
    frozen.clock.advance(7 * 86400)
    assert _tick(frozen) == 5
    assert frozen.schedules is not None
    fired = [datetime.fromtimestamp(due, UTC) for _, due, _ in frozen.schedules.fired]
    assert {d.isoweekday() for d in fired} == {1, 2, 3, 4, 5}
    assert {d.hour for d in fired} <= {7, 8}, "09:00 in Paris is 07:00 or 08:00 UTC"
