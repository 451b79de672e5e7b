"""The drift report: per resource, whether live AWS still matches git, as a pure value.

Each entry is labelled `drift` (live changed outside git since the state it was applied
from: its live hash no longer equals the `reconciler:hash` tag written at apply) and/or
`pending` (the spec changed and was not applied yet: the desired hash differs from that
tag, or the resource is still to be created or deleted, or its document was removed and the
Stack keeps it with `prune: false`). Counters count resources, each once: `drift` the
drifted ones, `pending` the ones only pending, `differ` all of them. Resources another system
legitimately changes (an endpoint under a running shadow test) are reported in `notes`,
never as drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.frozen import freeze, thaw


@dataclass(frozen=True)
class DriftEntry:
    address: str
    spec: str | None
    labels: tuple[str, ...]  # subset of ("drift", "pending")
    action: str | None  # what apply would do: create/update/replace/delete, or None
    reason: str
    live: Mapping[str, Any] | None = None  # comparable live state (None: absent)
    desired: Mapping[str, Any] | None = None  # comparable desired state (None: to delete)
    details: tuple[str, ...] = ()  # the handler's own lines for what differs (see Change.details)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "live", freeze(self.live))
        object.__setattr__(self, "desired", freeze(self.desired))
        object.__setattr__(self, "details", tuple(self.details))

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "spec": self.spec,
            "labels": list(self.labels),
            "action": self.action,
            "reason": self.reason,
            "live": thaw(self.live),
            "desired": thaw(self.desired),
            **({"details": list(self.details)} if self.details else {}),
        }


@dataclass(frozen=True)
class DriftReport:
    stack: str
    region: str
    account: str
    entries: tuple[DriftEntry, ...] = ()
    checked: int = 0  # resources compared
    notes: tuple[str, ...] = ()  # e.g. endpoints managed by a running shadow test

    @property
    def in_sync(self) -> bool:
        return not self.entries

    def count(self, label: str) -> int:
        """Resources, each counted once: `drift` counts those drifted (whether or not also pending),
        `pending` those only pending."""
        if label == "pending":
            return sum(1 for e in self.entries if "pending" in e.labels and "drift" not in e.labels)
        return sum(1 for e in self.entries if label in e.labels)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": "1",
            "stack": self.stack,
            "region": self.region,
            "account": self.account,
            "in_sync": self.in_sync,
            "checked": self.checked,
            "differ": len(self.entries),
            "drift": self.count("drift"),
            "pending": self.count("pending"),
            "entries": [e.to_json() for e in self.entries],
            "notes": list(self.notes),
        }
