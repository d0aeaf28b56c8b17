"""Find the adapter a run names (`module:Class`) without the suites importing any app's code."""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

from harness.saas.layout import STACK_DIR
from harness.suites.adapter import SaasAdapter

DEFAULT_ADAPTER = "stack.harness_adapter:ReferenceAdapter"
CHECKOUT = STACK_DIR.parent  # holds the shipped stack/, for the default adapter from any folder


class AdapterLoadError(ValueError):
    """The `--saas-adapter` value does not name a SaasAdapter subclass."""


def load_adapter_class(spec: str) -> type[SaasAdapter]:
    """`package.module:ClassName` -> the class, checked to be a SaasAdapter."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise AdapterLoadError(f"adapter {spec!r}: use module:Class, e.g. {DEFAULT_ADAPTER}")
    here = os.getcwd()
    if here not in sys.path:  # look the module up from the current folder, as `python -m` does
        sys.path.insert(0, here)
    try:
        module = _import(module_name, spec == DEFAULT_ADAPTER)
    except ImportError as exc:
        raise AdapterLoadError(f"adapter {spec!r}: cannot import {module_name}: {exc}") from exc
    cls = getattr(module, attr, None)
    if not isinstance(cls, type) or not issubclass(cls, SaasAdapter):
        raise AdapterLoadError(f"adapter {spec!r}: {attr} is not a subclass of "
                               "harness.suites.adapter.SaasAdapter")
    return cls


def _import(module_name: str, shipped: bool) -> ModuleType:
    """The module from the current folder first; the shipped default adapter from the checkout
    when the current folder has no `stack` package (a fresh folder)."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        top = module_name.split(".")[0]
        if not shipped or exc.name != top or str(CHECKOUT) in sys.path:
            raise
    sys.path.append(str(CHECKOUT))
    return importlib.import_module(module_name)
