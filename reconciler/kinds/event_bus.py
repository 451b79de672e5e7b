"""The `EventBus` kind: an EventBridge event bus (`event-bus/<name>`) and its resource policy.

Its spec is the CreateEventBus request in lowerCamelCase without `name` (the document name),
`tags` and `eventSourceName` (partner buses are not managed), plus `policy:` (a resource policy
document as YAML: who else may put events on the bus). The document named `default` stands for
the account's default bus: it may only set `policy` (the bus is never created or deleted).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.diff.iam import policy_text
from reconciler.handlers.event_bus import DEFAULT, EventBusHandler, bus_view
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import NameRule
from reconciler.spec.references import substitute

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


KIND = SpecKind(
    name="EventBus",
    naming=NameRule(False, 256, BUS_NAME, "letters, digits, '.', '-' and '_'", "1 to 256 of them"),
    description="An EventBridge event bus and its resource policy (default: the default bus's policy).",
    source=SOURCE,
    check=check,
    expand=expand,
    fixed_names=frozenset({DEFAULT}),
)
