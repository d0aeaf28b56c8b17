"""moto work that gives the same answer every time, done once per process (and only when used).

moto's `CognitoIdpUserPool.__init__` imports the one RSA key moto bundles
(`cognitoidp/resources/jwks-private.json`) with joserfc for every pool it creates, and that import
recovers the key's prime factors in pure Python: about 150 to 250 ms a pool, most of an empty
`up`'s Cognito time and of a Platinum tenant's onboarding. The key is the same for every pool, and
moto reads it in one place only, `create_jwt`, when moto itself signs a token. The harness signs
its pools' tokens with per-pool keys (edge/cognito/keys.py), so that path seldom runs.

`share_moto_loader` gives moto's model reader one botocore Loader: moto makes a new one for every
model it reads (`moto.core.utils._load_service_model`), and each new one lists botocore's whole
data folder again before reading a file (moto caches the models, not the listing).

`defer_bundled_cognito_key` makes the pool's `json_web_key` a class-level property: the pool
stores what moto asked to import, and the first read imports it, once per process (joserfc keys
are not changed after import, so every pool can share the one object). moto's own code paths get
the same key object as before, just later.
"""

from __future__ import annotations

import json
import threading
from typing import Any

_lock = threading.Lock()
_imported: dict[str, Any] = {}


class _Pending:
    """What moto asked joserfc to import, not imported yet."""

    __slots__ = ("args", "real", "value")

    def __init__(self, real: Any, value: Any, args: tuple[Any, ...]) -> None:
        self.real, self.value, self.args = real, value, args

    def load(self) -> Any:
        text = self.value if isinstance(self.value, str | bytes) else json.dumps(
            self.value, sort_keys=True)
        cache_key = repr((text, self.args))
        with _lock:
            found = _imported.get(cache_key)
        if found is None:
            found = self.real.import_key(self.value, *self.args)
            with _lock:
                found = _imported.setdefault(cache_key, found)
        return found


class _DeferredRSAKey:
    """`joserfc.jwk.RSAKey` inside moto's Cognito models: `import_key` returns a pending import."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def import_key(self, value: Any, *args: Any) -> _Pending:
        return _Pending(self._real, value, args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _JwkModule:
    """`joserfc.jwk` with RSAKey swapped for the deferring stand-in; other names pass through."""

    harness_deferred_key = True

    def __init__(self, real: Any) -> None:
        self._real = real
        self.RSAKey = _DeferredRSAKey(real.RSAKey)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _get_key(pool: Any) -> Any:
    value = pool.__dict__.get("_harness_json_web_key")
    if isinstance(value, _Pending):
        value = value.load()
        pool.__dict__["_harness_json_web_key"] = value
    return value


def _set_key(pool: Any, value: Any) -> None:
    pool.__dict__["_harness_json_web_key"] = value


def defer_bundled_cognito_key() -> None:
    """Make moto's Cognito import its bundled signing key on first use, once per process."""
    import moto.cognitoidp.models as models

    current = getattr(models, "jwk")  # noqa: B009 (a module attribute moto does not re-export)
    if getattr(current, "harness_deferred_key", False):
        return
    setattr(models, "jwk", _JwkModule(current))  # noqa: B010
    setattr(models.CognitoIdpUserPool, "json_web_key", property(_get_key, _set_key))  # noqa: B010


def share_moto_loader() -> None:
    """One moto Loader (botocore's, plus moto's model extras) for every model moto reads."""
    import moto.core.utils as utils

    current = getattr(utils, "create_loader")  # noqa: B009 (imported by moto, not re-exported)
    if getattr(current, "harness_shared", False):
        return
    loader = current()

    def create_loader() -> Any:
        return loader

    create_loader.harness_shared = True  # type: ignore[attr-defined]
    setattr(utils, "create_loader", create_loader)  # noqa: B010


__all__ = ["defer_bundled_cognito_key", "share_moto_loader"]
