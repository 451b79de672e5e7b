"""Path-addressed deltas: what differs between two comparable states, by path.

Decisions ask a `Delta` questions (`delta.different_at("endpointConfigName")`) and renderers
show its field-level differences. Equality is checked first (an unchanged resource costs one
`==`); only resources that really differ pay for `field_diffs`, which asks deepdiff
(imported lazily) for the details.

Paths are addressed like the specs read: mapping keys are joined with dots
(`primaryContainer.environment.LOG_LEVEL`); lists of mappings that carry an identity key
(`variantName`, `name`, `id`, `alarmName`, `containerHostname`, `key`) are compared by
that key, never by index, and addressed as `productionVariants[a].initialInstanceCount`;
lists of mappings without an identity key are addressed by index (`containers[0].image`);
lists of scalars are compared as whole values (`subnets: ["a"] -> ["a", "b"]`).
A key that is not a plain word (it holds a dot, a bracket, a space, ...) is written
JSON-quoted in brackets: `environment["a.b"]`.

"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.frozen import thaw

IDENTITY_KEYS: tuple[str, ...] = ("variantName", "name", "id", "alarmName", "containerHostname", "key")

DiffKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FieldDiff:
    """One difference at `path`. `old` is None for `added`, `new` is None for `removed`.

    An added or removed subtree is one FieldDiff whose value is the whole subtree
    (plain JSON types); `leaf_diffs` splits it into one entry per leaf for display.
    """

    path: str
    kind: DiffKind
    old: Any
    new: Any


@dataclass(frozen=True)
class _Id:
    """A keyed-list element's identity value, used as a dict key while diffing."""

    value: Any


_MISSING: Any = object()
_SETTLED: Any = object()  # stands in for an already-reported scalar list on both sides

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_:@/$*-]+$")
_PLAIN_ID = re.compile(r"^[^\[\]\s\"]+$")


def join_path(prefix: str, component: Any) -> str:
    """Append one path component: a mapping key, an `_Id` (keyed list) or a list index."""
    if isinstance(component, _Id):
        value = component.value
        text = str(value) if isinstance(value, str) and _PLAIN_ID.match(value) else _json(value)
        return f"{prefix}[{text}]"
    if isinstance(component, int) and not isinstance(component, bool):
        return f"{prefix}[{component}]"
    key = str(component)
    if _PLAIN_KEY.match(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{_json(key)}]"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def identity_key(*lists: Iterable[Any]) -> str | None:
    """The identity key shared by every item of the given lists, or None.

    A key qualifies when every item is a mapping holding it with a scalar value, and the
    values are unique within each list. Candidates are tried in `IDENTITY_KEYS` order.
    """
    seqs = [list(items) for items in lists]
    if not any(seqs) or not all(isinstance(item, Mapping) for seq in seqs for item in seq):
        return None
    for key in IDENTITY_KEYS:
        ok = True
        for seq in seqs:
            seen: set[Any] = set()
            for item in seq:
                value = item.get(key, _MISSING)
                if value is _MISSING or not isinstance(value, (str, int)) or value in seen:
                    ok = False
                    break
                seen.add(value)
            if not ok:
                break
        if ok:
            return key
    return None


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _prepare(
    before: Any, after: Any, where: tuple[Any, ...], settled: list[tuple[tuple[Any, ...], FieldDiff]]
) -> tuple[Any, Any]:
    """Rewrite both sides for deepdiff: keyed lists become `{_Id: item}` dicts.

    Differing lists without mappings are reported here as whole values (into `settled`,
    with their path components) and replaced by one placeholder on both sides so deepdiff
    skips them.
    """
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        b_out: dict[Any, Any] = {}
        a_out: dict[Any, Any] = {}
        for key in before:
            if key in after:
                b_out[key], a_out[key] = _prepare(before[key], after[key], (*where, key), settled)
            else:
                b_out[key] = _prepare_one(before[key])
        for key in after:
            if key not in before:
                a_out[key] = _prepare_one(after[key])
        return b_out, a_out
    if _is_list(before) and _is_list(after):
        key = identity_key(before, after)
        if key is not None:
            b_items = {_Id(item[key]): item for item in before}
            a_items = {_Id(item[key]): item for item in after}
            return _prepare(b_items, a_items, where, settled)
        if any(isinstance(item, Mapping) for item in (*before, *after)):
            b_list: list[Any] = []
            a_list: list[Any] = []
            for index in range(max(len(before), len(after))):
                if index < len(before) and index < len(after):
                    b_item, a_item = _prepare(before[index], after[index], (*where, index), settled)
                    b_list.append(b_item)
                    a_list.append(a_item)
                elif index < len(before):
                    b_list.append(_prepare_one(before[index]))
                else:
                    a_list.append(_prepare_one(after[index]))
            return b_list, a_list
        if list(before) != list(after):
            settled.append((where, FieldDiff(_path(where), "changed", thaw(before), thaw(after))))
        return _SETTLED, _SETTLED
    return _prepare_one(before), _prepare_one(after)


def _prepare_one(value: Any) -> Any:
    """One side alone (the other side has nothing to compare with here)."""
    if isinstance(value, Mapping):
        return {k: _prepare_one(v) for k, v in value.items()}
    if _is_list(value):
        key = identity_key(value)
        if key is not None:
            return {_Id(item[key]): _prepare_one(item) for item in value}
        return [_prepare_one(v) for v in value]
    return value


def _path(components: Iterable[Any]) -> str:
    path = ""
    for comp in components:
        path = join_path(path, comp)
    return path


def _restore(value: Any) -> Any:
    """Undo `_prepare` on a value deepdiff hands back: `{_Id: item}` dicts become lists."""
    if isinstance(value, Mapping):
        if value and all(isinstance(k, _Id) for k in value):
            return [_restore(v) for v in value.values()]
        return {k: _restore(v) for k, v in value.items()}
    if _is_list(value):
        return [_restore(v) for v in value]
    return value


def _sort_key(components: Iterable[Any]) -> tuple[tuple[int, Any], ...]:
    out: list[tuple[int, Any]] = []
    for comp in components:
        if isinstance(comp, int) and not isinstance(comp, bool):
            out.append((0, comp))
        elif isinstance(comp, _Id):
            out.append((1, str(comp.value)))
        else:
            out.append((1, str(comp)))
    return tuple(out)


def field_diffs(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[FieldDiff]:
    """The field-level differences from `before` to `after`, ordered by path.

    Returns [] when the two are equal (checked with `==` before any other work). `None`
    stands for an absent resource and diffs like an empty mapping, so every top-level
    field of the other side is one `added` (or `removed`) entry. Never raises on JSON-like
    input; values in the result are plain JSON types (dicts and lists).
    """
    if before == after:
        return []
    b_plain = thaw(before) if before is not None else {}
    a_plain = thaw(after) if after is not None else {}
    if b_plain == a_plain:
        return []

    from deepdiff import DeepDiff  # lazy: only resources that really differ pay for it

    settled: list[tuple[tuple[Any, ...], FieldDiff]] = []
    b_prep, a_prep = _prepare(b_plain, a_plain, (), settled)
    tree = DeepDiff(
        b_prep,
        a_prep,
        view="tree",
        verbose_level=2,
        zip_ordered_iterables=True,
        ignore_numeric_type_changes=True,
        threshold_to_diff_deeper=0,
    )
    found: dict[str, tuple[tuple[tuple[int, Any], ...], FieldDiff]] = {}
    for report_type, levels in tree.items():
        for level in levels:
            components = level.path(output_format="list")
            path = _path(components)
            if report_type.endswith("_added"):
                diff = FieldDiff(path, "added", None, _restore(level.t2))
            elif report_type.endswith("_removed"):
                diff = FieldDiff(path, "removed", _restore(level.t1), None)
            else:
                diff = FieldDiff(path, "changed", _restore(level.t1), _restore(level.t2))
            found[path] = (_sort_key(components), diff)
    for components, diff in settled:
        found[diff.path] = (_sort_key(components), diff)
    return [diff for _, diff in sorted(found.values(), key=lambda item: item[0])]


def leaf_fields(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Flatten a state into `(path, leaf value)` pairs, in document order.

    Uses the same path rules as `field_diffs`. Scalars, lists without mappings, and empty
    mappings or lists are leaves.
    """
    out: list[tuple[str, Any]] = []
    _flatten(thaw(value), prefix, out)
    return out


def _flatten(value: Any, prefix: str, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _flatten(item, join_path(prefix, key), out)
        return
    if _is_list(value) and any(isinstance(item, Mapping) for item in value):
        key = identity_key(value)
        for index, item in enumerate(value):
            component: Any = _Id(item[key]) if key is not None else index
            _flatten(item, join_path(prefix, component), out)
        return
    out.append((prefix, value))


def leaf_diffs(diffs: Iterable[FieldDiff]) -> list[FieldDiff]:
    """Split added/removed subtrees into one entry per leaf (changed entries pass through)."""
    out: list[FieldDiff] = []
    for diff in diffs:
        if diff.kind == "added" and _is_branch(diff.new):
            leaves = leaf_fields(diff.new, diff.path)
            out.extend(FieldDiff(path, "added", None, leaf) for path, leaf in leaves)
        elif diff.kind == "removed" and _is_branch(diff.old):
            leaves = leaf_fields(diff.old, diff.path)
            out.extend(FieldDiff(path, "removed", leaf, None) for path, leaf in leaves)
        else:
            out.append(diff)
    return out


def _is_branch(value: Any) -> bool:
    if isinstance(value, Mapping):
        return bool(value)
    return _is_list(value) and any(isinstance(item, Mapping) for item in value)


class Delta:
    """The difference between two comparable states, queried by path.

    `bool(delta)` is whether anything differs; `different_at(path)` whether the values at a
    path differ (`tags`, `body.modelVariants`, `productionVariants[a].instanceType`, or "" for
    the whole state); `diffs` the field-level differences, computed on first use.
    """

    def __init__(self, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
        self.before = before
        self.after = after
        self._diffs: list[FieldDiff] | None = None

    def __bool__(self) -> bool:
        return self.before != self.after

    def different_at(self, path: str) -> bool:
        """Whether the values at `path` differ (a missing value counts as absent on that side)."""
        return value_at(self.before, path) != value_at(self.after, path)

    @property
    def diffs(self) -> list[FieldDiff]:
        if self._diffs is None:
            self._diffs = field_diffs(self.before, self.after)
        return self._diffs


_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def value_at(state: Any, path: str) -> Any:
    """The value at a display path (`a.b`, `list[key]`, `list[0]`) of a state; `_MISSING` when absent."""
    node = state
    if not path:
        return node
    for match in _SEGMENT.finditer(path):
        key, bracket = match.group(1), match.group(2)
        if key is not None:
            if not isinstance(node, Mapping) or key not in node:
                return _MISSING
            node = node[key]
            continue
        if isinstance(node, Mapping):
            text = json.loads(bracket) if bracket.startswith('"') else bracket
            if text not in node:
                return _MISSING
            node = node[text]
        elif _is_list(node):
            node = _list_item(node, bracket)
            if node is _MISSING:
                return _MISSING
        else:
            return _MISSING
    return node


def _list_item(items: Any, bracket: str) -> Any:
    key = identity_key(items)
    if key is not None:
        wanted = json.loads(bracket) if bracket.startswith('"') else bracket
        return next((item for item in items if str(item[key]) == str(wanted)), _MISSING)
    if bracket.isdigit() and int(bracket) < len(items):
        return items[int(bracket)]
    return _MISSING
