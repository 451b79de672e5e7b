"""`reconciler import`: live AWS resources written as spec documents, and adopted without a redeploy.

The kinds' importers (see `reconciler.imported`) do the reading; this module is the same for
every kind: it builds the `ImportContext` of a stack (the names and ARNs of its documents, to
write `${Kind.name.attr}` instead of literals), runs one import or `--all`, renders documents as
YAML files, and adopts.

Adopting (`--adopt`) never changes a resource: the stack is planned as if the imported resources
carried its ownership tags, and the plan for the imported documents must hold nothing but tag
steps; only then are the ownership tags written (and the plan's tag steps applied), so the next
plan is empty. Anything else in that plan (a field the document does not reproduce) refuses the
adoption with the differences, before any write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.errors import PlanError
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, matches
from reconciler.resources import Live

# --- YAML ------------------------------------------------------------------------------------------------------


def render(docs: Iterable[ImportedDoc], api_version: str = "reconciler/v1") -> str:
    """The documents as one YAML file, each with its notes as comments."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    def _str(dumper: yaml.SafeDumper, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    parts: list[str] = []
    for doc in docs:
        body: dict[str, Any] = {"apiVersion": api_version, "kind": doc.kind, "name": doc.name}
        if doc.tags:
            body["tags"] = dict(doc.tags)
        body["spec"] = doc.spec
        header = "".join(f"# {line}\n" for note in doc.notes for line in note.splitlines())
        source = f"# Imported from {doc.source}\n" if doc.source else ""
        parts.append(source + header + yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                                  width=110, default_flow_style=False))
    return "---\n".join(parts)


def file_name(doc: ImportedDoc) -> str:
    """`endpoint-churn.yaml` for Endpoint/churn."""
    return f"{doc.kind.lower()}-{doc.name}.yaml"


def write(root: Path, docs: list[ImportedDoc]) -> Path:
    """Write the documents into one new file of stack directory `root`; refuses to overwrite."""
    path = root / file_name(docs[0])
    if path.exists():
        raise ImportRefused(f"{path} exists already: move it away, or import into another directory")
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(render(docs), encoding="utf-8")
    return path


# --- running an import -----------------------------------------------------------------------------------------


def context(clients: Any, region: str, account: str, stack: Any = None) -> ImportContext:
    """An import context for `stack` (a StackSpec, or None for a new directory): its documents' AWS names and
    ARNs (as planned, and as adopted live resources are tagged) become references."""
    from reconciler.kinds import expand, registry

    names: dict[tuple[str, str], str] = {}
    arns: dict[str, str] = {}
    prefix = ""
    if stack is not None:
        prefix = stack.environment.name_prefix if stack.environment is not None else ""
        refs: dict[str, tuple[str, str]] = {}
        for desired in expand(stack, region, account, clients=clients, refs=refs):
            if desired.spec and "/" in desired.spec:  # as listed: a rule on a custom bus is `bus/rule`
                kind, _, doc = desired.spec.partition("/")
                names.setdefault((kind, desired.address.name), doc)
        for address, (name, arn) in refs.items():
            kind, _, doc = address.partition("/")
            names[(kind, name)] = doc
            arns[arn] = f"${{{kind}.{doc}.arn}}"
        from reconciler.handlers.registry import handler_for_arn
        from reconciler.plan.planner import discover_owned

        for live in discover_owned(clients, stack.stack.name).values():  # adopted ones keep their own names
            spec = live.spec
            if spec and "/" in spec and handler_for_arn(live.arn) is not None:
                kind, _, doc = spec.partition("/")
                names.setdefault((kind, live.address.name), doc)
    importers = {k.name: k.importer for k in registry().kinds if k.importer is not None}
    return ImportContext(clients, region, account, name_prefix=prefix, names=names, arns=arns, importers=importers)


def importable_kinds() -> list[str]:
    from reconciler.kinds import registry

    return [k.name for k in registry().kinds if k.importer is not None]


def check_kind(kind: str) -> Any:
    """The SpecKind `kind` names; ImportRefused (with the importable kinds) when it cannot be imported."""
    import difflib

    from reconciler.kinds import registry

    spec_kind = registry().get(kind)
    if spec_kind is None or spec_kind.importer is None:
        kinds = importable_kinds()
        close = difflib.get_close_matches(kind, kinds, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ImportRefused(f"{kind!r} is not a kind that can be imported{hint}; kinds: {', '.join(kinds)}")
    return spec_kind


def import_one(ctx: ImportContext, kind: str, aws_name: str) -> list[ImportedDoc]:
    """The documents of live `kind` resource `aws_name` (its own first, then the dependencies it brought)."""
    spec_kind = check_kind(kind)
    assert spec_kind.importer is not None
    before = set(ctx.imported)
    docs = spec_kind.importer(ctx, aws_name)
    for doc in docs:
        ctx.add(doc)
    first = docs[0] if docs else None  # dependencies (through ctx.need) were added before it
    return sorted((d for a, d in ctx.imported.items() if a not in before), key=lambda d: d is not first)


def import_all(ctx: ImportContext, patterns: Iterable[str], kinds: Iterable[str] | None = None, *,
               adopting: bool = False) -> tuple[list[list[ImportedDoc]], list[ImportRefused]]:
    """Every live resource of the importable kinds whose name matches `patterns`, grouped per file, and what
    was refused (owned by a stack, ...). A resource a document of the stack names already is left out, but
    when `adopting` (it is then adopted as that document says)."""
    from reconciler.kinds import registry

    groups: list[list[ImportedDoc]] = []
    skipped: list[ImportRefused] = []
    patterns = list(patterns)
    wanted = set(kinds) if kinds else None
    from reconciler.spec.references import topological_order

    importable = {k.name: k for k in registry().kinds if k.importer is not None and k.lister is not None}
    names, _ = topological_order(list(importable), {k: set(v.import_after) for k, v in importable.items()})
    order = [importable[n] for n in names]
    for spec_kind in order:
        if wanted is not None and spec_kind.name not in wanted:
            continue
        assert spec_kind.lister is not None
        for name in spec_kind.lister(ctx.clients):
            if not matches(name, patterns) or (ctx.reference(spec_kind.name, name) is not None and not adopting):
                continue
            try:
                groups.append(import_one(ctx, spec_kind.name, name))
            except ImportRefused as exc:
                skipped.append(exc)
    return groups, skipped


# --- adopting --------------------------------------------------------------------------------------------------


def tag_operations() -> frozenset[str]:
    """The step operations that only write or remove tags, over every resource type."""
    from reconciler.handlers.registry import handlers

    return frozenset(op for h in handlers().values() if h.tag_api is not None
                     for op in (h.tag_api.add, h.tag_api.remove))


@dataclass(frozen=True)
class Adoption:
    """An adoption checked to change nothing but tags: the plan of its tag steps, and whom to tag."""

    plan: Any
    owned: Mapping[Address, str]  # live address -> the spec address whose ownership tags it gets
    live: Mapping[Address, Live]


def check_adoption(stack: Any, clients: Any, docs: Iterable[ImportedDoc]) -> Adoption:
    """Plan `stack` as if the documents' live resources were its own (read-only); ImportRefused, naming what
    differs, unless the plan for those documents holds only tag steps."""
    from reconciler.plan.planner import make_plan
    from reconciler.plan.target import restrict

    docs = list(docs)
    owned = {address: doc.address for doc in docs for address in doc.owned}
    stack = _only(stack, {d.address for d in docs})  # other documents (not adopted yet either) do not stand in the way
    try:
        plan, snapshot = make_plan(stack, clients, assume_owned=owned)
    except PlanError as exc:
        raise ImportRefused("not adopted, nothing was changed: " + "; ".join(exc.messages)) from None
    plan = restrict(plan, stack, [d.address for d in docs])
    tagging = tag_operations()
    changed = sorted({s.address for s in plan.steps if s.operation not in tagging})
    if changed:
        lines = []
        for change in plan.changes:
            if change.address in changed:
                keys = sorted(k for k in set(change.before or {}) | set(change.after or {})
                              if (change.before or {}).get(k) != (change.after or {}).get(k))
                what = f" (differs in {', '.join(keys)})" if keys and change.before is not None else ""
                lines.append(f"{change.address}: {change.action.value}, {change.reason}{what}")
        raise ImportRefused("not adopted, nothing was changed: adopting would also change "
                            + "; ".join(lines or changed) + ". The documents are written: edit them until "
                            "`reconciler plan` shows only tag changes for them, then run import --adopt again, or "
                            "apply the plan")
    return Adoption(plan, owned, {a: snapshot.live[a] for a in owned if a in snapshot.live})


def _only(stack: Any, addresses: set[str]) -> Any:
    """`stack` with only the documents at `addresses` and those they reference, transitively."""
    import dataclasses

    from reconciler.spec.references import find_references

    keep, pending = set(), list(addresses)
    while pending:
        address = pending.pop()
        doc = stack.get(address)
        if doc is None or address in keep:
            continue
        keep.add(address)
        pending.extend(r.target for r in find_references(doc.spec))
    return dataclasses.replace(stack, docs=[d for d in stack.docs if d.address in keep],
                               order=[a for a in stack.order if a in keep])


def adopt(adoption: Adoption, clients: Any, account: str, stack_name: str, hooks: Any = None) -> int:
    """Write the ownership tags of an adoption checked by `check_adoption`, then the tag steps of its plan;
    the number of resources tagged."""
    from reconciler.apply.applier import apply_plan
    from reconciler.aws.calls import call
    from reconciler.handlers.registry import handler_for

    for address, spec in sorted(adoption.owned.items()):
        live = adoption.live.get(address)
        api = handler_for(address.type).tag_api
        if live is None or api is None:
            continue
        call(clients.get(api.service), api.add, {api.arn_param: live.arn,
                                                  api.tags_param: api.tags({tagmod.STACK: stack_name,
                                                                            tagmod.ADDRESS: spec})})
    if adoption.plan.steps:
        apply_plan(adoption.plan, clients, account, hooks=hooks)
    return len({s.address for s in adoption.plan.steps} | {str(a) for a in adoption.live})


def write_stack(root: Path, region: str) -> Path:
    """A Stack document for a new stack directory, named after it."""
    import re

    name = re.sub(r"[^a-zA-Z0-9-]+", "-", root.resolve().name).strip("-")[:63] or "imported"
    root.mkdir(parents=True, exist_ok=True)
    path = root / "stack.yaml"
    path.write_text(f"apiVersion: reconciler/v1\nkind: Stack\nname: {name}\nspec:\n  region: {region}\n",
                    encoding="utf-8")
    return path
