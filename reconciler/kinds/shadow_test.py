"""The `ShadowTest` kind: a SageMaker inference experiment of type ShadowMode (`inference-experiment/<name>`).

Its spec is the CreateInferenceExperiment request in lowerCamelCase without `name` (the
document name), `type` (always ShadowMode) and `tags`. While it runs, it holds its endpoint.
`import_shadow_test` writes the document of a live one (`reconciler import ShadowTest NAME`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.handlers.inference_experiment import FINISHED, InferenceExperimentHandler, endpoint_name
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import sagemaker_named
from reconciler.spec.references import substitute

if TYPE_CHECKING:
    from reconciler.imported import ImportContext, ImportedDoc

# CreateInferenceExperiment Name: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}
INFERENCE_EXPERIMENT_NAME_MAX = 120
MAX_DAYS = 30  # SageMaker runs a shadow test at most 30 days (from now when StartTime is absent)
DEFAULT_DAYS = 7  # without a schedule's end, SageMaker ends a shadow test 7 days after its start
NOT_STARTED = frozenset({"Creating", "Created"})  # a schedule's start still to come
ENDED = FINISHED | {"Stopping"}  # nothing left to manage
# the order a person writes an imported document's members in (as specs/shadow-test.yaml does)
SPEC_ORDER = ("endpointName", "description", "roleArn", "modelVariants", "shadowModeConfig", "dataStorageConfig",
              "kmsKey", "schedule")

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


def import_shadow_test(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The ShadowTest document of live inference experiment `name`: its CreateInferenceExperiment request as
    written (variant status and endpoint metadata left out), the endpoint and models as references when they
    are documents of the stack (their names otherwise), ARNs of the stack's documents as references, and the
    schedule's end when it is not SageMaker's default. Refused (ImportRefused, one line) when it is missing, owned
    by a stack, not a shadow test, or has ended or is ending (nothing is left to manage)."""
    from reconciler.diff.policy import iso_utc
    from reconciler.imported import ImportedDoc, ImportRefused, unowned, user_tags, written_spec

    live = unowned(HANDLER.find(ctx.clients, name), "ShadowTest", name)
    data = live.data or {}
    if data.get("Type", "ShadowMode") != "ShadowMode":
        raise ImportRefused(f"ShadowTest {name!r}: inference experiment of type {data.get('Type')}, not ShadowMode")
    status = data.get("Status")
    if status in ENDED:
        ended = f" (ended {iso_utc(data['CompletionTime'])})" if data.get("CompletionTime") else ""
        raise ImportRefused(f"ShadowTest {name!r} is {status}{ended}: a shadow test that has ended (or is being "
                            "stopped) has nothing left to manage; write a new ShadowTest document to run it again")
    written: dict[str, Any] = ctx.arn_references(written_spec(HANDLER.policy, data, "sagemaker",
                                                              "CreateInferenceExperiment"))
    notes: list[str] = []
    endpoint = endpoint_name(data)
    if endpoint:
        reference = ctx.reference("Endpoint", endpoint)
        written["endpointName"] = reference or endpoint
        if reference is None:
            notes.append(f"endpointName {endpoint} is not an Endpoint document of this stack: it is written as a "
                         "name")
    for variant in written.get("modelVariants") or []:
        model = str(variant.get("modelName"))
        reference = ctx.reference("Model", model)
        if reference is not None:
            variant["modelName"] = reference
        else:
            notes.append(f"model {model} (variant {variant.get('variantName')}) is not a Model document of this "
                         f"stack: it is written as a name (import Model {model} to manage it)")
    schedule = schedule_spec(data)
    if schedule:
        written["schedule"] = schedule
    start = (data.get("Schedule") or {}).get("StartTime")
    if "endTime" in schedule and "startTime" not in schedule and start is not None:
        notes.append(f"started {iso_utc(start)} ({status}): schedule.startTime is left out, only the end of a "
                     "started shadow test can move")
    spec = {key: written[key] for key in SPEC_ORDER if key in written}
    spec.update({k: v for k, v in written.items() if k not in spec})
    return [ImportedDoc("ShadowTest", ctx.doc_name(name), spec, user_tags(live), [live.address], notes,
                        source=live.arn)]


def schedule_spec(data: Mapping[str, Any]) -> dict[str, str]:
    """The document's `schedule` from a DescribeInferenceExperiment output: `startTime` while the test has not
    started, `endTime` unless it is SageMaker's default (7 days after the start); {} when neither applies (no
    schedule, or the default one of a started test)."""
    from reconciler.diff.policy import iso_utc

    schedule = data.get("Schedule") or {}
    start, end = _stamp(iso_utc(schedule.get("StartTime"))), _stamp(iso_utc(schedule.get("EndTime")))
    out: dict[str, str] = {}
    if start is not None and data.get("Status") in NOT_STARTED:
        created = _stamp(iso_utc(data.get("CreationTime")))
        if created is None or start > created + dt.timedelta(minutes=1):  # a start chosen, not "now"
            out["startTime"] = iso_utc(start)
    if end is not None and (start is None or end - start != dt.timedelta(days=DEFAULT_DAYS)):
        out["endTime"] = iso_utc(end)
    return out


def list_shadow_tests(clients: Any) -> list[str]:
    """Every inference experiment of type ShadowMode in the account and region that has not ended or is ending
    (empty when there is none): those have nothing left to manage."""
    pages = clients.sagemaker.get_paginator("list_inference_experiments").paginate(Type="ShadowMode")
    return [e["Name"] for page in pages for e in page.get("InferenceExperiments", [])
            if e.get("Status") not in ENDED]


KIND = SpecKind(
    name="ShadowTest",
    naming=sagemaker_named(INFERENCE_EXPERIMENT_NAME_MAX),
    description="A SageMaker shadow test (inference experiment of type ShadowMode).",
    source=SOURCE,
    check=check,
    expand=expand,
    importer=import_shadow_test,
    lister=list_shadow_tests,
    import_after=("Endpoint", "Model"),
)
