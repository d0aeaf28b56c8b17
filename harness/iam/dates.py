"""Date values for Date* operators: W3C ISO 8601 profiles or epoch seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

_ISO = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[Tt](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?P<f>\.\d+)?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?)?)?)?"
)
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")


def _tz(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_date(value: Any) -> float | None:
    """Seconds since the epoch, or None when the value is not a date IAM accepts."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _EPOCH.fullmatch(text):
        return float(text)
    m = _ISO.fullmatch(text)
    if m is None:
        return None
    try:
        moment = datetime(
            int(m["y"]),
            int(m["mo"] or 1),
            int(m["d"] or 1),
            int(m["h"] or 0),
            int(m["mi"] or 0),
            int(m["s"] or 0),
            min(999_999, int(float(m["f"] or 0) * 1_000_000)),
            tzinfo=_tz(m["tz"]),
        )
    except ValueError:
        return None
    return moment.timestamp()
