"""pytest fixtures the isolation suites and a user's own tests use: target, adapter, tenants, users."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from harness.suites import profiles
from harness.suites.adapter import SaasAdapter, Target
from harness.suites.client import ApiClient
from harness.suites.helpers import Attacker, Clock, ClockUnavailable, Oracle, TenantFactory, Users
from harness.suites.loader import DEFAULT_ADAPTER, load_adapter_class
from harness.targets import statefile

# Saves the recorded steps of a failing test as a replayable repro (harness/suites/recording.py),
# writes each test's count of cross-tenant attempts into its JUnit properties (harness/suites/attempts.py),
# and offers the `saas_faults` fixture (harness/suites/faults.py).
pytest_plugins = ["harness.suites.recording", "harness.suites.attempts", "harness.suites.faults"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("saas-harness suites")
    group.addoption("--saas-target", default=None, metavar="URL",
                    help="attach to a running target at URL instead of starting an embedded one")
    group.addoption("--saas-state", default=None, metavar="FILE",
                    help="attach to the target (or deployed stack) a state file describes")
    group.addoption("--saas-upstream", default=None, metavar="URL",
                    help="an embedded target whose front door sits in front of this AWS-compatible endpoint "
                         "(saas-harness's --target endpoint URL); use a fresh endpoint, one pytest process")
    group.addoption("--saas-upstream-reset", action="store_true",
                    help="with --saas-upstream: clear the endpoint first through its reset hook")
    group.addoption("--saas-adapter", default=None, metavar="MODULE:CLASS",
                    help=f"the app adapter (default {DEFAULT_ADAPTER})")
    group.addoption("--saas-profile", default=None, choices=profiles.PROFILES,
                    help="hypothesis profile: ci, dev or deep (or HYPOTHESIS_PROFILE)")


def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("--saas-profile", None)
    if option is None and config.getoption("hypothesis_profile", None):
        return  # hypothesis's own --hypothesis-profile was given: it wins over the environment
    name = profiles.chosen_profile(option)
    if name is not None:
        settings.load_profile(name)


def read_target_state(path: Path) -> dict[str, object]:
    """A state file as `saas-harness up` writes it; refused clearly when it is not one."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"--saas-state {path}: {exc}") from None
    if not isinstance(data, dict):
        raise pytest.UsageError(f"--saas-state {path}: not a JSON object")
    if data.get("kind") == statefile.KIND:  # a stack deployed elsewhere: public APIs only
        try:
            return statefile.validate(data, f"--saas-state {path}")
        except statefile.StateFileError as exc:
            raise pytest.UsageError(str(exc)) from None
    if "run_id" in data:  # written by `saas-harness up`: never trust it once that target is gone
        from harness.state import StaleState, check_alive

        try:
            check_alive(data, path)
        except StaleState as exc:
            raise pytest.UsageError(f"--saas-state {exc}") from None
    return data


@pytest.fixture(scope="session")
def saas_suite_target(request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The target: attached (--saas-target / --saas-state) or embedded, one per xdist worker."""
    url = request.config.getoption("--saas-target")
    state_file = request.config.getoption("--saas-state")
    if url or state_file:
        state = read_target_state(Path(state_file)) if state_file else {}
        endpoint = str(url or state.get("endpoint") or "")
        work_dir = Path(state_file).parent if state_file else Path(".harness")
        yield Target(endpoint, str(state.get("region", "us-east-1")),
                     str(state.get("account", "000000000000")), None, state, work_dir)
        return
    from harness.target import EmbeddedTarget, TargetOptions

    work = tmp_path_factory.mktemp("saas-suite")
    upstream = request.config.getoption("--saas-upstream")
    embedded = EmbeddedTarget(TargetOptions(port=0, work_dir=work, upstream_url=upstream))
    if upstream and request.config.getoption("--saas-upstream-reset"):
        embedded.upstream.reset()
    with embedded as t:
        info = t.describe()
        yield Target(t.endpoint, str(info["region"]), str(info["account"]), t, info, work)


@pytest.fixture(scope="session")
def saas_adapter(request: pytest.FixtureRequest, saas_suite_target: Target) -> Iterator[SaasAdapter]:
    """The adapter named by --saas-adapter (the reference SaaS's by default), attached to the target."""
    cls = load_adapter_class(request.config.getoption("--saas-adapter") or DEFAULT_ADAPTER)
    adapter = cls()
    adapter.attach(saas_suite_target)
    yield adapter
    adapter.close()


@pytest.fixture(scope="session")
def saas_http() -> ApiClient:
    return ApiClient()


@pytest.fixture(scope="session")
def saas_tenants(saas_adapter: SaasAdapter) -> TenantFactory:
    """`saas_tenants.get(tier)` (shared per session) or `saas_tenants.fresh(tier)`."""
    return TenantFactory(saas_adapter)


@pytest.fixture(scope="session")
def saas_users(saas_adapter: SaasAdapter, saas_http: ApiClient) -> Users:
    """`saas_users(tenant, role)`: a signed-in client; `tenant=None` for provider roles."""
    return Users(saas_adapter, saas_http)


@pytest.fixture(scope="session")
def saas_attacker(saas_adapter: SaasAdapter, saas_http: ApiClient) -> Attacker:
    return Attacker(saas_adapter, saas_http)


@pytest.fixture(scope="session")
def saas_oracle(saas_suite_target: Target) -> Oracle:
    """Root reads of raw tables; skipped where the target gives the suites only its public APIs."""
    if saas_suite_target.public_only or not saas_suite_target.endpoint:
        pytest.skip("the oracle reads tables as root: this target offers only its public APIs")
    return Oracle(saas_suite_target)


@pytest.fixture
def saas_clock(saas_suite_target: Target, saas_http: ApiClient) -> Iterator[Clock]:
    """The target's virtual clock, unfrozen again after the test; skipped where there is none."""
    if not saas_suite_target.endpoint or saas_suite_target.public_only:
        pytest.skip("virtual clock: the target has no harness endpoint (public APIs only)")
    try:
        clock = Clock(saas_suite_target.endpoint, saas_http)
    except ClockUnavailable as exc:
        pytest.skip(f"virtual clock unavailable: {exc}")
    yield clock
    clock.unfreeze()
