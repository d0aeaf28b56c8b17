"""The last failure of each function, so a failed step can name the function and its log line."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

_MAX_LINE = 500


@dataclass(frozen=True)
class FunctionFailure:
    """One function's most recent failed invocation, and how many it has had."""

    function: str
    error_type: str
    first_error_line: str
    log_path: str
    request_id: str
    phase: str  # "init" (the module failed to load or its init raised) or "invoke"
    count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> FunctionFailure:
        return cls(function=str(doc.get("function", "")), error_type=str(doc.get("error_type", "")),
                   first_error_line=str(doc.get("first_error_line", "")),
                   log_path=str(doc.get("log_path", "")), request_id=str(doc.get("request_id", "")),
                   phase=str(doc.get("phase", "invoke")), count=int(doc.get("count", 0)))


def error_type_of(payload: bytes) -> str:
    """errorType of a Lambda error document ("Unhandled" when it has none, e.g. a timeout)."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return "Unhandled"
    if isinstance(doc, dict) and isinstance(doc.get("errorType"), str):
        return str(doc["errorType"])
    return "Unhandled"


def first_error_line(log_block: bytes, payload: bytes) -> str:
    """The first [ERROR] or Traceback line the function logged, else the error document's text."""
    for raw in log_block.decode("utf-8", "replace").splitlines():
        text = raw.split("\t")
        for i, field in enumerate(text):
            if field.startswith(("[ERROR]", "Traceback", "Task timed out")) or " Task timed out" in field:
                return "\t".join(text[i:]).strip()[:_MAX_LINE]
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        doc = None
    if isinstance(doc, dict):
        kind, message = doc.get("errorType"), doc.get("errorMessage")
        return (f"{kind}: {message}" if kind else str(message or ""))[:_MAX_LINE]
    return ""


class FailureBook:
    """Per function: the latest failure (with a running count), behind one short lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, FunctionFailure] = {}

    def record(self, *, function: str, error_type: str, line: str, log_path: str,
               request_id: str, phase: str) -> None:
        with self._lock:
            before = self._last.get(function)
            self._last[function] = FunctionFailure(function, error_type, line, log_path,
                                                   request_id, phase,
                                                   (before.count if before else 0) + 1)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {name: f.as_dict() for name, f in sorted(self._last.items())}

    def all(self) -> list[FunctionFailure]:
        with self._lock:
            return sorted(self._last.values(), key=lambda f: f.function)
