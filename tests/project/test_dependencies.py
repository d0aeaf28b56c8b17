"""The pinned runtime dependencies are exactly what harness/ and stack/ import, pinned as in the lock."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("harness", "stack")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(spec: str) -> tuple[str, str]:
    """`name[extras]==version` -> (normalised name, version)."""
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s;]+)", spec.strip())
    assert match, f"not an exact pin: {spec!r}"
    return _norm(match.group(1)), match.group(3)


def _project() -> dict[str, object]:
    data: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return data


def _local_modules() -> set[str]:
    """Top-level names our own code provides: harness, stack (its adapter modules are imported as
    `stack.harness_adapter` from the project root), and the Lambda sources and layers of stack/."""
    names = {"harness", "stack"}
    for path in (ROOT / "stack").rglob("*.py"):
        names.add(path.stem)
        names.update(p.name for p in path.parents if (p / "__init__.py").exists())
    return names


def _imported_top_levels() -> dict[str, str]:
    """Every absolute import's top-level module under harness/ and stack/, with one file using it."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    tops = [a.name.split(".")[0] for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    tops = [node.module.split(".")[0]]
                else:
                    continue
                for top in tops:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _third_party_imports() -> dict[str, str]:
    """Distribution name -> a file importing it, for every non-stdlib, non-local import."""
    local = _local_modules()
    providers = importlib.metadata.packages_distributions()
    out: dict[str, str] = {}
    for top, where in _imported_top_levels().items():
        if top in sys.stdlib_module_names or top in local or top == "__future__":
            continue
        dists = providers.get(top)
        assert dists, f"{where} imports {top}, which no installed distribution provides"
        out[_norm(dists[0])] = where
    return out


def test_every_third_party_import_is_a_declared_runtime_dependency() -> None:
    declared = {_requirement(s)[0] for s in _project()["dependencies"]}  # type: ignore[attr-defined]
    missing = {d: w for d, w in _third_party_imports().items() if d not in declared}
    assert not missing, f"imported but not declared in [project] dependencies: {missing}"


def test_every_declared_runtime_dependency_is_imported() -> None:
    imported = set(_third_party_imports())
    declared = {_requirement(s)[0] for s in _project()["dependencies"]}  # type: ignore[attr-defined]
    assert declared <= imported, f"declared but never imported by harness/ or stack/: " \
                                 f"{sorted(declared - imported)}"


def test_every_pin_matches_requirements_lock() -> None:
    lock = dict(_requirement(line) for line in (ROOT / "requirements.lock").read_text().splitlines()
                if line.strip() and not line.startswith("#"))
    project = _project()
    specs = [*project["dependencies"],  # type: ignore[misc]
             *[s for group in project["optional-dependencies"].values()  # type: ignore[attr-defined]
               for s in group]]
    for spec in specs:
        name, version = _requirement(spec)
        assert lock.get(name) == version, f"{spec} but requirements.lock pins {lock.get(name)}"
        assert importlib.metadata.version(name) == version, f"{spec} but {version} is not installed"
