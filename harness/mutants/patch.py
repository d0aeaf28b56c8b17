"""A strict unified-diff applier (`patch -p1` semantics, exact context, no fuzz), in pure Python."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
DEV_NULL = "/dev/null"


class PatchError(ValueError):
    """The diff is malformed or does not apply: a mutant that does not apply is an error, never a pass."""


@dataclass
class Hunk:
    """One `@@` block: the old line it starts at and its lines, each prefixed ' ', '-' or '+'."""

    old_start: int
    lines: list[str] = field(default_factory=list)

    def old(self) -> list[str]:
        return [line[1:] for line in self.lines if line[0] in " -"]

    def new(self) -> list[str]:
        return [line[1:] for line in self.lines if line[0] in " +"]


@dataclass
class FilePatch:
    """The hunks for one file; `old_path` or `new_path` is /dev/null for a created or deleted file."""

    old_path: str
    new_path: str
    hunks: list[Hunk] = field(default_factory=list)
    no_newline_at_end: bool = False


def _strip(path: str, strip: int) -> str:
    path = path.split("\t", 1)[0].strip()
    if path == DEV_NULL:
        return path
    parts = PurePosixPath(path).parts
    if len(parts) <= strip:
        raise PatchError(f"path {path!r} has fewer than {strip + 1} components")
    rel = PurePosixPath(*parts[strip:])
    if rel.is_absolute() or ".." in rel.parts:
        raise PatchError(f"path {path!r} leaves the folder it is applied to")
    return str(rel)


def parse(text: str, strip: int = 1) -> list[FilePatch]:
    """The file patches of a unified diff; lines before the first `---` (a header) are ignored."""
    lines = text.splitlines()
    out: list[FilePatch] = []
    i = 0
    while i < len(lines):
        if not (lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")):
            i += 1
            continue
        fp = FilePatch(_strip(lines[i][4:], strip), _strip(lines[i + 1][4:], strip))
        i += 2
        while i < len(lines) and lines[i].startswith("@@"):
            m = _HUNK.match(lines[i])
            if m is None:
                raise PatchError(f"line {i + 1}: malformed hunk header {lines[i]!r}")
            old_len = int(m.group(2) if m.group(2) is not None else 1)
            new_len = int(m.group(4) if m.group(4) is not None else 1)
            hunk = Hunk(int(m.group(1)))
            i += 1
            seen_old = seen_new = 0
            while i < len(lines) and (seen_old < old_len or seen_new < new_len):
                line = lines[i] or " "  # some tools drop the space of an empty context line
                if line.startswith("\\"):
                    fp.no_newline_at_end = hunk.lines[-1][0] in " +" if hunk.lines else False
                    i += 1
                    continue
                if line[0] not in " -+":
                    raise PatchError(f"line {i + 1}: hunk ends early (expected {old_len} old and "
                                     f"{new_len} new lines)")
                hunk.lines.append(line)
                seen_old += line[0] in " -"
                seen_new += line[0] in " +"
                i += 1
            if seen_old != old_len or seen_new != new_len:
                raise PatchError(f"hunk at old line {hunk.old_start} is truncated")
            while i < len(lines) and lines[i].startswith("\\"):
                fp.no_newline_at_end = hunk.lines[-1][0] in " +" if hunk.lines else False
                i += 1
            fp.hunks.append(hunk)
        if not fp.hunks:
            raise PatchError(f"{fp.new_path}: no hunks")
        out.append(fp)
    if not out:
        raise PatchError("no file patches found (expected '--- a/...' and '+++ b/...' lines)")
    return out


def _find(lines: list[str], want: list[str], hint: int, start: int) -> int:
    """Where `want` sits exactly, nearest to `hint` at or after `start` (patch's offset, never fuzz)."""
    last = len(lines) - len(want)
    for delta in range(0, max(last, 0) + len(lines) + 1):
        for pos in (hint + delta, hint - delta) if delta else (hint,):
            if start <= pos <= last and lines[pos:pos + len(want)] == want:
                return pos
    return -1


def apply_to_text(original: str | None, fp: FilePatch) -> str | None:
    """The file's new text after the patch (None when the patch deletes it)."""
    lines = [] if original is None else original.splitlines()
    out: list[str] = []
    cursor = 0
    for hunk in fp.hunks:
        old = hunk.old()
        pos = _find(lines, old, max(hunk.old_start - 1, 0) if old else hunk.old_start, cursor)
        if pos < 0:
            raise PatchError(f"{fp.new_path}: hunk at old line {hunk.old_start} does not match")
        out.extend(lines[cursor:pos])
        out.extend(hunk.new())
        cursor = pos + len(old)
    out.extend(lines[cursor:])
    if fp.new_path == DEV_NULL:
        if out:
            raise PatchError(f"{fp.old_path}: a deletion left lines behind")
        return None
    return "\n".join(out) + ("" if fp.no_newline_at_end or not out else "\n")


def apply(text: str, root: Path, strip: int = 1, dry_run: bool = False) -> list[Path]:
    """Apply a unified diff under `root`, all or nothing; the paths it changed."""
    results: list[tuple[Path, str | None]] = []
    for fp in parse(text, strip):
        rel = fp.new_path if fp.new_path != DEV_NULL else fp.old_path
        path = root / rel
        if fp.old_path == DEV_NULL:
            if path.exists():
                raise PatchError(f"{rel}: the diff creates it but it exists")
            original = None
        else:
            if not path.is_file():
                raise PatchError(f"{rel}: no such file under {root}")
            original = path.read_text()
        results.append((path, apply_to_text(original, fp)))
    if not dry_run:
        for path, new in results:
            if new is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(new)
    return [p for p, _ in results]
