"""The deployer on the session target, shared with the deployer tests."""

from __future__ import annotations

from tests.deploy.conftest import deployer

__all__ = ["deployer"]
