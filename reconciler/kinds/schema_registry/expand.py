"""Expansion of a SchemaRegistry document: `schema-registry/<name>` with its schemas (content as the
canonical JSON sent) and discoverer, references resolved (inline or from a contentFile alike)."""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.handlers.schema_registry import SchemaRegistryHandler, content_text, registry_view, schema_view
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import substitute

HANDLER = SchemaRegistryHandler()


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    schemas = spec.pop("schemas", None) or []
    discoverer = spec.pop("discoverer", None)
    if not spec.get("description"):
        spec.pop("description", None)
    request = {"RegistryName": doc.aws_name, **to_api(spec, operation_input("schemas", "CreateRegistry"))}
    wanted: list[dict[str, Any]] = []
    positions: dict[str, str] = {}
    for index, schema in enumerate(schemas):
        item = {"name": schema["name"], "type": schema["type"], "content": content_text(schema["content"])}
        if schema.get("description"):
            item["description"] = schema["description"]
        wanted.append(item)
        positions[schema["name"]] = str(doc.pos(("spec", "schemas", index, "name")))
    views = {s["name"]: schema_view(s["type"], s["content"], s.get("description")) for s in wanted}
    source = {"sourceArn": discoverer["sourceArn"]} if discoverer else None
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.aws_name, HANDLER.arn(ctx.region, ctx.account, doc.aws_name))
    comparable = registry_view(request.get("Description"), views, [source["sourceArn"]] if source else [], tags)
    return [desired(doc, Address(HANDLER.type, doc.aws_name), request, comparable, tags,
                    extra={"schemas": wanted, "discoverer": source, "positions": positions})]
