"""S2 API-level isolation: tenants create, read, update, delete and list their items while users of
other tenants replay those ids, forge tenant ids in paths, bodies and headers, take their tokens to
the victim's API and call internal routes; after every step the model of who owns what is compared
with what each tenant sees and with the raw tables read as root.

Everything goes through the adapter (routes, ids, key scheme); nothing here knows the app.
Tenant isolation in SaaS (what must never cross):
https://docs.aws.amazon.com/whitepapers/latest/saas-tenant-isolation-strategies/saas-tenant-isolation-strategies.html
Stateful testing: https://hypothesis.readthedocs.io/en/latest/stateful.html
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from harness.client.saas import Reply
from harness.strategies import INJECTED_FIELDS
from harness.suites import repro
from harness.suites.adapter import RawTable, ResourceSpec, Route, SaasAdapter, Tenant
from harness.suites.client import SignedInClient, created_id, listed_ids
from harness.suites.helpers import Attacker, Oracle, TenantFactory, Users, tenant_headers
from harness.suites.model import (
    OwnershipModel,
    marker_field,
    mentions,
    new_marker,
    raw_markers,
    stateful_settings,
)

Forgery = Literal["none", "headers", "body", "headers+body"]
"""Where an attacker writes the victim's tenant id besides the victim's resource id itself."""
FORGERIES: tuple[Forgery, ...] = ("none", "headers", "body", "headers+body")


@dataclass
class World:
    """The tenants, their signed-in users and the oracle one run of the machine acts through."""

    adapter: SaasAdapter
    tenants: list[Tenant]
    writers: list[SignedInClient]
    readers: list[SignedInClient]
    attacker: Attacker
    oracle: Oracle | None
    """None on a target that offers only its public APIs: the raw-table checks are left out there."""
    tables: list[dict[str, RawTable]]
    specs: tuple[ResourceSpec, ...]
    attempts: int = 0
    calls: int = 0
    seconds: float = 0.0
    leaks: list[str] = field(default_factory=list)

    def index(self, tenant_id: str) -> int:
        return next(i for i, t in enumerate(self.tenants) if t.id == tenant_id)


def _ok(reply: Reply, what: str) -> None:
    assert reply.status < 500, f"{what} answered {reply.status} (a 5xx is a finding): {str(reply.body)[:300]}"


class ApiIsolation(RuleBasedStateMachine):
    """Owners and attackers interleaved; invariants compare the model with the API and the raw tables."""

    world: World
    items = Bundle("items")

    def __init__(self) -> None:
        super().__init__()
        repro.current().reset()  # one example per repro: the failing run's own steps, replayable alone
        self.model = OwnershipModel()
        self.dirty: set[str] = set()

    # -- helpers ---------------------------------------------------------------------------------------
    def _call(self, client: SignedInClient, route: Route, tenant: Tenant | None = None, *, body: Any = None,
              headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
              attack: bool = False, victim: Tenant | None = None, capture: str | None = None) -> Reply:
        """One call; `victim` marks one the app must refuse (recorded as an attack step of the repro),
        `capture` the reply field of a created id (replays get their own ids)."""
        t0 = time.perf_counter()
        reply = client.call(route, body=body, tenant=tenant, headers=headers, params=params, victim=victim,
                            capture=capture, attack=attack)
        self.world.seconds += time.perf_counter() - t0
        self.world.calls += 1
        self.world.attempts += attack or victim is not None
        return reply

    def _attacker(self, victim: Tenant, pick: int, reader: bool) -> SignedInClient:
        others = [i for i, t in enumerate(self.world.tenants) if t.id != victim.id]
        i = others[pick % len(others)]
        return (self.world.readers if reader else self.world.writers)[i]

    def _bases(self, actor: SignedInClient, victim: Tenant) -> list[Tenant]:
        """The attacker's own API, and the victim's when it is another one (a silo's)."""
        assert actor.tenant is not None
        return [actor.tenant] if actor.tenant.api_url == victim.api_url else [actor.tenant, victim]

    def _forged(self, forgery: Forgery, victim: Tenant,
                body: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
        headers = tenant_headers(victim.id) if "headers" in forgery else None
        if "body" in forgery and body is not None:
            body = {**body, **{f: victim.id for f in INJECTED_FIELDS if f != "id"}}
        return (dict(body) if body is not None else None), headers

    def _refused(self, reply: Reply, what: str, victim: Tenant) -> None:
        _ok(reply, what)
        leaked = mentions(reply.body, {m for i in self.model.items.values() if i.owner == victim.id
                                       for m in [i.marker, *i.old_markers]})
        if 200 <= reply.status < 300 or leaked:
            self.world.leaks.append(f"{what}: {reply.status} {str(reply.body)[:200]}")
        assert not 200 <= reply.status < 300, f"{what} was allowed ({reply.status}): {str(reply.body)[:300]}"
        assert not leaked, f"{what} showed the victim's data: {str(reply.body)[:300]}"

    # -- owners ------------------------------------------------------------------------------------------
    @rule(target=items, owner=st.integers(0, 8), res=st.integers(0, 8))
    def create(self, owner: int, res: int) -> str:
        w = self.world
        i = owner % len(w.tenants)
        spec = w.specs[res % len(w.specs)]
        marker = new_marker("s2")
        reply = self._call(w.writers[i], spec.create, body={**spec.sample, marker_field(spec): marker},
                           capture=spec.id_field)
        _ok(reply, f"{w.tenants[i].name} creates a {spec.name}")
        assert reply.status == spec.create.ok_status, reply
        item_id = created_id(spec, reply)
        self.model.add(item_id, w.tenants[i].id, spec.name, marker)
        self.dirty.add(w.tenants[i].id)
        return item_id

    @rule(item=items, op=st.sampled_from(("read", "update", "delete")))
    def owner_acts(self, item: str, op: str) -> None:
        m = self.model.items[item]
        w = self.world
        i = w.index(m.owner)
        spec = w.adapter.resource(m.resource)
        marker = new_marker("s2")
        body = {**spec.update_sample, marker_field(spec): marker} if op == "update" else None
        reply = self._call(w.writers[i], spec.route(op), body=body, params={spec.id_param: item})  # type: ignore[arg-type]
        what = f"owner {op} of its {spec.name} {item}"
        _ok(reply, what)
        self.dirty.add(m.owner)
        if m.deleted:
            assert 400 <= reply.status < 500, f"{what} after delete answered {reply.status}"
            return
        assert reply.status == spec.route(op).ok_status, f"{what}: {reply.status} {reply.body}"  # type: ignore[arg-type]
        if op == "read":
            assert mentions(reply.body, {m.marker}), f"{what} does not hold what was written: {reply.body}"
        elif op == "update":
            m.old_markers.append(m.marker)
            m.marker = marker
        else:
            m.deleted = True

    # -- attackers ---------------------------------------------------------------------------------------
    @rule(item=items, pick=st.integers(0, 8), reader=st.booleans(),
          op=st.sampled_from(("read", "update", "delete")), forgery=st.sampled_from(FORGERIES))
    def attacker_replays_id(self, item: str, pick: int, reader: bool, op: str, forgery: Forgery) -> None:
        """Another tenant's user asks for the victim's item by id, on its own API and the victim's."""
        m = self.model.items[item]
        w = self.world
        victim = w.tenants[w.index(m.owner)]
        actor = self._attacker(victim, pick, reader)
        spec = w.adapter.resource(m.resource)
        sample = {**spec.update_sample, marker_field(spec): new_marker("evil")} if op == "update" else None
        body, headers = self._forged(forgery, victim, sample)
        route = spec.route(op)  # type: ignore[arg-type]
        for base in self._bases(actor, victim):
            reply = self._call(actor, route, base, body=body, headers=headers,
                               params={spec.id_param: item}, victim=victim)
            self._refused(reply, f"{actor.credentials.username} {op} of {victim.name}'s {item} "
                                 f"on {base.name}'s API (forged: {forgery})", victim)
        self.dirty.add(victim.id)

    @rule(item=items, pick=st.integers(0, 8), op=st.sampled_from(("read", "update", "delete")))
    def attacker_forges_path(self, item: str, pick: int, op: str) -> None:
        """The victim's id with the attacker's tenant id written into it (ids that embed tenant ids)."""
        m = self.model.items[item]
        w = self.world
        victim = w.tenants[w.index(m.owner)]
        actor = self._attacker(victim, pick, False)
        assert actor.tenant is not None
        spec = w.adapter.resource(m.resource)
        forged = [item.replace(victim.id, actor.tenant.id)] if victim.id in item else []
        forged += [f"{item}/../{item}", victim.id]
        body = dict(spec.update_sample) if op == "update" else None
        for fake in forged:
            reply = self._call(actor, spec.route(op), body=body, params={spec.id_param: fake},  # type: ignore[arg-type]
                               victim=victim)
            self._refused(reply, f"{actor.credentials.username} {op} of forged id {fake!r}", victim)
        self.dirty.add(victim.id)

    @rule(pick=st.integers(0, 8), victim=st.integers(0, 8), res=st.integers(0, 8),
          forgery=st.sampled_from(FORGERIES[1:]))
    def attacker_creates_as_victim(self, pick: int, victim: int, res: int, forgery: Forgery) -> None:
        """A create naming the victim's tenant: refused, or stored as the attacker's own item."""
        w = self.world
        target = w.tenants[victim % len(w.tenants)]
        actor = self._attacker(target, pick, False)
        assert actor.tenant is not None
        spec = w.specs[res % len(w.specs)]
        marker = new_marker("s2")
        body, headers = self._forged(forgery, target, {**spec.sample, marker_field(spec): marker})
        reply = self._call(actor, spec.create, body=body, headers=headers, attack=True, capture=spec.id_field)
        _ok(reply, f"{actor.credentials.username} creates a {spec.name} naming {target.name}")
        if reply.status == spec.create.ok_status:
            self.model.add(created_id(spec, reply), actor.tenant.id, spec.name, marker)
        else:
            assert 400 <= reply.status < 500, reply
        self.dirty.update({target.id, actor.tenant.id})

    @rule(pick=st.integers(0, 8), victim=st.integers(0, 8), res=st.integers(0, 8), reader=st.booleans(),
          forgery=st.sampled_from(FORGERIES[:2]))
    def attacker_lists(self, pick: int, victim: int, res: int, reader: bool, forgery: Forgery) -> None:
        """A list on the attacker's own API shows none of the victim's items; the victim's API refuses."""
        w = self.world
        target = w.tenants[victim % len(w.tenants)]
        actor = self._attacker(target, pick, reader)
        assert actor.tenant is not None
        spec = w.specs[res % len(w.specs)]
        _, headers = self._forged(forgery, target, None)
        for base in self._bases(actor, target):
            reply = self._call(actor, spec.list, base, headers=headers, attack=True,
                               victim=None if base.id == actor.tenant.id else target)
            what = f"{actor.credentials.username} lists {spec.name}s on {base.name}'s API (forged: {forgery})"
            if base.id == actor.tenant.id:  # a forged header changes nothing: the caller's own list
                _ok(reply, what)
                assert reply.status == spec.list.ok_status, f"{what}: {reply.status} {str(reply.body)[:200]}"
                leaked = mentions(reply.body, self.model.markers_not_of(actor.tenant.id))
                assert not leaked, f"{what} showed other tenants' items: {sorted(leaked)}"
                seen = set(listed_ids(spec, reply)) & self.model.ids()
                assert seen == self.model.live(actor.tenant.id, spec.name), f"{what}: listed {sorted(seen)}"
            else:
                self._refused(reply, what, target)

    @rule(pick=st.integers(0, 8), reader=st.booleans())
    def attacker_calls_internal_routes(self, pick: int, reader: bool) -> None:
        w = self.world
        actor = (w.readers if reader else w.writers)[pick % len(w.tenants)]
        t0 = time.perf_counter()
        attempts = w.attacker.internal(actor)
        w.seconds += time.perf_counter() - t0
        w.attempts += len(attempts)
        w.calls += len(attempts)
        bad = [a for a in attempts if a.leaked or a.status >= 500]
        assert bad == [], f"internal routes answered a tenant: {bad}"

    # -- invariants --------------------------------------------------------------------------------------
    @invariant()
    def every_touched_tenant_sees_exactly_its_items(self) -> None:
        for tenant_id in sorted(self.dirty):
            self._check_tenant(self.world.index(tenant_id))
        self.dirty.clear()

    def _check_tenant(self, i: int) -> None:
        w = self.world
        tenant = w.tenants[i]
        foreign = self.model.markers_not_of(tenant.id)
        for spec in w.specs:
            reply = self._call(w.readers[i], spec.list)
            _ok(reply, f"{tenant.name} lists its {spec.name}s")
            assert reply.status == spec.list.ok_status, reply
            seen = set(listed_ids(spec, reply)) & self.model.ids()
            assert seen == self.model.live(tenant.id, spec.name), (
                f"{tenant.name}'s {spec.name}s: listed {sorted(seen)}, "
                f"model {sorted(self.model.live(tenant.id, spec.name))}")
            assert not mentions(reply.body, foreign), f"{tenant.name}'s list shows other tenants' data"
            if w.oracle is not None:
                self._check_raw(tenant, spec, w.oracle, w.tables[i][spec.table])

    def _check_raw(self, tenant: Tenant, spec: ResourceSpec, oracle: Oracle, table: RawTable) -> None:
        """Root's view: each live item once under the owner's partitions; no trace of deleted or old state."""
        name = marker_field(spec)
        stored = [raw_markers(item, name) for item in oracle.items(table, tenant.id)]
        for m in self.model.of(spec.name):
            count = stored.count(m.marker)
            expected = 1 if m.owner == tenant.id and not m.deleted else 0
            assert count == expected, (f"{table.name}: {m.item_id} (owner {m.owner}, deleted {m.deleted}) "
                                       f"found {count} times under {tenant.name}'s partitions")
            for old in m.old_markers:
                assert old not in stored, f"{table.name}: {m.item_id}'s pre-update state is still stored"

    def _every_live_item_is_refused_to_another_tenant(self) -> None:
        """A read by id of each live item by another tenant's reader (in turn), whichever rules were drawn."""
        w = self.world
        for n, m in enumerate(i for i in self.model.items.values() if not i.deleted):
            victim = w.tenants[w.index(m.owner)]
            spec = w.adapter.resource(m.resource)
            actor = self._attacker(victim, n, True)
            for base in self._bases(actor, victim):
                reply = self._call(actor, spec.read, base, params={spec.id_param: m.item_id}, victim=victim)
                self._refused(reply, f"{actor.credentials.username} read of {victim.name}'s {m.item_id} "
                                     f"on {base.name}'s API", victim)

    def teardown(self) -> None:
        """Check every tenant once more, then delete what this run left so shared tenants stay as found."""
        w = self.world
        try:
            self._every_live_item_is_refused_to_another_tenant()
            for i in range(len(w.tenants)):
                self._check_tenant(i)
        finally:
            for m in self.model.items.values():
                if not m.deleted:
                    spec = w.adapter.resource(m.resource)
                    w.writers[w.index(m.owner)].delete(spec, m.item_id)


def _tiers(adapter: SaasAdapter) -> list[str]:
    """Up to three tenants of mixed tiers: the first two and the last (a silo tier where the app has one)."""
    out: list[str] = []
    for tier in (*adapter.tiers[:2], adapter.tiers[-1]):
        if tier not in out:
            out.append(tier)
    return out


@pytest.fixture(scope="module")
def world(saas_adapter: SaasAdapter, saas_tenants: TenantFactory, saas_users: Users,
          saas_attacker: Attacker, request: pytest.FixtureRequest) -> World:
    tenants = [saas_tenants.get(tier) for tier in _tiers(saas_adapter)]
    if len(tenants) < 2:
        pytest.skip("API isolation needs two tenants: the adapter declares one tier")
    try:
        oracle: Oracle | None = request.getfixturevalue("saas_oracle")
    except pytest.skip.Exception:
        oracle = None
    writer = next(r.name for r in saas_adapter.roles if r.scope == "tenant" and r.writes)
    reader = next((r.name for r in saas_adapter.roles if r.scope == "tenant" and not r.writes), writer)
    return World(saas_adapter, tenants, [saas_users(t, writer) for t in tenants],
                 [saas_users(t, reader) for t in tenants], saas_attacker, oracle,
                 [{t.logical: t for t in saas_adapter.raw_tables(tenant)} for tenant in tenants],
                 saas_adapter.resources())


def test_tenants_and_attackers_interleaved_never_cross(world: World, request: pytest.FixtureRequest,
                                                       record_property: Any) -> None:
    """The stateful heart of the suites: no attacker step ever gets a 2xx or sees victim data, no
    call answers 5xx, and every tenant's list and the raw tables match the ownership model."""
    ApiIsolation.world = world
    t0 = time.perf_counter()
    run_state_machine_as_test(ApiIsolation, settings=stateful_settings(request.config))
    wall = time.perf_counter() - t0
    rate = world.attempts / wall if wall else 0.0
    record_property("cross_tenant_attempts", world.attempts)
    record_property("cross_tenant_attempts_per_second", round(rate, 1))
    print(f"\nS2: {world.attempts} cross-tenant attempts, {world.calls} calls in {wall:.1f} s "
          f"({rate:.1f} attempts/s, {world.calls / wall:.1f} calls/s); tenants "
          f"{', '.join(f'{t.tier}/{t.placement}' for t in world.tenants)}")
    assert world.attempts > 0 and world.leaks == []
