"""Cognito user-pool fidelity on top of any upstream: per-pool keys, client lifetimes, attribute rules."""

from harness.edge.cognito.responses import install

__all__ = ["install"]
