"""Ownership tags: how a live resource says which stack and spec it belongs to.

Every resource the engine creates carries `reconciler:stack`, `reconciler:address` (the
spec address, `Kind/name`) and `reconciler:hash` (the hash of the desired state it was
created or last updated from). Live AWS plus these tags is the whole state. Tags other tools add
(a Stack's `ignoreTags` prefixes, set with `ignoring`) are, like AWS-reserved `aws:` tags, never
compared, fingerprinted or removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping

STACK = "reconciler:stack"
ADDRESS = "reconciler:address"
HASH = "reconciler:hash"
PROTECT = "reconciler:protect"  # present ("true") while the document has `protect: true`
MANAGED_KEYS = (STACK, ADDRESS, HASH, PROTECT)  # reconciler: keys a resource's tag steps keep in line


def ownership(stack: str, spec_address: str, state_hash: str) -> dict[str, str]:
    return {STACK: stack, ADDRESS: spec_address, HASH: state_hash}


_IGNORED: list[tuple[str, ...]] = [()]  # the Stack's ignoreTags while a plan, apply or drift runs


@contextlib.contextmanager
def ignoring(prefixes: Iterable[str]) -> Iterator[None]:
    """While it lasts, tags whose keys start with one of `prefixes` (a Stack's `ignoreTags`: tags other
    tools add) are left out of every comparison, fingerprint and tag step, as AWS-reserved ones are."""
    _IGNORED.append(tuple(prefixes))
    try:
        yield
    finally:
        _IGNORED.pop()


def _ignored(key: str) -> bool:
    return key.lower().startswith("aws:") or key.startswith(_IGNORED[-1])


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags the user manages: without AWS-reserved, ignored (`ignoreTags`) and ownership keys."""
    return {k: v for k, v in sorted(tags.items()) if not _ignored(k) and not k.lower().startswith("reconciler:")}


def visible_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """All tags except AWS-reserved and ignored ones (what fingerprints cover)."""
    return {k: v for k, v in sorted(tags.items()) if not _ignored(k)}


def to_tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def from_tag_list(items: list[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items or []}


def owned_by(tags: Mapping[str, str], stack: str) -> bool:
    return tags.get(STACK) == stack
