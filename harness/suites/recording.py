"""pytest side of repros: reset the recorder per test and per hypothesis example, save it on failure."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from harness.suites import repro

REPRO_DIR = Path(".harness") / "repros"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Hypothesis runs the shrunk failing example last: resetting at each example start keeps only it."""
    for item in items:
        handle = getattr(getattr(item, "obj", None), "hypothesis", None)
        inner = getattr(handle, "inner_test", None)
        if handle is None or inner is None or getattr(inner, "_saas_resets_recorder", False):
            continue
        handle.inner_test = _resetting(inner)


def _resetting(inner: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(inner)
    def run(*args: Any, **kwargs: Any) -> Any:
        repro.current().reset()
        return inner(*args, **kwargs)

    run._saas_resets_recorder = True  # type: ignore[attr-defined]
    return run


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    repro.current().reset()


def repro_path(root: Path, nodeid: str) -> Path:
    """`.harness/repros/<test id>.json`, the node id made a safe file name."""
    return root / REPRO_DIR / (re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:180] + ".json")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    recorder = repro.current()
    if call.when != "call" or not report.failed or not any(s.kind == "attack" for s in recorder.steps):
        return
    config = item.config
    target = {"adapter": _option(config, "--saas-adapter"), "url": _option(config, "--saas-target"),
              "state": _option(config, "--saas-state"), "test": item.nodeid}
    finding = str(call.excinfo.value).splitlines()[0][:300] if call.excinfo else "test failed"
    path = repro_path(config.invocation_params.dir, item.nodeid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(recorder.repro(finding, target).to_json())
    where = f" --adapter {target['adapter']}" if target["adapter"] else ""
    report.sections.append(("saas-harness repro", f"saas-harness replay {path}{where}"))


def _option(config: pytest.Config, name: str) -> str | None:
    try:
        value = config.getoption(name)
    except ValueError:
        return None
    return str(value) if value else None
