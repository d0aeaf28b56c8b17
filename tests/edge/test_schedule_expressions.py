"""Schedule expressions as due times (pure logic).

https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from harness.edge.schedule_expressions import Schedule, ScheduleExpressionError


def _ts(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()  # type: ignore[arg-type]


def test_rate_counts_from_the_anchor() -> None:
    s = Schedule.parse("rate(1 hour)")
    assert s.next_due(_ts(2030, 1, 1, 0, 30), _ts(2030, 1, 1)) == _ts(2030, 1, 1, 1)


def test_cron_day_of_week_is_one_for_sunday() -> None:
    """Day-of-week 1-7 is SUN-SAT (cron-based schedules table)."""
    s = Schedule.parse("cron(15 12 ? * 1 *)")
    assert s.next_due(_ts(2030, 1, 1), 0) == _ts(2030, 1, 6, 12, 15)  # 2030-01-06 is a Sunday


def test_cron_steps_lists_and_month_names() -> None:
    s = Schedule.parse("cron(0/20 8,17 1 JAN-MAR ? 2030)")
    assert s.next_due(_ts(2030, 1, 1, 8, 0), 0) == _ts(2030, 1, 1, 8, 20)
    assert s.next_due(_ts(2030, 1, 1, 17, 40), 0) == _ts(2030, 2, 1, 8, 0)
    assert s.next_due(_ts(2030, 3, 1, 17, 40), 0) is None


def test_at_fires_once_in_its_time_zone() -> None:
    s = Schedule.parse("at(2030-06-01T09:00:00)", "Europe/Paris")
    assert s.next_due(0, 0) == _ts(2030, 6, 1, 7, 0)
    assert s.next_due(_ts(2030, 6, 1, 7, 0), 0) is None


@pytest.mark.parametrize("text", ["rate(0 minutes)", "rate(1 minutes)", "rate(2 hour)",
                                  "cron(0 9 * * * *)", "cron(0 9 ? * ?)", "at(2030-13-01T00:00:00)",
                                  "every day"])
def test_invalid_expressions_are_refused(text: str) -> None:
    """rate needs a positive value with the singular unit for 1; cron needs six fields and one `?`."""
    with pytest.raises(ScheduleExpressionError):
        Schedule.parse(text)
