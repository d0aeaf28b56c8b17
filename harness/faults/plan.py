"""The live fault plan: which rule a call meets, what it draws (seeded), and what was injected."""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from harness.faults.models import ErrorFault, FaultConfig, FaultRule, FunctionFault, Latency


@dataclass(frozen=True)
class Decision:
    """What happens to one call: sleep this long, then answer the error (if any) instead."""

    rule: str
    delay_s: float
    error: ErrorFault | None = None
    function: FunctionFault | None = None


def draw_latency(latency: Latency, rng: random.Random) -> float:
    """Seconds to add, drawn from the rule's distribution (capped at a minute)."""
    if latency.kind == "fixed":
        ms = latency.ms
    elif latency.kind == "uniform":
        ms = rng.uniform(latency.min_ms, latency.max_ms)
    else:
        ms = latency.median_ms * math.exp(rng.gauss(0.0, latency.sigma)) if latency.median_ms else 0.0
    return min(ms, 60_000.0) / 1000.0


class FaultPlan:
    """Thread-safe: the first matching rule decides; rates and delays come from one seeded RNG."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rng = random.Random(0)
        self._counts: Counter[str] = Counter()
        self._delay_s: dict[str, float] = {}
        self.replace(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        return self._config

    @property
    def active(self) -> bool:
        return bool(self._config.rules)

    def replace(self, config: FaultConfig) -> None:
        """A new plan (the RNG restarts from its seed, so a run with the same plan draws the same)."""
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)

    def clear(self) -> None:
        self.replace(FaultConfig())

    def for_call(self, service: str, operation: str) -> Decision | None:
        """The decision for an API call, or None when no rule matches (the common, fast case)."""
        if not self._config.rules:
            return None
        return self._decide([r for r in self._config.rules if r.matches_call(service, operation)][:1],
                            f"{service}:{operation}")

    def for_function(self, name: str) -> Decision | None:
        """The decision for one invocation of the named function."""
        if not self._config.rules:
            return None
        return self._decide([r for r in self._config.rules if r.matches_function(name)][:1],
                            f"function:{name}")

    def _decide(self, rules: list[FaultRule], subject: str) -> Decision | None:
        if not rules:
            return None
        rule = rules[0]
        with self._lock:
            delay = draw_latency(rule.latency, self._rng) if rule.latency else 0.0
            error = rule.error if rule.error and self._rng.random() < rule.error.rate else None
            fn = rule.function if rule.function and self._rng.random() < rule.function.rate else None
            self._counts[f"{subject}.matched"] += 1
            if delay:
                self._counts[f"{subject}.delayed"] += 1
                self._delay_s[subject] = self._delay_s.get(subject, 0.0) + delay
            if error is not None:
                self._counts[f"{subject}.error.{error.kind}"] += 1
            if fn is not None:
                self._counts[f"{subject}.lambda.{fn.kind}"] += 1
        return Decision(rule.match, delay, error, fn)

    def metrics(self) -> dict[str, Any]:
        """Per subject (service:Operation or function:name): matched, delayed, injected errors."""
        with self._lock:
            out: dict[str, dict[str, Any]] = {}
            for key, n in self._counts.items():
                subject, _, what = key.partition(".")
                out.setdefault(subject, {})[what] = n
            for subject, total in self._delay_s.items():
                out.setdefault(subject, {})["added_latency_s"] = round(total, 6)
            return {"rules": len(self._config.rules), "by_call": out}

    def reset_metrics(self) -> None:
        with self._lock:
            self._counts.clear()
            self._delay_s.clear()
