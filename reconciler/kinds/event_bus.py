"""The `EventBus` kind: an EventBridge event bus (`event-bus/<name>`) and its resource policy.

Its spec is the CreateEventBus request in lowerCamelCase without `name` (the document name),
`tags` and `eventSourceName` (partner buses are not managed), plus `policy:` (a resource policy
document as YAML: who else may put events on the bus). The document named `default` stands for
the account's default bus: it may only set `policy` (the bus is never created or deleted).

`reconciler import EventBus NAME` writes a live bus as such a document (`import_event_bus`); the
default bus is imported only when it has a policy, and partner buses never.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import from_api, operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.diff.iam import policy_text
from reconciler.handlers.event_bus import DEFAULT, LOG_DEFAULT, SETTINGS, EventBusHandler, bus_view
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, unowned, user_tags
from reconciler.kinds.base import ExpandContext, desired
from reconciler.kinds.events_import import event_buses, parsed_json
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import NameRule
from reconciler.spec.references import literal, substitute

HANDLER = EventBusHandler()
POLICY_MAX = 10240  # an event bus policy's size limit (characters as sent)
BUS_NAME = re.compile(r"^[.\-_A-Za-z0-9]+$")

SOURCE = KindSource(
    service="events",
    operation="CreateEventBus",
    omit=("Name", "Tags", "EventSourceName"),
    extensions=(
        ("policy", MappingProxyType({
            "type": "object",
            "description": "The bus's resource policy (an IAM policy document, as YAML): which accounts or "
                           "organizations may put events on it.",
        })),
    ),
    description=(
        "An EventBridge event bus: the CreateEventBus request in lowerCamelCase without its name, tags and "
        "eventSourceName, plus policy. Name it default to set the default bus's policy only."
    ),
)


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    policy = spec.pop("policy", None)
    request = {"Name": doc.aws_name, **to_api(spec, operation_input("events", "CreateEventBus"))}
    text = policy_text(policy) if policy else None
    tags = ctx.user_tags(doc)
    arn = f"arn:aws:events:{ctx.region}:{ctx.account}:event-bus/{doc.aws_name}"
    ctx.define(doc, doc.aws_name, arn)
    return [desired(doc, Address(HANDLER.type, doc.aws_name), request, bus_view(request, text, tags), tags,
                    extra={"policy": text})]


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """The default bus takes only a policy; a policy is a policy document within EventBridge's size limit."""
    if doc.name == DEFAULT:
        for key in sorted(set(doc.spec) - {"policy"}):
            diags.error(f"the default event bus exists in every account and only its policy can be set here; "
                        f"remove {key} (or name a bus of your own)", doc.doc.pos(("spec", key)))
    policy = doc.spec.get("policy")
    if policy is None:
        return
    where = doc.doc.pos(("spec", "policy"))
    if "Statement" not in policy:
        diags.error("policy needs a Statement (an IAM policy document: Version and Statement)", where)
        return
    size = len(policy_text(policy))
    if size > POLICY_MAX:
        diags.error(f"policy is {size:,} characters as JSON; an event bus policy may have at most {POLICY_MAX:,}",
                    where)


PARTNER_PREFIX = "aws.partner/"  # partner buses (an event source's) are not managed


def import_event_bus(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The EventBus document of live bus `name`: its description, KMS key, dead-letter queue and logging when
    set, and its resource policy (parsed) when it has one; for the `default` bus, only its policy. ImportRefused
    when the bus is missing, owned by a stack, a partner bus, or the default bus without a policy (nothing a
    document would set)."""
    if name.startswith(PARTNER_PREFIX):
        raise ImportRefused(f"EventBus {name!r} is a partner event bus (its event source's); partner buses are not "
                            "managed")
    live = unowned(HANDLER.find(ctx.clients, name), "EventBus", name)
    data = live.data or {}
    if data.get("EventSourceName"):
        raise ImportRefused(f"EventBus {name!r} is a partner event bus (event source {data['EventSourceName']}); "
                            "partner buses are not managed")
    policy = parsed_json("EventBus", name, "policy", data.get("Policy")) if data.get("Policy") else None
    spec: dict[str, Any] = {}
    if name == DEFAULT:
        if not policy:
            raise ImportRefused("EventBus 'default' has no resource policy: a document named default sets only the "
                                "default bus's policy, so there is nothing to import")
    else:
        settings = {k: data[k] for k in SETTINGS if data.get(k) not in (None, "", {})}
        if "LogConfig" in settings and {**LOG_DEFAULT, **settings["LogConfig"]} == LOG_DEFAULT:
            del settings["LogConfig"]  # logging off: EventBridge's default
        spec = from_api(settings, operation_input("events", "CreateEventBus"), drop_unknown=True)
    if policy:
        spec["policy"] = policy
    spec = literal(spec)  # a `${aws:...}` policy variable is written $${aws:...}
    return [ImportedDoc("EventBus", DEFAULT if name == DEFAULT else ctx.doc_name(name), ctx.arn_references(spec),
                        user_tags(live), [live.address], source=live.arn)]


def list_event_buses(clients: Any) -> list[str]:
    """The buses `import --all` considers: every bus of the account and region but partner buses, the default
    bus only when it has a resource policy; [] when there are none."""
    return [str(b["Name"]) for b in event_buses(clients)
            if not str(b["Name"]).startswith(PARTNER_PREFIX) and (b["Name"] != DEFAULT or b.get("Policy"))]


KIND = SpecKind(
    name="EventBus",
    naming=NameRule(False, 256, BUS_NAME, "letters, digits, '.', '-' and '_'", "1 to 256 of them"),
    description="An EventBridge event bus and its resource policy (default: the default bus's policy).",
    source=SOURCE,
    check=check,
    expand=expand,
    fixed_names=frozenset({DEFAULT}),
    importer=import_event_bus,
    lister=list_event_buses,
)
