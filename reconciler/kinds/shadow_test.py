"""The `ShadowTest` kind: a SageMaker inference experiment of type ShadowMode (`inference-experiment/<name>`).

Its spec is the CreateInferenceExperiment request in lowerCamelCase without `name` (the
document name), `type` (always ShadowMode) and `tags`. While it runs, it holds its endpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.handlers.inference_experiment import InferenceExperimentHandler
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import sagemaker_named
from reconciler.spec.references import substitute

# CreateInferenceExperiment Name: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}
INFERENCE_EXPERIMENT_NAME_MAX = 120
MAX_DAYS = 30  # SageMaker runs a shadow test at most 30 days (from now when StartTime is absent)

HANDLER = InferenceExperimentHandler()

SOURCE = KindSource(
    service="sagemaker",
    operation="CreateInferenceExperiment",
    omit=("Name", "Type", "Tags"),
    extensions=(),
    description=(
        "A SageMaker shadow test: the CreateInferenceExperiment request in lowerCamelCase, "
        "without name (the document name), type (always ShadowMode) and tags (use the "
        "document's tags)."
    ),
)


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    api = to_api(spec, operation_input("sagemaker", "CreateInferenceExperiment"))
    request = {"Name": doc.aws_name, "Type": "ShadowMode", **api}
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.aws_name, ctx.arn("inference-experiment", doc.aws_name))
    return [desired(doc, Address(HANDLER.type, doc.aws_name), request, HANDLER.comparable_of(request, tags), tags)]


def _stamp(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """The schedule: the end after the start, and at most 30 days of running."""
    schedule = doc.spec.get("schedule") or {}
    start_text, end_text = schedule.get("startTime"), schedule.get("endTime")
    start, end = _stamp(start_text), _stamp(end_text)
    if end is None:
        return
    where = doc.doc.pos(("spec", "schedule", "endTime"))
    if start is not None:
        if end <= start:
            diags.error(f"schedule.endTime {end_text} is not after startTime {start_text}", where)
        elif end - start > dt.timedelta(days=MAX_DAYS):
            days = (end - start) / dt.timedelta(days=1)
            diags.error(f"schedule runs {days:g} days ({start_text} to {end_text}); SageMaker runs a shadow test "
                        f"at most {MAX_DAYS} days", where)
        return
    now = dt.datetime.now(dt.timezone.utc)
    if end - now > dt.timedelta(days=MAX_DAYS):
        days = (end - now) / dt.timedelta(days=1)
        diags.error(f"schedule.endTime {end_text} is {days:.1f} days from now; without a startTime the shadow test "
                    f"starts when it is applied, and SageMaker runs it at most {MAX_DAYS} days", where)


KIND = SpecKind(
    name="ShadowTest",
    naming=sagemaker_named(INFERENCE_EXPERIMENT_NAME_MAX),
    description="A SageMaker shadow test (inference experiment of type ShadowMode).",
    source=SOURCE,
    check=check,
    expand=expand,
)
