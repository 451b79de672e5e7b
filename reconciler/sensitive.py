"""Sensitive values: masked wherever a plan, a drift report or an error is shown, compared by hash.

A document marks values sensitive with `sensitive: [paths]` in its envelope; on top of that,
the keys of every `environment` map (`Environment` in API form) whose name matches one of
`DEFAULT_PATTERNS` (case-insensitive shell-style globs) are sensitive in every document.

Paths are spec paths: `spec.primaryContainer.environment.API_KEY`, with `*` (or `[*]`) for
any key or list index and `[N]` for one index (`spec.containers[*].environment.DB_PASSWORD`);
a key holding a dot or a bracket is written quoted, `spec.x["a.b"]`. The same path selects
the value in a change's `before`/`after` (the comparable, spec form: the path without
`spec.`) and in a step's `params` (the API form: each segment may also match the key with
its first letter raised, `PrimaryContainer.Environment.API_KEY`; map keys are unchanged).

Only *rendered* output is masked. The plan and report values themselves, and the saved plan
file (`plan --out`), keep the real values, because apply needs them: a plan file holds
secrets and must be kept like one. Masking replaces a sensitive value with
`(sensitive sha256:1a2b3c4d)`: a short hash of the value, so equal values stay equal and a
renderer that diffs still shows a change without showing either value (`changed_text` words
such a pair as `(sensitive value changed)`). Values found this way are also replaced where
they occur inside any other string of the plan (a reason, a step description, a JSON string
such as a pipeline definition), and `mask_text` does the same for an error message.

The hash is 32 bits of a salted SHA-256: enough to tell two values apart, not a secret
itself; a guessable secret (a dictionary word) could be confirmed against it offline.
Nothing here talks to AWS.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from reconciler.frozen import thaw

if TYPE_CHECKING:  # duck-typed at run time: the spec layer imports this module, and the plan layer the spec
    from reconciler.changes import Change, Step
    from reconciler.drift_model import DriftReport
    from reconciler.plan.model import Plan

__all__ = [
    "CHANGED",
    "DEFAULT_PATTERNS",
    "MARKER",
    "MIN_TEXT_LENGTH",
    "PathError",
    "changed_text",
    "is_default_sensitive",
    "is_marker",
    "marker",
    "mask_plan",
    "mask_report",
    "mask_text",
    "mask_tree",
    "parse_path",
    "path_matches",
    "rules_of",
    "values_of",
]

MARKER = "(sensitive)"  # what replaces a sensitive value inside free text
CHANGED = "(sensitive value changed)"  # how a change between two masked values reads
MIN_TEXT_LENGTH = 6  # shorter values are not searched for in free text (they would match everywhere)

# Keys of an `environment` map that are sensitive in every document (case-insensitive globs).
DEFAULT_PATTERNS: tuple[str, ...] = (
    "*PASSWORD*",
    "*PASSWD*",
    "*_PWD",
    "*SECRET*",
    "*TOKEN",  # HF_TOKEN, GITHUB_TOKEN (not TOKENIZERS_PARALLELISM or MAX_TOKENS)
    "*TOKEN_*",  # ACCESS_TOKEN_VALUE
    "*API_KEY*",
    "*APIKEY*",
    "*PRIVATE_KEY*",
    "*CREDENTIAL*",
    "*ACCESS_KEY*",  # AWS_ACCESS_KEY_ID
    "*SIGNING_KEY*",
    "*ENCRYPTION_KEY*",
    "*CONNECTION_STRING*",
)
ENVIRONMENT_KEY = "environment"  # compared case-insensitively: `environment` and `Environment`

_MARKER_RE = re.compile(r"^\(sensitive(?: sha256:[0-9a-f]{8})?\)$")
_SALT = b"reconciler-sensitive\0"
_NOT_SEARCHED = frozenset({"true", "false", "none", "null", "yes", "no"})

WILDCARD = None  # a `*` segment in a parsed path
Segment = str | int | None
Rules = Mapping[str, tuple[str, ...]]  # spec address (`Kind/name`) -> sensitive paths


class PathError(ValueError):
    """A `sensitive:` path that cannot be read."""


# --- paths -------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"""\.?(?:\[(?P<index>\d+|\*)\]|\["(?P<quoted>[^"]*)"\]|(?P<name>[^.\[\]"]+))""")


def parse_path(text: str) -> tuple[Segment, ...]:
    """`spec.a.b[*].c` -> `("a", "b", None, "c")`: the segments below `spec` (None: any key or index)."""
    if not isinstance(text, str) or not (text == "spec" or text.startswith(("spec.", "spec["))):
        raise PathError(f"{text!r} must start with 'spec.'")
    rest, segments, pos = text[len("spec"):], [], 0
    while pos < len(rest):
        match = _TOKEN.match(rest, pos)
        if match is None or match.end() == pos or (match.group("name") is not None and pos and rest[pos] != "."):
            raise PathError(f"{text!r} is not a path (at {rest[pos:]!r}): write spec.a.b, spec.a[0].b or spec.a[*].b")
        if match.group("index") is not None:
            index = match.group("index")
            segments.append(WILDCARD if index == "*" else int(index))
        elif match.group("quoted") is not None:
            segments.append(match.group("quoted"))
        else:
            name = match.group("name")
            segments.append(WILDCARD if name == "*" else name)
        pos = match.end()
    if not segments:
        raise PathError(f"{text!r} names the whole spec: name the sensitive fields inside it")
    return tuple(segments)


def _key_matches(segment: Segment, key: Any) -> bool:
    if segment is WILDCARD:
        return True
    if not isinstance(segment, str) or not isinstance(key, str):
        return False
    return key == segment or key[:1].lower() + key[1:] == segment  # spec form, or API form (`PrimaryContainer`)


def _index_matches(segment: Segment, index: int) -> bool:
    return segment is WILDCARD or (isinstance(segment, int) and not isinstance(segment, bool) and segment == index)


def path_matches(tree: Any, path: str | tuple[Segment, ...]) -> bool:
    """Whether `path` selects at least one value in `tree` (a spec, a comparable state or request params)."""
    segments = parse_path(path) if isinstance(path, str) else path
    nodes = [tree]
    for segment in segments:
        nxt: list[Any] = []
        for node in nodes:
            if isinstance(node, Mapping):
                nxt.extend(v for k, v in node.items() if _key_matches(segment, k))
            elif isinstance(node, (list, tuple)):
                nxt.extend(v for i, v in enumerate(node) if _index_matches(segment, i))
        nodes = nxt
    return bool(nodes)


def is_default_sensitive(key: str) -> bool:
    """Whether an `environment` map key is sensitive by default (see `DEFAULT_PATTERNS`)."""
    upper = key.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in DEFAULT_PATTERNS)


# --- markers -----------------------------------------------------------------------------------------------
def marker(value: Any) -> str:
    """`(sensitive sha256:1a2b3c4d)`: stands for `value`; equal values give equal markers."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return f"(sensitive sha256:{hashlib.sha256(_SALT + canonical.encode()).hexdigest()[:8]})"


def is_marker(value: Any) -> bool:
    """Whether `value` is what masking put in place of a sensitive value."""
    return isinstance(value, str) and bool(_MARKER_RE.match(value))


def changed_text(old: Any, new: Any) -> str | None:
    """`(sensitive value changed)` when a field diff is between masked values (either side), else None.

    For renderers: show `~ path: (sensitive value changed)` instead of `~ path: old -> new`."""
    if (is_marker(old) or is_marker(new)) and old != new:
        return CHANGED
    return None


# --- which paths ------------------------------------------------------------------------------------------
def rules_of(source: Any) -> dict[str, tuple[str, ...]]:
    """The sensitive paths per spec address, from a `StackSpec` (its documents' `sensitive:`), from
    `Desired` resources (an iterable of them, or a snapshot's `desired` mapping), from a `Plan` carrying
    them (a `sensitive` attribute), or from a mapping of spec address -> paths. None: no explicit paths."""
    if source is None:
        return {}
    out: dict[str, list[str]] = {}

    def add(address: Any, paths: Iterable[str]) -> None:
        if address is not None:
            bucket = out.setdefault(str(address), [])
            bucket.extend(p for p in paths if p not in bucket)

    docs = getattr(source, "docs", None)
    if docs is not None:  # StackSpec
        for doc in docs:
            add(doc.address, getattr(doc, "sensitive", ()))
        return {k: tuple(v) for k, v in out.items()}
    carried = getattr(source, "sensitive", None)
    if _is_plan(source):
        source = carried if isinstance(carried, Mapping) else {}
    desired = getattr(source, "desired", None)
    if isinstance(desired, Mapping):  # a Snapshot
        source = desired.values()
    if isinstance(source, Mapping):
        for address, value in source.items():
            if hasattr(value, "spec") and hasattr(value, "sensitive"):  # {Address: Desired}
                add(value.spec, value.sensitive)
            else:
                add(address, (value,) if isinstance(value, str) else value)
    else:
        for item in source:
            add(getattr(item, "spec", None), getattr(item, "sensitive", ()))
    return {k: tuple(v) for k, v in out.items()}


def _parsed(paths: Iterable[str]) -> list[tuple[Segment, ...]]:
    out = []
    for path in paths:
        try:
            out.append(parse_path(path))
        except PathError:
            continue  # validation reports it; masking never fails
    return out


# --- masking a tree ---------------------------------------------------------------------------------------
def _strings(value: Any, found: set[str]) -> None:
    if isinstance(value, Mapping):
        for v in value.values():
            _strings(v, found)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _strings(v, found)
    elif isinstance(value, str):
        found.add(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        found.add(json.dumps(value))


def _mask(node: Any, paths: list[tuple[Segment, ...]], in_environment: bool, found: set[str]) -> Any:
    if any(not p for p in paths):
        if node is None or is_marker(node):
            return node
        _strings(node, found)
        return marker(node)
    if isinstance(node, Mapping):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            if in_environment and isinstance(key, str) and is_default_sensitive(key) and value is not None \
                    and not is_marker(value):
                _strings(value, found)
                out[key] = marker(value)
                continue
            below = [p[1:] for p in paths if _key_matches(p[0], key)]
            out[key] = _mask(value, below, isinstance(key, str) and key.lower() == ENVIRONMENT_KEY, found)
        return out
    if isinstance(node, (list, tuple)):
        return [_mask(v, [p[1:] for p in paths if _index_matches(p[0], i)], False, found)
                for i, v in enumerate(node)]
    return node


def mask_tree(tree: Any, paths: Iterable[str] = (), found: set[str] | None = None) -> Any:
    """`tree` (plain JSON) with every value at `paths` and every default-sensitive environment value
    replaced by its marker; the values replaced are added to `found`."""
    return _mask(tree, _parsed(paths), False, found if found is not None else set())


# --- free text --------------------------------------------------------------------------------------------
def _searchable(values: Iterable[str]) -> list[str]:
    keep = {v for v in values if len(v) >= MIN_TEXT_LENGTH and v.lower() not in _NOT_SEARCHED and not is_marker(v)}
    forms: set[str] = set()
    for v in keep:
        forms.add(v)
        escaped = json.dumps(v)[1:-1]  # as it appears inside JSON text (a pipeline definition, a request echo)
        forms.add(escaped)
        forms.add(repr(v)[1:-1])
    return sorted(forms, key=lambda s: (-len(s), s))


def _replace_all(text: str, forms: list[str]) -> str:
    if not forms or not text:
        return text
    pattern = re.compile("|".join(re.escape(f) for f in forms))
    return pattern.sub(MARKER, text)


def _scrub(value: Any, forms: list[str]) -> Any:
    """Every string inside `value` with the sensitive values in it replaced (a marker is left alone)."""
    if not forms:
        return value
    if isinstance(value, Mapping):
        return {k: _scrub(v, forms) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, forms) for v in value]
    if isinstance(value, str) and not is_marker(value):
        return _replace_all(value, forms)
    return value


def values_of(source: Any, rules: Any = None) -> frozenset[str]:
    """The sensitive values in a `Plan`, a `DriftReport` or a `StackSpec` (at its documents' paths and the
    default environment keys), for `mask_text`. `rules` as for `mask_plan`."""
    found: set[str] = set()
    if _is_plan(source):
        _mask_plan(source, rules_of(rules) or rules_of(source), found)
    elif _is_report(source):
        _mask_report(source, rules_of(rules), found)
    elif getattr(source, "docs", None) is not None:  # StackSpec
        for doc in source.docs:
            mask_tree(_plain(doc.spec), getattr(doc, "sensitive", ()), found)
    elif isinstance(source, str):
        found.add(source)
    elif source is not None:
        found.update(str(v) for v in source)
    return frozenset(found)


def mask_text(text: str, source: Any) -> str:
    """`text` (an error message, a progress line) with every sensitive value of `source` in it replaced by
    `(sensitive)`. `source`: a Plan, a DriftReport, a StackSpec, or the values themselves (an iterable of
    strings, e.g. collected with `values_of`). Values shorter than `MIN_TEXT_LENGTH` are not searched for."""
    if isinstance(source, (set, frozenset, list, tuple)):
        values: Iterable[str] = [str(v) for v in source]
    else:
        values = values_of(source)
    return _replace_all(text, _searchable(values))


# --- plans and reports ------------------------------------------------------------------------------------
def _is_plan(value: Any) -> bool:
    return hasattr(value, "changes") and hasattr(value, "steps") and hasattr(value, "fingerprints")


def _is_report(value: Any) -> bool:
    return hasattr(value, "entries") and hasattr(value, "checked")


def _plain(value: Any) -> Any:
    return thaw(value)


def _all_paths(rules: Rules) -> list[str]:
    return sorted({p for paths in rules.values() for p in paths})


def _mask_plan(plan: Plan, rules: Rules, found: set[str]) -> Plan:
    spec_of = {c.address: c.spec for c in plan.changes}
    everything = _all_paths(rules)

    def paths_for(spec: str | None) -> list[str]:
        return list(rules.get(spec, ())) if spec is not None else everything

    changes = [replace(c, before=mask_tree(_plain(c.before), paths_for(c.spec), found),
                       after=mask_tree(_plain(c.after), paths_for(c.spec), found)) for c in plan.changes]

    def step(s: Step) -> Step:
        spec = spec_of.get(s.address)
        paths = paths_for(spec) if s.address in spec_of else everything
        return replace(s, params=mask_tree(_plain(s.params), paths, found), undo=tuple(step(u) for u in s.undo))

    steps = [step(s) for s in plan.steps]
    return _scrub_plan(replace(plan, changes=tuple(changes), steps=tuple(steps)), _searchable(found))


def _scrub_plan(plan: Plan, forms: list[str]) -> Plan:
    if not forms:
        return plan

    def change(c: Change) -> Change:
        return replace(c, reason=_scrub(c.reason, forms), before=_scrub(_plain(c.before), forms),
                       after=_scrub(_plain(c.after), forms), details=tuple(_scrub(list(c.details), forms)))

    def step(s: Step) -> Step:
        return replace(s, params=_scrub(_plain(s.params), forms), description=_scrub(s.description, forms),
                       undo=tuple(step(u) for u in s.undo))

    return replace(plan, changes=tuple(change(c) for c in plan.changes), steps=tuple(step(s) for s in plan.steps),
                   warnings=tuple(_scrub(list(plan.warnings), forms)), notes=tuple(_scrub(list(plan.notes), forms)))


def mask_plan(plan: Plan, rules: Any = None) -> Plan:
    """A copy of `plan` for display: every sensitive value replaced by its marker, in the changes'
    before/after and the steps' params (undo steps included), and anywhere else it occurs in the plan's
    strings. Never save or apply the result: apply needs the real values.

    `rules` says which paths each document marked sensitive (anything `rules_of` reads: the StackSpec, the
    snapshot, its Desired resources, or a mapping); None: what the plan carries, else only the default
    environment keys. A step is masked with the paths of the change at its address (all paths when none)."""
    return _mask_plan(plan, rules_of(rules) or rules_of(plan), set())


def _mask_report(report: DriftReport, rules: Rules, found: set[str]) -> DriftReport:
    everything = _all_paths(rules)

    def paths_for(spec: str | None) -> list[str]:
        return list(rules.get(spec, ())) if spec is not None else everything

    entries = [replace(e, live=mask_tree(_plain(e.live), paths_for(e.spec), found),
                       desired=mask_tree(_plain(e.desired), paths_for(e.spec), found)) for e in report.entries]
    forms = _searchable(found)
    if forms:
        entries = [replace(e, reason=_scrub(e.reason, forms), live=_scrub(_plain(e.live), forms),
                           desired=_scrub(_plain(e.desired), forms), details=tuple(_scrub(list(e.details), forms)))
                   for e in entries]
        return replace(report, entries=tuple(entries), notes=tuple(_scrub(list(report.notes), forms)))
    return replace(report, entries=tuple(entries))


def mask_report(report: DriftReport, rules: Any = None) -> DriftReport:
    """A copy of `report` for display with every sensitive value in its entries' live and desired states
    (and anywhere else in its strings) replaced by its marker. `rules` as for `mask_plan`."""
    return _mask_report(report, rules_of(rules), set())
