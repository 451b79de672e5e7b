"""What EventBridge Schemas answers about a registry, its schemas and discoverers, for the scenario tests of
the schema-registry handler.

A SchemaRegistry document `ml-events` with two schemas (a JSON Schema draft 4 and an OpenAPI 3 one), and the
answers of the registry as applied: DescribeRegistry, ListSchemas, DescribeSchema of each (content as
EventBridge may return it: keys in another order, indented), ListDiscoverers, the stack's tag query.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler import tags as tagmod
from reconciler.frozen import thaw
from reconciler.resources import Desired
from tests.handlers.answers import applied_tags
from tests.handlers.recorded import Recorded, tagged
from tests.unit.planner_support import ACCOUNT, REGION

REGISTRY = "ml-events"
ADDRESS = f"schema-registry/{REGISTRY}"
SPEC = f"SchemaRegistry/{REGISTRY}"
BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/ml"
OTHER_BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/ml-staging"
CREATED = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.timezone.utc)

MODEL_APPROVED: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "ModelApproved",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "required": ["ModelPackageGroupName", "ModelApprovalStatus"],
            "properties": {
                "ModelPackageGroupName": {"type": "string"},
                "ModelApprovalStatus": {"type": "string", "enum": ["Approved", "Rejected"]},
                "ModelPackageVersion": {"type": "integer", "minimum": 1},
            },
        },
    },
}

ENDPOINT_DEPLOYED: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"version": "1.0.0", "title": "EndpointDeployed"},
    "paths": {},
    "components": {"schemas": {
        "AWSEvent": {"type": "object", "x-amazon-events-source": "ml.platform",
                     "x-amazon-events-detail-type": "Endpoint Deployed", "required": ["detail"],
                     "properties": {"detail": {"$ref": "#/components/schemas/EndpointDeployed"}}},
        "EndpointDeployed": {"type": "object", "required": ["EndpointName"],
                             "properties": {"EndpointName": {"type": "string"},
                                            "ConfigName": {"type": "string"}}},
    }},
}


def schema_item(name: str, type_: str, content: Any, description: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"name": name, "type": type_, "content": content}
    if description:
        item["description"] = description
    return item


SCHEMAS = [schema_item("ModelApproved", "JSONSchemaDraft4", MODEL_APPROVED, "A model version was approved"),
           schema_item("EndpointDeployed", "OpenApi3", ENDPOINT_DEPLOYED)]


def registry_doc(schemas: Iterable[Mapping[str, Any]] | None = None, *, description: str | None = "ML platform events",
                 discoverer: str | None = None, name: str = REGISTRY, tags: str = "") -> str:
    """A SchemaRegistry document (its spec written as JSON, which is YAML)."""
    spec: dict[str, Any] = {}
    if description is not None:
        spec["description"] = description
    spec["schemas"] = list(SCHEMAS if schemas is None else schemas)
    if discoverer is not None:
        spec["discoverer"] = {"sourceArn": discoverer}
    return f"""
apiVersion: reconciler/v1
kind: SchemaRegistry
name: {name}
{tags}
spec: {json.dumps(spec)}
"""


def with_changed_enum(content: dict[str, Any]) -> dict[str, Any]:
    """MODEL_APPROVED with one more approval status: one content change."""
    out = copy.deepcopy(content)
    out["properties"]["detail"]["properties"]["ModelApprovalStatus"]["enum"].append("PendingManualApproval")
    return out


def registry_arn(name: str = REGISTRY) -> str:
    return f"arn:aws:schemas:{REGION}:{ACCOUNT}:registry/{name}"


def schema_arn(schema: str, registry: str = REGISTRY) -> str:
    return f"arn:aws:schemas:{REGION}:{ACCOUNT}:schema/{registry}/{schema}"


def discoverer_id(n: int = 1) -> str:
    return f"events-event-bus-ml-{n:04d}"


def reformatted(content: str) -> str:
    """Content as EventBridge may return it: keys in reverse order, indented."""
    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        return value

    return json.dumps(reverse(json.loads(content)), indent=2)


def described_schema(registry: str, item: Mapping[str, Any], version: str = "1") -> dict[str, Any]:
    """DescribeSchema of a schema of `registry` (its content reformatted)."""
    out = {"SchemaArn": schema_arn(item["name"], registry), "SchemaName": item["name"], "SchemaVersion": version,
           "Type": item["type"], "Content": reformatted(item["content"]), "LastModified": CREATED,
           "VersionCreatedDate": CREATED, "Tags": {}}
    if item.get("description"):
        out["Description"] = item["description"]
    return out


def discoverer(source: str = BUS_ARN, n: int = 1, *, spec: str = SPEC, stack: str = "demo",
               state: str = "STARTED") -> dict[str, Any]:
    """A ListDiscoverers summary of a discoverer made for `spec` (tags `{}` for one made by hand)."""
    tags = {tagmod.STACK: stack, tagmod.ADDRESS: spec} if spec else {}
    return {"DiscovererArn": f"arn:aws:schemas:{REGION}:{ACCOUNT}:discoverer/{discoverer_id(n)}",
            "DiscovererId": discoverer_id(n), "SourceArn": source, "State": state, "CrossAccount": True,
            "Tags": tags}


def record_registry(recorded: Recorded, d: Desired, *, schemas: Iterable[Mapping[str, Any]] | None = None,
                    versions: Mapping[str, str] | None = None, description: str | None = None,
                    described: bool = True) -> None:
    """DescribeRegistry, ListSchemas and DescribeSchema of `d` as applied (or with `schemas` / `description`
    instead of the desired ones; `versions` are the live SchemaVersion of each, default "1")."""
    name = d.address.name
    items = list(thaw(d.extra["schemas"]) if schemas is None else schemas)
    text = description if description is not None else thaw(d.request).get("Description")
    registry = {"RegistryArn": registry_arn(name), "RegistryName": name, "Tags": {}}
    if text:
        registry["Description"] = text
    if described:
        recorded.add("schemas", "DescribeRegistry", {"RegistryName": name}, registry)
    recorded.add("schemas", "ListSchemas", {"RegistryName": name}, {"Schemas": [
        {"SchemaArn": schema_arn(s["name"], name), "SchemaName": s["name"], "LastModified": CREATED,
         "VersionCount": int((versions or {}).get(s["name"], "1")), "Tags": {}} for s in items]})
    for s in items:
        recorded.add("schemas", "DescribeSchema", {"RegistryName": name, "SchemaName": s["name"]},
                     described_schema(name, s, (versions or {}).get(s["name"], "1")))


def record_discoverers(recorded: Recorded, discoverers: Iterable[Mapping[str, Any]] = ()) -> None:
    recorded.add("schemas", "ListDiscoverers", {}, {"Discoverers": list(discoverers)})


def record_applied_schemas(recorded: Recorded, desired: Iterable[Desired], *, discoverers: Iterable[Mapping[str, Any]]
                           | None = None, extra_tags: Mapping[str, str] | None = None, **kwargs: Any) -> None:
    """Registries of `desired` as applied: the stack's tag query, their describes and the discoverers (by default
    the one each desired discoverer asks for, ours)."""
    ds = [d for d in desired if d.address.type == "schema-registry"]
    tagged(recorded, [(registry_arn(d.address.name), {**applied_tags(d), **(extra_tags or {})}) for d in ds])
    for d in ds:
        record_registry(recorded, d, **kwargs)
    if discoverers is None:
        discoverers = [discoverer(thaw(d.extra["discoverer"])["sourceArn"], spec=d.spec) for d in ds
                       if d.extra.get("discoverer")]
    record_discoverers(recorded, discoverers)


def absent_schemas(recorded: Recorded, *desired: Desired) -> None:
    """EventBridge has no registry of these names."""
    for d in desired:
        recorded.error("schemas", "DescribeRegistry", {"RegistryName": d.address.name}, "NotFoundException",
                       f"Registry {d.address.name} does not exist.")
