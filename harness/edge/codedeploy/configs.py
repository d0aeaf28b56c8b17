"""CodeDeploy's predefined Lambda deployment configurations and the traffic each gives the new version.

https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
("Predefined deployment configurations for an AWS Lambda compute platform").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class ShiftKind(Enum):
    CANARY = "TimeBasedCanary"
    LINEAR = "TimeBasedLinear"
    ALL_AT_ONCE = "AllAtOnce"


@dataclass(frozen=True)
class ShiftConfig:
    """A deployment configuration: `percent` of traffic first (canary) or per step (linear)."""

    name: str
    kind: ShiftKind
    percent: int = 100
    interval_min: int = 0

    def new_version_weight(self, elapsed_s: float) -> float:
        """The new version's share of traffic `elapsed_s` after shifting began (1.0: all of it)."""
        if self.kind is ShiftKind.ALL_AT_ONCE:
            return 1.0
        steps = int(max(elapsed_s, 0.0) // (self.interval_min * 60))
        if self.kind is ShiftKind.CANARY:
            return 1.0 if steps >= 1 else self.percent / 100
        return min(1.0, (steps + 1) * self.percent / 100)

    def finished_after_s(self) -> float:
        """Virtual seconds from the start of shifting until all traffic is on the new version."""
        if self.kind is ShiftKind.ALL_AT_ONCE:
            return 0.0
        if self.kind is ShiftKind.CANARY:
            return self.interval_min * 60.0
        return (-(-100 // self.percent) - 1) * self.interval_min * 60.0


_PREDEFINED = re.compile(r"CodeDeployDefault\.Lambda(?:Canary(\d+)Percent(\d+)Minutes?|"
                         r"Linear(\d+)PercentEvery(\d+)Minutes?|(AllAtOnce))")
PREDEFINED = (
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
)


def predefined(name: str) -> ShiftConfig | None:
    """The predefined Lambda configuration of this name, or None (custom configs are not kept)."""
    if name not in PREDEFINED:
        return None
    match = _PREDEFINED.fullmatch(name)
    assert match is not None
    if match.group(5):
        return ShiftConfig(name, ShiftKind.ALL_AT_ONCE)
    if match.group(1):
        return ShiftConfig(name, ShiftKind.CANARY, int(match.group(1)), int(match.group(2)))
    return ShiftConfig(name, ShiftKind.LINEAR, int(match.group(3)), int(match.group(4)))
