"""What every spec kind module shares: the expansion context and the helpers that build desired resources.

A kind module (one per kind in this package) declares a `SpecKind`: its naming rule, its
schema source, its semantic checks and its `expand(ctx, doc)`, which turns a validated
document into the `Desired` AWS resources it owns, references resolved through `ctx`. The
comparable view and content hash of each resource come from that resource type's handler
(its field policy), so a kind never re-implements how AWS normalizes a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.addressing import Address
from reconciler.hashing import content_hash
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc, StackSpec


@dataclass
class ExpandContext:
    """The stack being expanded, where it goes, and the names and ARNs of documents expanded so far."""

    stack: StackSpec
    region: str
    account: str
    names: dict[str, str] = field(default_factory=dict)  # spec address -> AWS name
    arns: dict[str, str] = field(default_factory=dict)  # spec address -> AWS ARN
    # Existing AWS names to use instead of content-addressed ones (adoption of a live resource with the
    # same content): `Kind/name` for a document's own resource, `Kind/name#part` for another it owns.
    adopted: Mapping[str, str] = field(default_factory=dict)
    # Read-only clients for what a document names by a live fact (the latest approved version of a model
    # package group); None offline. What was read is kept in `lookups` across the expansions of one plan,
    # and what is worth showing goes to `notes`.
    clients: Any = None
    lookups: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def resolve(self, kind: str, name: str, attr: str) -> str:
        address = f"{kind}/{name}"
        return self.names[address] if attr == "name" else self.arns[address]

    def arn(self, type_: str, name: str, service: str = "sagemaker") -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{type_}/{name}"

    def user_tags(self, doc: SpecDoc) -> dict[str, str]:
        """The document's tags merged over the Stack's."""
        return dict(sorted({**self.stack.stack.tags, **doc.tags}.items()))

    def content_name(self, key: str, base: str, content: Any) -> str:
        """`<base>-<hash of content>`, or the adopted name for `key` when there is one."""
        from reconciler.spec.naming import HASH_LEN

        return self.adopted.get(key) or f"{base}-{content_hash(content, HASH_LEN)}"

    def lookup(self, key: str, read: Any) -> Any:
        """`read(clients)` once per plan (kept under `key`); PlanError when there are no clients (offline)."""
        if key not in self.lookups:
            if self.clients is None:
                from reconciler.errors import PlanError

                raise PlanError([f"{key}: resolving this needs AWS (a plan), not an offline expansion"])
            self.lookups[key] = read(self.clients)
        return self.lookups[key]

    def define(self, doc: SpecDoc, name: str, arn: str) -> None:
        """Record the AWS name and ARN a document's references resolve to."""
        self.names[doc.address] = name
        self.arns[doc.address] = arn


def desired(doc: SpecDoc, address: Address, request: Mapping[str, Any], comparable: Mapping[str, Any],
            tags: Mapping[str, str], *, state_hash: str | None = None, extra: Mapping[str, Any] | None = None,
            protect: bool | None = None, position_path: tuple[Any, ...] = ("name",),
            adopt_key: str | None = None) -> Desired:
    """A desired resource of `doc`: its state hash defaults to the hash of `comparable`; `adopt_key` is the
    `content_name` key of a content-addressed one. The document's `sensitive:` paths go with it."""
    return Desired(address, doc.address, request, comparable, tags,
                   state_hash if state_hash is not None else content_hash(comparable), extra=extra or {},
                   position=doc.doc.pos(position_path), protect=doc.protect if protect is None else protect,
                   adopt_key=adopt_key, sensitive=doc.sensitive)
