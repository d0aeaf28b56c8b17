"""Counts the cross-tenant attempts each test makes and writes the total into its JUnit properties.

The suites' helpers count every request one tenant aims at another's data or API (Attacker calls, a
SignedInClient call on another tenant's API, or one marked as an attack); a scenario that attacks by
other means (DynamoDB straight, with a tenant's credentials) calls `count()` itself. The plugin resets
the counter when a test starts and, before its teardown report is made, appends the total to
`item.user_properties`, which pytest's junitxml writes as a `<property>` of the testcase.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

import pytest

PROPERTY = "saas_cross_tenant_attempts"
"""The JUnit property name; `saas-harness run` sums it per suite."""


class AttemptCounter:
    """A thread-safe count of cross-tenant attempts since the last reset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._n = 0

    def count(self, n: int = 1) -> None:
        with self._lock:
            self._n += n

    def reset(self) -> int:
        """Zero the counter; returns what it held."""
        with self._lock:
            n, self._n = self._n, 0
            return n

    @property
    def total(self) -> int:
        with self._lock:
            return self._n


_counter = AttemptCounter()


def current() -> AttemptCounter:
    """The process's counter (each xdist worker has its own, like the repro recorder)."""
    return _counter


def count(n: int = 1) -> None:
    """Count `n` cross-tenant attempts made by the running test."""
    _counter.count(n)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _counter.reset()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    if call.when == "teardown":  # the teardown report copies user_properties: add the total first
        item.user_properties.append((PROPERTY, _counter.reset()))
    yield
