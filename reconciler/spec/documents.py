"""Validated spec documents: the values validation produces and kinds expand.

`SpecDoc` is one document of a resource kind; `Stack` the stack-wide settings of the one
settings document; `Environment` the environment chosen with `--env` (one of the stack's
`Environment` documents); `StackSpec` the whole validated stack with its documents in
dependency order (every referenced document before the documents that reference it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.diagnostics import Diagnostics, Position
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
    # Parts of `spec` read from elsewhere (a pipeline's definitionFile): spec path -> (the document they
    # came from, their path in it), so a problem inside them is reported where it is written.
    grafts: dict[tuple[Any, ...], tuple[Document, tuple[Any, ...]]] = field(default_factory=dict)
    # `sensitive:` paths (`spec.primaryContainer.environment.API_KEY`), masked in rendered output and errors
    # (see `reconciler.sensitive`); carried to every Desired resource the document expands into.
    sensitive: tuple[str, ...] = ()
    # The chosen environment's namePrefix, put before the document's name in AWS ("" without one, and for
    # a name AWS provides, such as the default event bus)
    name_prefix: str = ""

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def aws_name(self) -> str:
        """The name the document's own AWS resource has (the base of a content-addressed one's)."""
        return self.name_prefix + self.name

    def pos(self, path: tuple[Any, ...]) -> Position:
        """Where the value at `path` (from the document's root: `("spec", ...)`) is written."""
        for prefix, (source, base) in sorted(self.grafts.items(), key=lambda item: -len(item[0])):
            if path[: len(prefix)] == prefix:
                return source.pos((*base, *path[len(prefix):]))
        return self.doc.pos(path)

    def graft(self, path: tuple[Any, ...], value: Any, source: Document, base: tuple[Any, ...] = ()) -> None:
        """Put `value` (read from `source` at `base`) into the spec at `path` (which starts with "spec")."""
        node: Any = self.spec
        for key in path[1:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        self.grafts[path] = (source, base)


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
    ignore_tags: tuple[str, ...] = ()  # tag-key prefixes other tools own: never compared or removed


@dataclass
class Environment:
    """One `Environment` document: what changes when the stack is planned with `--env NAME`."""

    name: str
    name_prefix: str
    variables: dict[str, Any]
    region: str | None
    account_id: str | None
    tags: dict[str, str]
    doc: Document


@dataclass
class StackSpec:
    root: Path
    stack: Stack
    docs: list[SpecDoc] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # spec addresses, dependencies first
    warnings: Diagnostics = field(default_factory=Diagnostics)
    environment: Environment | None = None  # the one chosen with --env (the stack's name ends in -<its name>)

    def get(self, address: str) -> SpecDoc | None:
        index = self.__dict__.get("_index")
        if index is None or len(index) != len(self.docs):
            index = self.__dict__["_index"] = {d.address: d for d in self.docs}
        return index.get(address)
