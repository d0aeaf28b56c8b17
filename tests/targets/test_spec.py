"""`--target embedded|endpoint URL|state FILE`: parsed once, refused clearly when malformed."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from harness.targets.spec import (
    EMBEDDED,
    TargetKind,
    TargetSpec,
    TargetSpecError,
    add_target_option,
    parse_target,
    target_from_args,
)


def test_no_target_is_the_embedded_one() -> None:
    assert parse_target(None) == EMBEDDED == parse_target(["embedded"])
    assert EMBEDDED.kind is TargetKind.EMBEDDED


def test_an_endpoint_keeps_its_url_without_a_trailing_slash() -> None:
    spec = parse_target(["endpoint", "http://127.0.0.1:4567/"])
    assert spec == TargetSpec(TargetKind.ENDPOINT, url="http://127.0.0.1:4567") and spec.is_loopback


def test_a_remote_endpoint_is_not_loopback() -> None:
    assert not parse_target(["endpoint", "https://example.com"]).is_loopback


def test_a_state_file_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "stack.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    spec = parse_target(["state", "stack.json"])
    assert spec.kind is TargetKind.STATE and spec.state_file == tmp_path / "stack.json"


@pytest.mark.parametrize(("words", "message"), [
    (["cloud"], "--target takes `embedded`, `endpoint URL` or `state FILE`"),
    (["embedded", "x"], "takes no value"),
    (["endpoint"], "exactly one URL"),
    (["endpoint", "a", "b"], "exactly one URL"),
    (["endpoint", "127.0.0.1:4566"], "not an http:// or https:// URL"),
    (["endpoint", "http://127.0.0.1:4566/restapis"], "without a path"),
    (["state"], "exactly one FILE"),
    (["state", "/nonexistent/state.json"], "no such file")])
def test_a_malformed_target_says_what_was_expected(words: list[str], message: str) -> None:
    with pytest.raises(TargetSpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_target(words)


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_target_option(p, upstream_alias=True)
    return p.parse_args(list(argv))


def test_upstream_is_an_alias_of_target_endpoint() -> None:
    assert target_from_args(_args("--upstream", "http://127.0.0.1:5000")) == \
        target_from_args(_args("--target", "endpoint", "http://127.0.0.1:5000"))


def test_upstream_and_another_target_together_are_refused() -> None:
    with pytest.raises(TargetSpecError, match="alias"):
        target_from_args(_args("--upstream", "http://127.0.0.1:5000", "--target", "embedded"))
