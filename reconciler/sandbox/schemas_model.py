"""Amazon EventBridge Schemas in the sandbox: the records, the checks and every operation (moto has no ``schemas``).

A ``SchemasStore`` per account and region hangs off moto's EventBridge backend (``store_of``), so
moto's reset forgets it. It holds:

- registries: the two AWS-owned ones every account has (``aws.events`` and ``discovered-schemas``,
  read-only: updating, deleting, tagging them, creating schemas or a policy in them is a
  ForbiddenException; ListRegistries ``Scope`` ``AWS`` lists them, ``LOCAL`` the others), and the
  account's own, each with its description, tags (a map, as the API has them) and resource policy;
- schemas, each with its versions: CreateSchema makes version ``"1"``; UpdateSchema makes the next
  version when the ``Content`` or the ``Type`` differs from the latest version's (a new
  ``Description`` alone changes the schema, not its versions); an UpdateSchema that changes nothing
  answers HTTP 304 (the "304 response" AWS's REST API reference documents for UpdateSchema), unless
  it repeats an earlier call's ``ClientTokenId`` on that schema (botocore fills one in), which answers
  as that call did. Version numbers are never reused after DeleteSchemaVersion;
- discoverers: ``DiscovererId`` ``events-event-bus-<bus name>`` (one per bus; AWS's own id form),
  ``STARTED`` when created, ``CrossAccount`` true unless given.

Checks follow botocore's model (``schemas_api`` checks required members, lengths and enums for every
operation) and AWS's documented rules: a schema's ``Content`` is 1 to 100,000 characters of JSON (a
JSON object; an ``OpenApi3`` one names an ``openapi`` version 3.x), registry names are 1 to 64 of
``[.-_A-Za-z0-9]``, schema names 1 to 385 of ``[.-_@A-Za-z0-9]``, a discoverer's ``SourceArn`` is an
existing event bus. Errors are botocore's: NotFoundException (404), ConflictException (409: a taken
registry or schema name, a second discoverer for a bus), BadRequestException (400), ForbiddenException
(403), PreconditionFailedException (412: PutResourcePolicy with a stale ``RevisionId``).

Choices where AWS's behaviour is unconfirmed (the messages' wording too): deleting a registry deletes
its schemas and its policy; deleting a schema's only version is a BadRequestException (delete the
schema instead); lists page 100 items at a time unless ``Limit`` says otherwise; discoverers discover
nothing (``discovered-schemas`` stays empty) and ``aws.events`` holds no schemas.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from moto.events.models import events_backends

STORE_ATTRIBUTE = "sandbox_schemas"
AWS_REGISTRIES = ("aws.events", "discovered-schemas")
SCHEMA_TYPES = ("OpenApi3", "JSONSchemaDraft4")
MAX_CONTENT_CHARS = 100_000
DEFAULT_LIMIT = 100
REGISTRY_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
SCHEMA_NAME = re.compile(r"^[.\-_@A-Za-z0-9]{1,385}$")
BUS_ARN = re.compile(r"^arn:(aws[a-z-]*):events:([a-z0-9-]+):(\d{12}):event-bus/(.+)$")
DISCOVERER_PREFIX = "events-event-bus-"
SCOPES = {"AWS": True, "LOCAL": False}
"""ListRegistries ``Scope`` (any case) -> whether it lists the AWS-owned registries."""
NOT_MODIFIED = 304
T = TypeVar("T")


class SchemasError(Exception):
    """An error the Schemas API answers with: botocore's error code (its shape gives the HTTP status)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bad_request(message: str) -> SchemasError:
    return SchemasError("BadRequestException", message)


def not_found(message: str) -> SchemasError:
    return SchemasError("NotFoundException", message)


def conflict(message: str) -> SchemasError:
    return SchemasError("ConflictException", message)


def forbidden(message: str) -> SchemasError:
    return SchemasError("ForbiddenException", message)


class NotModified(Exception):
    """UpdateSchema changed nothing: AWS answers HTTP 304 without a body."""


# --- records ------------------------------------------------------------------------------------------


@dataclass
class SchemaVersion:
    number: int
    content: str
    type: str
    created: datetime


@dataclass
class Schema:
    """A schema of a registry and its versions (by number)."""

    registry: str
    name: str
    arn: str
    description: str | None
    created: datetime
    last_modified: datetime
    versions: dict[int, SchemaVersion] = field(default_factory=dict)
    next_version: int = 1
    tags: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    """UpdateSchema's ClientTokenId -> its answer (a retried call answers again)."""

    def latest(self) -> SchemaVersion:
        return self.versions[max(self.versions)]

    def add_version(self, content: str, kind: str, at: datetime) -> SchemaVersion:
        version = SchemaVersion(self.next_version, content, kind, at)
        self.versions[version.number] = version
        self.next_version += 1
        self.last_modified = at
        return version

    def output(self, version: SchemaVersion | None = None) -> dict[str, Any]:
        """CreateSchema/UpdateSchema's answer (DescribeSchema's without ``Content``) for ``version`` (the latest)."""
        shown = version or self.latest()
        return _present({
            "Description": self.description,
            "LastModified": self.last_modified,
            "SchemaArn": self.arn,
            "SchemaName": self.name,
            "SchemaVersion": str(shown.number),
            "Tags": dict(self.tags),
            "Type": shown.type,
            "VersionCreatedDate": shown.created,
        })

    def summary(self) -> dict[str, Any]:
        return {"LastModified": self.last_modified, "SchemaArn": self.arn, "SchemaName": self.name,
                "Tags": dict(self.tags), "VersionCount": len(self.versions)}


@dataclass
class Registry:
    """A schema registry: its schemas (by name), tags and resource policy."""

    name: str
    arn: str
    description: str | None = None
    aws_owned: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    schemas: dict[str, Schema] = field(default_factory=dict)
    policy: Any = None
    revision: str | None = None

    def output(self) -> dict[str, Any]:
        return _present({"Description": self.description, "RegistryArn": self.arn, "RegistryName": self.name,
                         "Tags": dict(self.tags)})


@dataclass
class Discoverer:
    """A schema discoverer of one event bus."""

    id: str
    arn: str
    source_arn: str
    description: str | None
    cross_account: bool
    state: str = "STARTED"
    tags: dict[str, str] = field(default_factory=dict)

    def output(self) -> dict[str, Any]:
        return _present({"Description": self.description, "DiscovererArn": self.arn, "DiscovererId": self.id,
                         "SourceArn": self.source_arn, "State": self.state, "CrossAccount": self.cross_account,
                         "Tags": dict(self.tags)})

    def summary(self) -> dict[str, Any]:
        return {key: value for key, value in self.output().items() if key != "Description"}


@dataclass
class SchemasStore:
    """Everything EventBridge Schemas holds for one account and region."""

    account: str
    region: str
    partition: str
    registries: dict[str, Registry] = field(default_factory=dict)
    discoverers: dict[str, Discoverer] = field(default_factory=dict)

    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:schemas:{self.region}:{self.account}:{resource}"


def store_of(account: str, region: str) -> SchemasStore:
    """The Schemas store of ``account`` and ``region`` (made, with the AWS-owned registries, on first use)."""
    backend = events_backends[account][region]
    store = getattr(backend, STORE_ATTRIBUTE, None)
    if store is None:
        partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
        store = SchemasStore(account=account, region=region, partition=partition)
        for name in AWS_REGISTRIES:
            store.registries[name] = Registry(name=name, arn=store.arn(f"registry/{name}"), aws_owned=True)
        setattr(backend, STORE_ATTRIBUTE, store)
    return store


def find_store(account: str, region: str) -> SchemasStore | None:
    """The store of ``account`` and ``region`` if one was made (the tagging API's view), else None."""
    store = getattr(events_backends[account][region], STORE_ATTRIBUTE, None)
    return store if isinstance(store, SchemasStore) else None


def tagged(store: SchemasStore) -> list[tuple[str, str, dict[str, str]]]:
    """``(resource type, ARN, tags)`` of every tagged registry, schema and discoverer (the tagging API's view)."""
    found: list[tuple[str, str, dict[str, str]]] = []
    for registry in store.registries.values():
        if registry.tags:
            found.append(("schemas:registry", registry.arn, dict(registry.tags)))
        for schema in registry.schemas.values():
            if schema.tags:
                found.append(("schemas:schema", schema.arn, dict(schema.tags)))
    for discoverer in store.discoverers.values():
        if discoverer.tags:
            found.append(("schemas:discoverer", discoverer.arn, dict(discoverer.tags)))
    return found


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


# --- lookups and checks ----------------------------------------------------------------------------------


def _registry(store: SchemasStore, name: str) -> Registry:
    registry = store.registries.get(name)
    if registry is None:
        raise not_found(f"Registry with name {name} does not exist.")
    return registry


def _writable(store: SchemasStore, name: str) -> Registry:
    registry = _registry(store, name)
    if registry.aws_owned:
        raise forbidden(f"Registry {name} is owned by AWS and cannot be modified.")
    return registry


def _schema(store: SchemasStore, registry_name: str, name: str) -> Schema:
    schema = _registry(store, registry_name).schemas.get(name)
    if schema is None:
        raise not_found(f"Schema with name {name} does not exist in registry {registry_name}.")
    return schema


def _version(schema: Schema, value: Any) -> SchemaVersion:
    text = str(value)
    version = schema.versions.get(int(text)) if text.isdigit() else None
    if version is None:
        raise not_found(f"Schema version {text} of schema {schema.name} does not exist.")
    return version


def check_content(content: Any, kind: Any) -> tuple[str, str]:
    """``(content, type)`` when the pair is a schema AWS accepts; BadRequestException otherwise."""
    if kind not in SCHEMA_TYPES:
        raise bad_request(f"Type must be one of {', '.join(SCHEMA_TYPES)}, not {kind!r}.")
    if not isinstance(content, str) or not 1 <= len(content) <= MAX_CONTENT_CHARS:
        size = len(content) if isinstance(content, str) else 0
        raise bad_request(f"Content must be between 1 and {MAX_CONTENT_CHARS} characters long (it has {size}).")
    try:
        document = json.loads(content)
    except ValueError as error:
        raise bad_request(f"Invalid schema content: it is not valid JSON ({error}).") from None
    if not isinstance(document, dict):
        raise bad_request("Invalid schema content: a schema is a JSON object.")
    if kind == "OpenApi3":
        version = document.get("openapi")
        if not isinstance(version, str) or not version.startswith("3."):
            raise bad_request("Invalid schema content: an OpenApi3 schema needs an \"openapi\" member of version 3.x.")
    return content, str(kind)


def _check_name(value: Any, pattern: re.Pattern[str], what: str) -> str:
    name = str(value or "")
    if not pattern.match(name):
        raise bad_request(f"Invalid {what} name '{name}': it must match {pattern.pattern}.")
    return name


def _tags(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise bad_request("Tags must be a map of keys to values.")
    return {str(key): str(item) for key, item in value.items()}


def page(items: list[T], request: Mapping[str, Any]) -> tuple[list[T], str | None]:
    """One page after ``NextToken`` (an offset), ``Limit`` items long (default ``DEFAULT_LIMIT``)."""
    token = request.get("NextToken")
    try:
        offset = int(token) if token else 0
    except ValueError:
        raise bad_request(f"Invalid NextToken '{token}'.") from None
    limit = request.get("Limit")
    size = DEFAULT_LIMIT if limit is None else int(limit)
    if size < 1:
        raise bad_request(f"Limit must be at least 1, not {size}.")
    end = offset + size
    return items[offset:end], (str(end) if end < len(items) else None)


def _paged(key: str, items: list[T], request: Mapping[str, Any], render: Callable[[T], Any]) -> dict[str, Any]:
    shown, token = page(items, request)
    response: dict[str, Any] = {key: [render(item) for item in shown]}
    if token:
        response["NextToken"] = token
    return response


# --- registries ------------------------------------------------------------------------------------------


def create_registry(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    name = _check_name(request.get("RegistryName"), REGISTRY_NAME, "registry")
    if name in store.registries:
        raise conflict(f"Registry with name {name} already exists.")
    registry = Registry(name=name, arn=store.arn(f"registry/{name}"), description=request.get("Description"),
                        tags=_tags(request.get("Tags")))
    store.registries[name] = registry
    return registry.output()


def describe_registry(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    return _registry(store, str(request.get("RegistryName"))).output()


def update_registry(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _writable(store, str(request.get("RegistryName")))
    if "Description" in request:
        registry.description = request.get("Description")
    return registry.output()


def delete_registry(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _writable(store, str(request.get("RegistryName")))
    del store.registries[registry.name]
    return {}


def list_registries(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    prefix = str(request.get("RegistryNamePrefix") or "")
    scope = request.get("Scope")
    aws_owned: bool | None = None
    if scope is not None:
        if str(scope).upper() not in SCOPES:
            raise bad_request(f"Scope must be LOCAL or AWS, not {scope!r}.")
        aws_owned = SCOPES[str(scope).upper()]
    found = sorted(
        (r for r in store.registries.values()
         if r.name.startswith(prefix) and (aws_owned is None or r.aws_owned is aws_owned)),
        key=lambda r: r.name,
    )
    return _paged("Registries", found, request,
                  lambda r: {"RegistryArn": r.arn, "RegistryName": r.name, "Tags": dict(r.tags)})


# --- schemas and versions --------------------------------------------------------------------------------


def create_schema(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    registry = _writable(store, str(request.get("RegistryName")))
    name = _check_name(request.get("SchemaName"), SCHEMA_NAME, "schema")
    content, kind = check_content(request.get("Content"), request.get("Type"))
    if name in registry.schemas:
        raise conflict(f"Schema with name {name} already exists in registry {registry.name}.")
    schema = Schema(registry=registry.name, name=name, arn=store.arn(f"schema/{registry.name}/{name}"),
                    description=request.get("Description"), created=now, last_modified=now,
                    tags=_tags(request.get("Tags")))
    schema.add_version(content, kind, now)
    registry.schemas[name] = schema
    return schema.output()


def update_schema(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A new version when Content or Type changes; NotModified when nothing does (HTTP 304)."""
    token = request.get("ClientTokenId")
    _writable(store, str(request.get("RegistryName")))
    schema = _schema(store, str(request.get("RegistryName")), str(request.get("SchemaName")))
    if token and token in schema.tokens:
        return dict(schema.tokens[token])
    latest = schema.latest()
    content, kind = check_content(
        request.get("Content", latest.content), request.get("Type", latest.type)
    )
    changed = False
    if (content, kind) != (latest.content, latest.type):
        schema.add_version(content, kind, now)
        changed = True
    if "Description" in request and request.get("Description") != schema.description:
        schema.description = request.get("Description")
        schema.last_modified = now
        changed = True
    if not changed:
        raise NotModified()
    answer = schema.output()
    if token:
        schema.tokens[token] = answer
    return answer


def describe_schema(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    schema = _schema(store, str(request.get("RegistryName")), str(request.get("SchemaName")))
    version = _version(schema, request["SchemaVersion"]) if request.get("SchemaVersion") else schema.latest()
    return {**schema.output(version), "Content": version.content}


def list_schemas(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _registry(store, str(request.get("RegistryName")))
    prefix = str(request.get("SchemaNamePrefix") or "")
    found = sorted((s for s in registry.schemas.values() if s.name.startswith(prefix)), key=lambda s: s.name)
    return _paged("Schemas", found, request, Schema.summary)


def list_schema_versions(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    schema = _schema(store, str(request.get("RegistryName")), str(request.get("SchemaName")))
    versions = [schema.versions[n] for n in sorted(schema.versions)]
    return _paged("SchemaVersions", versions, request, lambda v: {
        "SchemaArn": schema.arn, "SchemaName": schema.name, "SchemaVersion": str(v.number), "Type": v.type})


def delete_schema(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _writable(store, str(request.get("RegistryName")))
    schema = _schema(store, registry.name, str(request.get("SchemaName")))
    del registry.schemas[schema.name]
    return {}


def delete_schema_version(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _writable(store, str(request.get("RegistryName")))
    schema = _schema(store, registry.name, str(request.get("SchemaName")))
    version = _version(schema, request.get("SchemaVersion"))
    if len(schema.versions) == 1:
        raise bad_request(
            f"Version {version.number} is the only version of schema {schema.name}; delete the schema instead."
        )
    del schema.versions[version.number]
    return {}


# --- discoverers -----------------------------------------------------------------------------------------


def _discoverer(store: SchemasStore, discoverer_id: str) -> Discoverer:
    discoverer = store.discoverers.get(discoverer_id)
    if discoverer is None:
        raise not_found(f"Discoverer with id {discoverer_id} does not exist.")
    return discoverer


def create_discoverer(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    source = str(request.get("SourceArn") or "")
    match = BUS_ARN.match(source)
    if match is None:
        raise bad_request(f"SourceArn {source} is not the ARN of an event bus.")
    _, region, account, bus = match.groups()
    if bus not in events_backends[account][region].event_buses:
        raise bad_request(f"Event bus {source} does not exist.")
    discoverer_id = f"{DISCOVERER_PREFIX}{bus}"
    if discoverer_id in store.discoverers:
        raise conflict(f"Discoverer for event bus {source} already exists: {discoverer_id}.")
    cross = request.get("CrossAccount")
    discoverer = Discoverer(
        id=discoverer_id, arn=store.arn(f"discoverer/{discoverer_id}"), source_arn=source,
        description=request.get("Description"), cross_account=True if cross is None else bool(cross),
        tags=_tags(request.get("Tags")),
    )
    store.discoverers[discoverer_id] = discoverer
    return discoverer.output()


def describe_discoverer(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    return _discoverer(store, str(request.get("DiscovererId"))).output()


def update_discoverer(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    discoverer = _discoverer(store, str(request.get("DiscovererId")))
    if "Description" in request:
        discoverer.description = request.get("Description")
    if request.get("CrossAccount") is not None:
        discoverer.cross_account = bool(request["CrossAccount"])
    return discoverer.output()


def delete_discoverer(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    discoverer = _discoverer(store, str(request.get("DiscovererId")))
    del store.discoverers[discoverer.id]
    return {}


def list_discoverers(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    id_prefix = str(request.get("DiscovererIdPrefix") or "")
    source_prefix = str(request.get("SourceArnPrefix") or "")
    found = sorted(
        (d for d in store.discoverers.values()
         if d.id.startswith(id_prefix) and d.source_arn.startswith(source_prefix)),
        key=lambda d: d.id,
    )
    return _paged("Discoverers", found, request, Discoverer.summary)


def _set_state(state: str) -> Callable[[SchemasStore, Mapping[str, Any], datetime], dict[str, Any]]:
    def operation(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        del now
        discoverer = _discoverer(store, str(request.get("DiscovererId")))
        discoverer.state = state
        return {"DiscovererId": discoverer.id, "State": discoverer.state}

    return operation


start_discoverer = _set_state("STARTED")
stop_discoverer = _set_state("STOPPED")


# --- tags ------------------------------------------------------------------------------------------------


def _tagged_resource(arn: str) -> Registry | Schema | Discoverer:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "schemas":
        raise not_found(f"Resource {arn} does not exist.")
    region, account, resource = parts[3], parts[4], parts[5]
    store = store_of(account, region)
    kind, _, rest = resource.partition("/")
    found: Registry | Schema | Discoverer | None = None
    if kind == "registry":
        found = store.registries.get(rest)
    elif kind == "schema":
        registry_name, _, schema_name = rest.partition("/")
        registry = store.registries.get(registry_name)
        found = registry.schemas.get(schema_name) if registry is not None else None
    elif kind == "discoverer":
        found = store.discoverers.get(rest)
    if found is None or found.arn != arn:
        raise not_found(f"Resource {arn} does not exist.")
    if isinstance(found, Registry) and found.aws_owned:
        raise forbidden(f"Registry {found.name} is owned by AWS and cannot be tagged.")
    return found


def list_tags_for_resource(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del store, now
    return {"Tags": dict(_tagged_resource(str(request.get("ResourceArn"))).tags)}


def tag_resource(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del store, now
    resource = _tagged_resource(str(request.get("ResourceArn")))
    resource.tags.update(_tags(request.get("Tags")))
    return {}


def untag_resource(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del store, now
    resource = _tagged_resource(str(request.get("ResourceArn")))
    for key in request.get("TagKeys") or []:
        resource.tags.pop(str(key), None)
    return {}


# --- registry policies -----------------------------------------------------------------------------------


def _policy_registry(store: SchemasStore, request: Mapping[str, Any]) -> Registry:
    name = request.get("RegistryName")
    if not name:
        raise bad_request("RegistryName is required: the sandbox keeps resource policies per registry.")
    return _registry(store, str(name))


def put_resource_policy(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _policy_registry(store, request)
    if registry.aws_owned:
        raise forbidden(f"Registry {registry.name} is owned by AWS and cannot be modified.")
    revision = request.get("RevisionId")
    if revision and revision != registry.revision:
        raise SchemasError("PreconditionFailedException",
                           f"RevisionId {revision} does not match the policy's current revision.")
    policy = request.get("Policy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            raise bad_request("Policy is not valid JSON.") from None
    if not isinstance(policy, dict):
        raise bad_request("Policy must be a JSON object (a policy document).")
    registry.policy = policy
    registry.revision = str(uuid.uuid4())
    return {"Policy": registry.policy, "RevisionId": registry.revision}


def get_resource_policy(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _policy_registry(store, request)
    if registry.policy is None:
        raise not_found(f"Registry {registry.name} has no resource policy.")
    return {"Policy": registry.policy, "RevisionId": registry.revision}


def delete_resource_policy(store: SchemasStore, request: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    del now
    registry = _policy_registry(store, request)
    if registry.policy is None:
        raise not_found(f"Registry {registry.name} has no resource policy.")
    registry.policy = registry.revision = None
    return {}


Operation = Callable[[SchemasStore, Mapping[str, Any], datetime], dict[str, Any]]

OPERATIONS: dict[str, Operation] = {
    "CreateRegistry": create_registry,
    "DescribeRegistry": describe_registry,
    "UpdateRegistry": update_registry,
    "DeleteRegistry": delete_registry,
    "ListRegistries": list_registries,
    "CreateSchema": create_schema,
    "UpdateSchema": update_schema,
    "DescribeSchema": describe_schema,
    "ListSchemas": list_schemas,
    "ListSchemaVersions": list_schema_versions,
    "DeleteSchema": delete_schema,
    "DeleteSchemaVersion": delete_schema_version,
    "CreateDiscoverer": create_discoverer,
    "DescribeDiscoverer": describe_discoverer,
    "UpdateDiscoverer": update_discoverer,
    "DeleteDiscoverer": delete_discoverer,
    "ListDiscoverers": list_discoverers,
    "StartDiscoverer": start_discoverer,
    "StopDiscoverer": stop_discoverer,
    "ListTagsForResource": list_tags_for_resource,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "PutResourcePolicy": put_resource_policy,
    "GetResourcePolicy": get_resource_policy,
    "DeleteResourcePolicy": delete_resource_policy,
}
"""Every operation the sandbox serves, by botocore's name (the others answer BadRequestException)."""
