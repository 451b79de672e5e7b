"""The `Pipeline` kind, one small package: `schema` (CreatePipeline plus the definition's three
sources and `startOnChange`), `source` (reading a definitionFile, building a definitionPython),
`checks` (the definition's structure), `expand`, `importer` (`reconciler import Pipeline NAME`).

A document is a SageMaker pipeline named after it (`pipeline/<name>`), created with
CreatePipeline and changed with UpdatePipeline, never replaced.
"""

from reconciler.kinds.pipeline.checks import check
from reconciler.kinds.pipeline.expand import expand
from reconciler.kinds.pipeline.importer import import_pipeline, list_pipelines
from reconciler.kinds.pipeline.schema import SOURCE
from reconciler.kinds.pipeline.source import prepare
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import sagemaker_named

# CreatePipeline PipelineName: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}
PIPELINE_NAME_MAX = 256

KIND = SpecKind(
    name="Pipeline",
    naming=sagemaker_named(PIPELINE_NAME_MAX),
    description="A SageMaker pipeline (processing, training, evaluation, registration).",
    source=SOURCE,
    prepare=prepare,
    check=check,
    expand=expand,
    importer=import_pipeline,
    lister=list_pipelines,
    import_after=("ModelPackageGroup",),
)

__all__ = ["KIND"]
