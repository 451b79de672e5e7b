"""The `RecommendationJob` kind, one small package: `schema` (the CreateInferenceRecommendationsJob request
plus `inputConfig.modelPackage`), `checks` (Inference Recommender's limits), `expand` (the job).

A document is an Inference Recommender job, immutable and content-addressed
(`inference-recommendations-job/<name>-<hash>`): a changed spec starts a new job and the earlier ones are
kept as history (SageMaker cannot delete a job; see the handler). `reconciler recommendations` shows what
each job found beside the instance types the stack's endpoints run.

Naming: SageMaker names the models, endpoint configs and endpoints a job deploys to benchmark after the
job, truncated to 40 characters. The document name (with an environment's namePrefix) is at most 31
characters, so the whole job name, `-<hash>` included, fits in those 40: the resources of two jobs of one
document (the one running and the one that replaces it) never share a prefix, and each prefix names its job.
"""

from reconciler.handlers.inference_recommendations import NAME_PREFIX
from reconciler.kinds.recommendation_job.checks import check
from reconciler.kinds.recommendation_job.expand import expand
from reconciler.kinds.recommendation_job.schema import SOURCE
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import HASH_LEN, HYPHENATED, SAGEMAKER_NAME, NameRule

NAME_MAX = NAME_PREFIX - HASH_LEN - 1  # the whole job name, `-<hash>` included, within NAME_PREFIX

KIND = SpecKind(
    name="RecommendationJob",
    naming=NameRule(True, NAME_MAX, SAGEMAKER_NAME, HYPHENATED, name_max_why=(
        f"the job is named <name>-<hash>, and SageMaker names what a job deploys after its first "
        f"{NAME_PREFIX} characters: the hash must be among them")),
    description="An Inference Recommender job (immutable, content-addressed; earlier jobs kept as history).",
    source=SOURCE,
    check=check,
    expand=expand,
)

__all__ = ["KIND"]
