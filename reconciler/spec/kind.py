"""The contract of a spec kind, as validation and schema generation see it, and the kind registry.

A spec kind is what users write (`Model`, `Endpoint`, ...). Its module (in
`reconciler.kinds`) declares a `SpecKind`: the naming rule of its documents, where its
`spec` schema comes from (a botocore request shape plus extensions, or a hand-written
schema for the settings kind), its semantic checks, and how it expands into AWS resources.
The generic machinery here (validation, schema generation) reads kinds only through a
`Registry`, so adding a kind never means editing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reconciler.diagnostics import Diagnostics
from reconciler.spec.fragments import ChoiceSource, KindSource
from reconciler.spec.naming import NameRule

if TYPE_CHECKING:
    from reconciler.spec.documents import Environment, SpecDoc, Stack
    from reconciler.spec.loader import Document

Check = Callable[["SpecDoc", Diagnostics, Mapping[str, "SpecDoc"]], None]


def no_checks(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """A kind whose schema says everything."""


@dataclass(frozen=True, eq=False)
class SpecKind:
    """One kind of spec document.

    `source` (a botocore request shape with extensions, or a choice between request shapes) or
    `spec_schema` (hand-written, for the settings kind) defines its `spec`. `check` appends the AWS
    limits a document breaks beyond its schema; `expand(ctx, doc)` returns the desired AWS resources
    it owns. The settings kind (`owns_resources=False`) instead has `settings(doc, diags)`,
    returning the `Stack`; the environment kind (also `owns_resources=False`) has `environment(doc,
    diags)`, returning an `Environment` (see `reconciler.spec.variables`).
    """

    name: str
    naming: NameRule
    description: str
    source: KindSource | ChoiceSource | None = None
    spec_schema: Mapping[str, Any] | None = None
    owns_resources: bool = True
    check: Check = no_checks
    expand: Callable[..., list[Any]] | None = None
    settings: Callable[[Document, Diagnostics], Stack | None] | None = None
    environment: Callable[[Document, Diagnostics], Environment | None] | None = None
    # Document names that name a resource AWS provides under that very name (the `default` event bus):
    # an environment's namePrefix is never put before them
    fixed_names: frozenset[str] = frozenset()
    # prepare(doc, diags, the Stack document's region or None): after every document's schema, before
    # references and checks: read what the spec keeps elsewhere into it (SpecDoc.graft), e.g. a
    # pipeline definition from its file
    prepare: Callable[[SpecDoc, Diagnostics, str | None], None] | None = None
    # adopt(view, doc, its desired resources, every desired resource) -> {adoption key: live address}:
    # live resources with the content the document wants, used as they are (see kinds.adoptions)
    adopt: Callable[..., Mapping[str, Any]] | None = None
    # outputs(AWS name, ARN, region) -> {label: value}: what `reconciler output` shows beyond the name and
    # ARN (an endpoint's invocation URL)
    outputs: Callable[[str, str, str], Mapping[str, str]] | None = None
    # importer(ImportContext, AWS name) -> [ImportedDoc, ...]: the documents that reproduce a live resource
    # no stack owns (its own first, then what it needs, such as an endpoint's models); see reconciler.importing
    importer: Callable[..., list[Any]] | None = None
    # lister(read-only clients) -> the AWS names `import --all` considers (AWS-managed ones left out)
    lister: Callable[[Any], list[str]] | None = None
    # kinds whose documents this kind's documents reference: `import --all` imports them first, so the
    # references are written (a shadow test after the endpoint and models it names)
    import_after: tuple[str, ...] = ()

    def services(self) -> tuple[str, ...]:
        return self.source.services() if self.source else ()


@dataclass(frozen=True, eq=False)
class Registry:
    """The kinds of a build, in their documented order (which also orders generated schemas)."""

    kinds: tuple[SpecKind, ...]
    _by_name: dict[str, SpecKind] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for kind in self.kinds:
            if kind.name in self._by_name:
                raise ValueError(f"kind {kind.name!r} is registered twice")
            self._by_name[kind.name] = kind
        if sum(1 for k in self.kinds if k.settings is not None) != 1:
            raise ValueError("exactly one settings kind (with `settings`) must be registered")
        if sum(1 for k in self.kinds if k.environment is not None) > 1:
            raise ValueError("at most one environment kind (with `environment`) may be registered")
        if any(k.owns_resources == (k.settings is not None or k.environment is not None) for k in self.kinds):
            raise ValueError("a kind owns resources, or it is the settings or environment kind")

    def __getitem__(self, name: str) -> SpecKind:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> SpecKind | None:
        return self._by_name.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.kinds)

    @property
    def resource_kinds(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.kinds if k.owns_resources)

    @property
    def settings_kind(self) -> SpecKind:
        return next(k for k in self.kinds if k.settings is not None)

    @property
    def environment_kind(self) -> SpecKind | None:
        return next((k for k in self.kinds if k.environment is not None), None)

    @property
    def services(self) -> tuple[str, ...]:
        """Every botocore service the schemas use, in precedence order: order of first use by the kinds.

        A shape of the first service keeps its name as its `$defs` key; a shape of a later service
        whose name is also a shape of an earlier one is namespaced (`CloudWatch.Dimension`). New
        kinds append their new services, so existing definition names never change.
        """
        return tuple(dict.fromkeys(s for kind in self.kinds for s in kind.services()))

    def sources(self) -> Iterable[tuple[str, KindSource | ChoiceSource]]:
        return ((k.name, k.source) for k in self.kinds if k.source is not None)
