"""Code packaging, the file store and cfn-lint: the deployer's pieces that touch the file system."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

from harness.deploy import FileStackStore, lint
from harness.deploy.code import code_sha256, zip_directory, zip_inline

from .helpers import write


def _tree(root: Path) -> Path:
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (root / "pkg" / "__init__.py").write_text("X = 1\n")
    (root / "pkg" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    (root / "pkg" / "stale.pyc").write_bytes(b"junk")
    return root


def test_zip_holds_the_directory_contents_without_caches(tmp_path: Path) -> None:
    data = zip_directory(_tree(tmp_path / "src"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["app.py", "pkg/__init__.py"]
        assert archive.read("app.py").startswith(b"def handler")
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())


def test_zip_is_deterministic_across_copies_and_mtimes(tmp_path: Path) -> None:
    first = zip_directory(_tree(tmp_path / "a"))
    second_root = _tree(tmp_path / "b")
    later = time.time() + 1000
    os.utime(second_root / "app.py", (later, later))
    second = zip_directory(second_root)
    assert code_sha256(first) == code_sha256(second)
    (second_root / "app.py").write_text("def handler(e, c):\n    return 2\n")
    assert code_sha256(zip_directory(second_root)) != code_sha256(first)


def test_layer_layout_keeps_the_python_prefix(tmp_path: Path) -> None:
    root = tmp_path / "layer"
    (root / "python" / "shared").mkdir(parents=True)
    (root / "python" / "shared" / "__init__.py").write_text("")
    with zipfile.ZipFile(io.BytesIO(zip_directory(root))) as archive:
        assert archive.namelist() == ["python/shared/__init__.py"]


def test_inline_code_becomes_an_index_file() -> None:
    with zipfile.ZipFile(io.BytesIO(zip_inline("print(1)"))) as archive:
        assert archive.namelist() == ["index.py"]


def test_file_store_round_trip(tmp_path: Path) -> None:
    store = FileStackStore(tmp_path / "stacks")
    assert store.names() == [] and store.load("s1") is None
    store.save("s1", {"name": "s1", "resources": {"A": {"physical_id": "x"}}})
    store.save("s2", {"name": "s2"})
    assert FileStackStore(tmp_path / "stacks").load("s1") == {
        "name": "s1", "resources": {"A": {"physical_id": "x"}}}
    assert store.names() == ["s1", "s2"]
    store.delete("s1")
    store.delete("s1")
    assert store.names() == ["s2"]
    assert [p.name for p in (tmp_path / "stacks").iterdir()] == ["s2.json"]


def test_lint_reports_findings_with_file_and_line(tmp_path: Path) -> None:
    good = write(tmp_path, """
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Table:
            Type: AWS::DynamoDB::Table
            Properties:
              BillingMode: PAY_PER_REQUEST
              AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
              KeySchema: [{AttributeName: pk, KeyType: HASH}]
        """, "good.yaml")
    assert lint(good) == []
    bad = write(tmp_path, """
        Resources:
          Table:
            Type: AWS::DynamoDB::Table
            Properties:
              BillingMode: PAY_PER_REQUEST
              Bogus: 1
              KeySchema: [{AttributeName: pk, KeyType: HASH}]
        """, "bad.yaml")
    findings = lint(bad)
    assert any(f.startswith("bad.yaml:6: E3002") and "Bogus" in f for f in findings)
