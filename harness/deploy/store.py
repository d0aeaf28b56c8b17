"""Where stack records live between deploys: the deployer's memory of physical ids and properties."""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol

_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")


class StackStore(Protocol):
    """Persistence of stack records (plain JSON-able dicts), keyed by stack name."""

    def load(self, name: str) -> dict[str, Any] | None: ...

    def save(self, name: str, record: dict[str, Any]) -> None: ...

    def delete(self, name: str) -> None: ...

    def names(self) -> list[str]: ...


class MemoryStackStore:
    """Records kept in memory: for tests and short-lived targets."""

    def __init__(self) -> None:
        self._records: dict[str, str] = {}
        self._lock = threading.Lock()

    def load(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            text = self._records.get(name)
        return None if text is None else dict(json.loads(text))

    def save(self, name: str, record: dict[str, Any]) -> None:
        text = json.dumps(record, sort_keys=True, default=str)
        with self._lock:
            self._records[name] = text

    def delete(self, name: str) -> None:
        with self._lock:
            self._records.pop(name, None)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._records)


class FileStackStore:
    """One JSON file per stack (e.g. under .harness/stacks/), written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory).resolve()
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        if not _SAFE_NAME.match(name):
            raise ValueError(f"invalid stack name {name!r}")
        return self.directory / f"{name}.json"

    def load(self, name: str) -> dict[str, Any] | None:
        path = self._path(name)
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    def save(self, name: str, record: dict[str, Any]) -> None:
        path = self._path(name)
        # Compact, so json's C encoder runs: a deploy saves its record after every resource.
        text = json.dumps(record, sort_keys=True, default=str)
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def delete(self, name: str) -> None:
        with self._lock:
            self._path(name).unlink(missing_ok=True)

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.json"))
