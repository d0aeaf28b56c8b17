"""Deleting a recorded stack: refused while its exports are imported, resources newest first."""

from __future__ import annotations

from typing import Any

from harness.deploy.engine import delete_resources
from harness.deploy.events import EventLog, iso_now
from harness.deploy.exports import ExportIndex
from harness.deploy.model import DeployError, PhysicalResource
from harness.deploy.resources.base import Context
from harness.deploy.store import StackStore


def delete_recorded(ctx: Context, store: StackStore, exports: ExportIndex,
                    record: dict[str, Any]) -> dict[str, Any]:
    """Delete the stack's resources and its record; returns the DELETE_COMPLETE record.

    A failure leaves the record DELETE_FAILED with what is left, and raises DeployError."""
    name = str(record["name"])
    events = EventLog(name, record["stack_id"], record.get("events"))
    try:
        exports.check_delete(name, record.get("exports", {}))
    except DeployError as exc:
        events.stack("DELETE_FAILED", str(exc))
        record.update(status="DELETE_FAILED", status_reason=str(exc), events=events.items)
        store.save(name, record)
        raise
    events.stack("DELETE_IN_PROGRESS", "User Initiated")
    record.update(status="DELETE_IN_PROGRESS", events=events.items)
    store.save(name, record)
    resources = {k: PhysicalResource.from_json(v) for k, v in record["resources"].items()}
    order = [k for k in record.get("order", []) if k in resources]
    order += [k for k in resources if k not in order]
    doomed = [resources[k] for k in reversed(order)]
    orphans = [PhysicalResource.from_json(o) for o in record.get("orphans", [])]
    failures = delete_resources(ctx, doomed, events=events) + delete_resources(ctx, orphans)
    if failures:
        detail = "; ".join(f"{r.logical_id} ({r.type}): {msg}" for r, msg in failures)
        reason = f"The following resource(s) failed to delete: [{detail}]."
        events.stack("DELETE_FAILED", reason)
        record.update(status="DELETE_FAILED", status_reason=reason, events=events.items,
                      resources={r.logical_id: r.to_json() for r, _ in failures
                                 if r.logical_id in resources},
                      orphans=[r.to_json() for r, _ in failures if r.logical_id not in resources])
        store.save(name, record)
        raise DeployError(f"stack {name}: delete failed for {detail}")
    events.stack("DELETE_COMPLETE")
    store.delete(name)
    return {**record, "status": "DELETE_COMPLETE", "events": events.items,
            "deletion_time": iso_now(), "resources": {}}
