"""Repros end to end: a planted leak recorded by the suites' helpers, replayed until it is fixed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import main
from harness.suites import repro
from harness.suites.adapter import Target
from harness.suites.client import ApiClient, created_id
from harness.suites.helpers import Attacker, Users, tenant_headers

from .mini_app import NOTE, MiniAdapter, NotesServer

ADAPTER = f"{MiniAdapter.__module__}:MiniAdapter"


@pytest.fixture
def server() -> Iterator[NotesServer]:
    srv = NotesServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _record_leak(server: NotesServer, path: Path) -> tuple[str, str]:
    """Tenant A reads tenant B's note through the helpers; the recorder's repro is written to `path`."""
    adapter, http = MiniAdapter(), ApiClient()
    adapter.attach(Target(server.url))
    users, attacker = Users(adapter, http), Attacker(adapter, http)
    victim, thief = adapter.onboard("basic"), adapter.onboard("basic")
    repro.current().reset()
    owner = users(victim, "TenantUser")
    note = created_id(NOTE, owner.create(NOTE))
    attempts = attacker.cross_tenant(users(thief, "TenantUser"), NOTE, victim, note, ops=("read",),
                                     headers=tenant_headers(victim.id))
    assert [a.leaked for a in attempts] == [True]
    path.write_text(repro.current().repro("tenant A read tenant B's note", {"adapter": ADAPTER}).to_json())
    return owner.credentials.token, victim.id


def test_a_recorded_leak_replays_until_it_is_fixed(server: NotesServer, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    server.leaky = True
    file = tmp_path / "leak.json"
    token, victim_id = _record_leak(server, file)
    text = file.read_text()
    assert token not in text and victim_id not in text, "no secrets and no stale ids in a repro"
    doc = json.loads(text)
    assert [s["kind"] for s in doc["steps"]] == ["setup", "attack"]
    assert doc["steps"][1]["request"]["params"] == {"id": "${capture:c1}"}
    assert doc["steps"][1]["request"]["headers"]["tenantId"] == "${tenant:t1}"
    assert main(["replay", str(file), "--target", server.url]) == 1
    assert "LEAK step 2" in capsys.readouterr().out
    server.leaky = False
    assert main(["replay", str(file), "--target", server.url, "--adapter", ADAPTER]) == 0
    assert "no leak" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    ("{not json", "Expecting property name"),
    ('{"version": 2, "steps": []}', "not a version 1 repro"),
    ('{"version": 1, "finding": "x", "steps": [{"kind": "attack"}]}', "malformed repro"),
    ('{"version": 1, "finding": "x", "steps": []}', "no attack step"),
])
def test_a_corrupt_repro_exits_two(tmp_path: Path, content: str, message: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content)
    assert main(["replay", str(file), "--target", "http://127.0.0.1:9"]) == 2
    assert message in capsys.readouterr().err


def test_a_step_naming_an_unlisted_tenant_or_placeholder_exits_two(server: NotesServer,
                                                                   tmp_path: Path) -> None:
    server.leaky = True
    file = tmp_path / "leak.json"
    _record_leak(server, file)
    doc = json.loads(file.read_text())
    doc["steps"][1]["tenant"] = "t9"
    file.write_text(json.dumps(doc))
    assert main(["replay", str(file), "--target", server.url]) == 2
    doc["steps"][1]["tenant"] = "t1"
    doc["steps"] = doc["steps"][1:]  # the attack without the setup that defines ${capture:c1}
    file.write_text(json.dumps(doc))
    assert main(["replay", str(file), "--target", server.url]) == 2


SUITE = '''
from hypothesis import given, settings, strategies as st
from harness.suites import repro
from harness.suites.adapter import Route, Tenant

ROUTE = Route("GET", "/note/{id}")
VICTIM = Tenant("v" * 32, "victim", "basic", "http://127.0.0.1:9", "pooled")

def _attack(item):
    repro.current().record("attack", actor=None, actor_tenant=None, victim=VICTIM, route=ROUTE, base=VICTIM,
                           params={"id": item}, body=None, headers=None, auth="none", token=None,
                           status=200, reply={"id": item})

def test_leaks():
    _attack("one")
    assert False, "tenant data leaked"

@settings(database=None, derandomize=True)
@given(st.integers(0, 1000))
def test_shrinks(n):
    _attack(f"item-{n}")
    assert n < 10

def test_passes():
    _attack("fine")
'''


def test_a_failing_test_saves_its_repro_and_prints_the_replay_command(tmp_path: Path) -> None:
    """The plugin writes .harness/repros/<test id>.json; a hypothesis test keeps the shrunk example only."""
    (tmp_path / "test_suite.py").write_text(SUITE)
    proc = subprocess.run([sys.executable, "-m", "pytest", "test_suite.py", "-q", "-p", "no:cacheprovider",
                           "--saas-adapter", ADAPTER], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    repros = tmp_path / ".harness" / "repros"
    assert sorted(p.name for p in repros.iterdir()) == ["test_suite.py_test_leaks.json",
                                                         "test_suite.py_test_shrinks.json"]
    command = f"saas-harness replay {repros / 'test_suite.py_test_leaks.json'} --adapter {ADAPTER}"
    assert command in proc.stdout
    shrunk = json.loads((repros / "test_suite.py_test_shrinks.json").read_text())
    assert [s["request"]["params"]["id"] for s in shrunk["steps"]] == ["item-10"]
    leaks = json.loads((repros / "test_suite.py_test_leaks.json").read_text())
    assert leaks["finding"].startswith("tenant data leaked")
    assert leaks["target"]["adapter"] == ADAPTER


def test_a_long_test_keeps_its_newest_steps_and_every_captured_id() -> None:
    """Past the cap the oldest uncaptured steps go, so the failing request is never the one dropped."""
    from harness.suites.adapter import Credentials, Route, Tenant

    rec = repro.Recorder()
    owner = Tenant("a" * 32, "a", "basic", "http://127.0.0.1:9", "pooled")
    who = Credentials("u", "TenantUser", owner.id, "secret-token")
    rec.record("setup", actor=who, actor_tenant=owner, victim=owner, route=Route("POST", "/note"), base=owner,
               params={}, body={}, headers=None, auth="actor", token=None, status=201, reply={"id": "n1"},
               capture_field="id")
    for n in range(repro.MAX_STEPS + 5):
        rec.record("attack", actor=who, actor_tenant=owner, victim=owner, route=Route("GET", "/note/{id}"),
                   base=owner, params={"id": f"x{n}"}, body=None, headers=None, auth="actor", token=None,
                   status=404, reply={})
    assert len(rec.steps) == repro.MAX_STEPS
    assert rec.steps[0].capture == {"name": "c1", "field": "id"}
    assert rec.steps[-1].request["params"] == {"id": f"x{repro.MAX_STEPS + 4}"}
    assert "secret-token" not in rec.repro("x", {}).to_json()


def test_a_state_file_that_is_not_one_exits_two(server: NotesServer, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    server.leaky = True
    file = tmp_path / "leak.json"
    _record_leak(server, file)
    state = tmp_path / "state.json"
    state.write_text("[1, 2]")
    assert main(["replay", str(file), "--state", str(state)]) == 2
    assert "not a state file" in capsys.readouterr().err
    state.write_text(json.dumps({"endpoint": server.url}))
    assert main(["replay", str(file), "--state", str(state)]) == 1, "without run_id it is taken as given"
