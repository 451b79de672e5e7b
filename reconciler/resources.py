"""Desired and live resources: the neutral values between spec kinds and resource handlers.

A spec kind expands a document into `Desired` resources (the AWS request with references
resolved, its comparable view and the hash recorded when applied); a handler reads AWS into
`Live` resources (ARN, tags, describe output). Neither kinds nor handlers own this module,
so both can depend on it without depending on each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.diagnostics import Position
from reconciler.frozen import freeze, thaw


@dataclass(frozen=True)
class Desired:
    """A desired AWS resource, expanded from a spec document with references resolved."""

    address: Address
    spec: str  # spec address, `Kind/name`
    request: Mapping[str, Any]  # the AWS create request (API shape), without Tags
    comparable: Mapping[str, Any]  # lowerCamelCase view (with `tags`) for comparison and display
    user_tags: Mapping[str, str]
    state_hash: str  # recorded in the `reconciler:hash` tag when applied
    extra: Mapping[str, Any] = field(default_factory=dict)  # kind extensions (e.g. deploymentConfig)
    position: Position | None = None
    protect: bool = False  # the document has `protect: true`
    # Content-addressed resources: the key under which a live resource of the same document and content
    # may be used instead of the `<name>-<hash>` name (adoption, see `reconciler.kinds.adoptions`).
    adopt_key: str | None = None
    # The document's `sensitive:` spec paths (see `reconciler.sensitive`): shown masked, compared as they are.
    sensitive: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("request", "comparable", "user_tags", "extra"):
            object.__setattr__(self, name, freeze(getattr(self, name)))
        object.__setattr__(self, "sensitive", tuple(self.sensitive))

    def tags(self, stack: str) -> dict[str, str]:
        """Every tag to write: the user's plus the ownership tags."""
        out = {**thaw(self.user_tags), **tagmod.ownership(stack, self.spec, self.state_hash)}
        if self.protect:
            out[tagmod.PROTECT] = "true"
        return out

    @property
    def where(self) -> str:
        """`file:line:col: ` of the document, for messages about it ("" when unknown)."""
        return f"{self.position}: " if self.position else ""


@dataclass
class Live:
    """A live AWS resource: its tags, and its describe output once read (`data`).

    `related` holds live resources of other types that belong to this one (an endpoint's
    scalable targets), keyed by type; the planner fills it from the handlers' declared
    parents after discovery.
    """

    address: Address
    arn: str
    tags: dict[str, str]
    data: dict[str, Any] | None = None
    related: dict[str, list[Live]] = field(default_factory=dict)

    @property
    def spec(self) -> str | None:
        return self.tags.get(tagmod.ADDRESS)

    @property
    def applied_hash(self) -> str | None:
        return self.tags.get(tagmod.HASH)
