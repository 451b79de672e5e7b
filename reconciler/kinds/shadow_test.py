"""The `ShadowTest` kind: a SageMaker inference experiment of type ShadowMode (`inference-experiment/<name>`).

Its spec is the CreateInferenceExperiment request in lowerCamelCase without `name` (the
document name), `type` (always ShadowMode) and `tags`. While it runs, it holds its endpoint.
"""

from __future__ import annotations

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
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
    request = {"Name": doc.name, "Type": "ShadowMode", **api}
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.name, ctx.arn("inference-experiment", doc.name))
    return [desired(doc, Address(HANDLER.type, doc.name), request, HANDLER.comparable_of(request, tags), tags)]


KIND = SpecKind(
    name="ShadowTest",
    naming=sagemaker_named(INFERENCE_EXPERIMENT_NAME_MAX),
    description="A SageMaker shadow test (inference experiment of type ShadowMode).",
    source=SOURCE,
    expand=expand,
)
