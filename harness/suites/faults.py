"""The `saas_faults` fixture: a test sets the target's fault plan and it is cleared afterwards."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from harness.faults.models import parse_config, spec_to_dict
from harness.suites.adapter import Target


class FaultsUnavailable(RuntimeError):
    """The target has no fault plan (not a harness, or an older one)."""


class Faults:
    """Set, read and clear the fault plan of a harness target through its admin API."""

    def __init__(self, endpoint: str) -> None:
        self.url = endpoint.rstrip("/") + "/_harness/faults"
        status, _ = self._call("GET")
        if status != 200:
            raise FaultsUnavailable(f"GET {self.url} answered {status}")

    def _call(self, method: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")
        except urllib.error.URLError as exc:
            raise FaultsUnavailable(f"{self.url}: {exc.reason}") from None

    def set(self, *rules: str | dict[str, Any], seed: int = 0) -> dict[str, Any]:
        """Replace the plan: rules in the --fault form ('sts:AssumeRole error=throttle') or as dicts."""
        config = parse_config({"seed": seed, "rules": [spec_to_dict(r) if isinstance(r, str) else r
                                                       for r in rules]})
        status, body = self._call("PUT", config.as_dict())
        if status != 200:
            raise ValueError(f"fault plan refused: {body}")
        return dict(body)

    def clear(self) -> None:
        self._call("DELETE")

    def cold_start(self) -> None:
        """Drop the target's Lambda environments: the next calls start cold (and re-fetch JWKS)."""
        url = self.url.rsplit("/", 1)[0] + "/lambda/flush"
        req = urllib.request.Request(url, data=b"{}", method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            if resp.status != 200:
                raise FaultsUnavailable(f"POST {url} answered {resp.status}")

    def metrics(self) -> dict[str, Any]:
        """What the plan injected so far, per service:Operation or function:name."""
        return dict(self._call("GET")[1]["metrics"]["by_call"])


@pytest.fixture
def saas_faults(saas_suite_target: Target) -> Iterator[Faults]:
    """The target's fault plan, empty again after the test; skipped where the target has none."""
    if not saas_suite_target.endpoint:
        pytest.skip("fault plan: the target has no harness endpoint")
    try:
        faults = Faults(saas_suite_target.endpoint)
    except FaultsUnavailable as exc:
        pytest.skip(f"fault plan unavailable: {exc}")
    faults.clear()
    yield faults
    faults.clear()
