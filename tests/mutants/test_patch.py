"""The pure-Python unified-diff applier: `patch -p1` semantics with exact context, no fuzz."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.mutants import patch


def _diff(old: str, new: str, name: str = "pkg/file.txt") -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))


_LINES = st.lists(st.sampled_from(["alpha", "beta", "gamma", "", "delta = 1", "  indented", "# comment"]),
                  min_size=0, max_size=30)


@given(old=_LINES, edits=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3),
                                            st.lists(st.sampled_from(["NEW", "beta", "x y"]), max_size=3)),
                                  min_size=1, max_size=4))
def test_applying_a_difflib_diff_yields_the_edited_file(tmp_path_factory: pytest.TempPathFactory,
                                                        old: list[str],
                                                        edits: list[tuple[int, int, list[str]]]) -> None:
    """Any file and any set of line edits: the diff difflib writes, applied, gives the edited file."""
    new = list(old)
    for at, drop, insert in edits:
        at = min(at, len(new))
        new[at:at + drop] = insert
    old_text, new_text = "".join(f"{line}\n" for line in old), "".join(f"{line}\n" for line in new)
    if old_text == new_text:
        return
    root = tmp_path_factory.mktemp("fuzz")
    (root / "pkg").mkdir()
    (root / "pkg" / "file.txt").write_text(old_text)
    patch.apply(_diff(old_text, new_text), root)
    assert (root / "pkg" / "file.txt").read_text() == new_text


def test_a_hunk_whose_context_differs_does_not_apply_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    f = tmp_path / "pkg" / "file.txt"
    f.write_text("one\ntwo\nthree\n")
    diff = _diff("one\nTWO\nthree\n", "one\nTWO\nfour\n")
    with pytest.raises(patch.PatchError, match="does not match"):
        patch.apply(diff, tmp_path)
    assert f.read_text() == "one\ntwo\nthree\n"


def test_a_diff_for_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(patch.PatchError, match="no such file"):
        patch.apply(_diff("a\n", "b\n"), tmp_path)


def test_all_or_nothing_across_files(tmp_path: Path) -> None:
    """The second file's hunk fails: the first file is left as it was."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "one.txt").write_text("a\n")
    (tmp_path / "pkg" / "two.txt").write_text("b\n")
    diff = _diff("a\n", "A\n", "pkg/one.txt") + _diff("zzz\n", "Z\n", "pkg/two.txt")
    with pytest.raises(patch.PatchError):
        patch.apply(diff, tmp_path)
    assert (tmp_path / "pkg" / "one.txt").read_text() == "a\n"


def test_a_hunk_found_at_an_offset_applies(tmp_path: Path) -> None:
    """Like patch, exact context found a few lines away from the stated line still applies."""
    (tmp_path / "pkg").mkdir()
    f = tmp_path / "pkg" / "file.txt"
    f.write_text("extra\nextra\none\ntwo\nthree\n")
    patch.apply(_diff("one\ntwo\nthree\n", "one\n2\nthree\n"), tmp_path)
    assert f.read_text() == "extra\nextra\none\n2\nthree\n"


def test_created_and_deleted_files(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_text("bye\n")
    diff = ("--- /dev/null\n+++ b/new/made.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n"
            "--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n")
    patch.apply(diff, tmp_path)
    assert (tmp_path / "new" / "made.txt").read_text() == "hello\nworld\n"
    assert not (tmp_path / "gone.txt").exists()


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    f = tmp_path / "pkg" / "file.txt"
    f.write_text("a\n")
    patch.apply(_diff("a\n", "b\n"), tmp_path, dry_run=True)
    assert f.read_text() == "a\n"


@pytest.mark.parametrize("text, message", [
    ("just words\n", "no file patches"),
    ("--- a/x\n+++ b/x\n", "no hunks"),
    ("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n", "truncated"),
    ("--- a/x\n+++ b/x\n@@ nonsense @@\n", "malformed hunk header"),
    ("--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "leaves the folder"),
])
def test_malformed_diffs_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(patch.PatchError, match=message):
        patch.parse(text)


def test_no_newline_at_end_of_file_is_kept(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a\nb")
    diff = ("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
            "\\ No newline at end of file\n")
    patch.apply(diff, tmp_path)
    assert (tmp_path / "f").read_text() == "a\nc"
