"""One botocore data loader for every botocore/boto3 session the harness process makes.

botocore gives each Session its own Loader, and a Loader caches what it reads only for itself. The
harness process makes several sessions (the edge's request parser, the deployer, the SAM
translator's, moto's, the edge's own clients), so `up` read `endpoints.json` four times and the
API Gateway model five: about half a second of JSON decoding before Ready. With `share` installed,
every session built with the default data path gets the same Loader, so each file is read once per
process. botocore already hands the same decoded dicts to every client of one session, so sharing
them between sessions changes nothing they see, with one exception: botocore rewrites the S3 and
S3 Control models in place when a client builds a request (`remove_bucket_from_url_paths_from_model`
strips `/{Bucket}` from request URIs), so those two are handed out as a private copy per load, as a
fresh session's loader would. Sessions with their own `data_path` keep their own loader, and moto's
Loader (its model extras) is a different class, created by moto, and untouched.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import botocore.loaders
import botocore.session

_lock = threading.Lock()
_shared: botocore.loaders.Loader | None = None


class _UniquePaths(list):  # type: ignore[type-arg]
    """A search path list that ignores a path it already holds: every boto3 Session appends its
    own data folder to its loader's paths, which would grow a shared loader's list per session."""

    def append(self, item: Any) -> None:
        if item not in self:
            super().append(item)


# Services whose models botocore's handlers change in place (botocore/handlers.py).
REWRITTEN_IN_PLACE = frozenset({"s3", "s3control"})


class _SharedLoader(botocore.loaders.Loader):  # type: ignore[misc]
    """botocore's Loader, except that models botocore rewrites are copied for each caller."""

    def load_service_model(self, service_name: str, type_name: str,
                           api_version: str | None = None) -> Any:
        model = super().load_service_model(service_name, type_name, api_version)
        if service_name in REWRITTEN_IN_PLACE:
            return copy.deepcopy(model)
        return model


def shared_loader() -> botocore.loaders.Loader:
    """The process's one default Loader, created on first use."""
    global _shared
    with _lock:
        if _shared is None:
            loader = _SharedLoader()
            loader._search_paths = _UniquePaths(loader.search_paths)
            _shared = loader
        return _shared


def _create_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    if search_path_string:
        return botocore.loaders.create_loader(search_path_string)
    return shared_loader()


_create_loader.harness_shared = True  # type: ignore[attr-defined]


def share() -> None:
    """Make sessions created from now on share the default loader (idempotent)."""
    if getattr(botocore.session.create_loader, "harness_shared", False):
        return
    botocore.session.create_loader = _create_loader  # type: ignore[attr-defined]


__all__ = ["share", "shared_loader"]
