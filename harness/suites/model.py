"""The ownership model the stateful suite checks reality against: who owns which item, and what it holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import Phase, settings

from harness.suites.adapter import ResourceSpec
from harness.suites.profiles import chosen_profile

STATEFUL_BUDGETS: Mapping[str, tuple[int, int, bool]] = {
    "ci": (6, 14, False), "dev": (10, 25, True), "deep": (120, 60, True)}
"""(examples, steps per example, shrink) of a stateful suite per profile. ci stays within a CI budget
and does not shrink (each shrink step replays HTTP calls: a found violation is reported as found);
dev and deep shrink it to the fewest steps."""


def stateful_settings(config: pytest.Config) -> settings:
    """Settings for a stateful suite under the profile this run chose (ci when none was chosen)."""
    name = chosen_profile(config.getoption("--saas-profile", None)) or config.getoption(
        "hypothesis_profile", None) or "ci"
    examples, steps, shrink = STATEFUL_BUDGETS.get(str(name), STATEFUL_BUDGETS["ci"])
    phases = tuple(Phase) if shrink else (Phase.explicit, Phase.reuse, Phase.generate)
    return settings(settings.default, max_examples=examples, stateful_step_count=steps, phases=phases)


def marker_field(spec: ResourceSpec) -> str:
    """The first string field of the resource's sample, filled with a unique marker per write."""
    name = next((k for k, v in spec.sample.items() if isinstance(v, str)), None)
    if name is None:
        raise LookupError(f"{spec.name}: the sample has no string field to mark items with")
    return name


def new_marker(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass
class ModelItem:
    """One item created in this run: its owner, its resource, and the marker its current state holds."""

    item_id: str
    owner: str
    resource: str
    marker: str
    old_markers: list[str] = field(default_factory=list)
    deleted: bool = False


class OwnershipModel:
    """Every item a run created, so invariants compare only within that set (tenants are shared)."""

    def __init__(self) -> None:
        self.items: dict[str, ModelItem] = {}

    def add(self, item_id: str, owner: str, resource: str, marker: str) -> ModelItem:
        if item_id in self.items:
            raise AssertionError(f"the app handed out id {item_id} twice")
        self.items[item_id] = made = ModelItem(item_id, owner, resource, marker)
        return made

    def live(self, owner: str, resource: str) -> set[str]:
        return {i.item_id for i in self.items.values()
                if i.owner == owner and i.resource == resource and not i.deleted}

    def of(self, resource: str) -> Iterator[ModelItem]:
        return (i for i in self.items.values() if i.resource == resource)

    def ids(self) -> set[str]:
        return set(self.items)

    def markers_not_of(self, owner: str) -> set[str]:
        """Every marker another tenant's items ever held: none may show in `owner`'s replies."""
        return {m for i in self.items.values() if i.owner != owner for m in [i.marker, *i.old_markers]}


def mentions(body: Any, markers: set[str]) -> set[str]:
    """The markers that occur anywhere in a reply body."""
    text = str(body)
    return {m for m in markers if m in text}


def raw_markers(item: Mapping[str, Any], field_name: str) -> str | None:
    """The marker field of a raw DynamoDB item, when it is a string."""
    value = item.get(field_name)
    return str(value["S"]) if isinstance(value, Mapping) and "S" in value else None
