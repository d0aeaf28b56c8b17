"""Cross-stack exports: unique per region, resolvable by Fn::ImportValue, protected while imported."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from harness.deploy.intrinsics import Resolver
from harness.deploy.loader import Template, line_of
from harness.deploy.model import DeployError
from harness.deploy.store import StackStore


class ExportIndex:
    """Exports and imports read from every stack record in one store (one account and region)."""

    def __init__(self, store: StackStore) -> None:
        self.store = store

    def _records(self) -> Iterator[dict[str, Any]]:
        for name in self.store.names():
            record = self.store.load(name)
            if record is not None:
                yield record

    def all(self) -> list[tuple[str, str, str]]:
        """(exporting stack id, name, value) for every export, ListExports' rows."""
        rows = []
        for record in self._records():
            for name, value in sorted(record.get("exports", {}).items()):
                rows.append((str(record.get("stack_id", "")), name, str(value)))
        return sorted(rows, key=lambda row: row[1])

    def value(self, name: str, where: str) -> str:
        """What Fn::ImportValue returns; an unknown name is CloudFormation's 'No export named'."""
        for record in self._records():
            exports = record.get("exports", {})
            if name in exports:
                return str(exports[name])
        raise DeployError(f"{where}: No export named {name} found")

    def importers(self, name: str, *, besides: str = "") -> list[str]:
        """The stacks (other than `besides`) whose last deploy imported the export."""
        return sorted(str(r["name"]) for r in self._records()
                      if name in r.get("imports", []) and r.get("name") != besides)

    def check_update(self, stack: str, old: dict[str, str], new: dict[str, str]) -> None:
        """Refuse a clash with another stack's export, or a change to an export in use."""
        for name in sorted(new):
            for record in self._records():
                if record.get("name") != stack and name in record.get("exports", {}):
                    raise DeployError(f"Export with name {name} is already exported by stack "
                                      f"{record['name']}")
        for name, value in sorted(old.items()):
            if new.get(name) == value:
                continue
            users = self.importers(name, besides=stack)
            if users:
                raise DeployError(f"Cannot update export {name} as it is in use by {users[0]}")

    def check_delete(self, stack: str, exports: dict[str, str]) -> None:
        """A stack whose export another stack imports cannot be deleted."""
        for name in sorted(exports):
            users = self.importers(name, besides=stack)
            if users:
                raise DeployError(f"Export {name} cannot be deleted as it is in use by {users[0]}")


def _imports(value: Any, line: int, found: list[tuple[Any, int]]) -> None:
    line = line_of(value) or line
    if isinstance(value, dict):
        if len(value) == 1 and "Fn::ImportValue" in value:
            found.append((value["Fn::ImportValue"], line))
            return
        for item in value.values():
            _imports(item, line, found)
    elif isinstance(value, list):
        for item in value:
            _imports(item, line, found)


def check_imports(tpl: Template, resources: Mapping[str, Any], resolver: Resolver) -> None:
    """Every import whose name needs no resource must exist before anything is created."""
    found: list[tuple[Any, int]] = []
    for logical, res in resources.items():
        _imports(res.get("Properties"), tpl.resource_line(logical), found)
    _imports(tpl.section("Outputs"), 0, found)
    for arg, line in found:
        try:
            name = resolver.resolve(arg, line)
        except DeployError:
            continue  # names built from resources are resolved during the deploy
        if isinstance(name, str) and resolver.exports is not None:
            resolver.exports(name, tpl.at(line))
