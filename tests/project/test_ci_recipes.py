"""The CI recipes (GitHub Actions, GitLab CI) run the README's commands, the same as .ci/run, with pinned
actions, the JUnit XML and HTML report as artifacts, and the build cache."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "isolation.yml"
GITLAB = ROOT / "ci" / "gitlab-ci.yml"
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


def readme_ci_commands() -> list[str]:
    """The first sh block under the README's 'CI recipes' heading, one command a line."""
    section = (ROOT / "README.md").read_text().split("### CI recipes", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def _jobs() -> dict[str, Any]:
    jobs: dict[str, Any] = _load(WORKFLOW)["jobs"]
    return jobs


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def _artifact_paths(job: dict[str, Any]) -> list[str]:
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    return [p.strip() for p in upload["with"]["path"].splitlines() if p.strip()]


def test_the_readme_names_the_recipe_commands() -> None:
    assert readme_ci_commands() == ["make install", "make isolation"]


def test_the_github_workflow_runs_exactly_the_readmes_commands() -> None:
    data = _load(WORKFLOW)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert set(triggers) == {"push", "pull_request"}
    assert _runs(_jobs()["isolation"]) == readme_ci_commands()


def test_the_gitlab_job_runs_exactly_the_readmes_commands() -> None:
    data = _load(GITLAB)
    assert data["isolation"]["extends"] == ".isolation"
    assert data["isolation"]["script"] == readme_ci_commands()
    assert data[".isolation"]["artifacts"]["reports"]["junit"] == ".harness/report/report.xml"
    assert data[".isolation"]["artifacts"]["when"] == "always"


def test_the_projects_own_ci_runs_the_same_commands() -> None:
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    for command in readme_ci_commands():
        assert command in lines, f".ci/run does not run {command!r}"


def test_every_action_is_pinned_to_an_exact_version() -> None:
    for name, job in _jobs().items():
        for step in job["steps"]:
            if "uses" in step:
                assert PINNED_ACTION.match(step["uses"]), f"{name}: {step['uses']} is not pinned"


def test_the_build_cache_and_pips_are_cached_keyed_on_the_lock() -> None:
    for job in _jobs().values():
        cache = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/cache@"))
        assert "~/.cache/saas-harness" in cache["with"]["path"] and "~/.cache/pip" in cache["with"]["path"]
        assert "hashFiles('requirements.lock'" in cache["with"]["key"]
    gitlab = _load(GITLAB)
    assert ".cache/saas-harness/" in gitlab[".isolation"]["cache"]["paths"]
    assert gitlab["variables"]["XDG_CACHE_HOME"] == "$CI_PROJECT_DIR/.cache"


def test_the_localstack_variant_is_the_same_job_in_front_of_a_pinned_loopback_localstack() -> None:
    job = _jobs()["isolation-localstack"]
    service = job["services"]["localstack"]
    assert re.fullmatch(r"localstack/localstack:\d+\.\d+\.\d+", service["image"])
    assert all(p.startswith("127.0.0.1:") for p in service["ports"])
    assert service["env"]["LOCALSTACK_AUTH_TOKEN"] == "${{ secrets.LOCALSTACK_AUTH_TOKEN }}"
    assert _runs(job) == ["make install", "make isolation UPSTREAM=http://127.0.0.1:4567"]
    gitlab = _load(GITLAB)["isolation-localstack"]
    assert gitlab["script"] == ["make install", "make isolation UPSTREAM=http://localstack:4566"]
    assert "LOCALSTACK_AUTH_TOKEN" not in str(gitlab.get("variables", {}))  # a masked CI/CD variable


def _make_isolation_commands() -> list[list[str]]:
    """The commands `make isolation` runs (the Makefile's recipe, variables filled in, no UPSTREAM)."""
    out = subprocess.run(["make", "-n", "isolation", "VENV=.venv", f"STAMP={ROOT / 'Makefile'}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [shlex.split(line) for line in out.splitlines() if "saas-harness" in line]


def test_the_artifact_paths_are_what_make_isolation_writes(tmp_path: Path) -> None:
    """`make isolation`'s own commands, from a fresh folder (the main job only, to stay quick): every
    artifact path the recipes upload is there, except repros/, which only a finding writes."""
    commands = _make_isolation_commands()
    assert [c[1] for c in commands] == ["run", "report"]
    for cmd in commands:
        argv = [sys.executable, "-m", "harness.cli", *cmd[1:]]
        if cmd[1] == "run":
            argv += ["--no-suites", "--tiers", "basic=1", "--quiet"]
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=400)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in _artifact_paths(_jobs()["isolation"]):
        if path.rstrip("/").endswith("repros"):
            continue
        assert (tmp_path / path).exists(), f"{path} is uploaded but `make isolation` does not write it"
    assert (tmp_path / ".harness" / "report" / "report.xml").read_text().lstrip().startswith("<?xml")
    gitlab_paths = _load(GITLAB)[".isolation"]["artifacts"]["paths"]
    assert gitlab_paths == _artifact_paths(_jobs()["isolation"])
