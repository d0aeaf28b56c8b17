"""The mutant catalog: header parsing, clear refusals, and every shipped mutant planting in stack/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.mutants.catalog import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "scenarios" / "bugs"
REQUIRED = ("policy-prefix-no-separator", "policy-allows-scan", "policy-any-value-batch",
            "dal-uses-execution-role", "authorizer-skips-signature", "authorizer-skips-audience",
            "service-trusts-tenant-header", "readonly-role-can-write", "writable-tenant-attribute",
            "shared-tier-api-key", "silo-api-without-usage-plan", "authorizer-cache-key-not-token")
_DIFF = "--- a/f.txt\n+++ b/f.txt\n@@ -1 +1 @@\n-clean\n+MUTATED\n"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_the_catalog_holds_every_required_id_with_a_scenario_to_catch_it() -> None:
    mutants = {m.id: m for m in load_catalog(CATALOG)}
    assert set(REQUIRED) <= set(mutants)
    for m in mutants.values():
        suite = m.caught_by.split("::", 1)[0]  # a suite file, optionally with one of its tests
        assert suite.startswith("scenarios/test_s") and suite.endswith(".py"), m.id
        assert len(m.description) > 30, m.id


SHIPPED = tuple(sorted(m.id for m in load_catalog(CATALOG)))


@pytest.mark.parametrize("mutant_id", SHIPPED)
def test_each_mutant_plants_in_a_copy_of_the_real_stack(tmp_path: Path, mutant_id: str) -> None:
    """Planted by the harness's applier; where `patch` exists it must agree byte for byte."""
    (mutant,) = load_catalog(CATALOG, (mutant_id,))
    ours = tmp_path / "ours"
    shutil.copytree(ROOT / "stack", ours, ignore=shutil.ignore_patterns("__pycache__"))
    before = {p: p.read_bytes() for p in ours.rglob("*") if p.is_file()}
    mutant.plant(ours)
    changed = [p for p, data in before.items() if p.read_bytes() != data]
    assert changed, f"{mutant_id} changed nothing"
    if shutil.which("patch"):
        theirs = tmp_path / "theirs"
        shutil.copytree(ROOT / "stack", theirs, ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run(["patch", "-p1", "-s", "-F0", "-i", str(mutant.path)], cwd=theirs, check=True)
        for p in changed:
            assert (theirs / p.relative_to(ours)).read_bytes() == p.read_bytes()


def test_python_mutators_are_loaded_and_run(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    _write(cat, "writes-file.py", "ID = 'writes-file'\nDESCRIPTION = 'writes MUTATED'\n"
           "CAUGHT_BY = 'suite/test_x.py'\n"
           "def mutate(stack_dir):\n    (stack_dir / 'f.txt').write_text('MUTATED')\n")
    (mutant,) = load_catalog(cat)
    assert (mutant.kind, mutant.caught_by) == ("python", "suite/test_x.py")
    (tmp_path / "f.txt").write_text("clean")
    mutant.plant(tmp_path)
    assert (tmp_path / "f.txt").read_text() == "MUTATED"


@pytest.mark.parametrize("name, text, message", [
    ("m.diff", "# id: m\n# description: d\n" + _DIFF, "missing header # caught-by:"),
    ("m.diff", "# id: m\n# description: d\n# caught-by: x\n# severity: high\n" + _DIFF, "unknown header"),
    ("m.diff", "# id: m\n# id: m\n# description: d\n# caught-by: x\n" + _DIFF, "given twice"),
    ("m.diff", "# id: other\n# description: d\n# caught-by: x\n" + _DIFF, "differs from the file name"),
    ("Bad_Id.diff", "# id: Bad_Id\n# description: d\n# caught-by: x\n" + _DIFF, "must be lowercase"),
    ("m.diff", "# id: m\n# description: d\n# caught-by: x\nno diff here\n", "no file patches"),
    ("m.py", "ID = 'm'\nDESCRIPTION = 'd'\n", "lacks caught-by"),
    ("m.py", "ID = 'm'\nDESCRIPTION = 'd'\nCAUGHT_BY = 'x'\n", "no mutate"),
    ("m.py", "raise RuntimeError('boom')\n", "fails to import"),
])
def test_malformed_entries_are_refused_clearly(tmp_path: Path, name: str, text: str, message: str) -> None:
    _write(tmp_path, name, text)
    with pytest.raises(CatalogError, match=message):
        load_catalog(tmp_path)


def test_duplicate_ids_across_a_diff_and_a_mutator_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "m.diff", "# id: m\n# description: d\n# caught-by: x\n" + _DIFF)
    _write(tmp_path, "m.py", "ID = 'm'\nDESCRIPTION = 'd'\nCAUGHT_BY = 'x'\ndef mutate(d): pass\n")
    with pytest.raises(CatalogError, match="duplicate id"):
        load_catalog(tmp_path)


def test_unknown_only_id_and_empty_catalog_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="holds no"):
        load_catalog(tmp_path)
    with pytest.raises(CatalogError, match="unknown mutant id nope"):
        load_catalog(CATALOG, ("nope",))
