"""Spec kinds: one module per kind users write, behind one registry.

Every module (or small package) of this package that defines `KIND`
(a `reconciler.spec.kind.SpecKind`: naming rule, schema source, semantic checks, expansion
into AWS resources) is a kind; `REGISTRY` holds them all. Validation, schema generation,
expansion and `reconciler schema` all read it, so adding a kind is adding its module: nothing
else changes. The kinds that existed first keep their documented order (`ORDER`, which also
orders the generated schemas); any other kind follows in module-name order.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.kinds.base import ExpandContext
from reconciler.resources import Desired
from reconciler.spec.documents import StackSpec
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import Registry, SpecKind
from reconciler.spec.schemagen import SchemaGenerator, generator_for
from reconciler.spec.validate import load_stack as _load_stack

if TYPE_CHECKING:
    from botocore.model import StructureShape

ORDER = ("stack", "environment", "model", "endpoint", "alarm", "shadow_test")
NOT_KINDS = frozenset({"base"})


@functools.lru_cache(maxsize=1)
def registry() -> Registry:
    """Every kind module of this package, found once per process."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_KINDS]
    ordered = [n for n in ORDER if n in names] + sorted(n for n in names if n not in ORDER)
    found: list[SpecKind] = []
    for name in ordered:
        kind = getattr(importlib.import_module(f"{__name__}.{name}"), "KIND", None)
        if isinstance(kind, SpecKind):
            found.append(kind)
    return Registry(tuple(found))


def __getattr__(name: str) -> Any:
    if name == "REGISTRY":  # found on first use: kind modules import this package's base module
        return registry()
    raise AttributeError(name)


def schemas() -> SchemaGenerator:
    """The JSON Schemas of every kind."""
    return generator_for(registry())


def load_stack(root: Path, env: str | None = None) -> StackSpec:
    """Load and validate a stack directory as environment `env` (see the Environment kind); raises SpecError
    with every problem found."""
    return _load_stack(root, registry(), env)


def expand(stack: StackSpec, region: str, account: str, adopted: Mapping[str, str] | None = None, *,
           clients: Any = None, lookups: dict[str, Any] | None = None, notes: list[str] | None = None,
           refs: dict[str, tuple[str, str]] | None = None) -> list[Desired]:
    """Desired resources in dependency order (references resolved before their users); `adopted` names
    existing resources to use instead of content-addressed names (see `adoptions`). `clients` (read-only)
    resolve what documents name by live facts, read once into `lookups`; their notes go to `notes`.
    `refs`, when given, receives each document's (AWS name, ARN), what `${Kind.name.name|arn}` gives."""
    ctx = ExpandContext(stack, region, account, adopted=dict(adopted or {}), clients=clients,
                        lookups=lookups if lookups is not None else {}, notes=notes if notes is not None else [])
    try:
        return _expand_all(stack, ctx)
    finally:
        if refs is not None:
            refs.update({a: (ctx.names[a], ctx.arns[a]) for a in ctx.names if a in ctx.arns})


def _expand_all(stack: StackSpec, ctx: ExpandContext) -> list[Desired]:
    out: list[Desired] = []
    for address in stack.order:
        doc = stack.get(address)
        assert doc is not None
        kind = registry()[doc.kind]
        assert kind.expand is not None, f"{doc.kind} owns no resources"
        out.extend(kind.expand(ctx, doc))
    return out


def spec_shape(kind: str) -> StructureShape:
    """The AWS request shape a generated kind's spec is written in (`Model` -> `CreateModelInput`,
    `Alarm` -> `PutMetricAlarmInput`). It still holds the members the spec omits (`spec_omitted`);
    extension members are not in it. Raises `KeyError` for a kind without an AWS shape (`Stack`)."""
    from reconciler.aws.shapes import operation_input

    source = _source(kind)
    return operation_input(source.service, source.operation)


def spec_omitted(kind: str) -> tuple[str, ...]:
    """The API members of `spec_shape(kind)` a spec never holds (filled in by the expansion):
    `("AlarmName", "Tags")` for an Alarm, `("Name", "Type", "Tags")` for a ShadowTest."""
    return _source(kind).omit


def _source(kind: str) -> KindSource:
    spec_kind = registry().get(kind)
    if spec_kind is None or not isinstance(spec_kind.source, KindSource):
        generated = ", ".join(name for name, _ in registry().sources())
        raise KeyError(f"kind {kind!r} has no AWS request shape (generated kinds: {generated})")
    return spec_kind.source


def adoptions(stack: StackSpec, desired: list[Desired], view: Any) -> dict[str, Address]:
    """Live resources whose content equals what a document wants, to use as they are instead of
    redeploying: adoption key -> the live resource's address.

    Two sources: the kinds' own `adopt` hooks (a hand-made endpoint's config and models when the
    endpoint is adopted; the config a shadow test left serving), and, for every content-addressed
    resource whose `<name>-<hash>` is not live, a resource the same document already owns with that
    content (adopted earlier under another name: it stays adopted whatever else changes)."""
    found = _owned_with_same_content(desired, view)
    by_doc: dict[str, list[Desired]] = {}
    for d in desired:
        by_doc.setdefault(d.spec, []).append(d)
    for doc in stack.docs:
        kind = registry()[doc.kind]
        if kind.adopt is not None:
            found.update(kind.adopt(view, doc, by_doc.get(doc.address, []), desired))
    return found


def _owned_with_same_content(desired: list[Desired], view: Any) -> dict[str, Address]:
    """{adopt key: live address} of owned resources of a document whose content is a missing desired one's;
    one in use is preferred, then the first by name."""
    found: dict[str, Address] = {}
    used: set[Address] | None = None
    for d in desired:
        if d.adopt_key is None or d.address in view.live:
            continue
        handler = view.handler(d.address.type)
        want = {k: v for k, v in thaw(d.comparable).items() if k != "tags"}
        same = [lv.address for a, lv in sorted(view.live.items()) if a.type == d.address.type and lv.spec == d.spec
                and {k: v for k, v in (handler.comparable(view.describe(lv)) or {"": None}).items()
                     if k != "tags"} == want]
        if same:
            if used is None:
                used = {a for lv in view.live.values() for a in view.handler(lv.address.type).uses(view, None, lv)}
            found[d.adopt_key] = next((a for a in same if a in used), same[0])
    return found
