"""A change feed: the edge announces control-plane writes so caches elsewhere know to refresh."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

Listener = Callable[[str, str], None]


class ChangeFeed:
    """Per-service generation counters plus listeners, shared by edge, gateway and runtime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generations: dict[str, int] = defaultdict(int)
        self._listeners: list[Listener] = []

    def generation(self, service: str) -> int:
        return self._generations[service]

    def bump(self, service: str, operation: str = "") -> None:
        with self._lock:
            self._generations[service] += 1
            listeners = list(self._listeners)
        for listener in listeners:
            listener(service, operation)

    def bump_all(self) -> None:
        with self._lock:
            services = set(self._generations) | {"iam", "dynamodb-ddl", "apigateway", "lambda",
                                                 "cognito-idp"}
        for s in sorted(services):
            self.bump(s, "reset")

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)
