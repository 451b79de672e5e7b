"""The schema source of a RecommendationJob document: the CreateInferenceRecommendationsJob request in
lowerCamelCase without `jobName` (derived from the document name and a content hash) and `tags` (the
document's `tags:`), with one extension inside `inputConfig`: `modelPackage: {group, version}`, the
Model kind's registry reference, resolved to `modelPackageVersionArn` when planning.
"""

from __future__ import annotations

from types import MappingProxyType

from reconciler.kinds.model import MODEL_PACKAGE
from reconciler.spec.fragments import KindSource, NestedExtension

OPERATION = "CreateInferenceRecommendationsJob"
MODEL_PACKAGE_KEY = "modelPackage"

INPUT_EXTENSION = NestedExtension(
    path=("InputConfig",),
    def_name="RecommendationJobInputSpec",
    members=((MODEL_PACKAGE_KEY, MappingProxyType({
        **MODEL_PACKAGE,
        "description": (
            "The model to benchmark as a registry version instead of modelPackageVersionArn: group and version "
            "(a number, or latestApproved, the default), resolved when planning and pinned in the plan."
        ),
    })),),
    defs=MappingProxyType({}),
    requests=(),
    description=(
        "What to benchmark and how: the RecommendationJobInputConfig shape in lowerCamelCase, plus modelPackage."
    ),
)

SOURCE = KindSource(
    service="sagemaker",
    operation=OPERATION,
    omit=("JobName", "Tags"),
    extensions=(),
    description=(
        "An Inference Recommender job: the CreateInferenceRecommendationsJob request in lowerCamelCase, without "
        "jobName (derived from the document name and a content hash) and tags (use the document's tags)."
    ),
    nested=(INPUT_EXTENSION,),
)
