"""Ownership tags: how a live resource says which stack and spec it belongs to.

Every resource the engine creates carries `reconciler:stack`, `reconciler:address` (the
spec address, `Kind/name`) and `reconciler:hash` (the hash of the desired state it was
created or last updated from). Live AWS plus these tags is the whole state.
"""

from __future__ import annotations

from collections.abc import Mapping

STACK = "reconciler:stack"
ADDRESS = "reconciler:address"
HASH = "reconciler:hash"
PROTECT = "reconciler:protect"  # present ("true") while the document has `protect: true`
MANAGED_KEYS = (STACK, ADDRESS, HASH, PROTECT)  # reconciler: keys a resource's tag steps keep in line


def ownership(stack: str, spec_address: str, state_hash: str) -> dict[str, str]:
    return {STACK: stack, ADDRESS: spec_address, HASH: state_hash}


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags the user manages: without AWS-reserved and ownership keys."""
    return {k: v for k, v in sorted(tags.items()) if not k.lower().startswith(("aws:", "reconciler:"))}


def visible_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """All tags except AWS-reserved ones (what fingerprints cover)."""
    return {k: v for k, v in sorted(tags.items()) if not k.lower().startswith("aws:")}


def to_tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def from_tag_list(items: list[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items or []}


def owned_by(tags: Mapping[str, str], stack: str) -> bool:
    return tags.get(STACK) == stack
