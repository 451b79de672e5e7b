"""Semantic checks of a SchemaRegistry document, at the line where each problem is written (the spec
file for inline content, the content file's own line for a contentFile).

What EventBridge would reject, checked before any call: a registry EventBridge owns (`aws.events`,
`discovered-schemas`), duplicate schema names, content over 100,000 characters as the JSON sent, and
content that is not valid for its type. A `JSONSchemaDraft4` schema must pass the draft 4 meta-schema
(jsonschema's `Draft4Validator.check_schema`) and name no other draft in `$schema`; an `OpenApi3`
schema needs `openapi: 3.x.y`, `info` with string `title` and `version`, `paths` (EventBridge's own
are `paths: {}`) and `components.schemas` holding the event's schemas, each a valid schema object.
In both, a local `$ref` (`#/...`) must point at something in the document. Each schema's first
problem is one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from reconciler.diagnostics import Diagnostics
from reconciler.handlers.schema_registry import MAX_CONTENT, content_text, is_owned_by_aws
from reconciler.kinds.schema_registry.source import content_path
from reconciler.spec.documents import SpecDoc

Problem = tuple[tuple[Any, ...], str]  # (path inside the content, message)

OPENAPI_VERSION = re.compile(r"^3\.\d+\.\d+$")
DRAFT4_URIS = frozenset({"http://json-schema.org/draft-04/schema", "https://json-schema.org/draft-04/schema"})
JSON_TYPES = "array, boolean, integer, null, number, object, string"
MESSAGE_WIDTH = 160


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """Every problem of the document's name and schemas."""
    if is_owned_by_aws(doc.name):
        diags.error(f"{doc.name} is a registry EventBridge owns (aws.events, discovered-schemas); reconciler never "
                    "changes it: name the document after a registry of your own", doc.doc.pos(("name",)))
    first: dict[str, int] = {}
    for index, schema in enumerate(doc.spec.get("schemas") or []):
        name = str(schema.get("name"))
        if name in first:
            earlier = doc.pos(("spec", "schemas", first[name], "name"))
            diags.error(f"duplicate schema name {name!r} (first at {earlier})",
                        doc.pos(("spec", "schemas", index, "name")))
        else:
            first[name] = index
        content = schema.get("content")
        if not isinstance(content, dict):
            continue  # prepare reported it
        base = content_path(index)
        size = len(content_text(content))
        if size > MAX_CONTENT:
            diags.error(f"schema {name}: its content is {size:,} characters as JSON; EventBridge takes at most "
                        f"{MAX_CONTENT:,}", doc.pos(base))
        validate = json_schema_problem if schema.get("type") == "JSONSchemaDraft4" else openapi_problem
        problem = validate(content)
        if problem is not None:
            path, message = problem
            diags.error(f"schema {name}: {message}", doc.pos((*base, *path)))


def json_schema_problem(content: Mapping[str, Any]) -> Problem | None:
    """The first reason `content` is not a JSON Schema draft 4 EventBridge takes; None when it is one."""
    declared = content.get("$schema")
    if declared is not None and (not isinstance(declared, str) or declared.rstrip("#") not in DRAFT4_URIS):
        return ("$schema",), (f"$schema {_short(declared)} is not draft 4: a JSONSchemaDraft4 schema says "
                              "http://json-schema.org/draft-04/schema# or leaves $schema out")
    problem = draft4_problem(content)
    if problem is not None:
        path, message = problem
        return path, f"not a valid JSON Schema draft 4: {message}"
    return dangling_ref(content)


def openapi_problem(content: Mapping[str, Any]) -> Problem | None:
    """The first reason `content` is not an OpenAPI 3 schema EventBridge takes; None when it is one."""
    version = content.get("openapi")
    if version is None:
        return (), 'an OpenApi3 schema needs openapi: its OpenAPI version, such as "3.0.0"'
    if not isinstance(version, str) or not OPENAPI_VERSION.match(version):
        return ("openapi",), f'openapi must be a 3.x.y version string such as "3.0.0", not {_short(version)}'
    info = content.get("info")
    if not isinstance(info, dict):
        return ("info",) if "info" in content else (), "an OpenApi3 schema needs info: {title, version}"
    for key in ("title", "version"):
        if not isinstance(info.get(key), str):
            where = ("info", key) if key in info else ("info",)
            return where, f"info.{key} must be a string" + (" (quote it)" if key in info else "")
    if not isinstance(content.get("paths"), dict):
        return ("paths",) if "paths" in content else (), "an OpenApi3 schema needs paths (EventBridge's: paths: {})"
    components = content.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if not isinstance(schemas, dict) or not schemas:
        where = ("components", "schemas") if isinstance(components, dict) and "schemas" in components else \
            ("components",) if "components" in content else ()
        return where, "an OpenApi3 schema needs components.schemas: the event's schemas, by name"
    for name, body in schemas.items():
        at = ("components", "schemas", name)
        if not isinstance(body, dict):
            return at, f"components.schemas.{name} must be a schema object"
        problem = draft4_problem(body)
        if problem is not None:
            path, message = problem
            return (*at, *path), f"components.schemas.{name} is not a valid schema object: {message}"
    return dangling_ref(content)


def draft4_problem(schema: Mapping[str, Any]) -> Problem | None:
    """The best single meta-schema error of `schema` against JSON Schema draft 4; None when it passes."""
    from jsonschema import Draft4Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft4Validator(Draft4Validator.META_SCHEMA).iter_errors(schema))
    if error is None:
        return None
    path = tuple(error.absolute_path)
    if path and path[-1] == "type" and error.validator == "anyOf":
        return path, f"{_short(error.instance)} is not a JSON Schema type ({JSON_TYPES})"
    return path, _one_line(error.message)


def dangling_ref(content: Mapping[str, Any]) -> Problem | None:
    """The first local `$ref` (`#/...`) that points at nothing in `content`; None when every one resolves."""
    for path, ref in _refs(content):
        if ref.startswith("#") and not _resolves(content, ref):
            return (*path, "$ref"), f"$ref {ref} points at nothing in the schema"
    return None


def _refs(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, Mapping):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield path, ref
        for key, child in value.items():
            if key != "$ref":
                yield from _refs(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _refs(child, (*path, index))


def _resolves(content: Any, ref: str) -> bool:
    pointer = unquote(ref[1:])
    if not pointer:
        return True
    if not pointer.startswith("/"):
        return False
    node = content
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def _short(value: Any, width: int = 60) -> str:
    import json

    shown = json.dumps(value, default=str)
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def _one_line(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= MESSAGE_WIDTH else line[: MESSAGE_WIDTH - 3] + "..."
