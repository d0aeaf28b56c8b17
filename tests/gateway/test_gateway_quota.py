"""Quota periods on UTC boundaries, offset in the initial period, and the GetUsage daily log.

Docs: https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html (limit, offset =
"the number of requests subtracted from the given limit in the initial time period", period
DAY/WEEK/MONTH); day boundaries are UTC; GetUsage items are [used, remaining] per day
(https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from harness.gateway.model import QuotaSpec
from harness.gateway.quota import QuotaBook, next_period_start, period_start, utc_day


def ts(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: float = 0) -> float:
    return datetime(y, m, d, hh, mm, tzinfo=UTC).timestamp() + ss


def test_day_boundary_is_utc_midnight() -> None:
    assert utc_day(ts(2026, 3, 4, 23, 59, 59.9)) == date(2026, 3, 4)
    assert utc_day(ts(2026, 3, 5)) == date(2026, 3, 5)
    assert period_start(date(2026, 3, 4), "DAY") == date(2026, 3, 4)


def test_week_starts_on_sunday_utc() -> None:
    # 2026-03-04 is a Wednesday; its week began Sunday 2026-03-01
    assert period_start(date(2026, 3, 4), "WEEK") == date(2026, 3, 1)
    assert period_start(date(2026, 3, 1), "WEEK") == date(2026, 3, 1)
    assert period_start(date(2026, 2, 28), "WEEK") == date(2026, 2, 22)
    assert next_period_start(date(2026, 3, 1), "WEEK") == date(2026, 3, 8)


def test_month_starts_on_the_first_and_rolls_over_years() -> None:
    assert period_start(date(2026, 2, 28), "MONTH") == date(2026, 2, 1)
    assert next_period_start(date(2026, 12, 1), "MONTH") == date(2027, 1, 1)
    assert next_period_start(date(2026, 1, 1), "MONTH") == date(2026, 2, 1)


def admit_n(book: QuotaBook, spec: QuotaSpec, now: float, n: int, plan: str = "p",
            key: str = "k") -> int:
    return sum(book.admit(plan, key, spec, now) for _ in range(n))


def test_day_quota_exhausts_then_resets_at_utc_midnight() -> None:
    book = QuotaBook()
    spec = QuotaSpec(limit=3, offset=0, period="DAY")
    book.observe_plan("p", ts(2026, 3, 1))
    assert admit_n(book, spec, ts(2026, 3, 4, 10), 5) == 3
    assert admit_n(book, spec, ts(2026, 3, 4, 23, 59, 59), 1) == 0
    assert admit_n(book, spec, ts(2026, 3, 5, 0, 0, 0.001), 5) == 3


def test_week_quota_resets_on_sunday_not_before() -> None:
    book = QuotaBook()
    spec = QuotaSpec(limit=2, offset=0, period="WEEK")
    book.observe_plan("p", ts(2026, 2, 1))
    assert admit_n(book, spec, ts(2026, 3, 4), 3) == 2       # Wednesday
    assert admit_n(book, spec, ts(2026, 3, 7, 23, 59), 1) == 0  # Saturday night
    assert admit_n(book, spec, ts(2026, 3, 8), 3) == 2       # Sunday


def test_month_quota_resets_on_the_first() -> None:
    book = QuotaBook()
    spec = QuotaSpec(limit=2, offset=0, period="MONTH")
    book.observe_plan("p", ts(2026, 1, 1))
    assert admit_n(book, spec, ts(2026, 3, 4), 3) == 2
    assert admit_n(book, spec, ts(2026, 3, 31, 23, 59), 1) == 0
    assert admit_n(book, spec, ts(2026, 4, 1), 3) == 2


def test_offset_reduces_only_the_initial_period() -> None:
    book = QuotaBook()
    spec = QuotaSpec(limit=5, offset=3, period="WEEK")
    book.observe_plan("p", ts(2026, 3, 4))
    assert admit_n(book, spec, ts(2026, 3, 5), 10) == 2
    assert admit_n(book, spec, ts(2026, 3, 9), 10) == 5


def test_quota_is_per_key_and_per_plan() -> None:
    book = QuotaBook()
    spec = QuotaSpec(limit=1, offset=0, period="DAY")
    now = ts(2026, 3, 4)
    assert book.admit("p", "a", spec, now) and not book.admit("p", "a", spec, now)
    assert book.admit("p", "b", spec, now)
    assert book.admit("q", "a", spec, now)


def test_daily_log_reports_used_and_remaining_per_day() -> None:
    book = QuotaBook()
    spec = QuotaSpec(limit=10, offset=0, period="WEEK")
    book.observe_plan("p", ts(2026, 2, 1))
    admit_n(book, spec, ts(2026, 3, 2), 2)
    admit_n(book, spec, ts(2026, 3, 4), 3)
    log = book.daily("p", "k", spec, date(2026, 3, 1), date(2026, 3, 9))
    assert log == [[0, 10], [2, 8], [0, 8], [3, 5], [0, 5], [0, 5], [0, 5], [0, 10], [0, 10]]


def test_set_remaining_grants_extra_quota_for_the_current_period() -> None:
    book = QuotaBook()
    spec = QuotaSpec(limit=2, offset=0, period="DAY")
    now = ts(2026, 3, 4)
    admit_n(book, spec, now, 2)
    assert book.remaining("p", "k", spec, now) == 0
    book.set_remaining("p", "k", spec, 3, now)
    assert admit_n(book, spec, now, 5) == 3
    assert admit_n(book, spec, ts(2026, 3, 5), 5) == 2


def test_changed_limit_applies_to_usage_already_counted() -> None:
    book = QuotaBook()
    now = ts(2026, 3, 4)
    admit_n(book, QuotaSpec(5, 0, "DAY"), now, 4)
    assert admit_n(book, QuotaSpec(6, 0, "DAY"), now, 5) == 2


@pytest.mark.parametrize("period", ["DAY", "WEEK", "MONTH"])
def test_next_period_start_is_a_later_period_boundary(period: str) -> None:
    day = date(2026, 1, 1)
    for _ in range(400):
        start = period_start(day, period)
        nxt = next_period_start(start, period)
        assert nxt > day and period_start(nxt, period) == nxt
        day = date.fromordinal(day.toordinal() + 1)
