"""The EventRule kind's schema source: the PutRule request without its name and tags, with `eventPattern` as a
YAML mapping instead of JSON text, plus `targets` (PutTargets' Target entries)."""

from __future__ import annotations

from types import MappingProxyType

from reconciler.spec.fragments import KindSource, MemberSource

SOURCE = KindSource(
    service="events",
    operation="PutRule",
    omit=("Name", "Tags", "EventPattern"),
    extensions=(
        ("eventPattern", MappingProxyType({
            "type": "object",
            "description": "The event pattern, as YAML (sent as JSON; at most 2,048 characters).",
        })),
        ("targets", MemberSource(
            service="events", operation="PutTargets", member="Targets",
            description="Up to 5 targets (the PutTargets Target entries: id, arn, roleArn, input, ...).",
        )),
    ),
    description=(
        "An EventBridge rule and its targets: the PutRule request in lowerCamelCase without its name and tags, "
        "eventPattern as YAML, and targets."
    ),
)
