"""Which suite files `saas-harness run` hands pytest: folders, files, `--only S2`, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.runreport.suites import CHECKOUT_SUITES, SuiteSelectionError, default_paths, select, suites_env


@pytest.fixture
def suites(tmp_path: Path) -> Path:
    for name in ("test_s10_hostile.py", "test_s2_api.py", "test_s3_data.py", "conftest.py", "helper.py"):
        (tmp_path / name).write_text("")
    return tmp_path


def test_a_folder_gives_its_suite_files_in_suite_order(suites: Path) -> None:
    assert [Path(f).name for f in select([suites])] == ["test_s2_api.py", "test_s3_data.py",
                                                        "test_s10_hostile.py"]


def test_only_keeps_the_named_suites_case_blind(suites: Path) -> None:
    picked = select([suites], ["s10", "S2"])
    assert [Path(f).name for f in picked] == ["test_s2_api.py", "test_s10_hostile.py"]


def test_files_and_test_ids_pass_through(suites: Path) -> None:
    one = f"{suites / 'test_s3_data.py'}::test_scan"
    assert select([Path(one)]) == [one]


def test_only_that_matches_nothing_is_refused(suites: Path) -> None:
    with pytest.raises(SuiteSelectionError, match="--only S9: no suite file matches"):
        select([suites], ["S9"])


def test_a_missing_path_or_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SuiteSelectionError, match="no such file or folder"):
        select([tmp_path / "nope"])
    with pytest.raises(SuiteSelectionError, match="no test_"):
        select([tmp_path])


def test_the_default_is_the_checkouts_scenarios_folder() -> None:
    assert default_paths() == (CHECKOUT_SUITES,)
    assert (CHECKOUT_SUITES / "test_s2_api_isolation.py").is_file()


def test_the_suites_environment_drops_a_surrounding_pytests_worker_variables() -> None:
    env = suites_env({"PYTEST_XDIST_WORKER": "gw1", "PYTEST_CURRENT_TEST": "x", "HOME": "/h",
                      "PYTHONPATH": "/mine"})
    assert "PYTEST_XDIST_WORKER" not in env and "PYTEST_CURRENT_TEST" not in env and env["HOME"] == "/h"
    assert env["PYTHONPATH"].split(":") == [str(CHECKOUT_SUITES.parent), "/mine"]


def test_suites_that_run_past_their_timeout_are_stopped_and_say_so(tmp_path: Path) -> None:
    """A hung pytest is killed at the timeout; the run reports that the suites did not finish."""
    from harness.runreport.suites import SuitesOptions, run_suites

    (tmp_path / "test_s1_hang.py").write_text("import time\n\ndef test_hang():\n    time.sleep(60)\n")
    run = run_suites([str(tmp_path / "test_s1_hang.py")], SuitesOptions(timeout=3.0), tmp_path / "out", None)
    assert run.returncode < 0 and run.wall_s < 30
    assert run.error is not None and "did not finish" in run.error
