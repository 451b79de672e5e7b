"""The `LogGroup` kind: a CloudWatch Logs log group and its retention (the worked example of
docs/adding-a-resource-type.md; install it as `reconciler/kinds/log_group.py`).

Its spec is the CreateLogGroup request without `logGroupName` (the document name) and `tags`
(the document's tags), plus `retentionInDays` from PutRetentionPolicy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from reconciler.handlers.log_group import LogGroupHandler

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource, MemberSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import NameRule
from reconciler.spec.references import substitute

HANDLER = LogGroupHandler()

SOURCE = KindSource(
    service="logs",
    operation="CreateLogGroup",
    omit=("logGroupName", "tags"),
    extensions=(("retentionInDays", MemberSource("logs", "PutRetentionPolicy", "retentionInDays",
                                                 "Days to keep log events (PutRetentionPolicy); absent: forever.")),),
    description="A CloudWatch Logs log group: CreateLogGroup without logGroupName and tags, plus retentionInDays.",
)


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    retention = spec.pop("retentionInDays", None)
    request = {"logGroupName": doc.name, **to_api(spec, operation_input("logs", "CreateLogGroup"))}
    if retention is not None:
        request["retentionInDays"] = retention
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.name, HANDLER.arn(ctx.region, ctx.account, doc.name))
    return [desired(doc, Address(HANDLER.type, doc.name), request, HANDLER.comparable_of(request, tags), tags)]


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """A retention only of the lengths CloudWatch Logs offers."""
    days = doc.spec.get("retentionInDays")
    if isinstance(days, int) and days not in LogGroupHandler.RETENTION_DAYS:
        diags.error(f"retentionInDays {days} is not offered by CloudWatch Logs: use one of "
                    f"{', '.join(map(str, LogGroupHandler.RETENTION_DAYS))}", doc.doc.pos(("spec", "retentionInDays")))


KIND = SpecKind(
    name="LogGroup",
    naming=NameRule(False, 512, re.compile(r"^[.\-_/#A-Za-z0-9]+$"), "letters, digits and . - _ / #",
                    "of 1 to 512 characters"),
    description="A CloudWatch Logs log group with its retention.",
    source=SOURCE,
    check=check,
    expand=expand,
)
