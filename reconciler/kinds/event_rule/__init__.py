"""The `EventRule` kind: an EventBridge rule with its targets (`event-rule/<name>`, `event-rule/<bus>/<name>`).

Its spec is the PutRule request in lowerCamelCase without `name` (the document name) and `tags`,
with `eventPattern` as a YAML mapping, plus `targets` (PutTargets' Target entries, which may
reference documents: `arn: ${Pipeline.churn-train.arn}`). `eventBusName` (a name, an ARN or
`${EventBus.x.name}`) is the bus; without it, the default bus. `importer` writes a live rule as such a
document (`reconciler import EventRule [bus/]rule`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.handlers.event_rule import DEFAULT_BUS, EventRuleHandler, address_name, rule_view
from reconciler.kinds.base import ExpandContext, desired
from reconciler.kinds.event_rule.checks import check
from reconciler.kinds.event_rule.importer import import_event_rule, list_event_rules
from reconciler.kinds.event_rule.schema import SOURCE
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import NameRule
from reconciler.spec.references import substitute

HANDLER = EventRuleHandler()
RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]+$")


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    pattern = spec.pop("eventPattern", None)
    targets_spec = spec.pop("targets", None) or []
    request: dict[str, Any] = {"Name": doc.aws_name, **to_api(spec, operation_input("events", "PutRule"))}
    bus = str(request.get("EventBusName") or DEFAULT_BUS).rpartition("event-bus/")[2] or DEFAULT_BUS
    if bus == DEFAULT_BUS:
        request.pop("EventBusName", None)
    else:
        request["EventBusName"] = bus
    if pattern is not None:
        request["EventPattern"] = json.dumps(pattern, separators=(",", ":"))
    target_shape = operation_input("events", "PutTargets").members["Targets"]
    targets = to_api(targets_spec, target_shape)
    name = address_name(bus, doc.aws_name)
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.aws_name, HANDLER.arn(ctx.region, ctx.account, name))
    return [desired(doc, Address(HANDLER.type, name), request, rule_view(request, targets, tags), tags,
                    extra={"targets": targets})]


KIND = SpecKind(
    name="EventRule",
    naming=NameRule(False, 64, RULE_NAME, "letters, digits, '.', '-' and '_'", "1 to 64 of them"),
    description="An EventBridge rule (an event pattern or a schedule) and its targets.",
    source=SOURCE,
    check=check,
    expand=expand,
    importer=import_event_rule,
    lister=list_event_rules,
    import_after=("EventBus", "Pipeline", "ModelPackageGroup"),
)
