"""Handler for EventBridge schema registries (`schema-registry/<name>`), the AWS resource behind a
SchemaRegistry document: named after the document, changed in place, never replaced.

The registry owns its schemas and its discoverer, so they are read, compared and planned with it:

- schemas are compared by name: type, description and content (canonical JSON: key order and
  layout do not matter, so content EventBridge returns reformatted plans clean). A content or
  type change is one UpdateSchema, which makes the schema's next version (the plan says which,
  from the live `SchemaVersion`), with a client token derived from that version and the content so
  a retried apply does not make two; a description change alone is an UpdateSchema without
  content. A schema removed from the spec is deleted (DeleteSchema, every version). Unchanged
  schemas are never written.
- the discoverer (schema discovery on an event bus) has an id EventBridge generates: ours is found
  among ListDiscoverers by our ownership tags (`reconciler:stack`, `reconciler:address`) and its
  SourceArn; another source ARN is DeleteDiscoverer then CreateDiscoverer.
- the registry's description is UpdateRegistry; tags go through the schemas TagResource /
  UntagResource in map form. The applied hash is recorded on the registry after the last step.

AWS-owned registries (`aws.events`, `discovered-schemas`) are never touched: planning or deleting
one is a plan error. Deleting a registry deletes its discoverer and schemas first, then the
registry (whether DeleteRegistry alone would delete the schemas is not documented). Missing
registries: `find` returns None (EventBridge answers NotFoundException).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call, paginate
from reconciler.aws.errors import error_message, is_conflict, is_not_found
from reconciler.changes import Action, Step
from reconciler.diff.delta import field_diffs, leaf_diffs
from reconciler.diff.policy import FieldPolicy
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, ExecContext, Handler, PlanContext, Planned, TagApi
from reconciler.handlers.sagemaker_common import read
from reconciler.resources import Desired, Live

SERVICE = "schemas"
OWNED_REGISTRIES = frozenset({"aws.events", "discovered-schemas"})  # AWS's own: never read, changed or deleted
SCHEMA_TYPES = ("OpenApi3", "JSONSchemaDraft4")
MAX_CONTENT = 100_000  # CreateSchema/UpdateSchema Content: 1 to 100,000 characters
MAX_DESCRIPTION = 256
EVENT_BUS_TYPE = "event-bus"  # the address type of an event bus (what a discoverer reads)
DETAIL_PATHS = 5  # changed paths shown under a schema's content change
SCHEMAS_TAGS = TagApi(SERVICE, "TagResource", "UntagResource", "ResourceArn", keys_param="TagKeys",
                      tags_param="Tags", as_map=True)


def is_owned_by_aws(name: str) -> bool:
    """Whether `name` is one of the registries EventBridge provides itself."""
    return name.lower() in OWNED_REGISTRIES


def content_text(content: Any) -> str:
    """A schema's content as sent: compact JSON with sorted keys (what its size is measured on)."""
    return json.dumps(thaw(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_content(content: Any) -> Any:
    """Content given as JSON text or as a value, as a value with sorted keys (compared, never sent); content
    that is not JSON is kept as an `unreadable` marker, so it differs from any spec."""
    if isinstance(content, (str, bytes)):
        try:
            content = json.loads(content)
        except ValueError:
            return {"unreadable": str(content)[:200]}
    return json.loads(content_text(content))


def schema_view(type_: Any, content: Any, description: Any) -> dict[str, Any]:
    """The comparable form of one schema: its type, canonical content and description (absent when empty)."""
    view: dict[str, Any] = {"type": type_, "content": canonical_content(content)}
    if description:
        view["description"] = description
    return view


def registry_view(description: Any, schemas: Mapping[str, Any], discoverers: Iterable[str],
                  tags: Mapping[str, str]) -> dict[str, Any]:
    """The comparable form of a registry: description (absent when empty), schemas by name, the discoverer's
    source ARN (a list when several discoverers are ours, which never equals a spec), user tags."""
    view: dict[str, Any] = {}
    if description:
        view["description"] = description
    view["schemas"] = {name: thaw(schemas[name]) for name in sorted(schemas)}
    sources = sorted(discoverers)
    if len(sources) == 1:
        view["discoverer"] = {"sourceArn": sources[0]}
    elif sources:
        view["discoverer"] = [{"sourceArn": s} for s in sources]
    return {**view, "tags": dict(tags)}


def next_version(version: Any) -> str:
    """The version UpdateSchema makes after `version` ("3" -> "4"); "the next" when it is not a number."""
    try:
        return str(int(str(version)) + 1)
    except ValueError:
        return "the next"


def client_token(registry: str, schema: str, version: Any, content: str) -> str:
    """UpdateSchema's idempotency token: the same for the same content over the same live version, so an
    apply retried after a lost response does not make a second version."""
    digest = hashlib.sha256(f"{registry}/{schema}@{version}:{content}".encode()).hexdigest()
    return str(uuid.UUID(hex=digest[:32]))


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value)


def _bus_address(arn: str) -> Address | None:
    """The event bus an `arn:aws:events:...:event-bus/<name>` ARN names; None for anything else."""
    _, sep, name = arn.partition(":event-bus/")
    return Address(EVENT_BUS_TYPE, name) if sep and ":events:" in arn and name else None


class SchemaRegistryHandler(Handler):
    type = "schema-registry"
    service = SERVICE
    arn_type = "registry"
    tagging_type = "schemas:registry"  # in the tag-policy resource types; GetResources support unconfirmed
    immutable = False
    describe_on_plan = True
    noun = "schema registry"
    after = (EVENT_BUS_TYPE,)  # the bus a discoverer reads exists first (and is deleted after)
    operations = frozenset({"CreateRegistry", "UpdateRegistry", "DeleteRegistry", "CreateSchema", "UpdateSchema",
                            "DeleteSchema", "CreateDiscoverer", "DeleteDiscoverer", "TagResource", "UntagResource"})
    tag_api = SCHEMAS_TAGS
    policy = FieldPolicy(members=frozenset({"Description"}))

    # --- reading -----------------------------------------------------------------------
    def find(self, clients: Any, name: str) -> Live | None:
        """The registry with its tags, schemas and discoverers; None when it does not exist (or is AWS's own)."""
        if is_owned_by_aws(name):
            return None
        client = clients.get(SERVICE)
        data = read(client, "DescribeRegistry", {"RegistryName": name})
        if data is None:
            return None
        try:
            tags = dict(call(client, "ListTagsForResource", {"ResourceArn": data["RegistryArn"]}).get("Tags") or {})
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise
        return self._contents(clients, Live(Address(self.type, name), data["RegistryArn"], tags, data))

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeRegistry output plus its `Schemas` (DescribeSchema of each, by name) and every
        `Discoverers` summary; `data` None when the registry is gone."""
        live.data = read(clients.get(SERVICE), "DescribeRegistry", {"RegistryName": live.address.name})
        return self._contents(clients, live) if live.data is not None else live

    def _contents(self, clients: Any, live: Live) -> Live:
        """`live` (described) with its `Schemas` and the account's `Discoverers`; a schema gone meanwhile is left
        out."""
        client = clients.get(SERVICE)
        name = live.address.name
        assert live.data is not None
        schemas: dict[str, Any] = {}
        for summary in paginate(client, "ListSchemas", "Schemas", RegistryName=name):
            described = read(client, "DescribeSchema", {"RegistryName": name, "SchemaName": summary["SchemaName"]})
            if described is not None:
                schemas[summary["SchemaName"]] = described
        live.data["Schemas"] = schemas
        live.data["Discoverers"] = paginate(client, "ListDiscoverers", "Discoverers")
        return live

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Description, schemas by name, our discoverer's source ARN and user tags; None when missing."""
        if live.data is None:
            return None
        schemas = {name: schema_view(s.get("Type"), s.get("Content"), s.get("Description"))
                   for name, s in (live.data.get("Schemas") or {}).items()}
        return registry_view(live.data.get("Description"), schemas,
                             [str(d.get("SourceArn")) for d in self.discoverers(live)], tagmod.user_tags(live.tags))

    def discoverers(self, live: Live) -> list[dict[str, Any]]:
        """The discoverers this registry's document made (our ownership tags); [] when missing or none."""
        stack, spec = live.tags.get(tagmod.STACK), live.tags.get(tagmod.ADDRESS)
        if live.data is None or not stack or not spec:
            return []
        return sorted((d for d in live.data.get("Discoverers") or []
                       if (d.get("Tags") or {}).get(tagmod.STACK) == stack
                       and (d.get("Tags") or {}).get(tagmod.ADDRESS) == spec),
                      key=lambda d: (str(d.get("SourceArn")), str(d.get("DiscovererId"))))

    def uses(self, view: Any, desired: Desired | None, live: Live | None) -> set[Address]:
        """The event bus its discoverer reads (from the desired discoverer, else from live); empty without one or
        when both are missing."""
        if desired is not None:
            source = (thaw(desired.extra.get("discoverer")) or {}).get("sourceArn")
            sources = [source] if source else []
        else:
            sources = [str(d.get("SourceArn")) for d in self.discoverers(live)] if live is not None else []
        return {a for a in (_bus_address(s) for s in sources) if a is not None}

    # --- planning ----------------------------------------------------------------------
    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create the registry with its schemas and discoverer when live is missing (None), else the steps of what
        differs (description, schema by schema, the discoverer, tags); the hash is recorded after the last."""
        name = desired.address.name
        if is_owned_by_aws(name):
            ctx.error(desired, f"{name} is a registry EventBridge owns; reconciler never changes it")
            return Planned("", [])
        wanted = {s["name"]: s for s in thaw(desired.extra.get("schemas")) or []}
        discoverer = thaw(desired.extra.get("discoverer"))
        if live is None:
            return self._create(ctx, desired, wanted, discoverer)
        before, after = assessment.before or {}, assessment.after or {}
        address = str(desired.address)
        steps: list[Step] = []
        details: list[str] = []
        reasons: list[str] = []
        if before.get("description") != after.get("description"):
            steps.append(Step("UpdateRegistry", address, {"RegistryName": name,
                                                          "Description": after.get("description", "")},
                              "update the registry's description"))
            details.append(f"~ description {_show(before.get('description'))} -> {_show(after.get('description'))}")
            reasons.append("description changes")
        schema_steps, schema_details, schema_reasons = self._schema_steps(
            address, name, before.get("schemas") or {}, after.get("schemas") or {}, wanted,
            (live.data or {}).get("Schemas") or {})
        steps += schema_steps
        details += schema_details
        reasons += schema_reasons
        discoverer_steps, discoverer_details = self._discoverer_steps(ctx, desired, live, discoverer)
        steps += discoverer_steps
        details += discoverer_details
        if discoverer_steps:
            reasons.append("discoverer " + ("added" if not self.discoverers(live) else
                                            "removed" if not discoverer else "changes"))
        if steps:
            steps[-1] = dataclasses.replace(steps[-1], tags={tagmod.HASH: desired.state_hash},
                                            tag_arn=self.arn(ctx.region, ctx.account, name))
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=bool(steps)))
        return Planned("; ".join(reasons) or self.tags_reason(assessment), steps, details=details)

    def _create(self, ctx: PlanContext, desired: Desired, wanted: Mapping[str, Any],
                discoverer: Mapping[str, Any] | None) -> Planned:
        """The steps for a registry that is missing: CreateRegistry, each CreateSchema, CreateDiscoverer."""
        address, name = str(desired.address), desired.address.name
        tags = desired.tags(ctx.stack)
        later = bool(wanted or discoverer)  # then the hash is recorded after the last step, not at creation
        first = {k: v for k, v in tags.items() if not (later and k == tagmod.HASH)}
        steps = [Step("CreateRegistry", address, {**thaw(desired.request), "Tags": SCHEMAS_TAGS.tags(first)},
                      "create the schema registry")]
        details: list[str] = []
        for schema in wanted.values():
            steps.append(self._create_schema(address, name, schema))
            details.append(f"+ schema {schema['name']} ({schema['type']})")
        if discoverer:
            steps.append(self._create_discoverer(ctx, desired, discoverer))
            details.append(f"+ discoverer of {discoverer['sourceArn']}")
        if later:
            steps[-1] = dataclasses.replace(steps[-1], tags={tagmod.HASH: desired.state_hash},
                                            tag_arn=self.arn(ctx.region, ctx.account, name))
        return Planned("new schema registry", steps, details=details)

    def _create_schema(self, address: str, registry: str, schema: Mapping[str, Any]) -> Step:
        """CreateSchema of a schema missing from the registry (it becomes version 1)."""
        params = {"RegistryName": registry, "SchemaName": schema["name"], "Type": schema["type"],
                  "Content": schema["content"]}
        if schema.get("description"):
            params["Description"] = schema["description"]
        return Step("CreateSchema", address, params, f"create schema {schema['name']} (version 1)")

    def _schema_steps(self, address: str, registry: str, have: Mapping[str, Any], want: Mapping[str, Any],
                      wanted: Mapping[str, Any], live_schemas: Mapping[str, Any]
                      ) -> tuple[list[Step], list[str], list[str]]:
        """Steps, detail lines and reasons for the schemas: a schema missing live is created, one missing from the
        spec deleted, one that differs updated; ([], [], []) when they are equal."""
        steps: list[Step] = []
        details: list[str] = []
        added = [n for n in want if n not in have]
        changed = [n for n in want if n in have and have[n] != want[n]]
        removed = [n for n in have if n not in want]
        for schema_name in added:
            steps.append(self._create_schema(address, registry, wanted[schema_name]))
            details.append(f"+ schema {schema_name} ({want[schema_name]['type']})")
        for schema_name in changed:
            was, now = have[schema_name], want[schema_name]
            params: dict[str, Any] = {"RegistryName": registry, "SchemaName": schema_name}
            parts: list[str] = []
            if was.get("description") != now.get("description"):
                params["Description"] = now.get("description", "")
                parts.append("description changes")
            content_lines: list[str] = []
            if was.get("content") != now.get("content") or was.get("type") != now.get("type"):
                live_version = (live_schemas.get(schema_name) or {}).get("SchemaVersion")
                version = next_version(live_version)
                text = wanted[schema_name]["content"]
                params.update(Type=now["type"], Content=text,
                              ClientTokenId=client_token(registry, schema_name, live_version, text))
                if was.get("type") != now.get("type"):
                    parts.append(f"type {was.get('type')} -> {now['type']}")
                parts.append(f"content changes -> version {version}" if was.get("content") != now.get("content")
                             else f"-> version {version}")
                content_lines = _content_lines(schema_name, was.get("content"), now.get("content"))
                what = f"update schema {schema_name} (makes version {version})"
            else:
                what = f"update schema {schema_name}'s description"
            steps.append(Step("UpdateSchema", address, params, what))
            details.append(f"~ schema {schema_name}: {', '.join(parts)}")
            details += content_lines
        for schema_name in removed:
            steps.append(Step("DeleteSchema", address, {"RegistryName": registry, "SchemaName": schema_name},
                              f"delete schema {schema_name} (every version)"))
            details.append(f"- schema {schema_name} ({have[schema_name].get('type')})")
        reasons = []
        if added:
            reasons.append(f"schema{'s' if len(added) > 1 else ''} {', '.join(added)} added")
        if changed:
            reasons.append(f"schema{'s' if len(changed) > 1 else ''} {', '.join(changed)} "
                           f"change{'' if len(changed) > 1 else 's'}")
        if removed:
            reasons.append(f"schema{'s' if len(removed) > 1 else ''} {', '.join(removed)} removed")
        return steps, details, reasons

    def _discoverer_steps(self, ctx: PlanContext, desired: Desired, live: Live,
                          discoverer: Mapping[str, Any] | None) -> tuple[list[Step], list[str]]:
        """Steps and detail lines for the discoverer: ours on another bus (or not wanted) deleted, the wanted one
        created when missing; ([], []) when ours is the wanted one."""
        address = str(desired.address)
        ours = self.discoverers(live)
        source = (discoverer or {}).get("sourceArn")
        keep = next((d for d in ours if d.get("SourceArn") == source), None)
        steps: list[Step] = []
        details: list[str] = []
        for found in ours:
            if found is keep:
                continue
            steps.append(Step("DeleteDiscoverer", address, {"DiscovererId": found["DiscovererId"]},
                              f"delete discoverer {found['DiscovererId']}"))
            details.append(f"- discoverer {found['DiscovererId']} of {found.get('SourceArn')}")
        if discoverer and keep is None:
            others = [d for d in (live.data or {}).get("Discoverers") or []
                      if d.get("SourceArn") == source and d not in ours]
            if others:
                ctx.warnings.append(f"{desired.where}{desired.spec}: {source} already has discoverer "
                                    f"{others[0].get('DiscovererId')}, not made by this document; EventBridge may "
                                    "refuse a second one")
            steps.append(self._create_discoverer(ctx, desired, discoverer))
            details.append(f"+ discoverer of {source}")
        return steps, details

    def _create_discoverer(self, ctx: PlanContext, desired: Desired, discoverer: Mapping[str, Any]) -> Step:
        """CreateDiscoverer of the wanted discoverer, which is missing, with our ownership tags (no hash)."""
        tags = {**thaw(desired.user_tags), tagmod.STACK: ctx.stack, tagmod.ADDRESS: desired.spec}
        return Step("CreateDiscoverer", str(desired.address),
                    {"SourceArn": discoverer["sourceArn"], "Description": f"schema discovery for {desired.spec}",
                     "Tags": dict(sorted(tags.items()))}, "create the discoverer")

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        """Its discoverer and schemas first, then the registry (`live` exists); a plan error and no steps for a
        registry AWS owns."""
        address, name = str(live.address), live.address.name
        if is_owned_by_aws(name):
            ctx.errors.append(f"{address} is a registry EventBridge owns; reconciler never deletes it")
            return []
        steps = [Step("DeleteDiscoverer", address, {"DiscovererId": d["DiscovererId"]},
                      f"delete discoverer {d['DiscovererId']}") for d in self.discoverers(live)]
        steps += [Step("DeleteSchema", address, {"RegistryName": name, "SchemaName": schema},
                       f"delete schema {schema} (every version)")
                  for schema in sorted((live.data or {}).get("Schemas") or {})]
        steps.append(Step("DeleteRegistry", address, {"RegistryName": name}, "delete the schema registry"))
        return steps

    # --- applying ----------------------------------------------------------------------
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Create (a lost response's retry meets its own registry, schema or discoverer), update (printing the
        version made), delete (a resource missing already is done), retag."""
        client = ctx.clients.get(SERVICE)
        op, params = step.operation, step.params_plain()
        try:
            answer = call(client, op, params)
        except Exception as exc:
            if op.startswith("Delete") and is_not_found(exc):
                return
            if op.startswith("Create") and (is_conflict(exc) or "already exist" in error_message(exc).lower()) \
                    and self._already_made(ctx, step):
                ctx.hooks.step_progress(step, "already created by an earlier attempt of this request")
                return
            raise
        if op == "UpdateSchema" and "Content" in params:
            ctx.hooks.step_progress(step, f"schema {params['SchemaName']} is now version {answer.get('SchemaVersion')}")
        elif op == "CreateDiscoverer":
            ctx.hooks.step_progress(step, f"discoverer {answer.get('DiscovererId')}")

    def _already_made(self, ctx: ExecContext, step: Step) -> bool:
        """Whether what a failed create step makes exists already as that step would have made it; False when it is
        missing."""
        client = ctx.clients.get(SERVICE)
        params = step.params_plain()
        if step.operation == "CreateRegistry":
            live = self.find(ctx.clients.reader(), params["RegistryName"])
            wanted = params.get("Tags") or {}
            return live is not None and all(live.tags.get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.ADDRESS))
        if step.operation == "CreateSchema":
            found = read(client, "DescribeSchema", {"RegistryName": params["RegistryName"],
                                                     "SchemaName": params["SchemaName"]})
            return found is not None and found.get("Type") == params["Type"] \
                and canonical_content(found.get("Content")) == canonical_content(params["Content"])
        wanted = params.get("Tags") or {}
        return any(d.get("SourceArn") == params["SourceArn"]
                   and all((d.get("Tags") or {}).get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.ADDRESS))
                   for d in paginate(client, "ListDiscoverers", "Discoverers", SourceArnPrefix=params["SourceArn"]))


def _content_lines(schema: str, before: Any, after: Any) -> list[str]:
    """The paths of a content change, a few lines: `~ schema X: properties.stage.enum [...] -> [...]`."""
    diffs = leaf_diffs(field_diffs(before if isinstance(before, Mapping) else {"": before},
                                   after if isinstance(after, Mapping) else {"": after}))
    lines = []
    for diff in diffs[:DETAIL_PATHS]:
        old = "(none)" if diff.kind == "added" else _short(diff.old)
        new = "(none)" if diff.kind == "removed" else _short(diff.new)
        lines.append(f"~ schema {schema}: {diff.path} {old} -> {new}")
    if len(diffs) > DETAIL_PATHS:
        lines.append(f"~ schema {schema}: and {len(diffs) - DETAIL_PATHS} more change(s) in its content")
    return lines


def _short(value: Any, width: int = 60) -> str:
    shown = json.dumps(value, sort_keys=True, default=str)
    return shown if len(shown) <= width else shown[: width - 3] + "..."


HANDLER = SchemaRegistryHandler
