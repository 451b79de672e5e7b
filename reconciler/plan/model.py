"""The plan as a pure, frozen, JSON round-trip-equal value (with its `Change`s and `Step`s).

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
from typing import Any

from reconciler.changes import Action, Change, Step
from reconciler.frozen import freeze, thaw

__all__ = ["FORMAT_VERSION", "Action", "Change", "Orphan", "Plan", "Step"]

FORMAT_VERSION = "1"


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
    lock_table: str | None = None  # the stack's lock table, which applying this plan takes
    ignore_tags: tuple[str, ...] = ()  # the Stack's ignoreTags: applying re-reads tags the way planning did
    # Spec address -> the document's `sensitive:` paths, so what renders a saved plan masks them too.
    sensitive: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(self.changes))
        object.__setattr__(self, "ignore_tags", tuple(self.ignore_tags))
        object.__setattr__(self, "sensitive", freeze({k: tuple(v) for k, v in dict(self.sensitive).items()}))
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
            **({"lock": {"table": self.lock_table}} if self.lock_table else {}),
            **({"ignore_tags": list(self.ignore_tags)} if self.ignore_tags else {}),
            **({"sensitive": {k: list(v) for k, v in self.sensitive.items()}} if self.sensitive else {}),
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
            lock_table=(data.get("lock") or {}).get("table"),
            ignore_tags=tuple(data.get("ignore_tags") or ()),
            sensitive={k: tuple(v) for k, v in (data.get("sensitive") or {}).items()},
        )

    @classmethod
    def loads(cls, text: str) -> Plan:
        return cls.from_json(json.loads(text))
