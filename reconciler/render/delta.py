"""Display lines for field-level deltas, shared by the text and Markdown renderers.

`+ path: value`, `- path: value`, `~ path: old -> new`, one per leaf, values JSON-encoded
and shortened with an ellipsis. What differs is computed by `reconciler.diff.delta`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.diff.delta import FieldDiff, field_diffs, leaf_diffs, leaf_fields
from reconciler.diff.delta import _json as _json

__all__ = [
    "ELLIPSIS",
    "VALUE_WIDTH",
    "FieldDiff",
    "FieldLine",
    "detail_lines",
    "diff_field_lines",
    "field_diffs",
    "format_value",
    "leaf_fields",
    "state_field_lines",
]

VALUE_WIDTH = 80  # longest JSON-encoded value shown before it is shortened
ELLIPSIS = "..."


def format_value(value: Any, width: int = VALUE_WIDTH) -> str:
    """A value JSON-encoded on one line, shortened to `width` characters with an ellipsis."""
    text = _json(value)
    if len(text) > width:
        text = text[: max(width - len(ELLIPSIS), 1)] + ELLIPSIS
    return text


@dataclass(frozen=True)
class FieldLine:
    """One displayed field line: `sign` is "+", "-", "~", or "" for an elision note."""

    sign: str
    text: str


def diff_field_lines(diffs: Iterable[FieldDiff], limit: int | None = None) -> list[FieldLine]:
    """`~ path: old -> new`, `+ path: new`, `- path: old`, one per leaf, at most `limit` lines."""
    lines: list[FieldLine] = []
    for diff in leaf_diffs(diffs):
        if diff.kind == "added":
            lines.append(FieldLine("+", f"{diff.path}: {format_value(diff.new)}"))
        elif diff.kind == "removed":
            lines.append(FieldLine("-", f"{diff.path}: {format_value(diff.old)}"))
        else:
            from reconciler.sensitive import changed_text

            masked = changed_text(diff.old, diff.new)  # neither value of a sensitive field is shown
            lines.append(FieldLine("~", f"{diff.path}: {masked}" if masked else
                                   f"{diff.path}: {format_value(diff.old)} -> {format_value(diff.new)}"))
    return _cap(lines, limit, "change")


def detail_lines(details: Iterable[str], limit: int | None = None) -> list[FieldLine]:
    """A handler's own lines (`+ step Evaluate (Processing)`): the sign is the first character."""
    lines = [FieldLine(d[0], d[2:]) if d[:1] in "+-~" and d[1:2] == " " else FieldLine("~", d) for d in details]
    return _cap(lines, limit, "change")


def state_field_lines(state: Mapping[str, Any] | None, limit: int | None = None) -> list[FieldLine]:
    """A whole state as `+ path: value` leaf lines (for creates), at most `limit` lines."""
    lines = [FieldLine("+", f"{path}: {format_value(value)}") for path, value in leaf_fields(state or {})
             if not (path == "tags" and value == {})]  # no tags is nothing to show
    return _cap(lines, limit, "field")


def _cap(lines: list[FieldLine], limit: int | None, noun: str) -> list[FieldLine]:
    if limit is None or len(lines) <= limit:
        return lines
    kept = lines[: max(limit - 1, 0)]
    more = len(lines) - len(kept)
    return [*kept, FieldLine("", f"{ELLIPSIS} {more} more {noun}{'' if more == 1 else 's'}")]
