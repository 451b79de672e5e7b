"""Load a stack directory of YAML files into documents that remember where every value came from.

Each YAML document becomes a `Document` whose `positions` map a path (tuple of keys and
list indexes, from the document root) to the `Position` of that value, and `key_positions`
map a path to the position of its mapping key. Parse errors, duplicate keys and
non-mapping documents become diagnostics with `file:line:col`; nothing is raised.

Parsing uses libyaml's C parser when PyYAML was built with it, PyYAML's pure-Python parser
otherwise; both feed the same composer and builder, so documents and positions are the same,
and diagnostics are the pure parser's (see `load_file`).
Hostile YAML is bounded per document: what aliases expand to (`MAX_VALUES`,
`MAX_ALIAS_VALUES`), aliases that contain themselves, how deep values nest (`MAX_DEPTH`).
Such a document is refused with one diagnostic and the file's other documents still load
(except after nesting too deep, where the rest of the file is not read).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from reconciler.diagnostics import Diagnostics, Position

PathKey = tuple[Any, ...]
YAML_SUFFIXES = (".yaml", ".yml")

# Limits per YAML document, against hostile input ("billion laughs" alias bombs, absurd nesting).
# A spec document has tens of values (a model, an endpoint: 10 to 40) and nests under 10 deep;
# anchors are per document, so even a stack sharing defaults through merge keys expands a few
# hundred values by aliases. The limits sit orders of magnitude above that and stop a hostile
# document after ~0.1 s and a few MB.
MAX_VALUES = 100_000  # values built (scalars, mappings, lists), aliases expanded
MAX_ALIAS_VALUES = 10_000  # of those, values reached through an alias or merge key
MAX_DEPTH = 100  # nesting of values, aliases expanded

_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
_AS_TEXT_TAGS = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary")


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


# --- composing: events to a node graph ------------------------------------------------------------------------


class _Alias(Node):
    """A `*anchor` in the document. PyYAML's composer splices the anchored node itself in; keeping
    the alias lets the builder know where it is and bound what aliases expand to."""

    id = "alias"

    def __init__(self, anchor: str, target: Node, start_mark: yaml.Mark, end_mark: yaml.Mark) -> None:
        super().__init__(target.tag, target, start_mark, end_mark)
        self.anchor = anchor
        self.target = target


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__("too deep")
        self.mark = mark


class _Composer(Composer):
    """PyYAML's composer, keeping aliases as `_Alias` nodes and refusing nodes nested deeper than
    MAX_DEPTH (composing recurses: PyYAML's composer would raise RecursionError, libyaml's crash)."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.get_event()
            target = self.anchors.get(event.anchor)
            if target is None:
                raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            return _Alias(event.anchor, target, event.start_mark, event.end_mark)
        if self._depth >= MAX_DEPTH:
            raise _TooDeep(self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _PureLoader(Reader, Scanner, Parser, _Composer, SafeConstructor, Resolver):
    """PyYAML's pure-Python SafeLoader with `_Composer`."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


PARSERS: dict[str, type] = {"pure": _PureLoader}

if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser

    class _LibyamlLoader(_Composer, SafeConstructor, Resolver, CParser):
        """libyaml's C scanner and parser (its events carry the same marks) with `_Composer` in
        Python instead of CSafeLoader's C composer, so aliases keep their positions."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    PARSERS["libyaml"] = _LibyamlLoader

DEFAULT_PARSER = "libyaml" if "libyaml" in PARSERS else "pure"


# --- building: nodes to data and positions ----------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


_Entry = tuple[Any, Node, Node, _Alias | None]  # key (None: not a plain scalar), key node, value node, via alias


class _Builder:
    """Builds documents from composed nodes, expanding aliases and merge keys within the limits."""

    def __init__(self, file: str, constructor: SafeConstructor, diags: Diagnostics) -> None:
        self.file = file
        self.constructor = constructor
        self.diags = diags

    def document(self, node: Node, index: int) -> Document | None:
        """The document of root `node`, or None (with one diagnostic) when it exceeds a limit."""
        doc = Document(self.file, index, None, _mark(self.file, node.start_mark))
        self.values = 0
        self.alias_values = 0
        self.aliases: list[_Alias] = []  # the aliases being expanded, outermost first
        self.active: set[int] = set()  # ids of the collection nodes being built
        self.merging: set[int] = set()  # ids of the mappings whose merge keys are being resolved
        self.merged: dict[int, list[_Entry]] = {}  # merge sources' resolved entries, by node id
        try:
            doc.data = self.build(node, (), doc)
        except _Refused as exc:
            self.diags.error(exc.message, _mark(self.file, exc.mark) if exc.mark else doc.start)
            return None
        finally:
            self.merged = {}
            self.constructor.constructed_objects = {}
            self.constructor.recursive_objects = {}
        return doc

    def build(self, node: Node, path: PathKey, doc: Document) -> Any:
        if isinstance(node, _Alias):
            return self._expand(node, path, doc)
        self.values += 1
        if self.aliases:
            self.alias_values += 1
            if self.alias_values > MAX_ALIAS_VALUES:
                raise _Refused(f"YAML aliases expand this document by more than {MAX_ALIAS_VALUES} values (the "
                               "limit); reconciler refuses it (alias bomb?)", self.aliases[0].start_mark)
        if self.values > MAX_VALUES:
            if self.aliases:
                raise _Refused(f"YAML aliases expand this document beyond {MAX_VALUES} values; reconciler refuses "
                               "it (alias bomb?)", self.aliases[0].start_mark)
            raise _Refused(f"this YAML document has more than {MAX_VALUES} values (the limit); reconciler "
                           "refuses it", None)
        doc.positions[path] = _mark(self.file, node.start_mark)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        ident = id(node)
        if ident in self.active:
            raise self._recursive(node)
        if len(self.active) >= MAX_DEPTH:
            raise _Refused(f"YAML aliases nest this document deeper than {MAX_DEPTH} levels; reconciler refuses it",
                           self.aliases[0].start_mark if self.aliases else node.start_mark)
        self.active.add(ident)
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path, doc)
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, i), doc) for i, item in enumerate(node.value)]
            return self._scalar(node)  # pragma: no cover - the composer makes no other nodes
        finally:
            self.active.discard(ident)

    def _expand(self, alias: _Alias, path: PathKey, doc: Document) -> Any:
        if id(alias.target) in self.active:
            raise self._recursive(alias)
        self.aliases.append(alias)
        try:
            return self.build(alias.target, path, doc)
        finally:
            self.aliases.pop()

    def _recursive(self, node: Node) -> _Refused:
        alias = node if isinstance(node, _Alias) else (self.aliases[-1] if self.aliases else None)
        name = f" '*{alias.anchor}'" if alias else ""
        return _Refused(f"recursive YAML alias{name}: the value it names contains the alias itself; reconciler "
                        "refuses it", (alias or node).start_mark)

    def _mapping(self, node: MappingNode, path: PathKey, doc: Document) -> dict[str, Any]:
        explicit, merged = self._split(node)
        own: dict[str, Node] = {}
        for key_node, value_node in explicit:
            key = self._key(key_node)
            if key is None:
                self.diags.error("mapping keys must be plain scalars", self._key_mark(key_node))
                continue
            if key in own:
                first = doc.key_positions.get((*path, key))
                where = f" (first at line {first.line})" if first else ""
                self.diags.error(f"duplicate key '{key}'{where}", self._key_mark(key_node))
                continue
            own[key] = value_node
            doc.key_positions[(*path, key)] = self._key_mark(key_node)
        if not merged:
            return {key: self.build(value, (*path, key), doc) for key, value in own.items()}
        # Merged keys come first, as PyYAML orders them; the mapping's own keys override them.
        out: dict[str, Any] = {}
        for key, key_node, value_node, alias in merged:
            if key is None:
                self.diags.error("mapping keys must be plain scalars", self._key_mark(key_node))
            elif key in out:
                continue
            elif key in own:
                out[key] = self.build(own[key], (*path, key), doc)
            else:
                doc.key_positions[(*path, key)] = self._key_mark(key_node)
                if alias is not None:
                    self.aliases.append(alias)
                try:
                    out[key] = self.build(value_node, (*path, key), doc)
                finally:
                    if alias is not None:
                        self.aliases.pop()
        for key, value in own.items():
            if key not in out:
                out[key] = self.build(value, (*path, key), doc)
        return out

    def _key_mark(self, node: Node) -> Position:
        target = node.target if isinstance(node, _Alias) else node  # an aliased key: where its anchor is
        return _mark(self.file, target.start_mark)

    def _split(self, node: MappingNode) -> tuple[list[tuple[Node, Node]], list[_Entry]]:
        """A mapping's own pairs, and the entries its merge keys (`<<: *defaults`) bring, in precedence order."""
        if not any(k.tag == _MERGE_TAG for k, _ in node.value):
            return node.value, []
        explicit: list[tuple[Node, Node]] = []
        merged: list[_Entry] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                explicit.append((key_node, value_node))
                continue
            for source, via in self._merge_sources(node, value_node):
                merged.extend((k, kn, vn, via or inner) for k, kn, vn, inner in self._resolved(source, via))
        return explicit, merged

    def _merge_sources(self, node: MappingNode, value: Node) -> list[tuple[MappingNode, _Alias | None]]:
        via = value if isinstance(value, _Alias) else None
        target = value.target if isinstance(value, _Alias) else value
        if isinstance(target, MappingNode):
            return [(target, via)]
        if not isinstance(target, SequenceNode):  # same errors as PyYAML's flatten_mapping
            raise ConstructorError("while constructing a mapping", node.start_mark,
                                   f"expected a mapping or list of mappings for merging, but found {target.id}",
                                   target.start_mark)
        sources: list[tuple[MappingNode, _Alias | None]] = []
        for item in target.value:
            sub = item.target if isinstance(item, _Alias) else item
            if not isinstance(sub, MappingNode):
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       f"expected a mapping for merging, but found {sub.id}", sub.start_mark)
            sources.append((sub, via or (item if isinstance(item, _Alias) else None)))
        return sources

    def _resolved(self, node: MappingNode, via: _Alias | None) -> list[_Entry]:
        """The entries a merge source brings: its own keys first, then those of its merge keys, first wins."""
        ident = id(node)
        if ident in self.active or ident in self.merging:
            raise self._recursive(via or node)
        cached = self.merged.get(ident)
        if cached is not None:
            return cached
        self.merging.add(ident)
        try:
            explicit, merged = self._split(node)
        finally:
            self.merging.discard(ident)
        seen: set[str] = set()
        out: list[_Entry] = []
        for entry in [*((self._key(k), k, v, None) for k, v in explicit), *merged]:
            key = entry[0]
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            out.append(entry)
        self.merged[ident] = out
        return out

    def _key(self, node: Node) -> str | None:
        """A mapping key as text, or None (reported where the mapping is built) when it is not a plain scalar."""
        target = node.target if isinstance(node, _Alias) else node
        if not isinstance(target, ScalarNode):
            return None
        if target.tag == _VALUE_TAG:  # '=' as a key, as PyYAML's flatten_mapping reads it
            return str(target.value)
        key = self._scalar(target)
        if key is None or isinstance(key, (dict, list)):
            return None
        return key if isinstance(key, str) else str(key)

    def _scalar(self, node: Node) -> Any:
        if node.tag in _AS_TEXT_TAGS:
            return node.value  # keep dates and binary as the text the user wrote
        return self.constructor.construct_object(node)


# --- files -------------------------------------------------------------------------------------------------------


def load_file(path: Path, display: str, diags: Diagnostics, parser: str | None = None) -> list[Document]:
    """Parse one YAML file into documents; problems go to `diags`. `parser` is a key of PARSERS
    (default DEFAULT_PARSER). PyYAML's pure-Python parser is the reference for diagnostics:
    libyaml words parse errors differently, so a file it rejects is parsed again with the pure
    one; and it accepts tabs as separating whitespace where PyYAML reports "found character '\\t'
    that cannot start any token", so a file with a tab is parsed with the pure one only."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diags.error(f"cannot read file: {exc}", Position(display, 1, 1))
        return []
    name = parser or DEFAULT_PARSER
    if name != "pure" and "\t" not in text:
        found = Diagnostics()
        docs, failed = _parse(text, display, PARSERS[name], found)
        if not failed:
            diags.extend(found)
            return docs
    docs, _ = _parse(text, display, _PureLoader, diags)
    return docs


def _parse(text: str, display: str, loader_class: type, diags: Diagnostics) -> tuple[list[Document], bool]:
    """The documents of `text`, and whether parsing stopped at invalid YAML."""
    docs: list[Document] = []
    loader: Any = None
    failed = True
    try:
        loader = loader_class(text)
        builder = _Builder(display, loader, diags)
        index = 0
        while loader.check_node():
            doc = builder.document(loader.get_node(), index)
            if doc is not None and doc.data is not None:
                docs.append(doc)
            index += 1
        failed = False
    except _TooDeep as exc:  # the rest of the file is not read: skipping it could take long (PyYAML's scanner)
        diags.error(f"YAML nesting deeper than {MAX_DEPTH} levels; reconciler refuses this document and "
                    "does not read the rest of the file",
                    _mark(display, exc.mark))
        failed = False
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if exc.problem and exc.context and context is not None and context is not mark:
            at = f"line {context.line + 1}, column {context.column + 1}"
            if exc.context.startswith("while "):  # where it started: an unterminated quote began on line 5
                problem += f" ({exc.context} started at {at})"
            else:  # "found duplicate anchor 'x'; first occurrence" / "second occurrence"
                what = exc.context.removeprefix("found ").split(";")[0]
                problem = f"{what}: {exc.problem} (the first is at {at})"
        diags.error(f"invalid YAML: {problem}", _mark(display, mark))
    except ReaderError as exc:  # a character YAML does not allow; `position` counts characters
        problem = str(exc).split("\n", 1)[0]
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        diags.error(f"invalid YAML: {problem}", Position(display, line, col))
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        diags.error(f"invalid YAML: {exc}", Position(display, 1, 1))
    finally:
        if loader is not None:
            loader.dispose()
    return docs, failed


def spec_files(root: Path) -> list[Path]:
    """The files of the stack in directory `root`: the `*.yaml` / `*.yml` files directly inside it,
    sorted by name. Hidden files are skipped and subdirectories never read (they may hold pipeline
    definitions, CI recipes or backups). Empty when `root` is not a directory."""
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir()
                   if p.name.endswith(YAML_SUFFIXES) and not p.name.startswith(".") and p.is_file()),
                  key=lambda p: p.name)


def load_directory(root: Path, diags: Diagnostics) -> list[Document]:
    """All documents of a stack directory, in file order."""
    if root.is_file():
        diags.error(f"{display_path(root)} is a file: give the stack directory ({display_path(root.parent)}), "
                    "which holds every document of the stack")
        return []
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
