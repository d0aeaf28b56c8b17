"""Cross-tenant attempts are counted where the suites make them and land in each test's JUnit properties."""

from __future__ import annotations

import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.suites import attempts
from harness.suites.adapter import Target
from harness.suites.client import ApiClient, created_id
from harness.suites.helpers import Attacker, Users
from tests.repro.mini_app import NOTE, MiniAdapter, NotesServer


@pytest.fixture
def server() -> Iterator[NotesServer]:
    srv = NotesServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_the_helpers_count_each_request_aimed_at_another_tenant(server: NotesServer) -> None:
    adapter, http = MiniAdapter(), ApiClient()
    adapter.attach(Target(server.url))
    users, attacker = Users(adapter, http), Attacker(adapter, http)
    victim, thief = adapter.onboard("basic"), adapter.onboard("basic")
    owner, other = users(victim, "TenantUser"), users(thief, "TenantUser")
    attempts.current().reset()
    note = created_id(NOTE, owner.create(NOTE))
    owner.read(NOTE, note)
    assert attempts.current().total == 0, "a tenant's calls on its own data are not attempts"
    attacker.cross_tenant(other, NOTE, victim, note)  # read, update, delete on the one pooled API
    assert attempts.current().total == 3
    other.call(NOTE.list, tenant=victim)  # on the victim's API
    other.call(NOTE.read, params={"id": note}, attack=True)  # the victim's id on its own API
    attacker.with_token("forged", NOTE.read, victim, id=note)
    owner.call(NOTE.list, token="tampered")  # a token not the user's own
    owner.call(NOTE.list, token=owner.credentials.token)
    assert attempts.current().reset() == 7 and attempts.current().total == 0


PLANTED = '''
import pytest
from harness.suites import attempts

@pytest.fixture
def probe():
    attempts.count(2)  # setup
    yield
    attempts.count(5)  # teardown

def test_attacks(probe):
    attempts.count(3)

def test_quiet():
    pass
'''


def test_the_plugin_writes_each_tests_total_as_a_junit_property(tmp_path: Path) -> None:
    (tmp_path / "test_planted.py").write_text(PLANTED)
    junit = tmp_path / "out.xml"
    proc = subprocess.run([sys.executable, "-m", "pytest", "test_planted.py", "-q", "-p", "no:cacheprovider",
                           f"--junitxml={junit}"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = {case.get("name"): [p.get("value") for p in case.iter("property")
                              if p.get("name") == attempts.PROPERTY]
           for case in ET.parse(junit).getroot().iter("testcase")}
    assert got == {"test_attacks": ["10"], "test_quiet": ["0"]}
