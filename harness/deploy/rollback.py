"""Undoing a failed deploy: a create removes all it made, an update returns to the previous resources."""

from __future__ import annotations

from collections.abc import Mapping

from botocore.exceptions import BotoCoreError, ClientError

from harness.deploy.engine import Engine, canonical, delete_resources, describe_error
from harness.deploy.events import EventLog
from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources import PROVISIONERS
from harness.deploy.resources.base import Context

Failures = list[tuple[PhysicalResource, str]]


def roll_back_create(ctx: Context, engine: Engine, events: EventLog) -> Failures:
    """Delete every resource the failed create made, newest first (Retain ones are kept)."""
    made = [engine.current[k] for k in reversed(engine.order) if k in engine.current]
    return delete_resources(ctx, made, events=events)


def _restore(ctx: Context, now: PhysicalResource, prev: PhysicalResource,
             events: EventLog) -> None:
    """An in-place update back to the previous resolved properties."""
    prov = PROVISIONERS[prev.type]
    name = prev.properties.get(prov.name_property) if prov.name_property else None
    events.resource(prev.logical_id, prev.type, prev.physical_id, "UPDATE_IN_PROGRESS",
                    properties=prev.properties)
    prov.update(ctx, now, prev.properties, str(name) if name else prev.generated_name)
    events.resource(prev.logical_id, prev.type, prev.physical_id, "UPDATE_COMPLETE")


def roll_back_update(ctx: Context, engine: Engine, old: Mapping[str, PhysicalResource],
                     events: EventLog) -> Failures:
    """Newest first: resources made by the update are deleted, updated ones set back in place.

    Replaced resources still exist (they are only removed once an update succeeds), so the
    previous record is again the truth once this returns without failures."""
    failures: Failures = []
    ctx.rolling_back = True  # an alias goes straight back: CodeDeploy already moved its traffic back
    touched = list(engine.order)
    if engine.failed is not None and engine.failed == engine.updating:
        touched.append(engine.failed)
    for logical in reversed(touched):
        prev = old.get(logical)
        now = engine.current.get(logical)
        if now is None and prev is not None:  # the in-place update that failed part-way
            now = PhysicalResource(logical, prev.type, prev.physical_id, dict(prev.attributes),
                                   dict(ctx.resolved.get(logical, {})), prev.generated_name)
        if now is None:
            continue
        if prev is None or prev.type != now.type or prev.physical_id != now.physical_id:
            failures += delete_resources(ctx, [now], events=events)
            continue
        if canonical(prev.properties) == canonical(now.properties):
            continue
        try:
            _restore(ctx, now, prev, events)
        except (ClientError, BotoCoreError, DeployError, KeyError, ValueError, TypeError) as exc:
            events.resource(logical, prev.type, prev.physical_id, "UPDATE_FAILED",
                            describe_error(exc))
            failures.append((prev, describe_error(exc)))
    return failures
