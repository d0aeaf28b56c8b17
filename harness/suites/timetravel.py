"""After the virtual clock jumps past token lifetimes, cached sign-ins are stale: drop them."""

from __future__ import annotations

from harness.suites.helpers import Users


def forget_sign_ins(users: Users) -> None:
    """Make every later `users(tenant, role)` sign in again (its cached tokens may have expired)."""
    cache = getattr(users, "_cache", None)
    lock = getattr(users, "_lock", None)
    if cache is None or lock is None:
        return
    with lock:
        cache.clear()
