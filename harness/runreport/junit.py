"""Reads the suites' JUnit XML (pytest's xunit1) back into one typed record per test."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.mutants.runner import node_id
from harness.suites.attempts import PROPERTY

Outcome = Literal["passed", "failed", "error", "skipped"]
_SUITE_FILE = re.compile(r"test_(s\d+)_", re.IGNORECASE)


class JUnitError(ValueError):
    """The file is missing or is not JUnit XML."""


@dataclass(frozen=True)
class CaseResult:
    """One test as pytest reported it: where it lives, how it ended, why, and what it attempted."""

    nodeid: str
    file: str
    name: str
    outcome: Outcome
    seconds: float
    message: str
    attempts: int

    @property
    def suite(self) -> str:
        return suite_id(self.file)


def suite_id(file: str) -> str:
    """`S2` for scenarios/test_s2_api_isolation.py; the file's stem for any other file."""
    name = Path(file).name
    m = _SUITE_FILE.match(name)
    return m.group(1).upper() if m else Path(file).stem


def _outcome(case: ET.Element) -> tuple[Outcome, str]:
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        found = case.find(tag)
        if found is not None:
            message = found.get("message") or (found.text or "").strip()
            return outcome, message  # type: ignore[return-value]
    return "passed", ""


def _attempts(case: ET.Element) -> int:
    total = 0
    for prop in case.iter("property"):
        if prop.get("name") == PROPERTY:
            try:
                total += int(prop.get("value") or 0)
            except ValueError:
                continue
    return total


def read_cases(path: Path) -> list[CaseResult]:
    """Every testcase of the file, in the order pytest wrote them."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise JUnitError(f"{path}: {exc}") from None
    out: list[CaseResult] = []
    for case in root.iter("testcase"):
        nid = node_id(case)
        outcome, message = _outcome(case)
        file = case.get("file") or nid.split("::", 1)[0]
        try:
            seconds = float(case.get("time") or 0.0)
        except ValueError:
            seconds = 0.0
        out.append(CaseResult(nid, file, case.get("name", ""), outcome, seconds, message, _attempts(case)))
    return out
