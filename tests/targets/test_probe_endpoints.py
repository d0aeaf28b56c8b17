"""The capability probe against real endpoints: moto_server and ministack subprocesses, and the harness.

Each verdict comes from a real small call; these pin what ministack 1.5.33 does (pinned); moto_server's
verdicts are checked in test_run_endpoint.py, from the probe `run --target endpoint` keeps in its summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.target import EmbeddedTarget
from harness.targets.probe import run_probe
from tests.targets.servers import MiniStack

SAAS_HARNESS = str(Path(sys.executable).with_name("saas-harness"))
pytestmark = pytest.mark.endpoint


def _probe(url: str, cwd: Path) -> dict[str, tuple[str, str]]:
    """`saas-harness probe URL --json probe.json` from a fresh folder: behaviour -> (verdict, reason)."""
    proc = subprocess.run([SAAS_HARNESS, "probe", url, "--json", "probe.json"], cwd=cwd, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "supported" in proc.stdout
    doc = json.loads((cwd / "probe.json").read_text())
    return {c["behaviour"]: (c["verdict"], c["reason"]) for c in doc["capabilities"]}


def test_probe_reports_what_ministack_lacks(ministack: MiniStack, tmp_path: Path) -> None:
    """ministack runs Lambda code in subprocesses but, started without AUTH, enforces no session policy
    and no dynamodb:LeadingKeys condition (fine-grained access control:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html)."""
    got = _probe(ministack.url, tmp_path)
    assert got["CRUD (CreateTable, PutItem, GetItem, DeleteItem)"][0] == "supported"
    assert got["Invoke (Python handler runs)"][0] == "supported"
    assert got["session policy narrows the role (AssumeRole Policy)"][0] == "unsupported"
    assert got["dynamodb:LeadingKeys condition"][0] == "unsupported"
    assert got["InitiateAuth (USER_PASSWORD_AUTH)"][0] == "supported"
    assert got["CreateStack (a DynamoDB table)"][0] == "supported"
    verdicts = {v for v, _ in got.values()}
    assert verdicts <= {"supported", "partial", "unsupported"} and len(got) == 11


def test_ministack_listens_on_loopback_only(ministack: MiniStack) -> None:
    assert ministack.listening_addresses() == {"127.0.0.1"}


def test_probe_finds_every_behaviour_supported_on_the_harness_itself(target: EmbeddedTarget) -> None:
    """The harness's own target answers each probe as AWS documents it: root may not assume a role
    (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html), so the probe's caller is
    an IAM user; its session policy and LeadingKeys narrow; each pool signs with its own key."""
    report = run_probe(target.endpoint)
    lacking = [c for c in report.capabilities if c.verdict.value != "supported"]
    assert lacking == [] and len(report.capabilities) == 11


def test_probe_of_an_endpoint_that_does_not_answer_exits_2(tmp_path: Path) -> None:
    from tests.targets.servers import free_port

    proc = subprocess.run([SAAS_HARNESS, "probe", f"http://127.0.0.1:{free_port()}"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "did not answer as an AWS endpoint" in proc.stderr, proc.stderr


def test_probe_of_a_malformed_url_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([SAAS_HARNESS, "probe", "127.0.0.1:4566"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "not an http:// or https:// URL" in proc.stderr
