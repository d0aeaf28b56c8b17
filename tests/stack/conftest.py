"""Stack unit tests: the layer and every function directory importable, AWS environment faked."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.stack.support import ACCOUNT, REGION

STACK = Path(__file__).resolve().parents[2] / "stack"
LAYER = STACK / "layers" / "python"
FUNCTION_DIRS = sorted(p for p in (STACK / "src").iterdir() if p.is_dir())

for _path in (LAYER, *FUNCTION_DIRS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# Module-level Powertools objects are created at import; keep them quiet and X-Ray free.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ServerlessSaaS")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")



class FakeContext:
    """The attributes Powertools' inject_lambda_context reads."""

    function_name = "test-function"
    memory_limit_in_mb = "256"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test-function"
    aws_request_id = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region, and fresh module-level clients, for moto-backed tests."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    reset_clients()
    yield
    reset_clients()


def reset_clients() -> None:
    """Forget cached boto3 clients so each moto test starts with clients bound to its mock."""
    import saas_common.ddb as ddb

    ddb._own = None
    ddb._scoped.clear()
    for name in ("user_access", "user_internal", "onboarding_steps", "provisioning",
                 "shared_authorizer", "tenant_authorizer"):
        module: Any = sys.modules.get(name)
        for attr in ("cognito", "_cognito", "client", "_pipeline", "_client"):
            fn = getattr(module, attr, None) if module is not None else None
            if fn is not None and hasattr(fn, "cache_clear"):
                fn.cache_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Functions that only read add no metric; Powertools' warning about it is noise here."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:No application metrics"))


@pytest.fixture(scope="module", autouse=True)
def _fast_moto_pools() -> Iterator[None]:
    """moto re-imports its one bundled RSA key (recovering primes: ~0.2 s) for every user pool."""
    try:
        from moto.cognitoidp import models
    except ImportError:  # pragma: no cover - moto is a dev dependency
        yield
        return
    original = models.jwk.RSAKey.import_key
    cache: dict[str, Any] = {}

    def import_key(value: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(value, dict):
            return original(value, *args, **kwargs)
        key = json.dumps(value, sort_keys=True)
        if key not in cache:
            cache[key] = original(value)
        return cache[key]

    models.jwk.RSAKey.import_key = import_key
    yield
    models.jwk.RSAKey.import_key = original
