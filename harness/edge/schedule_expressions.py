"""EventBridge and Scheduler schedule expressions: rate(), cron() and at(), as due times on a clock.

https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html: cron has
six fields (minutes hours day-of-month month day-of-week year), day-of-week 1-7 is SUN-SAT, one
of the two day fields must be `?`; rate counts from when the schedule is created.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_HORIZON_DAYS = 366 * 5


class ScheduleExpressionError(ValueError):
    """An expression AWS would refuse (ValidationException on PutRule / CreateSchedule)."""


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    if text in ("*", "?"):
        return frozenset(range(low, high + 1))
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", ""):
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(base, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high) or step < 1:
            raise ScheduleExpressionError(f"value out of range in {text!r}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleExpressionError(f"unsupported cron value {text!r}")
    return int(text)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: "?" (day-of-week decides)
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1-7 = SUN-SAT; None: "?"
    years: frozenset[int]

    @classmethod
    def parse(cls, body: str) -> Cron:
        fields = body.split()
        if len(fields) != 6:
            raise ScheduleExpressionError("cron() needs six fields")
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ScheduleExpressionError("one of day-of-month and day-of-week must be '?'")
        return cls(_field(minute, 0, 59), _field(hour, 0, 23),
                   None if dom == "?" else _field(dom, 1, 31), _field(month, 1, 12, _MONTHS),
                   None if dow == "?" else _field(dow, 1, 7, _DAYS), _field(year, 1970, 2199))

    def _day_matches(self, day: datetime) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.days is not None:
            return day.day in self.days
        assert self.weekdays is not None
        return (day.isoweekday() % 7) + 1 in self.weekdays

    def next_after(self, moment: datetime) -> datetime | None:
        """The first matching minute strictly after `moment` (in moment's zone)."""
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(_HORIZON_DAYS):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None


@dataclass(frozen=True)
class Schedule:
    """One parsed expression; next_due() walks its fire times in epoch seconds."""

    expression: str
    zone: ZoneInfo | None
    rate_s: int | None = None
    cron: Cron | None = None
    at: float | None = None

    @classmethod
    def parse(cls, expression: str, timezone: str | None = None) -> Schedule:
        try:
            zone = ZoneInfo(timezone) if timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleExpressionError(f"unknown time zone {timezone}") from None
        text = expression.strip()
        rate = _RATE.match(text)
        if rate:
            count, unit = int(rate.group(1)), rate.group(2).rstrip("s")
            if count < 1 or (count == 1) != (not rate.group(2).endswith("s")):
                raise ScheduleExpressionError(f"invalid rate expression {expression}")
            return cls(text, zone, rate_s=count * _UNIT_S[unit])
        if text.startswith("cron(") and text.endswith(")"):
            return cls(text, zone, cron=Cron.parse(text[5:-1]))
        if text.startswith("at(") and text.endswith(")"):
            try:
                naive = datetime.strptime(text[3:-1], "%Y-%m-%dT%H:%M:%S")
            except ValueError:
                raise ScheduleExpressionError(f"invalid at() expression {expression}") from None
            return cls(text, zone, at=naive.replace(tzinfo=zone or UTC).timestamp())
        raise ScheduleExpressionError(f"invalid schedule expression {expression}")

    def next_due(self, after: float, anchor: float) -> float | None:
        """The first fire time strictly after `after`; rate() counts from `anchor` (creation)."""
        if self.at is not None:
            return self.at if self.at > after else None
        if self.rate_s is not None:
            periods = int((after - anchor) // self.rate_s) + 1
            return anchor + periods * self.rate_s
        assert self.cron is not None
        moment = datetime.fromtimestamp(after, self.zone or UTC)
        found = self.cron.next_after(moment)
        return found.timestamp() if found else None
