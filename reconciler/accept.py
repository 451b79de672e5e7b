"""`reconciler drift --accept ADDRESS`: the spec patch that makes git match live, for a change made by hand.

The document's live resource is read back through its kind's importer (as `reconciler import`
would write it, references to the stack's documents included) and compared with the document's
spec. What live does not show (a server default the document spells out, such as
`enableCapture: true`) is kept from git when keeping it expands to the same AWS state; everything
else that differs is a change: `path: git -> live`. When every change is a scalar written on one
line, the patch is a unified diff of the spec file (`git apply` takes it); otherwise the changes
are listed with the document as live has it. Read-only: nothing is written, to AWS or to files.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler import imported, importing
from reconciler.errors import ReconcilerError
from reconciler.frozen import thaw
from reconciler.spec.documents import SpecDoc, StackSpec

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class FieldChange:
    """One spec path where live differs from git (`git` None: only live has it; `live` None: only git)."""

    path: Path_
    git: Any
    live: Any

    @property
    def text(self) -> str:
        from reconciler.spec.validate import fmt_path

        where = fmt_path(("spec", *self.path))
        if self.git is None:
            return f"+ {where}: {_short(self.live)}"
        if self.live is None:
            return f"- {where} (git: {_short(self.git)})"
        return f"~ {where}: {_short(self.git)} -> {_short(self.live)}"


@dataclass(frozen=True)
class Acceptance:
    """What accepting live into git means for one document."""

    address: str
    where: str  # file:line of the document
    changes: tuple[FieldChange, ...]
    tags: tuple[tuple[str, str | None, str | None], ...]  # (key, git, live) of the document's tags
    patch: str  # a unified diff of the spec files, or "" when the changes cannot be written as one
    live_document: str  # the document as live has it (YAML)
    notes: tuple[str, ...] = ()  # what the patch changes beyond the document (a variable, other environments)

    @property
    def in_sync(self) -> bool:
        return not self.changes and not self.tags


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def accept(stack: StackSpec, address: str, snapshot: Any) -> Acceptance:
    """The patch for document `address` (or the document owning AWS address `address`) from the plan's
    snapshot (read-only clients); ReconcilerError when the document cannot be read back."""
    doc = _document(stack, address, snapshot)
    ctx = importing.context(snapshot.clients, snapshot.region, snapshot.account, stack)
    imported = _read_back(ctx, doc, snapshot)
    live_spec = imported.spec
    git_spec = thaw(doc.spec)
    lookups: dict[str, Any] = {}  # what the expansions read (a registry version), read once
    wanted = _state(stack, doc, live_spec, snapshot, lookups)
    candidate = _merge(git_spec, live_spec, lambda kept: _state(stack, doc, kept, snapshot, lookups) == wanted)
    changes = tuple(_diff(git_spec, candidate, ()))
    stack_tags = stack.stack.tags
    live_tags = {k: v for k, v in imported.tags.items() if stack_tags.get(k) != v}
    tags = tuple((k, doc.tags.get(k), live_tags.get(k)) for k in sorted(set(doc.tags) | set(live_tags))
                 if doc.tags.get(k) != live_tags.get(k))
    patch, notes = _patch(stack, doc, changes) if changes and not tags else ("", [])
    if stack.environment is not None and (not patch or len(notes) < len(changes)):
        notes.append(f"{doc.address} is shared by every environment of the stack: changing it changes them all "
                     f"(to change {stack.environment.name!r} alone, use a variable set in its Environment)")
    imported.spec = candidate
    imported.tags = {**{k: v for k, v in doc.tags.items() if k not in dict((t[0], t) for t in tags)}, **live_tags}
    imported.name = doc.name
    imported.notes = []
    return Acceptance(doc.address, str(doc.doc.pos(("name",))), changes, tags, patch,
                      importing.render([imported]), tuple(notes))


def _document(stack: StackSpec, address: str, snapshot: Any) -> SpecDoc:
    doc = stack.get(address)
    if doc is None:
        owner = next((d.spec for d in snapshot.desired.values() if str(d.address) == address), None)
        doc = stack.get(owner) if owner else None
    if doc is None:
        raise ReconcilerError(unknown_address(stack, address))
    return doc


def unknown_address(stack: StackSpec, address: str) -> str:
    """The one-line error for an `--accept` address that names no document."""
    close = difflib.get_close_matches(address, [d.address for d in stack.docs], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"--accept {address}: no document of that address in the stack{hint}"


def _read_back(ctx: imported.ImportContext, doc: SpecDoc, snapshot: Any) -> imported.ImportedDoc:
    """The document as its kind's importer writes it from the live resource it owns."""
    from reconciler.kinds import registry

    kind = registry()[doc.kind]
    if kind.importer is None:
        raise ReconcilerError(f"--accept {doc.address}: {doc.kind} documents cannot be read back from AWS")
    candidates = [a.name for a, d in snapshot.desired.items() if d.spec == doc.address and a in snapshot.live]
    candidates += [a.name for a, lv in snapshot.live.items() if lv.spec == doc.address and a.name not in candidates]
    if not candidates:
        raise ReconcilerError(f"--accept {doc.address}: it has nothing live to accept (apply creates it)")
    last: Exception | None = None
    with imported.accepting(snapshot.stack_name):
        for name in candidates:
            try:
                docs = kind.importer(ctx, name)
            except imported.ImportRefused as exc:
                last = exc
                continue
            if docs and docs[0].kind == doc.kind:
                return docs[0]  # type: ignore[no-any-return]
    raise ReconcilerError(f"--accept {doc.address}: cannot read it back ({last})")


def _state(stack: StackSpec, doc: SpecDoc, spec: Any, snapshot: Any, lookups: dict[str, Any]) -> Any:
    """The AWS state the document wants with `spec` (None when it does not expand), to compare."""
    from reconciler.kinds import expand

    changed = dataclasses.replace(doc, spec=copy.deepcopy(spec))
    other = dataclasses.replace(stack, docs=[changed if d is doc else d for d in stack.docs])
    other.__dict__.pop("_index", None)
    try:
        found = expand(other, snapshot.region, snapshot.account, clients=snapshot.clients, lookups=lookups)
    except Exception:  # a spec that does not expand is not the same state
        return None
    return sorted((d.address.type, repr(thaw(d.comparable))) for d in found if d.spec == doc.address)


def _merge(git: Any, live: Any, same: Any, path: Path_ = (), root: Any = None) -> Any:
    """`live`, with each key only git has kept where keeping it wants the same state (a default spelled out)."""
    root = live if root is None else root
    if not isinstance(git, dict) or not isinstance(live, dict):
        return live
    out = {}
    for key, value in live.items():
        out[key] = _merge(git.get(key), value, same, (*path, key), root) if key in git else value
    for key, value in git.items():
        if key in live:
            continue
        trial = _set(copy.deepcopy(root), (*path, key), value)
        if same(trial):
            out[key] = value
    return out


def _set(tree: Any, path: Path_, value: Any) -> Any:
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


def _diff(git: Any, live: Any, path: Path_) -> Iterator[FieldChange]:
    if isinstance(git, dict) and isinstance(live, dict):
        for key in [*git, *(k for k in live if k not in git)]:
            if key not in live:
                yield FieldChange((*path, key), git[key], None)
            elif key not in git:
                yield FieldChange((*path, key), None, live[key])
            else:
                yield from _diff(git[key], live[key], (*path, key))
        return
    if isinstance(git, list) and isinstance(live, list) and len(git) == len(live):
        for index, (a, b) in enumerate(zip(git, live, strict=True)):
            yield from _diff(a, b, (*path, index))
        return
    if git != live and not (_number(git) and _number(live) and float(git) == float(live)):
        yield FieldChange(path, git, live)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


WHOLE_VARIABLE = re.compile(r"""^(["']?)\$\{var\.([A-Za-z_][A-Za-z0-9_]*)\}\1""")


def _patch(stack: StackSpec, doc: SpecDoc, changes: tuple[FieldChange, ...]) -> tuple[str, list[str]]:
    """A unified diff of the spec files with each scalar change made in place (a value set by a whole
    `${var.X}` is changed where the variable is defined: the chosen Environment's variables, else the Stack's),
    with what the patch changes beyond this document; ("", []) when a change is not a scalar written at its own
    position (an added or removed key, a list of another length, a variable inside a longer string)."""
    import yaml

    texts: dict[str, list[str]] = {}
    edited: dict[str, list[str]] = {}
    notes: list[str] = []

    def lines_of(file: str) -> list[str] | None:
        if file not in texts:
            try:
                texts[file] = Path(file).read_text(encoding="utf-8").splitlines(keepends=True)
            except OSError:
                return None
            edited[file] = list(texts[file])
        return edited[file]

    for change in changes:
        if change.git is None or change.live is None or isinstance(change.git, (dict, list)) \
                or isinstance(change.live, (dict, list)) or ("spec", *change.path) not in doc.doc.positions:
            return "", []
        pos = doc.pos(("spec", *change.path))
        lines = lines_of(pos.file)
        if lines is None:
            return "", []
        variable = WHOLE_VARIABLE.match(lines[pos.line - 1][pos.col - 1:])
        if variable is not None:
            pos, note = _variable_position(stack, variable.group(2))
            if pos is None:
                return "", []
            notes.append(note)
            lines = lines_of(pos.file)
            if lines is None:
                return "", []
        line = lines[pos.line - 1]
        start = pos.col - 1
        rest = line[start:]
        old = next((t for t in _written_forms(change.git) if rest.startswith(t)
                    and (len(rest) == len(t) or rest[len(t)] in " \t\r\n,}]#")), None)
        if old is None or "${" in rest[: len(old)]:
            return "", []
        text = yaml.safe_dump(change.live, default_flow_style=True, width=1000).strip()
        text = text.removesuffix("...").strip()
        lines[pos.line - 1] = line[:start] + text + rest[len(old):]
    diff = []
    for file, before in texts.items():
        display = file.lstrip("/")  # git's a/ and b/ prefixes go before a relative path
        diff.extend(difflib.unified_diff(before, edited[file], f"a/{display}", f"b/{display}"))
    return "".join(diff), list(dict.fromkeys(notes))


def _variable_position(stack: StackSpec, name: str) -> tuple[Any, str]:
    """Where variable `name` is defined (the chosen environment's first), and what changing it changes."""
    env = stack.environment
    if env is not None and name in env.variables:
        return env.doc.pos(("spec", "variables", name)), (f"${{var.{name}}} is changed in Environment {env.name!r}: "
                                                          "only this environment")
    if name in _stack_variables(stack):
        shared = " and every environment that does not set it" if env is not None else ""
        return stack.stack.doc.pos(("spec", "variables", name)), (f"${{var.{name}}} is changed in the Stack's "
                                                                  f"variables: every document using it{shared}")
    return None, ""


def _stack_variables(stack: StackSpec) -> dict[str, Any]:
    spec = stack.stack.doc.data.get("spec") if isinstance(stack.stack.doc.data, dict) else None
    found = spec.get("variables") if isinstance(spec, dict) else None
    return found if isinstance(found, dict) else {}


def _written_forms(value: Any) -> list[str]:
    """How a scalar may be written in YAML: plain, single- or double-quoted, and as YAML dumps it."""
    import yaml

    plain = str(value).lower() if isinstance(value, bool) else str(value)
    dumped = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
    forms = [f'"{plain}"', f"'{plain}'", dumped, plain]
    if isinstance(value, float) and value.is_integer():
        forms.append(str(int(value)))
    return sorted(set(forms), key=len, reverse=True)
