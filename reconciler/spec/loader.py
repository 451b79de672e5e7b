"""Load a stack directory of YAML files into documents that remember where every value came from.

Each YAML document becomes a `Document` whose `positions` map a path (tuple of keys and
list indexes, from the document root) to the `Position` of that value, and `key_positions`
map a path to the position of its mapping key. Parse errors, duplicate keys and
non-mapping documents become diagnostics with `file:line:col`; nothing is raised.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.diagnostics import Diagnostics, Position

PathKey = tuple[Any, ...]
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Document:
    """One YAML document from a spec file, with positions for every path."""

    file: str
    index: int  # 0-based document index in the file
    data: Any
    start: Position
    positions: dict[PathKey, Position] = field(default_factory=dict)
    key_positions: dict[PathKey, Position] = field(default_factory=dict)

    def pos(self, path: Iterable[Any] = ()) -> Position:
        """The position of the value at `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), self.start)

    def key_pos(self, path: Iterable[Any]) -> Position:
        """The position of the mapping key at `path` (falls back to the value's position)."""
        p = tuple(path)
        return self.key_positions.get(p) or self.pos(p)


def _mark(file: str, mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(file, 1, 1)
    return Position(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader, diags: Diagnostics) -> None:
        self.file = file
        self.loader = loader
        self.diags = diags

    def build(self, node: yaml.Node, path: PathKey, doc: Document) -> Any:
        doc.positions[path] = _mark(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if key is None or isinstance(key, (dict, list)):
                    self.diags.error("mapping keys must be plain scalars", _mark(self.file, key_node.start_mark))
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in out:
                    first = doc.key_positions.get((*path, key))
                    where = f" (first at line {first.line})" if first else ""
                    self.diags.error(f"duplicate key '{key}'{where}", _mark(self.file, key_node.start_mark))
                    continue
                doc.key_positions[(*path, key)] = _mark(self.file, key_node.start_mark)
                out[key] = self.build(value_node, (*path, key), doc)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), doc) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
            return node.value  # keep dates and binary as the text the user wrote
        return self.loader.construct_object(node)


def load_file(path: Path, display: str, diags: Diagnostics) -> list[Document]:
    """Parse one YAML file into documents; problems go to `diags`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diags.error(f"cannot read file: {exc}", Position(display, 1, 1))
        return []
    docs: list[Document] = []
    loader = yaml.SafeLoader(text)
    builder = _Builder(display, loader, diags)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            doc = Document(display, index, None, _mark(display, node.start_mark))
            doc.data = builder.build(node, (), doc)
            docs.append(doc)
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        diags.error(f"invalid YAML: {problem}", _mark(display, mark))
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        diags.error(f"invalid YAML: {exc}", Position(display, 1, 1))
    finally:
        loader.dispose()
    return [d for d in docs if d.data is not None]


def spec_files(root: Path) -> list[Path]:
    """YAML files under `root` (recursively, sorted, hidden directories skipped)."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES):
                found.append(Path(dirpath) / name)
    return found


def load_directory(root: Path, diags: Diagnostics) -> list[Document]:
    """All documents of a stack directory, in file order."""
    if not root.exists():
        diags.error(f"no such spec directory: {root}")
        return []
    files = spec_files(root)
    if not files:
        diags.error(f"no YAML spec files (*.yaml, *.yml) found in {root}")
        return []
    docs: list[Document] = []
    for f in files:
        docs.extend(load_file(f, display_path(f), diags))
    return docs


def display_path(path: Path) -> str:
    """The path as the user should see it in diagnostics: relative to the cwd when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
