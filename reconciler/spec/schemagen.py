"""JSON Schema generation for spec documents, from botocore's service model plus fragments.

A kind's spec is an AWS create-request shape in lowerCamelCase, so its schema is generated:
every botocore shape reachable from the kind's request becomes a ``$defs`` entry keyed by the
shape's name (recursive shapes just work), structures become closed objects, and botocore's
``min``/``max``/``enum``/``pattern``/``required`` become the matching JSON Schema keywords. The
hand-written parts (envelope, ``Stack``, extension members, nested extensions such as the
Endpoint variant ``autoscaling`` and the request shapes they refer to) come from
the kinds' modules and ``reconciler.spec.fragments``; this module only interprets that data,
reading the kinds through a ``Registry`` (``SchemaGenerator(registry)``).

Rules worth knowing:

- ``$defs`` keys: a shape of the first of the registry's services (SageMaker) is keyed by its name;
  a shape of a later service is too, unless an earlier service has a shape of that name or the
  name is a hand-written definition, in which case it is namespaced by the service id
  (``ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration``). The choice depends only
  on the service models, never on the order shapes are reached, so output stays deterministic.
- The envelope (``apiVersion``, ``kind``, ``name``, ``spec``, ``tags``) is the same for every
  kind, plus ``fragments.RESOURCE_ENVELOPE`` (``protect``) for every kind but ``Stack``.
- A nested extension copies the structure it extends to its own ``$defs`` entry
  (``ProductionVariantSpec``) and inlines the lists/maps on the path to it, so other uses of the
  same botocore shape (``shadowProductionVariants``) are not extended.

- Every string-typed field also accepts a whole-string reference ``${Kind.name.name|arn}``. It is
  written as ``{"if": <Reference>, "else": <the string schema>}`` rather than ``anyOf`` so that
  a bad value gets the string schema's own error ("'ml.bogus' is not one of [...]") instead of
  "is not valid under any of the given schemas".
- botocore patterns are Java regexes matched against the whole value. They are anchored as
  ``^(?:...)$`` and kept only if they use syntax Python's ``re`` (which jsonschema uses) and
  editors' ECMAScript engines read the same way; the others are dropped and listed by
  ``dropped_patterns()``. Kept patterns can still differ from Java on non-ASCII input: Python's
  ``\\s``/``\\d``/``\\w`` and ``.`` are Unicode-aware, Java's are ASCII (AWS validates anyway).
- Output is deterministic (sorted keys, two-space indent, trailing newline), so a test can
  regenerate the committed ``schemas/`` files and compare them byte for byte.

Run ``reconciler schema --write schemas`` after changing this module, a kind or botocore;
``reconciler schema --check schemas`` exits 1 when the committed files are stale.
Importing this module is cheap: botocore is loaded on first use, and results are cached.
"""

from __future__ import annotations

import functools
import html
import json
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from reconciler.frozen import thaw as _plain
from reconciler.spec import fragments
from reconciler.spec.fragments import (
    REFERENCE_DEF,
    TAG_MAP_DEF,
    ChoiceSource,
    MemberSource,
    NestedExtension,
    RequestDef,
    spec_def_name,
)

if TYPE_CHECKING:
    from botocore.model import ListShape, MapShape, Shape, StructureShape

    from reconciler.spec.kind import Registry

# Nested extensions still to apply below a shape: (remaining API member path, extension).
_Pending = tuple[tuple[tuple[str, ...], NestedExtension], ...]

DOCUMENT_FILE = "document.schema.json"
REGENERATE_COMMAND = "reconciler schema --write schemas"

DESCRIPTION_LIMIT = 200


def schema_file_name(kind: str) -> str:
    """The file in ``schemas/`` holding the schema of a document of ``kind``."""
    return f"{kind.lower()}.schema.json"


# --------------------------------------------------------------------------- public API


class SchemaGenerator:
    """The spec schemas of one kind registry; every result is cached and shared: do not mutate it."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._documents: dict[str, dict[str, Any]] = {}
        self._any: dict[str, Any] | None = None
        self._specs: dict[str, dict[str, Any]] = {}
        self._def_names: dict[tuple[str, str], str] = {}
        self._hand_written: frozenset[str] | None = None
        self._dropped: tuple[DroppedPattern, ...] | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.registry.names

    def document_schema(self, kind: str) -> dict[str, Any]:
        """The complete JSON Schema (draft 2020-12) of a document of ``kind``: envelope plus spec.

        Raises ``KeyError`` for an unknown kind.
        """
        self._check_kind(kind)
        if kind not in self._documents:
            builder = _Builder(self)
            spec_ref = builder.kind_spec(kind)
            schema = _envelope(
                schema_id=fragments.SCHEMA_BASE_URL + schema_file_name(kind),
                title=f"reconciler {kind} document",
                kind_schema={"const": kind, "description": fragments.ENVELOPE_DESCRIPTIONS["kind"]},
                spec_schema={**spec_ref, "description": fragments.ENVELOPE_DESCRIPTIONS["spec"]},
                resource=self.registry[kind].owns_resources,
            )
            schema["additionalProperties"] = False
            schema["$defs"] = _used_defs(schema, builder.defs)
            self._documents[kind] = schema
        return self._documents[kind]

    def any_document_schema(self) -> dict[str, Any]:
        """The schema of a document of any kind (``document.schema.json``).

        ``kind`` must be one of the registered kinds and selects the spec schema with
        ``if``/``then``, so errors inside a spec are reported against that kind's schema only.
        The envelope members a kind has also differ (``Stack`` has no ``protect``), so each
        ``then`` closes the document over that kind's members (the top level lists every member,
        for completion, but does not close it): an unknown or misplaced member is reported once,
        as by the kind's own schema. Point a YAML language server at this schema for a stack
        directory (files there mix kinds and may hold several documents).
        """
        if self._any is None:
            builder = _Builder(self)
            branches = []
            for kind in self.kinds:
                spec_ref = builder.kind_spec(kind)
                resource = self.registry[kind].owns_resources
                members: dict[str, Any] = {key: True for key in _envelope_members(resource=resource)}
                members["spec"] = spec_ref
                branches.append(
                    {
                        "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                        "then": {"properties": members, "additionalProperties": False},
                    }
                )
            schema = _envelope(
                schema_id=fragments.SCHEMA_BASE_URL + DOCUMENT_FILE,
                title="reconciler document",
                kind_schema={"enum": list(self.kinds), "description": fragments.ENVELOPE_DESCRIPTIONS["kind"]},
                spec_schema={"type": "object", "description": fragments.ENVELOPE_DESCRIPTIONS["spec"]},
                resource=True,
            )
            schema["allOf"] = branches
            schema["$defs"] = _used_defs(schema, builder.defs)
            self._any = schema
        return self._any

    def spec_schema(self, kind: str) -> dict[str, Any]:
        """The schema of just the ``spec`` of a ``kind`` document, with its ``$defs`` resolvable.

        Raises ``KeyError`` for an unknown kind.
        """
        if kind not in self._specs:
            document = self.document_schema(kind)
            defs = document["$defs"]
            self._specs[kind] = {"$schema": fragments.SCHEMA_DIALECT, **defs[spec_def_name(kind)], "$defs": defs}
        return self._specs[kind]

    def generate_all(self) -> dict[str, str]:
        """Every schema file: file name -> file text (what ``--write`` writes and ``--check`` compares)."""
        files = {schema_file_name(kind): _dump(self.document_schema(kind)) for kind in self.kinds}
        files[DOCUMENT_FILE] = _dump(self.any_document_schema())
        return dict(sorted(files.items()))

    def hand_written_defs(self) -> frozenset[str]:
        """The ``$defs`` keys named by the fragments rather than after a botocore shape: the envelope
        definitions, kind specs, nested-extension copies, their hand-written definitions and requests."""
        if self._hand_written is None:
            names = {REFERENCE_DEF, TAG_MAP_DEF, *(spec_def_name(kind) for kind in self.kinds)}
            for _, source in self.registry.sources():
                names.update(source.def_names())
            self._hand_written = frozenset(names)
        return self._hand_written

    def def_name(self, service: str, shape_name: str) -> str:
        """The ``$defs`` key of botocore shape ``shape_name`` of ``service`` (see the module docstring).

        Raises ``ValueError`` for a service no kind uses and for a shape of the first service that
        has the name of a hand-written definition.
        """
        key = (service, shape_name)
        if key not in self._def_names:
            self._def_names[key] = self._def_name(service, shape_name)
        return self._def_names[key]

    def _def_name(self, service: str, shape_name: str) -> str:
        from reconciler.aws.shapes import service_model

        services = self.registry.services
        if service not in services:
            raise ValueError(f"service {service!r} is not used by any kind {services}")
        position = services.index(service)
        taken = shape_name in self.hand_written_defs()
        if position == 0:
            if taken:
                raise ValueError(f"botocore shape {shape_name!r} collides with a hand-written definition")
            return shape_name
        earlier = services[:position]
        if taken or any(shape_name in _shape_names(other) for other in earlier):
            namespace = re.sub(r"[^A-Za-z0-9]", "", service_model(service).metadata.get("serviceId") or service)
            return f"{namespace}.{shape_name}"
        return shape_name

    def dropped_patterns(self) -> tuple[DroppedPattern, ...]:
        """The botocore patterns the generated schemas leave out, sorted by shape name."""
        if self._dropped is None:
            found: set[DroppedPattern] = set()
            for kind in self.kinds:
                builder = _Builder(self)
                builder.kind_spec(kind)
                found.update(builder.dropped)
            self._dropped = tuple(sorted(found))
        return self._dropped

    def _check_kind(self, kind: str) -> None:
        if kind not in self.registry:
            raise KeyError(f"unknown kind {kind!r} (kinds: {', '.join(self.kinds)})")

    def write(self, directory: Path) -> list[Path]:
        """Write every schema file that differs into ``directory``; the files written."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.generate_all().items():
            target = directory / name
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8", newline="\n")
                written.append(target)
        return written

    def stale(self, directory: Path) -> list[str]:
        """The schema files in ``directory`` that are missing or not up to date."""
        return [name for name, text in self.generate_all().items()
                if not (directory / name).exists() or (directory / name).read_text(encoding="utf-8") != text]


@functools.cache
def generator_for(registry: Registry) -> SchemaGenerator:
    """The (cached) schema generator of a registry."""
    return SchemaGenerator(registry)


@functools.cache
def _shape_names(service: str) -> frozenset[str]:
    from reconciler.aws.shapes import service_model

    return frozenset(service_model(service).shape_names)


@dataclass(frozen=True, order=True)
class DroppedPattern:
    """A botocore pattern left out of the schemas: which shape (its ``$defs`` key), the pattern, and why."""

    shape: str
    pattern: str
    reason: str


def convert_pattern(pattern: str) -> tuple[str | None, str | None]:
    """Translate a botocore (Java, whole-match) pattern: ``(anchored pattern, None)`` when kept,
    ``(None, reason)`` when it cannot be expressed the same way for Python and ECMAScript."""
    body = pattern
    if body.startswith("^"):
        body = body[1:]
    if body.endswith("$"):
        backslashes = len(body[:-1]) - len(body[:-1].rstrip("\\"))
        if backslashes % 2 == 0:  # an unescaped '$' anchor, not a literal '\$'
            body = body[:-1]
    body, reason = _portable(body)
    if reason is not None:
        return None, reason
    anchored = f"^(?:{body})$"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            re.compile(anchored)
    except (re.error, FutureWarning, DeprecationWarning) as error:
        return None, f"Python re rejects it: {error}"
    return anchored, None


# --------------------------------------------------------------------------- generation


class _Builder:
    """Accumulates ``$defs`` for one schema file while walking botocore shapes."""

    def __init__(self, generator: SchemaGenerator) -> None:
        self.generator = generator
        self.defs: dict[str, Any] = {}
        self.dropped: set[DroppedPattern] = set()
        self._origin: dict[str, tuple[str, str]] = {}  # generated def name -> (service, shape name)
        self._hand_written(REFERENCE_DEF, fragments.REFERENCE)
        self._hand_written(TAG_MAP_DEF, fragments.TAG_MAP)

    def kind_spec(self, kind: str) -> dict[str, Any]:
        """Define the kind's spec schema; returns a ``$ref`` to it."""
        name = spec_def_name(kind)
        if name not in self.defs:
            hand_written = self.generator.registry[kind].spec_schema
            if hand_written is not None:
                self._hand_written(name, hand_written)
            else:
                self._hand_written(name, self._generated_spec(kind))
        return {"$ref": f"#/$defs/{name}"}

    def _hand_written(self, name: str, schema: Mapping[str, Any]) -> None:
        if name not in self.generator.hand_written_defs():
            raise ValueError(f"definition {name!r} is not declared by a kind or reconciler.spec.fragments")
        if name in self._origin:
            raise ValueError(f"hand-written definition {name!r} collides with botocore shape {self._origin[name]}")
        if name not in self.defs:
            self.defs[name] = _plain(schema)

    def _generated_spec(self, kind: str) -> dict[str, Any]:
        from reconciler.aws.shapes import operation_input

        source = self.generator.registry[kind].source
        if source is None:
            raise ValueError(f"kind {kind} has neither a request source nor a hand-written spec schema")
        if isinstance(source, ChoiceSource):
            return self._choice_spec(source)
        shape = operation_input(source.service, source.operation)
        _check_omitted(kind, source.omit, shape)
        pending = tuple((extension.path, extension) for extension in source.nested)
        schema = self._structure(shape, source.service, omit=source.omit, pending=pending)
        schema["description"] = source.description
        for key, extension in source.extensions:
            if key in schema["properties"]:
                raise ValueError(f"{kind}: extension {key!r} collides with a member of {shape.name}")
            if isinstance(extension, MemberSource):
                schema["properties"][key] = {
                    **self._ref(_member_shape(extension), extension.service),
                    "description": extension.description,
                }
            else:
                schema["properties"][key] = _plain(extension)
        return schema

    def _choice_spec(self, source: ChoiceSource) -> dict[str, Any]:
        """Members, the discriminator's enum, and one ``if``/``then`` per choice giving ``member`` its shape."""
        properties: dict[str, Any] = {
            source.discriminator: {"enum": [value for value, _ in source.choices],
                                   "description": source.discriminator_description},
            source.member: {"type": "object", "description": source.member_description},
        }
        for key, member in source.members:
            if key in properties:
                raise ValueError(f"{source.description}: member {key!r} is declared twice")
            if isinstance(member, MemberSource):
                properties[key] = {**self._ref(_member_shape(member), member.service),
                                   "description": member.description}
            else:
                properties[key] = _plain(member)
        branches = []
        for value, request in source.choices:
            self._request(request)
            branches.append({
                "if": {"properties": {source.discriminator: {"const": value}}, "required": [source.discriminator]},
                "then": {"properties": {source.member: {"$ref": f"#/$defs/{request.def_name}"}}},
            })
        return {"type": "object", "description": source.description, "properties": properties,
                "required": list(source.required), "additionalProperties": False, "allOf": branches}

    def _request(self, request: RequestDef) -> None:
        """Define ``request.def_name``: an operation's input shape minus ``request.omit``."""
        from reconciler.aws.shapes import operation_input

        if request.def_name in self.defs:
            return
        shape = operation_input(request.service, request.operation)
        _check_omitted(request.def_name, request.omit, shape)
        self._hand_written(request.def_name, {})  # placeholder, in case the shape is recursive
        schema = self._structure(shape, request.service, omit=request.omit)
        schema["description"] = request.description
        self.defs[request.def_name] = schema

    def _extended(self, shape: StructureShape, service: str, extension: NestedExtension) -> dict[str, Any]:
        """Define ``extension.def_name``: a copy of ``shape`` with the extension's members added."""
        name = extension.def_name
        if name in self.defs:
            raise ValueError(f"nested extension {name!r} is reached more than once")
        self._hand_written(name, {})  # placeholder, in case the shape is recursive
        schema = self._structure(shape, service)
        for key, member_schema in extension.members:
            if key in schema["properties"]:
                raise ValueError(f"nested extension {name}: {key!r} collides with a member of {shape.name}")
            schema["properties"][key] = _plain(member_schema)
        for key, alternative in extension.alternatives:
            original = schema["properties"].get(key)
            if original is None:
                raise ValueError(f"nested extension {name}: alternative {key!r} is not a member of {shape.name}")
            description = original.pop("description", None)
            schema["properties"][key] = _without_none({"if": {"type": "object"}, "then": _plain(alternative),
                                                       "else": original, "description": description})
        schema["description"] = extension.description
        self.defs[name] = schema
        for def_key, definition in extension.defs.items():
            self._hand_written(def_key, definition)
        for request in extension.requests:
            self._request(request)
        return {"$ref": f"#/$defs/{name}"}

    def _ref(self, shape: Shape, service: str) -> dict[str, Any]:
        name = self.generator.def_name(service, shape.name)
        origin = self._origin.get(name)
        if origin is None:
            if name in self.defs:
                raise ValueError(f"botocore shape {name!r} collides with a hand-written definition")
            self._origin[name] = (service, shape.name)
            self.defs[name] = {}  # placeholder: recursive references resolve to it
            self.defs[name] = self._define(shape, service)
        elif origin != (service, shape.name):
            raise ValueError(f"$defs key {name!r} is used by {origin} and {(service, shape.name)}")
        return {"$ref": f"#/$defs/{name}"}

    def _member(self, member: Shape, service: str, pending: _Pending = ()) -> dict[str, Any]:
        schema = self._inline(member, service, pending) if pending else self._ref(member, service)
        description = first_sentence(member.documentation)
        if description:
            schema["description"] = description
        return schema

    def _inline(self, shape: Shape, service: str, pending: _Pending) -> dict[str, Any]:
        """The schema of ``shape`` with nested extensions applied below it: the extended structure
        becomes its own definition, and the containers on the way there are written inline."""
        if shape.type_name == "structure" and not getattr(shape, "is_document_type", False):
            structure = cast("StructureShape", shape)
            here = [extension for path, extension in pending if not path]
            if here:
                if len(pending) > 1:
                    raise ValueError(f"more than one nested extension applies to {shape.name}")
                return self._extended(structure, service, here[0])
            return self._structure(structure, service, pending=pending)
        if shape.type_name in ("list", "map"):
            return self._body(shape, service, pending)
        raise ValueError(f"nested extension path ends at {shape.name} ({shape.type_name}), not a structure")

    def _define(self, shape: Shape, service: str) -> dict[str, Any]:
        from reconciler.aws.shapes import service_model

        schema = self._body(shape, service)
        description = first_sentence(service_model(service).shape_for(shape.name).documentation)
        if description:
            schema["description"] = description
        return schema

    def _body(self, shape: Shape, service: str, pending: _Pending = ()) -> dict[str, Any]:
        type_name = shape.type_name
        meta = shape.metadata
        if type_name == "structure":
            if getattr(shape, "is_document_type", False):
                return {}
            return self._structure(cast("StructureShape", shape), service)
        if type_name == "list":
            list_shape = cast("ListShape", shape)
            return _without_none(
                {
                    "type": "array",
                    "items": self._member(list_shape.member, service, pending),
                    "minItems": meta.get("min") or None,
                    "maxItems": meta.get("max"),
                }
            )
        if type_name == "map":
            map_shape = cast("MapShape", shape)
            key_schema = self._string_constraints(map_shape.key, service)
            key_schema.pop("type", None)
            return _without_none(
                {
                    "type": "object",
                    "additionalProperties": self._member(map_shape.value, service, pending),
                    "propertyNames": key_schema or None,
                    "minProperties": meta.get("min") or None,
                    "maxProperties": meta.get("max"),
                }
            )
        if type_name == "string":
            return {"if": {"$ref": f"#/$defs/{REFERENCE_DEF}"}, "else": self._string_constraints(shape, service)}
        if type_name in ("integer", "long"):
            return _without_none({"type": "integer", "minimum": meta.get("min"), "maximum": meta.get("max")})
        if type_name in ("float", "double"):
            return _without_none({"type": "number", "minimum": meta.get("min"), "maximum": meta.get("max")})
        if type_name == "boolean":
            return {"type": "boolean"}
        if type_name == "timestamp":
            return {"type": "string", "format": "date-time"}
        if type_name == "blob":
            return {"type": "string"}
        raise ValueError(f"unsupported botocore shape type {type_name!r} ({shape.name})")

    def _structure(
        self, shape: StructureShape, service: str, *, omit: Iterable[str] = (), pending: _Pending = ()
    ) -> dict[str, Any]:
        from reconciler.aws.shapes import spec_name

        left_out = set(omit)
        for path, extension in pending:
            if path[0] not in shape.members or path[0] in left_out:
                raise ValueError(f"nested extension {extension.def_name}: {path[0]!r} is not a member of {shape.name}")
        properties = {
            spec_name(name): self._member(
                member, service, tuple((path[1:], ext) for path, ext in pending if path[0] == name)
            )
            for name, member in shape.members.items()
            if name not in left_out
        }
        required = [spec_name(name) for name in shape.required_members if name not in left_out]
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if getattr(shape, "is_tagged_union", False):
            schema["minProperties"] = 1
            schema["maxProperties"] = 1
        schema["additionalProperties"] = False
        return schema

    def _string_constraints(self, shape: Shape, service: str) -> dict[str, Any]:
        meta = shape.metadata
        schema: dict[str, Any] = {"type": "string"}
        if shape.enum:
            schema["enum"] = list(shape.enum)
        if meta.get("min"):
            schema["minLength"] = meta["min"]
        if meta.get("max") is not None:
            schema["maxLength"] = meta["max"]
        pattern = meta.get("pattern")
        if pattern is not None:
            anchored, reason = convert_pattern(pattern)
            if anchored is None:
                self.dropped.add(DroppedPattern(self.generator.def_name(service, shape.name), pattern,
                                                cast(str, reason)))
            else:
                schema["pattern"] = anchored
        return schema


def _envelope(
    *, schema_id: str, title: str, kind_schema: dict[str, Any], spec_schema: dict[str, Any], resource: bool
) -> dict[str, Any]:
    """The document envelope, not closed (the caller adds ``additionalProperties``); ``resource``
    adds the members of kinds that own AWS resources (``fragments.RESOURCE_ENVELOPE``)."""
    return {
        "$schema": fragments.SCHEMA_DIALECT,
        "$id": schema_id,
        "title": title,
        "type": "object",
        "properties": _envelope_members(kind_schema=kind_schema, spec_schema=spec_schema, resource=resource),
        "required": ["apiVersion", "kind", "name", "spec"],
    }


def _envelope_members(
    *, kind_schema: dict[str, Any] | None = None, spec_schema: dict[str, Any] | None = None, resource: bool
) -> dict[str, Any]:
    described = fragments.ENVELOPE_DESCRIPTIONS
    members: dict[str, Any] = {
        "apiVersion": {"const": fragments.API_VERSION, "description": described["apiVersion"]},
        "kind": kind_schema or {},
        "name": {"type": "string", "minLength": 1, "description": described["name"]},
        "spec": spec_schema or {},
        "tags": {"$ref": f"#/$defs/{TAG_MAP_DEF}", "description": described["tags"]},
    }
    if resource:
        for key, member in fragments.RESOURCE_ENVELOPE.items():
            if key in members:
                raise ValueError(f"envelope member {key!r} is declared twice")
            members[key] = _plain(member)
    return members


# --------------------------------------------------------------------------- helpers

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,;:!?)])(?=\s|$)")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "approx", "Inc", "Ltd", "No")


def first_sentence(documentation: str | None, limit: int = DESCRIPTION_LIMIT) -> str:
    """The first sentence of botocore HTML documentation as plain text, at most ``limit`` chars."""
    if not documentation:
        return ""
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", documentation))).strip()
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)  # "<code>X</code> ." -> "X."
    end = len(text)
    for match in _SENTENCE_END.finditer(text):
        last_word = text[: match.start()].rsplit(" ", 1)[-1].lstrip("(")
        if last_word not in _ABBREVIATIONS:
            end = match.end()
            break
    sentence = text[:end].strip()
    if len(sentence) > limit:
        cut = sentence[: limit - 3].rsplit(" ", 1)[0]
        sentence = cut.rstrip(" ,;:") + "..."
    return sentence


_SURROGATE = re.compile(r"[dD][89a-fA-F][0-9a-fA-F]{2}")
_PORTABLE_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
# Escapes read the same way by Java, Python and ECMAScript (up to Unicode-awareness of classes).
_PORTABLE_LETTER_ESCAPES = frozenset("dDsSwWbBnrtfxu123456789")
_SYNTAX_CHARACTERS = frozenset("^$\\.*+?()[]{}|/")
_JAVA_ONLY_ESCAPES = {
    "p": "Unicode property class \\p{...}",
    "P": "Unicode property class \\P{...}",
    "h": "Java horizontal whitespace class \\h",
    "H": "Java class \\H",
    "v": "\\v (a vertical whitespace class in Java, one character in Python)",
    "V": "Java class \\V",
    "R": "Java linebreak matcher \\R",
    "X": "Java grapheme cluster \\X",
    "z": "Java end of input \\z",
    "Z": "end anchor \\Z (differs between Java and Python)",
    "A": "start anchor \\A (not in ECMAScript)",
    "G": "Java \\G anchor",
    "Q": "Java quoting \\Q...\\E",
    "E": "Java quoting \\Q...\\E",
    "e": "Java escape character \\e",
    "c": "control character escape \\c",
    "N": "named character escape \\N",
    "0": "Java octal escape \\0",
}


def _portable(pattern: str) -> tuple[str, str | None]:
    """``pattern`` (a Java regex) rewritten for Python and ECMAScript, and why it cannot be (or None).

    The only rewrite is harmless: identity escapes of punctuation that is not special where it
    stands (``\\_``, ``\\ ``, ``\\-`` outside a class) lose their backslash, because
    ECMAScript's unicode mode rejects them while Java and Python read them as the character.
    """
    out: list[str] = []
    index, length = 0, len(pattern)
    in_class = False
    while index < length:
        char = pattern[index]
        if char == "\\":
            if index + 1 >= length:
                return pattern, "trailing backslash"
            escaped = pattern[index + 1]
            if escaped in _JAVA_ONLY_ESCAPES:
                return pattern, _JAVA_ONLY_ESCAPES[escaped]
            if escaped == "x" and pattern[index + 2 : index + 3] == "{":
                return pattern, "Java hex escape \\x{...}"
            if escaped == "u" and _SURROGATE.match(pattern, index + 2):
                return pattern, "UTF-16 surrogate escape (Java pairs surrogates into code points, Python does not)"
            if escaped.isalnum():
                if escaped not in _PORTABLE_LETTER_ESCAPES:
                    return pattern, f"escape \\{escaped} is not portable"
                out.append(pattern[index : index + 2])
            elif escaped in _SYNTAX_CHARACTERS or (in_class and escaped == "-"):
                out.append(pattern[index : index + 2])
            elif escaped == "&":
                return pattern, "escaped '&' (Java class intersection syntax)"
            else:
                out.append(escaped)
            index += 2
            continue
        if in_class:
            if char == "[":
                return pattern, "nested character class (Java union)"
            if pattern.startswith("&&", index):
                return pattern, "character class intersection &&"
            if char == "]":
                in_class = False
            out.append(char)
            index += 1
            continue
        if char == "[":
            opening = "[^" if pattern.startswith("[^", index) else "["
            index += len(opening)
            if pattern[index : index + 1] == "]":
                return pattern, "']' first in a character class (read differently by Java and Python)"
            out.append(opening)
            in_class = True
            continue
        if char == "(" and pattern.startswith("(?", index):
            prefix = next((p for p in _PORTABLE_GROUPS if pattern.startswith(p, index)), None)
            if prefix is None:
                return pattern, "group construct (named group, atomic group or inline flags) not portable"
            out.append(prefix)
            index += len(prefix)
            continue
        quantifier = ""
        if char in "*+?":
            quantifier = char
        elif char == "{":
            match = re.match(r"\{\d+(,\d*)?\}", pattern[index:])
            if match is None:
                return pattern, "'{' that is not a {n,m} quantifier"
            quantifier = match.group()
        if quantifier:
            index += len(quantifier)
            following = pattern[index : index + 1]
            if following == "+":
                return pattern, "possessive quantifier"
            if following == "?":
                quantifier += following
                index += 1
            out.append(quantifier)
            continue
        out.append(char)
        index += 1
    if in_class:
        return pattern, "unterminated character class"
    return "".join(out), None


def _used_defs(root: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``defs`` reachable from ``root`` through local ``$ref``s."""
    used: dict[str, Any] = {}
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in used:
                    used[name] = defs[name]
                    pending.append(defs[name])
            pending.extend(value for key, value in node.items() if key != "$defs")
        elif isinstance(node, list):
            pending.extend(node)
    return used


def _member_shape(source: MemberSource) -> Shape:
    """The botocore shape a MemberSource names (its member path walked through the operation's input)."""
    from reconciler.aws.shapes import operation_input

    shape: Any = operation_input(source.service, source.operation)
    for name in source.member.split("."):
        shape = shape.members[name]
    return cast("Shape", shape)


def _check_omitted(what: str, omit: Iterable[str], shape: StructureShape) -> None:
    missing = set(omit) - set(shape.members)
    if missing:
        raise ValueError(f"{what}: omitted members {sorted(missing)} are not in {shape.name}")


def _without_none(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if value is not None}


def _dump(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
