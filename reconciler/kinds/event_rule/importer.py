"""`reconciler import EventRule NAME`: a live EventBridge rule and its targets written as an EventRule document.

The spec is the rule as a person writes it: `description`, `eventBusName` (a `${EventBus.x.name}` reference
when the bus is a document of the stack, or imported in the same run; left out on the default bus),
`eventPattern` (the JSON parsed, as YAML), `scheduleExpression`, `state` (unless ENABLED, EventBridge's
default), `roleArn`, and `targets` from ListTargetsByRule (their input forms, role ARNs, retry and dead-letter
settings) in lowerCamelCase; ARNs of the stack's documents as references. Rules another service manages
(`ManagedBy`) are refused.
"""

from __future__ import annotations

from typing import Any

from reconciler.aws.calls import paginate
from reconciler.aws.shapes import from_api, operation_input
from reconciler.diff.policy import prune_empty
from reconciler.handlers.event_rule import DEFAULT_BUS, EventRuleHandler, address_name, split_name
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, unowned, user_tags
from reconciler.kinds.events_import import event_buses, parsed_json
from reconciler.spec.references import literal

HANDLER = EventRuleHandler()
KIND_NAME = "EventRule"
BUS_KIND = "EventBus"
ENABLED = "ENABLED"  # a rule's state when PutRule leaves it out


def rule_address_name(name: str) -> str:
    """The handler's address name of the rule `name` names: `bus/rule` (a rule on a custom bus), `rule` (on the
    default bus; `default/rule` says the same) or the rule's ARN (`arn:aws:events:...:rule/bus/rule`)."""
    if name.startswith("arn:") and ":rule/" in name:
        name = name.partition(":rule/")[2]
    bus, rule = split_name(name)
    return address_name(bus, rule)


def import_event_rule(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The EventRule document of the live rule `name` with its targets.

    `name` is how the rule's address names it: `bus/rule` for a rule on a custom bus and plain `rule` for one
    on the default bus (as `import --all` lists them; a rule's ARN works too), since rule names are unique only
    per bus. The document is named after the rule alone. ImportRefused when the rule is missing, owned by a
    stack, managed by another service (`ManagedBy`), or when a rule of the same name on another bus was imported
    already in this run (one document name for both). Text that reads as a reference (an input template's
    `${...}`) is written escaped (`$${...}`).
    """
    address = rule_address_name(name)
    bus, rule = split_name(address)
    live = unowned(HANDLER.find(ctx.clients, address), KIND_NAME, address)
    data = live.data or {}
    if data.get("ManagedBy"):
        raise ImportRefused(f"{KIND_NAME} {address!r} is managed by {data['ManagedBy']}, which owns it; rules "
                            "another service manages are never imported")
    spec: dict[str, Any] = {}
    notes: list[str] = []
    if data.get("Description"):
        spec["description"] = data["Description"]
    if bus != DEFAULT_BUS:
        spec["eventBusName"] = bus
    if data.get("EventPattern"):
        spec["eventPattern"] = parsed_json(KIND_NAME, address, "event pattern", data["EventPattern"])
    if data.get("ScheduleExpression"):
        spec["scheduleExpression"] = data["ScheduleExpression"]
    if data.get("State") and data["State"] != ENABLED:
        spec["state"] = data["State"]
    if data.get("RoleArn"):
        spec["roleArn"] = data["RoleArn"]
    targets = [target_spec(t) for t in data.get("Targets") or []]
    if targets:
        spec["targets"] = targets
    spec = literal(spec)  # an input transformer's `${...}` is written $${...}
    spec = ctx.arn_references(spec)
    if bus != DEFAULT_BUS:
        reference = ctx.reference(BUS_KIND, bus)
        if reference is not None:
            spec["eventBusName"] = reference
        else:
            notes.append(f"its bus {bus} is not a document of this stack: import it too (reconciler import "
                         f"{BUS_KIND} {bus}) to write eventBusName as a reference")
    doc_name = ctx.doc_name(rule)
    other = ctx.imported.get(f"{KIND_NAME}/{doc_name}")
    if other is not None and live.address not in other.owned:
        taken = other.owned[0].name if other.owned else doc_name
        raise ImportRefused(f"{KIND_NAME} {address!r}: document {KIND_NAME}/{doc_name} is rule {taken!r} already; "
                            "rules of one name on two buses cannot both be documents of one stack")
    return [ImportedDoc(KIND_NAME, doc_name, spec, user_tags(live), [live.address], notes, source=live.arn)]


def target_spec(target: dict[str, Any]) -> dict[str, Any]:
    """One ListTargetsByRule entry as a `targets` item: the PutTargets Target in lowerCamelCase, empty members
    left out (`input` stays the JSON text EventBridge keeps)."""
    shape = operation_input("events", "PutTargets").members["Targets"].member  # type: ignore[attr-defined]
    written: dict[str, Any] = from_api(prune_empty(target), shape, drop_unknown=True)
    return written


def list_event_rules(clients: Any) -> list[str]:
    """The rules `import --all` considers, on every bus of the account and region (`rule` on the default bus,
    `bus/rule` on another), rules another service manages left out; [] when there are none."""
    events = clients.get("events")
    names: list[str] = []
    for bus in (str(b["Name"]) for b in event_buses(clients)):
        for found in paginate(events, "ListRules", "Rules", EventBusName=bus):
            if not found.get("ManagedBy"):
                names.append(address_name(bus, str(found["Name"])))
    return names
