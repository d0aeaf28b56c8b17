"""The scenarios' fixtures come from the saas-harness pytest plugin; without a chosen profile, ci."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings


def pytest_configure(config: pytest.Config) -> None:
    chosen = (config.getoption("--saas-profile", None) or config.getoption("hypothesis_profile", None)
              or os.environ.get("HYPOTHESIS_PROFILE"))
    if not chosen:
        settings.load_profile("ci")
