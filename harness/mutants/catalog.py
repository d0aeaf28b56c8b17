"""The mutant catalog: one `<id>.diff` (header lines, then a unified diff) or `<id>.py` mutator per mutant."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.mutants import patch

MutantKind = Literal["diff", "python"]
FIELDS = ("id", "description", "caught-by")
OPTIONAL = ("fault",)  # the fault model (a fault-plan match) without which the mutant stays latent
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_HEADER = re.compile(r"#\s*([A-Za-z-]+):\s*(.*)")


class CatalogError(ValueError):
    """The catalog is malformed: a missing or unknown header, a duplicate id, an unloadable mutator."""


@dataclass(frozen=True)
class Mutant:
    """One planted bug: what it is, the suite or test meant to catch it, and how to plant it."""

    id: str
    description: str
    caught_by: str
    kind: MutantKind
    path: Path
    diff: str = ""
    fault: str = ""

    def plant(self, stack_dir: Path) -> None:
        """Change `stack_dir` in place; PatchError (or the mutator's own error) when it cannot."""
        if self.kind == "diff":
            patch.apply(self.diff, stack_dir)
        else:
            _load_mutator(self.path)[1](stack_dir)


def _load_mutator(path: Path) -> tuple[dict[str, str], Callable[[Path], None]]:
    spec = importlib.util.spec_from_file_location(f"saas_harness_mutant_{path.stem.replace('-', '_')}", path)
    if spec is None or spec.loader is None:
        raise CatalogError(f"{path}: cannot load the mutator")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise CatalogError(f"{path}: the mutator fails to import: {exc}") from exc
    fields = {name: getattr(module, attr, None) for name, attr in
              (("id", "ID"), ("description", "DESCRIPTION"), ("caught-by", "CAUGHT_BY"))}
    missing = [k for k, v in fields.items() if not isinstance(v, str) or not v.strip()]
    if missing:
        raise CatalogError(f"{path}: the mutator lacks {', '.join(missing)} (ID, DESCRIPTION, CAUGHT_BY)")
    mutate = getattr(module, "mutate", None)
    if not callable(mutate):
        raise CatalogError(f"{path}: the mutator has no mutate(stack_dir) function")
    return {k: str(v).strip() for k, v in fields.items()}, mutate


def parse_header(text: str, path: Path) -> dict[str, str]:
    """The `# name: value` lines a diff starts with; every field required, no unknown one."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.fullmatch(line.strip())
        if m is None:
            raise CatalogError(f"{path}: header line {line!r} is not '# name: value'")
        name = m.group(1).lower()
        if name not in FIELDS + OPTIONAL:
            known = ", ".join(FIELDS + OPTIONAL)
            raise CatalogError(f"{path}: unknown header field {name!r} (known: {known})")
        if name in found:
            raise CatalogError(f"{path}: header field {name!r} given twice")
        found[name] = m.group(2).strip()
    missing = [f for f in FIELDS if not found.get(f)]
    if missing:
        raise CatalogError(f"{path}: missing header {', '.join('# ' + f + ':' for f in missing)}")
    return found


def _check_id(value: str, path: Path) -> str:
    if not _ID.fullmatch(value):
        raise CatalogError(f"{path}: id {value!r} must be lowercase letters, digits and '-'")
    if value != path.stem:
        raise CatalogError(f"{path}: id {value!r} differs from the file name {path.stem!r}")
    return value


def load_mutant(path: Path) -> Mutant:
    if path.suffix == ".diff":
        text = path.read_text()
        head = parse_header(text, path)
        try:
            patch.parse(text)
        except patch.PatchError as exc:
            raise CatalogError(f"{path}: {exc}") from None
        return Mutant(_check_id(head["id"], path), head["description"], head["caught-by"], "diff", path, text,
                      head.get("fault", ""))
    fields, _ = _load_mutator(path)
    return Mutant(_check_id(fields["id"], path), fields["description"], fields["caught-by"], "python", path)


def load_catalog(directory: Path, only: tuple[str, ...] = ()) -> list[Mutant]:
    """Every mutant of the folder, by id; `only` picks some (an unknown id is an error)."""
    if not directory.is_dir():
        raise CatalogError(f"{directory}: no such catalog folder")
    mutants: dict[str, Mutant] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".diff", ".py") or path.name.startswith(("_", ".")):
            continue
        mutant = load_mutant(path)
        if mutant.id in mutants:
            raise CatalogError(f"{path}: duplicate id {mutant.id!r} (also {mutants[mutant.id].path})")
        mutants[mutant.id] = mutant
    if not mutants:
        raise CatalogError(f"{directory}: the catalog holds no .diff or .py mutants")
    unknown = [i for i in only if i not in mutants]
    if unknown:
        raise CatalogError(f"unknown mutant id {', '.join(unknown)}; the catalog has {', '.join(mutants)}")
    return [mutants[i] for i in only] if only else list(mutants.values())
