"""The work dir and state.json as the CLI relies on them: absolute paths, one `up` per folder, an
earlier run's records set aside, and no trust in a state file whose target is gone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import build_parser
from harness.state import StaleState, check_alive, read_live_state, write_state
from harness.target import EmbeddedTarget
from harness.workdir import WorkDirBusy, WorkDirLock, set_aside_previous_run
from tests.cli.harness_process import free_port


@pytest.mark.parametrize("command", [["up"], ["onboard"], ["deploy", "t.yaml"]])
def test_every_command_resolves_the_default_work_dir_against_the_current_folder(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(command)
    assert args.work_dir == tmp_path.resolve() / ".harness"
    assert build_parser().parse_args([*command, "--work-dir", "w"]).work_dir == \
        tmp_path.resolve() / "w"


def test_a_relative_work_dir_becomes_absolute_in_the_target(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.target import TargetOptions

    monkeypatch.chdir(tmp_path)
    with EmbeddedTarget(TargetOptions(port=0, work_dir=Path("rel"))) as t:
        assert t.work_dir == tmp_path.resolve() / "rel"
        assert t.runtime is not None and t.runtime.work_dir == tmp_path.resolve() / "rel" / "lambda"
        assert t.describe()["work_dir"] == str(tmp_path.resolve() / "rel")


def test_an_earlier_runs_records_move_to_previous_replacing_an_older_previous(tmp_path: Path) -> None:
    work = tmp_path / ".harness"
    (work / "stacks").mkdir(parents=True)
    (work / "stacks" / "serverless-saas.json").write_text("{}")
    (work / "lambda" / "logs").mkdir(parents=True)
    (work / "lambda" / "logs" / "fn.log").write_text("old\n")
    (work / "lambda" / "code").mkdir()
    (work / "state.json").write_text("{}")
    (work / "previous" / "stacks").mkdir(parents=True)
    (work / "previous" / "stacks" / "older.json").write_text("{}")
    (work / "mine.txt").write_text("not ours")

    moved = set_aside_previous_run(work)

    assert sorted(p.relative_to(work).as_posix() for p in moved) == [
        "previous/lambda/logs", "previous/stacks", "previous/state.json"]
    assert not (work / "stacks").exists() and not (work / "state.json").exists()
    assert not (work / "lambda" / "logs").exists()
    assert (work / "lambda" / "code").is_dir()  # the content-addressed code cache stays
    assert (work / "previous" / "stacks" / "serverless-saas.json").exists()
    assert not (work / "previous" / "stacks" / "older.json").exists()
    assert (work / "mine.txt").read_text() == "not ours"
    assert set_aside_previous_run(work) == []  # nothing left to move: previous/ is kept


def test_a_second_lock_on_the_same_work_dir_is_refused_until_the_first_is_released(
        tmp_path: Path) -> None:
    with WorkDirLock(tmp_path / "w"):
        with pytest.raises(WorkDirBusy, match="another `saas-harness up`"):
            WorkDirLock(tmp_path / "w").acquire()
        probe = subprocess.run(  # and from another process, as a second `up` would be
            [sys.executable, "-c", "import sys; from harness.workdir import WorkDirLock\n"
             f"try:\n    WorkDirLock({str(tmp_path / 'w')!r}).acquire()\n"
             "except Exception as e:\n    sys.exit(type(e).__name__)"],
            capture_output=True, text=True, timeout=60)
        assert probe.stderr.strip().endswith("WorkDirBusy")
    WorkDirLock(tmp_path / "w").acquire().release()


def test_a_state_file_whose_target_is_gone_is_stale(tmp_path: Path) -> None:
    write_state({"endpoint": f"http://127.0.0.1:{free_port()}", "run_id": "x"}, tmp_path)
    with pytest.raises(StaleState, match="is not running"):
        read_live_state(tmp_path)


def test_a_state_file_of_an_earlier_run_on_the_same_port_is_stale(target: EmbeddedTarget,
                                                                  tmp_path: Path) -> None:
    write_state(target.describe(), tmp_path)
    assert read_live_state(tmp_path)["run_id"] == target.run_id
    with pytest.raises(StaleState, match="earlier target run"):
        check_alive({**target.describe(), "run_id": "an-earlier-run"})


def test_a_corrupt_state_file_is_stale_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{half")
    with pytest.raises(StaleState, match="not valid JSON"):
        read_live_state(tmp_path)
    (tmp_path / "state.json").write_text(json.dumps([1]))
    with pytest.raises(StaleState):
        read_live_state(tmp_path)
