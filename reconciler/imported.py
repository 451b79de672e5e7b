"""What importers produce and read through: `ImportedDoc`, `ImportContext`, and the shared reading helpers.

A kind that can be imported declares `SpecKind.importer(ctx, aws_name)`, returning the documents
that reproduce the live resource (its own first; an endpoint brings the models it serves), and
`SpecKind.lister(clients)`, the names `import --all` considers. Importers read through the
context's read-only clients, write `${Kind.name.attr}` for the stack's documents through it, and
refuse what cannot be imported with `ImportRefused` (one line). Running an import, rendering
documents and adopting is `reconciler.importing`'s; this module imports no kind, so kinds may
import it.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.errors import ReconcilerError
from reconciler.resources import Live


class ImportRefused(ReconcilerError):
    """A resource that cannot be imported (missing, owned by a stack, or not expressible); one line.
    `owner` is the stack that owns it, when that is why."""

    def __init__(self, message: str, owner: str | None = None) -> None:
        super().__init__(message)
        self.owner = owner


@dataclass
class ImportedDoc:
    """One spec document written from live resources."""

    kind: str
    name: str
    spec: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    owned: list[Address] = field(default_factory=list)  # live resources the document takes over (--adopt)
    notes: list[str] = field(default_factory=list)  # written as comments above the document
    source: str = ""  # the ARN of the resource it was read from

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"


Importer = Callable[["ImportContext", str], list[ImportedDoc]]


class ImportContext:
    """What an importer sees: read-only clients, the documents of the stack (for references) and those
    imported so far in this run."""

    def __init__(self, clients: Any, region: str, account: str, *, name_prefix: str = "",
                 names: Mapping[tuple[str, str], str] | None = None, arns: Mapping[str, str] | None = None,
                 importers: Mapping[str, Importer] | None = None) -> None:
        self.clients = clients
        self.region = region
        self.account = account
        self.name_prefix = name_prefix
        self.names: dict[tuple[str, str], str] = dict(names or {})  # (kind, AWS name) -> document name
        self.arns: dict[str, str] = dict(arns or {})  # ARN -> "${Kind.name.arn}"
        self.importers = dict(importers or {})
        self.imported: dict[str, ImportedDoc] = {}  # address -> document, in import order
        self._once: dict[str, Any] = {}

    def once(self, key: str, read: Callable[[Any], Any]) -> Any:
        """`read(clients)`, read once per import run (a listing several importers consult) and kept under `key`."""
        if key not in self._once:
            self._once[key] = read(self.clients)
        return self._once[key]

    def doc_name(self, aws_name: str) -> str:
        """The document name of a live resource: its AWS name without the environment's namePrefix."""
        if self.name_prefix and aws_name.startswith(self.name_prefix) and len(aws_name) > len(self.name_prefix):
            return aws_name[len(self.name_prefix):]
        return aws_name

    def reference(self, kind: str, aws_name: str) -> str | None:
        """`${Kind.doc.name}` for a live resource of a document of the stack (or imported in this run)."""
        doc = self.names.get((kind, aws_name))
        return f"${{{kind}.{doc}.name}}" if doc else None

    def arn_references(self, value: Any) -> Any:
        """`value` with every string that is the ARN of a document's resource replaced by its reference."""
        if isinstance(value, str):
            return self.arns.get(value, value)
        if isinstance(value, dict):
            return {k: self.arn_references(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.arn_references(v) for v in value]
        return value

    def need(self, kind: str, aws_name: str) -> str:
        """The reference to the document of live `kind` resource `aws_name`: a document of the stack, one
        imported already, or one imported now (as a dependency of the document being imported)."""
        known = self.reference(kind, aws_name)
        if known is not None:
            return known
        importer = self.importers.get(kind)
        if importer is None:
            raise ImportRefused(f"{kind} {aws_name} is needed but {kind} cannot be imported")
        for doc in importer(self, aws_name):
            self.add(doc)
        return self.reference(kind, aws_name) or aws_name

    def add(self, doc: ImportedDoc) -> None:
        """Record an imported document, so later documents reference it by name and ARN; ImportRefused when
        another resource was imported under the same document address in this run."""
        known = self.imported.get(doc.address)
        if known is not None:
            if known.source != doc.source:
                raise ImportRefused(f"{doc.address}: {known.source or 'another resource'} was imported under this "
                                    f"document name already; {doc.source or 'this one'} needs another (import it on "
                                    "its own and rename one of them)")
            return
        self.imported[doc.address] = doc
        for address in doc.owned[:1]:
            self.names[(doc.kind, address.name)] = doc.name
        if doc.source:
            self.arns.setdefault(doc.source, f"${{{doc.kind}.{doc.name}.arn}}")


_ACCEPTING: contextvars.ContextVar[str | None] = contextvars.ContextVar("accepting", default=None)


@contextlib.contextmanager
def accepting(stack: str) -> Iterator[None]:
    """While it lasts, importers read resources stack `stack` owns too (`drift --accept` reads its own back)."""
    token = _ACCEPTING.set(stack)
    try:
        yield
    finally:
        _ACCEPTING.reset(token)


def unowned(live: Live | None, kind: str, aws_name: str) -> Live:
    """`live`, refusing a missing resource or one a stack owns already (but the one `accepting` names)."""
    if live is None:
        raise ImportRefused(f"{kind} {aws_name!r} was not found in this account and region")
    owner = live.tags.get(tagmod.STACK)
    if owner and owner != _ACCEPTING.get():
        raise ImportRefused(f"{kind} {aws_name!r} is already managed by stack {owner!r} "
                            f"({tagmod.ADDRESS}={live.tags.get(tagmod.ADDRESS, '?')}); import reads resources no "
                            "stack owns", owner)
    return live


def user_tags(live: Live) -> dict[str, str]:
    return tagmod.user_tags(live.tags)


def refuse_benchmark(ctx: ImportContext, kind: str, name: str) -> None:
    """ImportRefused for what a running Inference Recommender job deployed (SageMaker's, gone with the job);
    nothing otherwise."""
    from reconciler.handlers.inference_recommendations import benchmark_prefixes

    prefixes = ctx.once("benchmark-prefixes", benchmark_prefixes)
    if name.startswith(prefixes):
        raise ImportRefused(f"{kind} {name!r} was deployed by a running Inference Recommender job (its name starts "
                            "with the job's): SageMaker removes it when the job ends, so there is nothing to import")


def written_spec(policy: Any, data: Mapping[str, Any], service: str, operation: str) -> dict[str, Any]:
    """A describe output as the spec of its request (`operation`'s input in lowerCamelCase) a person writes:
    the handler's field `policy` applied, server defaults left out, `${` written `$${` (a literal)."""
    from reconciler.aws.shapes import from_api, operation_input
    from reconciler.diff.policy import as_written
    from reconciler.spec.references import literal

    return literal(from_api(as_written(policy, data), operation_input(service, operation)))  # type: ignore[no-any-return]


def secrets(doc: ImportedDoc) -> list[str]:
    """The environment keys of a document that hold secrets by their names (API_KEY, ...)."""
    from reconciler.sensitive import ENVIRONMENT_KEY, is_default_sensitive

    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if str(key).lower() == ENVIRONMENT_KEY and isinstance(item, dict):
                    found.extend(str(k) for k in item if is_default_sensitive(str(k)))
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(doc.spec)
    return found


def matches(name: str, patterns: Iterable[str]) -> bool:
    """Whether `name` matches one of the shell-style `patterns` (all names without patterns)."""
    patterns = list(patterns)
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)
