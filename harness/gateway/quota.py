"""Usage-plan quotas per key on UTC calendar periods, and the per-day log GetUsage reports.

Periods: DAY starts 00:00 UTC, WEEK on Sunday 00:00 UTC (the SDK docs' day-0 of a week), MONTH
on the 1st. offset is "the number of requests subtracted from the given limit in the initial
time period" (https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html); the
initial period is the one in which the gateway first saw the plan.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from harness.gateway.model import QuotaSpec


def utc_day(ts: float) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def period_start(day: date, period: str) -> date:
    """First day of the quota period that contains day."""
    if period == "WEEK":
        return day - timedelta(days=(day.weekday() + 1) % 7)
    if period == "MONTH":
        return day.replace(day=1)
    return day


def next_period_start(start: date, period: str) -> date:
    if period == "WEEK":
        return start + timedelta(days=7)
    if period == "MONTH":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


@dataclass
class _KeyUsage:
    used: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    adjust: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    period: tuple[date, QuotaSpec] | None = None
    consumed: int = 0  # used + adjustments in the current period


class QuotaBook:
    """Admits or refuses one request per (plan, key) and keeps daily counts; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._usage: dict[tuple[str, str], _KeyUsage] = {}
        self._initial: dict[str, date] = {}

    def observe_plan(self, plan_id: str, now: float) -> None:
        """Remember when a plan was first seen: its quota's initial period starts then."""
        if plan_id not in self._initial:
            with self._lock:
                self._initial.setdefault(plan_id, utc_day(now))

    def limit_for(self, plan_id: str, spec: QuotaSpec, start: date) -> int:
        first = self._initial.get(plan_id)
        if first is not None and period_start(first, spec.period) == start:
            return max(spec.limit - spec.offset, 0)
        return spec.limit

    def _sync(self, plan_id: str, u: _KeyUsage, spec: QuotaSpec, day: date) -> date:
        start = period_start(day, spec.period)
        if u.period != (start, spec):
            u.period = (start, spec)
            u.consumed = sum(n for d, n in u.used.items() if start <= d <= day) + \
                sum(n for d, n in u.adjust.items() if start <= d <= day)
        return start

    def admit(self, plan_id: str, key_id: str, spec: QuotaSpec | None, now: float) -> bool:
        """Count the request if the key has quota left in this period; False when exhausted."""
        day = utc_day(now)
        with self._lock:
            u = self._usage.get((plan_id, key_id))
            if u is None:
                u = self._usage[(plan_id, key_id)] = _KeyUsage()
            if spec is not None:
                start = self._sync(plan_id, u, spec, day)
                if u.consumed >= self.limit_for(plan_id, spec, start):
                    return False
                u.consumed += 1
            u.used[day] += 1
            return True

    def remaining(self, plan_id: str, key_id: str, spec: QuotaSpec, now: float) -> int:
        day = utc_day(now)
        with self._lock:
            u = self._usage.setdefault((plan_id, key_id), _KeyUsage())
            start = self._sync(plan_id, u, spec, day)
            return max(self.limit_for(plan_id, spec, start) - u.consumed, 0)

    def set_remaining(self, plan_id: str, key_id: str, spec: QuotaSpec, value: int,
                      now: float) -> None:
        """UpdateUsage's replace /remaining: grant (or take) quota for the current period."""
        day = utc_day(now)
        with self._lock:
            u = self._usage.setdefault((plan_id, key_id), _KeyUsage())
            start = self._sync(plan_id, u, spec, day)
            delta = (self.limit_for(plan_id, spec, start) - u.consumed) - value
            u.adjust[day] += delta
            u.consumed += delta

    def daily(self, plan_id: str, key_id: str, spec: QuotaSpec | None, first: date,
              last: date) -> list[list[int]]:
        """[[used, remaining], ...] for each day first..last, remaining as at that day's end."""
        out: list[list[int]] = []
        with self._lock:
            u = self._usage.get((plan_id, key_id)) or _KeyUsage()
            used, adjust = dict(u.used), dict(u.adjust)
        day = first
        while day <= last:
            n = used.get(day, 0)
            if spec is None:
                out.append([n, 0])
            else:
                start = period_start(day, spec.period)
                spent = sum(v for d, v in used.items() if start <= d <= day) + \
                    sum(v for d, v in adjust.items() if start <= d <= day)
                out.append([n, max(self.limit_for(plan_id, spec, start) - spent, 0)])
            day += timedelta(days=1)
        return out

    def keys_with_usage(self, plan_id: str) -> set[str]:
        with self._lock:
            return {k for (p, k) in self._usage if p == plan_id}

    def reset(self) -> None:
        with self._lock:
            self._usage.clear()
            self._initial.clear()


def usage_document(plan_id: str, start: str, end: str, items: dict[str, list[list[int]]],
                   position: str | None) -> dict[str, Any]:
    """GetUsage's response body."""
    doc: dict[str, Any] = {"usagePlanId": plan_id, "startDate": start, "endDate": end,
                           "items": items}
    if position is not None:
        doc["position"] = position
    return doc
