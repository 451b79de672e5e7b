"""Action, Change and Step: what was decided for one resource, as frozen, JSON round-trip-equal values.

A `Change` is one resource-level decision (create, update, replace, delete) with the
comparable states before and after; a `Step` is one AWS API call the applier makes. Both
are parts of the public plan JSON (docs/plan-format.md) and never talk to AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from reconciler.frozen import freeze, thaw


class Action(str, Enum):
    create = "create"
    update = "update"
    replace = "replace"
    delete = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}[self.value]


@dataclass(frozen=True)
class Change:
    """One resource-level change. `before`/`after` are the comparable (flattened) states."""

    address: str
    spec: str | None
    action: Action
    reason: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    replaces: str | None = None  # for `replace`: the superseded resource address
    # How the handler words what differs, one line each ("~ step Train: ..."), shown instead of the
    # field-by-field diff of before/after (which stay, for machines); empty: the field diff is shown.
    details: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "before", freeze(self.before))
        object.__setattr__(self, "after", freeze(self.after))
        object.__setattr__(self, "details", tuple(self.details))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "address": self.address,
            "spec": self.spec,
            "action": self.action.value,
            "reason": self.reason,
            "before": thaw(self.before),
            "after": thaw(self.after),
        }
        if self.replaces:
            out["replaces"] = self.replaces
        if self.details:
            out["details"] = list(self.details)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            address=data["address"],
            spec=data.get("spec"),
            action=Action(data["action"]),
            reason=data.get("reason", ""),
            before=data.get("before"),
            after=data.get("after"),
            replaces=data.get("replaces"),
            details=tuple(data.get("details") or ()),
        )


@dataclass(frozen=True)
class Step:
    """One AWS API call the applier makes, in order.

    `tags` are ownership tags recorded after a successful operation that cannot carry tags
    itself (UpdateEndpoint, UpdateEndpointWeightsAndCapacities, the autoscaling calls): the
    applier writes them on `tag_arn` (the step's resource, or for autoscaling steps the
    endpoint they belong to) as part of the step.

    How the applier schedules it: `phase` is one of `PHASES` (absent in plans of older
    versions, which run one step after the other); `group` the address of the rollout it
    belongs to (an endpoint with its autoscaling and shadow test: groups run concurrently);
    `needs` the groups or addresses that must have succeeded before it runs (a superseded
    config is deleted only once the endpoint serving it has moved); `undo` the steps that
    put back what this step removes, run in reverse order when its group fails after it ran
    (autoscaling deregistered for an update that SageMaker then rolled back).
    """

    operation: str
    address: str
    params: Mapping[str, Any]
    description: str = ""
    tags: Mapping[str, str] | None = None
    tag_arn: str | None = None
    group: str | None = None
    phase: str | None = None
    needs: tuple[str, ...] = ()
    undo: tuple[Step, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", freeze(self.params))
        object.__setattr__(self, "tags", freeze(self.tags))
        object.__setattr__(self, "needs", tuple(self.needs))
        object.__setattr__(self, "undo", tuple(self.undo))

    def params_plain(self) -> dict[str, Any]:
        """The params as plain (mutable) JSON values, ready for a boto3 call."""
        return thaw(self.params)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "operation": self.operation,
            "address": self.address,
            "params": thaw(self.params),
            "description": self.description,
        }
        if self.tags:
            out["tags"] = thaw(self.tags)
        if self.tag_arn:
            out["tag_arn"] = self.tag_arn
        if self.phase:
            out["phase"] = self.phase
        if self.group:
            out["group"] = self.group
        if self.needs:
            out["needs"] = list(self.needs)
        if self.undo:
            out["undo"] = [u.to_json() for u in self.undo]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        return cls(
            operation=data["operation"],
            address=data["address"],
            params=data.get("params") or {},
            description=data.get("description", ""),
            tags=data.get("tags"),
            tag_arn=data.get("tag_arn"),
            group=data.get("group"),
            phase=data.get("phase"),
            needs=tuple(data.get("needs") or ()),
            undo=tuple(cls.from_json(u) for u in data.get("undo") or ()),
        )


# Apply phases, in order: deletions some change needs first, shared resources (models, configs,
# alarms), the rollout groups (concurrently), steps after every group, then the remaining deletions.
PHASES = ("pre", "shared", "group", "post", "delete")
