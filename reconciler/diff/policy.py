"""Field policy as data: how one AWS resource type's state is normalized before it is compared.

Both sides go through the same normalizer: the desired create request a kind expands and
the describe output a handler reads. A handler declares its `FieldPolicy` (which members
its create request has, server-only fields, server defaults, keyed and sorted lists, JSON
documents, fields owned by someone else) and `normalize` applies it, so spec and live
compare equal exactly when AWS would serve the same thing.

Paths address fields in API form: `Mode` (a member), `PrimaryContainer.Mode` (nested),
`ProductionVariants[].InitialVariantWeight` (every element of a list), `**.TargetValue`
(that key at any depth). A rule on a path whose parent is absent does nothing.

The rules run in a fixed order: members, prune (when `prune` has "first"), aliases,
server-only drops, conditional drops, defaults, omitted defaults, false-y drops, number
coercion, timestamps, JSON documents, fields owned elsewhere (unless kept), list sorting,
prune (when `prune` has "last").
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.frozen import thaw

Prune = Literal["first", "last", "top"]


@dataclass(frozen=True)
class FieldPolicy:
    """Per-type normalization rules (see the module docstring for paths and order)."""

    members: Container[str] | None = None  # top-level members compared (None: all)
    prune: tuple[Prune, ...] = ("first",)  # drop None/{}/[]: deep, before and/or after the rules; top level
    aliases: tuple[tuple[str, str], ...] = ()  # (member, source path): where the server reports a member
    server_only: tuple[str, ...] = ()  # fields only the server fills: dropped
    drop_when_present: tuple[tuple[str, str], ...] = ()  # (path, sibling): dropped when the sibling exists
    defaults: tuple[tuple[str, Any], ...] = ()  # server defaults, filled in when absent
    omit_defaults: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # dropped when equal to one of these
    falsy_absent: tuple[str, ...] = ()  # dropped when false-y (the server reports false for unset)
    numbers: tuple[tuple[str, type], ...] = ()  # coerced to float or int
    timestamps: tuple[str, ...] = ()  # datetimes and ISO strings -> "YYYY-MM-DDTHH:MM:SSZ" (UTC)
    json_documents: tuple[str, ...] = ()  # strings holding JSON: parsed, compared canonically
    owned_elsewhere: tuple[str, ...] = ()  # values another system sets (autoscaled counts): never compared
    keyed_lists: tuple[tuple[str, str], ...] = ()  # list path -> identity key (sorted by it)
    sorted_lists: tuple[tuple[str, tuple[str, ...]], ...] = ()  # list path -> sort fields (() for scalars)

    def normalize(self, value: Mapping[str, Any], *, keep_owned: bool = False) -> dict[str, Any]:
        """`value` (a request or a describe output, API form) normalized; the input is not modified.

        With `keep_owned`, fields owned elsewhere stay and keyed lists keep their order: the
        request as the resource starts with it, rather than its identity.
        """
        out = thaw(value)  # a fresh copy: the rules below change it in place
        aliased = {}
        for member, source in self.aliases:
            found = list(_nodes(out, _parse(source)))
            if found:
                aliased[member] = found[0]
        if self.members is not None:
            out = {k: v for k, v in out.items() if k in self.members}
        if "first" in self.prune:
            out = prune_empty(out)
        if "top" in self.prune:
            out = {k: v for k, v in out.items() if v not in (None, {}, [])}
        for member, found in aliased.items():
            if member not in out:
                out[member] = copy.deepcopy(found)
        for path in self.server_only:
            _drop(out, path)
        for path, sibling in self.drop_when_present:
            _drop(out, path, lambda container, _value, s=sibling: s in container)
        for path, default in self.defaults:
            _fill(out, path, default)
        for path, values in self.omit_defaults:
            _drop(out, path, lambda _container, value, vs=values: _is_default(value, vs))
        for path in self.falsy_absent:
            _drop(out, path, lambda _container, value: not value)
        for path, kind in self.numbers:
            _update(out, path, lambda v, k=kind: k(v) if isinstance(v, (int, float)) else v)
        for path in self.timestamps:
            _update(out, path, iso_utc)
        for path in self.json_documents:
            _update(out, path, canonical_document)
        if not keep_owned:
            for path in self.owned_elsewhere:
                _drop(out, path)
            for path, key in self.keyed_lists:
                _update(out, path, lambda v, k=key: sorted(v, key=lambda item: str(item.get(k)))
                        if isinstance(v, list) else v)
        for path, fields in self.sorted_lists:
            _update(out, path, lambda v, f=fields: _sorted(v, f) if isinstance(v, list) else v)
        if "last" in self.prune:
            out = prune_empty(out)
        return out  # type: ignore[no-any-return]


def as_written(policy: FieldPolicy, value: Mapping[str, Any]) -> dict[str, Any]:
    """A describe output (API form) as a person would write its request: normalized, with what others own
    kept, and the server defaults the policy fills left out (`reconciler import`)."""
    out = policy.normalize(value, keep_owned=True)
    for path, default in policy.defaults:
        _drop(out, path, lambda _container, found, d=default: found == d)
    return prune_empty(out)  # type: ignore[no-any-return]


def prune_empty(value: Any) -> Any:
    """Drop None, empty mappings and empty lists, recursively (AWS omits them)."""
    if isinstance(value, dict):
        out = {k: prune_empty(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [prune_empty(v) for v in value]
    return value


def iso_utc(value: Any) -> Any:
    """A timestamp as `YYYY-MM-DDTHH:MM:SSZ` in UTC (datetimes and parseable strings; others unchanged)."""
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        from botocore.utils import parse_timestamp

        try:
            stamp = parse_timestamp(value)
        except (ValueError, TypeError):
            return value
    else:
        return value
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_document(value: Any) -> Any:
    """A JSON document (a string or already parsed) as parsed JSON with sorted keys."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.loads(json.dumps(value, sort_keys=True))


def _is_default(value: Any, defaults: tuple[Any, ...]) -> bool:
    if isinstance(value, str):
        return value.upper() in {str(d).upper() for d in defaults}
    return any(value == d and type(value) is type(d) for d in defaults)


def _sorted(items: list[Any], fields: tuple[str, ...]) -> list[Any]:
    if not fields:
        if all(isinstance(v, str) for v in items):
            return sorted(items)
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return sorted(items, key=lambda v: tuple(str(v.get(f)) if isinstance(v, Mapping) else "" for f in fields))


# --- paths -------------------------------------------------------------------------------

_ANY_DEPTH = "**"
_EACH = "[]"


@functools.lru_cache(maxsize=1024)
def _parse_cached(path: str) -> tuple[str, ...]:
    parts: list[str] = []
    for piece in path.split("."):
        count = 0
        while piece.endswith(_EACH):
            piece, count = piece[: -len(_EACH)], count + 1
        if piece:
            parts.append(piece)
        parts.extend([_EACH] * count)
    return tuple(parts)


def _parse(path: str) -> list[str]:
    """`A[].B.**.C` -> ["A", "[]", "B", "**", "C"]."""
    return list(_parse_cached(path))


def _nodes(node: Any, parts: list[str]) -> Iterator[Any]:
    """The values `parts` addresses below `node`."""
    if not parts:
        yield node
        return
    head, rest = parts[0], parts[1:]
    if head == _ANY_DEPTH:
        yield from _nodes(node, rest)
        children = list(node.values()) if isinstance(node, dict) else list(node) if isinstance(node, list) else []
        for child in children:
            yield from _nodes(child, parts)
    elif head == _EACH:
        if isinstance(node, list):
            for item in node:
                yield from _nodes(item, rest)
    elif isinstance(node, dict) and head in node:
        yield from _nodes(node[head], rest)


def _containers(root: Any, path: str) -> tuple[list[dict[str, Any]], str]:
    """The mappings that hold the last part of `path` (present or not), and that key."""
    *head, last = _parse(path)
    return [n for n in _nodes(root, head) if isinstance(n, dict)], last


def _parents(root: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    containers, key = _containers(root, path)
    for container in containers:
        if key in container:
            yield container, key


def _drop(root: Any, path: str, when: Callable[[dict[str, Any], Any], bool] | None = None) -> None:
    """Remove the field at `path` wherever `when(container, value)` holds (always when None)."""
    for container, key in list(_parents(root, path)):
        if when is None or when(container, container[key]):
            container.pop(key, None)


def _fill(root: Any, path: str, default: Any) -> None:
    containers, key = _containers(root, path)
    for container in containers:
        if key not in container:
            container[key] = copy.deepcopy(default)


def _update(root: Any, path: str, fn: Callable[[Any], Any]) -> None:
    for container, key in list(_parents(root, path)):
        container[key] = fn(container[key])
