"""S8 deployment pipeline: one build reaches every tenant stack, wave after wave; a stack that fails
to deploy stops the waves after it, leaves every tenant on a complete build of its own stack and
serving; after a run, each tenant is still routed to its own stack and sees only its own items.

CodePipeline: a failed action fails its stage and the execution, and later stages do not run
(https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts.html); ListActionExecutions
reports each action's stage, times and status
(https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListActionExecutions.html).
Tenant-aware deployment by wave (SaaS Lens, "deployment"):
https://docs.aws.amazon.com/wellarchitected/latest/saas-lens/operational-excellence.html
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.suites.adapter import SaasAdapter, Tenant
from harness.suites.client import created_id, listed_ids
from harness.suites.helpers import Attacker, TenantFactory, Users
from harness.suites.lifecycle import NotSupported, PipelineRun, TenantStack


@dataclass(frozen=True)
class Fleet:
    """One tenant per tier and, when the app has silo tenants, a second silo tenant."""

    tenants: list[Tenant]

    @property
    def silos(self) -> list[Tenant]:
        return [t for t in self.tenants if t.placement == "silo"]


def _writer(adapter: SaasAdapter) -> str:
    return next(r.name for r in adapter.roles if r.scope == "tenant" and r.writes)


def _stack(adapter: SaasAdapter, tenant: Tenant) -> TenantStack:
    stack = adapter.tenant_stack(tenant)
    assert stack is not None, f"{tenant.name} has no stack"
    return stack


@pytest.fixture(scope="module")
def fleet(saas_adapter: SaasAdapter, saas_tenants: TenantFactory) -> Fleet:
    try:
        saas_adapter.tenant_stack(saas_tenants.get((saas_adapter.tiers or ("default",))[0]))
    except NotSupported as exc:
        pytest.skip(str(exc))
    shared = [saas_tenants.get(tier) for tier in saas_adapter.tiers or ("default",)]
    extra = [saas_tenants.fresh(t.tier) for t in shared if t.placement == "silo"][:1]
    return Fleet(shared + extra)


def _run(adapter: SaasAdapter) -> PipelineRun:
    try:
        return adapter.run_pipeline()
    except NotSupported as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def run(saas_adapter: SaasAdapter, fleet: Fleet) -> PipelineRun:
    """One run over the whole fleet, shared by the checks of what it did (a run updates every stack)."""
    return _run(saas_adapter)


def _check_routing(adapter: SaasAdapter, fleet: Fleet) -> dict[str, TenantStack]:
    """Every tenant on a deployed stack that serves its URL; a silo tenant's stack is its own."""
    stacks = {t.id: _stack(adapter, t) for t in fleet.tenants}
    for tenant in fleet.tenants:
        stack = stacks[tenant.id]
        assert stack.api_url == tenant.api_url, f"{tenant.name} ({tenant.api_url}) is now on {stack.api_url}"
        assert stack.version, f"{tenant.name}'s stack {stack.name} records no build"
        if tenant.placement == "silo":
            assert stack.tenant_id == tenant.id, f"{tenant.name}'s stack {stack.name} is {stack.tenant_id}'s"
    silo_stacks = [stacks[t.id].name for t in fleet.silos]
    assert len(set(silo_stacks)) == len(silo_stacks), f"silo tenants share a stack: {silo_stacks}"
    return stacks


def test_one_build_reaches_every_tenant_stack_wave_by_wave(saas_adapter: SaasAdapter, fleet: Fleet,
                                                           run: PipelineRun) -> None:
    """Every tenant's stack is deployed once with the run's one build, as its own tenant; a wave
    starts only when the one before it has finished."""
    assert run.status == "Succeeded", run.error
    deployed = run.deployed()
    assert len(deployed) == len(run.deployments), "a stack was deployed twice in one run"
    stacks = _check_routing(saas_adapter, fleet)
    for tenant in fleet.tenants:
        stack = stacks[tenant.id]
        assert stack.name in deployed, f"the run did not deploy {tenant.name}'s stack {stack.name}"
        done = deployed[stack.name]
        assert done.status == "Succeeded" and done.version == run.version == stack.version, (done, stack)
        assert done.wave == stack.wave and done.tenant_id == stack.tenant_id, (done, stack)
    assert {d.version for d in run.deployments} == {run.version}, "one run, several builds"
    for early in run.deployments:
        for late in run.deployments:
            if early.wave < late.wave:
                assert early.finished <= late.started, f"wave {late.wave} ({late.stack}) started before " \
                                                       f"wave {early.wave} ({early.stack}) finished"


def _serves(adapter: SaasAdapter, users: Users, tenant: Tenant) -> str:
    """The tenant's admin creates an item and reads it back; returns its id."""
    spec = adapter.resources()[0]
    admin = users(tenant, _writer(adapter))
    reply = admin.create(spec)
    assert reply.status == spec.create.ok_status, (tenant.name, reply.status, reply.body)
    item = created_id(spec, reply)
    assert admin.read(spec, item).status == spec.read.ok_status, f"{tenant.name} cannot read its {item}"
    return item


def test_isolation_holds_after_a_pipeline_run(saas_adapter: SaasAdapter, fleet: Fleet, run: PipelineRun,
                                              saas_users: Users, saas_attacker: Attacker) -> None:
    """After a run updated every stack, each tenant reaches only its own items: a silo tenant's
    items are out of reach of the other silo tenant and of pooled tenants, on either API."""
    assert run.status == "Succeeded", run.error
    _check_routing(saas_adapter, fleet)
    spec = saas_adapter.resources()[0]
    owned = {t.id: _serves(saas_adapter, saas_users, t) for t in fleet.tenants}
    leaks = []
    for victim in fleet.tenants:
        for actor_tenant in fleet.tenants:
            if actor_tenant.id == victim.id or "silo" not in (victim.placement, actor_tenant.placement):
                continue
            actor = saas_users(actor_tenant, _writer(saas_adapter))
            assert owned[victim.id] not in listed_ids(spec, actor.list(spec)), f"{actor_tenant.name} lists it"
            attempts = saas_attacker.cross_tenant(actor, spec, victim, owned[victim.id], ops=("read",))
            leaks += [a for a in attempts if a.leaked or a.status >= 500]
    assert leaks == []


def test_a_failing_stack_stops_later_waves_and_spares_every_tenant(saas_adapter: SaasAdapter, fleet: Fleet,
                                                                   saas_users: Users) -> None:
    """A stack of the first wave fails: the run fails, no later wave is deployed, and every tenant
    stays on a complete build of its own stack and keeps serving; the next run reaches them all."""
    before = _check_routing(saas_adapter, fleet)
    first = min(s.wave for s in before.values())
    try:
        failing = saas_adapter.failing_stack(first)
    except NotSupported as exc:
        pytest.skip(str(exc))
    with failing as broken:
        run = _run(saas_adapter)
    assert run.status in ("Failed", "Stopped"), f"a failed stack deployment left the run {run.status}"
    deployed = run.deployed()
    assert deployed.get(broken) is not None and deployed[broken].status == "Failed", deployed.get(broken)
    later = [d.stack for d in run.deployments if d.wave > first]
    assert later == [], f"waves after the failed one were deployed: {later}"
    after = _check_routing(saas_adapter, fleet)
    for tenant in fleet.tenants:
        old, new = before[tenant.id], after[tenant.id]
        assert new.version in (old.version, run.version), f"{tenant.name} is on an unknown build {new!r}"
        if new.wave > first:
            assert new.version == old.version, f"{tenant.name} of a skipped wave changed build"
        _serves(saas_adapter, saas_users, tenant)
    again = _run(saas_adapter)
    assert again.status == "Succeeded", again.error
    assert all(_stack(saas_adapter, t).version == again.version for t in fleet.tenants)
