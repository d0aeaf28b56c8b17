"""One virtual clock for every TTL, token bucket, quota and expiry in the harness."""

from __future__ import annotations

import threading
import time


class VirtualClock:
    """Wall time plus an offset that tests and the admin API can advance."""

    def __init__(self, *, frozen_at: float | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at = frozen_at

    def now(self) -> float:
        """Seconds since the epoch as the emulated AWS sees them."""
        frozen = self._frozen_at
        if frozen is not None:
            return frozen + self._offset
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move time forward so expiry, refills and quota periods can be tested without sleeping."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def freeze(self) -> None:
        """Stop real time from flowing, so only advance() moves the clock."""
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = time.time()

    def unfreeze(self) -> None:
        """Let real time flow again from the current virtual instant."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset += self._frozen_at - time.time()
                self._frozen_at = None

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def offset(self) -> float:
        return self._offset

    def reset(self) -> None:
        """Back to wall time, for POST /_harness/reset."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None
