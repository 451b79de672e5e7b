"""The `Alarm` kind: a CloudWatch metric alarm (`alarm/<name>`), the alarms rollout guardrails watch.

Its spec is the PutMetricAlarm request in lowerCamelCase without `alarmName` (the document
name) and `tags`. The alarm is named after the document; PutMetricAlarm replaces it in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.handlers.alarm import AlarmHandler
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import NameRule
from reconciler.spec.references import substitute

# CloudWatch alarm names: 1-255 characters without ASCII control characters; we also refuse
# leading and trailing whitespace (invisible in YAML, and easy to get wrong in the console).
# Such a name is valid but can only be referenced when it also fits the reference pattern.
ALARM_NAME = re.compile(r"^(?!\s)[^\x00-\x1f\x7f]+(?<!\s)\Z")
ALARM_NAME_MAX = 255

HANDLER = AlarmHandler()

SOURCE = KindSource(
    service="cloudwatch",
    operation="PutMetricAlarm",
    omit=("AlarmName", "Tags"),
    extensions=(),
    description=(
        "A CloudWatch metric alarm: the PutMetricAlarm request in lowerCamelCase, without "
        "alarmName (the document name) and tags (use the document's tags)."
    ),
)


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    request = {"AlarmName": doc.aws_name, **to_api(spec, operation_input("cloudwatch", "PutMetricAlarm"))}
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.aws_name, f"arn:aws:cloudwatch:{ctx.region}:{ctx.account}:alarm:{doc.aws_name}")
    return [desired(doc, Address(HANDLER.type, doc.aws_name), request, HANDLER.comparable_of(request, tags), tags)]


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """An Alarm needs a metric, its evaluation and a threshold (what PutMetricAlarm requires in combination)."""
    spec = doc.spec
    pos = doc.doc.pos(("spec",))
    single = "metricName" in spec
    if not single and "metrics" not in spec and "evaluationCriteria" not in spec:
        diags.error("an Alarm needs a metric: metricName with namespace, period and statistic (or "
                    "extendedStatistic), or metrics (metric math)", pos)
        return
    if single:
        for key in ("namespace", "period"):
            if key not in spec:
                diags.error(f"an Alarm on metricName needs {key}", pos)
        if "statistic" not in spec and "extendedStatistic" not in spec:
            diags.error("an Alarm on metricName needs statistic or extendedStatistic", pos)
    if "evaluationCriteria" not in spec:
        for key in ("evaluationPeriods", "comparisonOperator"):
            if key not in spec:
                diags.error(f"an Alarm needs {key}", pos)
        if "threshold" not in spec and "thresholdMetricId" not in spec:
            diags.error("an Alarm needs threshold (or thresholdMetricId for anomaly detection)", pos)


def import_alarm(ctx: Any, name: str) -> list[Any]:
    """The Alarm document of live metric alarm `name`: its PutMetricAlarm request as written (CloudWatch's
    defaults left out). Dimension values stay literal: an endpoint's rollback watches the alarm, so the
    alarm referencing the endpoint would be a cycle."""
    from reconciler.imported import ImportedDoc, unowned, user_tags, written_spec

    live = unowned(HANDLER.find(ctx.clients, name), "Alarm", name)
    spec = written_spec(HANDLER.policy, live.data or {}, "cloudwatch", "PutMetricAlarm")
    for key in ("okActions", "alarmActions", "insufficientDataActions"):
        if key in spec:
            spec[key] = ctx.arn_references(spec[key])
    if isinstance(spec.get("threshold"), float) and spec["threshold"].is_integer():
        spec["threshold"] = int(spec["threshold"])
    return [ImportedDoc("Alarm", ctx.doc_name(name), spec, user_tags(live), [live.address], source=live.arn)]


def list_alarms(clients: Any) -> list[str]:
    """Every metric alarm of the account and region."""
    pages = clients.get("cloudwatch").get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
    return [a["AlarmName"] for page in pages for a in page.get("MetricAlarms", [])]


KIND = SpecKind(
    name="Alarm",
    naming=NameRule(False, ALARM_NAME_MAX, ALARM_NAME, "any characters except control characters",
                    "not starting or ending with whitespace"),
    description="A CloudWatch metric alarm, for rollout guardrails.",
    source=SOURCE,
    check=check,
    expand=expand,
    importer=import_alarm,
    lister=list_alarms,
)
