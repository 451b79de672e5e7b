"""Plan, Change and Step: the plan as a pure, frozen, JSON round-trip-equal value.

The JSON form is a public contract (docs/plan-format.md): `format_version`, `stack`,
`region`, `account`, `changes[]` (address, spec, action, reason, before, after),
`steps[]` (operation = AWS API operation name, in execution order, with params),
`fingerprints` (address -> hash of the live state read), plus `orphans` (owned
resources whose spec is gone, kept because the Stack has `prune: false`), `warnings`
and `notes` (status that is not a change, such as a running shadow test).
Nothing here talks to AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from reconciler.frozen import freeze, thaw

FORMAT_VERSION = "1"


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "before", freeze(self.before))
        object.__setattr__(self, "after", freeze(self.after))

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
        )


@dataclass(frozen=True)
class Step:
    """One AWS API call the applier makes, in order.

    `tags` are ownership tags recorded after a successful operation that cannot carry tags
    itself (UpdateEndpoint, UpdateEndpointWeightsAndCapacities, the autoscaling calls): the
    applier writes them with AddTags on `tag_arn` (the step's resource, or for autoscaling
    steps the endpoint they belong to) as part of the step.
    """

    operation: str
    address: str
    params: Mapping[str, Any]
    description: str = ""
    tags: Mapping[str, str] | None = None
    tag_arn: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", freeze(self.params))
        object.__setattr__(self, "tags", freeze(self.tags))

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
        )


@dataclass(frozen=True)
class Orphan:
    """An owned resource whose spec left the stack, kept because `prune` is false."""

    address: str
    spec: str | None

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "spec": self.spec}


@dataclass(frozen=True)
class Plan:
    stack: str
    region: str
    account: str
    changes: tuple[Change, ...] = ()
    steps: tuple[Step, ...] = ()
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    orphans: tuple[Orphan, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # status worth knowing that is not a change (a running shadow test)
    format_version: str = FORMAT_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(self.changes))
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "orphans", tuple(self.orphans))
        object.__setattr__(self, "warnings", tuple(self.warnings))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "fingerprints", freeze(dict(self.fingerprints)))

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.steps

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "stack": self.stack,
            "region": self.region,
            "account": self.account,
            "changes": [c.to_json() for c in self.changes],
            "steps": [s.to_json() for s in self.steps],
            "fingerprints": thaw(self.fingerprints),
            "orphans": [o.to_json() for o in self.orphans],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        version = str(data.get("format_version", ""))
        if version != FORMAT_VERSION:
            raise ValueError(f"unsupported plan format_version {version!r} (this build reads {FORMAT_VERSION!r})")
        return cls(
            stack=data["stack"],
            region=data["region"],
            account=data["account"],
            changes=tuple(Change.from_json(c) for c in data.get("changes", [])),
            steps=tuple(Step.from_json(s) for s in data.get("steps", [])),
            fingerprints=dict(data.get("fingerprints", {})),
            orphans=tuple(Orphan(o["address"], o.get("spec")) for o in data.get("orphans", [])),
            warnings=tuple(data.get("warnings", [])),
            notes=tuple(data.get("notes", [])),
            format_version=version,
        )

    @classmethod
    def loads(cls, text: str) -> Plan:
        return cls.from_json(json.loads(text))
