"""Hypothesis profiles every run of the suites (and a user's tests) can pick: ci, dev, deep."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES = ("ci", "dev", "deep")
ENV_VAR = "HYPOTHESIS_PROFILE"
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def register_profiles() -> None:
    """ci: derandomized and bounded, so CI runs repeat; dev: quick and random; deep: long hunts."""
    settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None, print_blob=True,
                              database=None, suppress_health_check=_SLOW_OK)
    # dev and deep say derandomize=False outright: on a CI machine hypothesis makes its own derandomized
    # "ci" profile the default, and a profile inherits the default's settings.
    settings.register_profile("dev", max_examples=20, derandomize=False, deadline=None,
                              suppress_health_check=_SLOW_OK)
    settings.register_profile("deep", max_examples=600, derandomize=False, deadline=None,
                              suppress_health_check=_SLOW_OK)


def chosen_profile(option: str | None) -> str | None:
    """The option wins over the environment; None leaves hypothesis's own default in place."""
    name = option or os.environ.get(ENV_VAR) or None
    if name is not None and name not in PROFILES:
        raise ValueError(f"hypothesis profile {name!r}: choose one of {', '.join(PROFILES)}")
    return name


register_profiles()
