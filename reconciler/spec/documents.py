"""Validated spec documents: the values validation produces and kinds expand.

`SpecDoc` is one document of a resource kind; `Stack` the stack-wide settings of the one
settings document; `StackSpec` the whole validated stack with its documents in dependency
order (every referenced document before the documents that reference it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.spec.loader import Document


@dataclass
class SpecDoc:
    """A validated spec document of a resource kind."""

    kind: str
    name: str
    spec: dict[str, Any]
    tags: dict[str, str]
    doc: Document
    schema_ok: bool = True
    protect: bool = False

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass
class Stack:
    """Stack-wide settings (the `Stack` document)."""

    name: str
    region: str | None
    account_id: str | None
    tags: dict[str, str]
    prune: bool
    doc: Document
    lock_table: str | None = None  # DynamoDB table holding the stack's apply lock


@dataclass
class StackSpec:
    root: Path
    stack: Stack
    docs: list[SpecDoc] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # spec addresses, dependencies first
    warnings: Diagnostics = field(default_factory=Diagnostics)

    def get(self, address: str) -> SpecDoc | None:
        index = self.__dict__.get("_index")
        if index is None or len(index) != len(self.docs):
            index = self.__dict__["_index"] = {d.address: d for d in self.docs}
        return index.get(address)
