"""The pytest plugin as a user meets it: a separate pytest run with its options, fixtures and profiles."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.suites.loader import AdapterLoadError, load_adapter_class
from harness.target import EmbeddedTarget

REPO = Path(__file__).resolve().parents[2]


def run_pytest(where: Path, source: str, *args: str, env: dict[str, str] | None = None,
               files: dict[str, str] | None = None) -> tuple[int, str]:
    """pytest in a subprocess on one test file, the plugin loaded from its entry point."""
    (where / "test_inner.py").write_text(textwrap.dedent(source))
    for name, text in (files or {}).items():
        (where / name).write_text(textwrap.dedent(text))
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS_", "PYTEST_"))}
    full_env["PYTHONPATH"] = os.pathsep.join([str(where), str(REPO)])
    full_env.update(env or {})
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                          "test_inner.py", *args], cwd=where, env=full_env, capture_output=True,
                         text=True, timeout=240)
    return out.returncode, out.stdout + out.stderr


PROFILE_TEST = """
    import os
    from hypothesis import settings

    def test_profile():
        s = settings()
        with open("profile.json", "w") as f:
            f.write(f'{{"max_examples": {s.max_examples}, "derandomize": {str(s.derandomize).lower()}}}')
"""


@pytest.mark.parametrize(("args", "env", "expected"), [
    (("--saas-profile", "dev"), {}, {"max_examples": 20, "derandomize": False}),
    ((), {"HYPOTHESIS_PROFILE": "deep"}, {"max_examples": 600, "derandomize": False}),
    (("--hypothesis-profile", "ci"), {}, {"max_examples": 40, "derandomize": True}),
    (("--saas-profile", "ci"), {"HYPOTHESIS_PROFILE": "deep"}, {"max_examples": 40, "derandomize": True}),
    (("--hypothesis-profile", "dev"), {"HYPOTHESIS_PROFILE": "deep"},
     {"max_examples": 20, "derandomize": False}),
], ids=["option", "environment", "hypothesis-option", "option-beats-environment",
        "hypothesis-option-beats-environment"])
def test_hypothesis_profiles_come_with_the_plugin(tmp_path: Path, args: tuple[str, ...],
                                                  env: dict[str, str], expected: dict[str, object]) -> None:
    rc, out = run_pytest(tmp_path, PROFILE_TEST, *args, env=env)
    assert rc == 0, out
    assert json.loads((tmp_path / "profile.json").read_text()) == expected


def test_an_unknown_profile_in_the_environment_is_refused(tmp_path: Path) -> None:
    rc, out = run_pytest(tmp_path, PROFILE_TEST, env={"HYPOTHESIS_PROFILE": "fast"})
    assert rc != 0 and "choose one of ci, dev, deep" in out


def test_saas_target_attaches_and_the_clock_fixture_drives_its_virtual_clock(
        tmp_path: Path, fresh_target: EmbeddedTarget) -> None:
    rc, out = run_pytest(tmp_path, f"""
        def test_attached(saas_suite_target, saas_clock):
            t = saas_suite_target
            assert t.endpoint == "{fresh_target.endpoint}" and not t.is_embedded
            saas_clock.freeze()
            before = saas_clock.now()
            assert abs(saas_clock.advance(3600) - before - 3600) < 1e-6
    """, "--saas-target", fresh_target.endpoint)
    assert rc == 0, out
    assert fresh_target.clock.offset > 3599 and not fresh_target.clock.frozen


@pytest.fixture
def clockless_server() -> Iterator[str]:
    """A target without /_harness/clock, like a stack deployed on AWS."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_clock_fixture_skips_where_the_target_has_no_virtual_clock(tmp_path: Path,
                                                                       clockless_server: str) -> None:
    rc, out = run_pytest(tmp_path, "def test_needs_clock(saas_clock):\n    pass\n",
                         "--saas-target", clockless_server)
    assert rc == 0, out
    assert "1 skipped" in out and "virtual clock unavailable" in out


def test_saas_state_file_describes_the_attached_target(tmp_path: Path, clockless_server: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"endpoint": clockless_server, "region": "eu-west-1",
                                 "account": "111122223333", "admin_api_url": "https://admin.example"}))
    rc, out = run_pytest(tmp_path, f"""
        def test_state(saas_suite_target):
            t = saas_suite_target
            assert (t.region, t.account, t.state["admin_api_url"]) == (
                "eu-west-1", "111122223333", "https://admin.example")
            assert not t.is_embedded and t.work_dir.name == "{tmp_path.name}"
    """, "--saas-state", str(state))
    assert rc == 0, out


def test_a_state_file_that_is_not_json_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{half")
    rc, out = run_pytest(tmp_path, "def test_state(saas_suite_target):\n    pass\n",
                         "--saas-state", str(tmp_path / "state.json"))
    assert rc != 0 and "--saas-state" in out


def test_a_state_file_from_a_target_that_is_gone_is_refused(tmp_path: Path) -> None:
    """A state file `saas-harness up` wrote (it has a run_id) is health-checked before use."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    (tmp_path / "state.json").write_text(json.dumps({"endpoint": dead, "run_id": "gone"}))
    rc, out = run_pytest(tmp_path, "def test_state(saas_suite_target):\n    pass\n",
                         "--saas-state", str(tmp_path / "state.json"))
    assert rc != 0 and "is not running" in out, out


ADAPTER = """
    from harness.suites.adapter import SaasAdapter, Tenant, Credentials

    class RecordingAdapter(SaasAdapter):
        name = "recording"
        tiers = ("free",)

        def attach(self, target):
            self.attached = target

        def onboard(self, tier, name=None):
            return Tenant(f"id-{tier}-{name}", name or "n", tier, self.attached.endpoint, "pooled")

        def sign_in(self, tenant, role):
            return Credentials("u", role, tenant.id if tenant else None, "token")

        def resources(self):
            return ()

        def raw_tables(self, tenant):
            return ()
"""


def test_saas_adapter_option_loads_the_users_adapter_and_attaches_it(tmp_path: Path,
                                                                       clockless_server: str) -> None:
    rc, out = run_pytest(tmp_path, """
        def test_adapter(saas_adapter, saas_suite_target, saas_tenants, saas_users):
            assert type(saas_adapter).__name__ == "RecordingAdapter"
            assert saas_adapter.attached is saas_suite_target
            shared = saas_tenants.get("free")
            assert saas_tenants.get("free") is shared and saas_tenants.fresh("free") is not shared
            assert saas_users(shared, "R") is saas_users(shared, "R")
            assert saas_users(shared, "R").credentials.tenant_id == shared.id
    """, "--saas-target", clockless_server, "--saas-adapter", "myadapter:RecordingAdapter",
        files={"myadapter.py": ADAPTER})
    assert rc == 0, out


def test_a_bad_saas_adapter_option_says_what_is_wrong(tmp_path: Path, clockless_server: str) -> None:
    rc, out = run_pytest(tmp_path, "def test_a(saas_adapter):\n    pass\n", "--saas-target",
                         clockless_server, "--saas-adapter", "nosuchmodule:Thing")
    assert rc != 0 and "cannot import nosuchmodule" in out


def test_each_xdist_worker_gets_its_own_embedded_target(tmp_path: Path) -> None:
    rc, out = run_pytest(tmp_path, """
        import json, os, pytest

        @pytest.mark.parametrize("n", range(4))
        def test_where(saas_suite_target, n):
            assert saas_suite_target.is_embedded
            worker = os.environ["PYTEST_XDIST_WORKER"]
            with open(f"seen-{worker}.json", "w") as f:
                json.dump([saas_suite_target.endpoint, str(saas_suite_target.work_dir)], f)
    """, "-p", "xdist", "-n", "2", "--dist", "load")
    assert rc == 0, out
    seen = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("seen-*.json"))]
    assert len(seen) == 2
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]


def test_load_adapter_class_names_the_problem() -> None:
    with pytest.raises(AdapterLoadError, match="use module:Class"):
        load_adapter_class("no-colon")
    with pytest.raises(AdapterLoadError, match="not a subclass"):
        load_adapter_class("harness.suites.adapter:Route")
    assert load_adapter_class("stack.harness_adapter:ReferenceAdapter").__name__ == "ReferenceAdapter"


def test_on_a_stack_on_real_aws_the_oracle_and_clock_skip(tmp_path: Path) -> None:
    """A deployed stack offers only its public APIs: no root table reads, no virtual clock."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"aws": True, "region": "eu-west-1", "admin_api_url": "https://x"}))
    rc, out = run_pytest(tmp_path, """
        def test_oracle(saas_oracle):
            pass

        def test_clock(saas_clock):
            pass
    """, "--saas-state", str(state))
    assert rc == 0, out
    assert "2 skipped" in out and "offers only its public APIs" in out and "no harness endpoint" in out


def test_the_default_adapter_loads_from_a_fresh_folder(tmp_path: Path) -> None:
    """`saas-harness load` and `replay` import the shipped adapter from any folder; an adapter a
    folder does not have is a one-line error (exit 2), not a traceback."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = ("from harness.suites.loader import DEFAULT_ADAPTER, load_adapter_class\n"
              "print(load_adapter_class(DEFAULT_ADAPTER).__name__)\n")
    got = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert got.returncode == 0 and got.stdout.strip() == "ReferenceAdapter", got.stderr
    bad = subprocess.run([sys.executable, "-m", "harness.cli", "load", "usage-plans", "--adapter",
                          "stack_of_mine.adapter:Mine"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "cannot import stack_of_mine.adapter" in bad.stderr
