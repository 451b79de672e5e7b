"""`reconciler import Pipeline NAME`: a live SageMaker pipeline written as a Pipeline document.

The spec is the pipeline's settings as a person writes them (`roleArn`, `pipelineDisplayName` unless it
is SageMaker's default, the name, `pipelineDescription`, `parallelismConfiguration`) and its latest
definition inline as `pipelineDefinition` (the definition JSON parsed, in canonical form: the nulls
the SDK emits left out). A `RegisterModel` step's group that is a document of the stack (or imported
in the same run) is written as `${ModelPackageGroup.<doc>.name}`, and ARNs of the stack's documents as
references. What SageMaker does not return as part of the pipeline (how the definition was made: a
definitionFile or definitionPython; `startOnChange`) cannot be read back: a note says so.
"""

from __future__ import annotations

from typing import Any

from reconciler.aws.calls import paginate
from reconciler.aws.shapes import from_api, operation_input
from reconciler.diff.policy import as_written
from reconciler.handlers.pipeline import POLICY, PipelineHandler
from reconciler.handlers.pipeline_definition import canonical, walk
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, unowned, user_tags
from reconciler.spec.references import literal

HANDLER = PipelineHandler()
KIND_NAME = "Pipeline"
GROUP_KIND = "ModelPackageGroup"
SETTINGS_ORDER = ("roleArn", "pipelineDisplayName", "pipelineDescription", "parallelismConfiguration")
NOTES = ("pipelineDefinition is the definition SageMaker holds, inline: if yours is kept in a file or built with the "
         "SageMaker SDK, write definitionFile or definitionPython instead",
         "startOnChange (an execution after each change) is not part of the pipeline and cannot be read back: add "
         "it if you want it")


def import_pipeline(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The Pipeline document of live pipeline `name`; ImportRefused when it is missing, owned by a stack, not
    Active. Text that would read as a reference or variable (`${HOME}`) is written escaped (`$${HOME}`)."""
    live = unowned(HANDLER.find(ctx.clients, name), KIND_NAME, name)
    data = live.data or {}
    if data.get("PipelineStatus", "Active") != "Active":
        raise ImportRefused(f"{KIND_NAME} {name!r} is {data['PipelineStatus']}: only an Active pipeline can be "
                            "imported")
    settings = as_written(POLICY, data)
    if settings.get("PipelineDisplayName") == name:
        settings.pop("PipelineDisplayName")  # SageMaker's default display name is the pipeline's name
    written = from_api(settings, operation_input("sagemaker", "CreatePipeline"), drop_unknown=True)
    rank = {key: i for i, key in enumerate(SETTINGS_ORDER)}
    spec: dict[str, Any] = dict(sorted(written.items(), key=lambda item: rank.get(item[0], len(rank))))
    try:
        definition = canonical(data.get("PipelineDefinition") or {})
    except ValueError as exc:
        raise ImportRefused(f"{KIND_NAME} {name!r}: its definition is not valid JSON ({exc})") from None
    if not definition:
        raise ImportRefused(f"{KIND_NAME} {name!r}: SageMaker returned no definition for it")
    spec = ctx.arn_references(literal(spec))  # a shell `${HOME}` in a step is written $${HOME}
    spec["pipelineDefinition"] = _group_references(ctx, ctx.arn_references(literal(definition)))
    doc = ImportedDoc(KIND_NAME, ctx.doc_name(name), spec, user_tags(live), [live.address], notes=list(NOTES),
                      source=live.arn)
    if data.get("PipelineVersionAliases"):
        doc.notes.append("its pipeline version aliases are not part of the document (reconciler neither sets nor "
                         "compares them)")
    return [doc]


def _group_references(ctx: ImportContext, definition: dict[str, Any]) -> dict[str, Any]:
    """`definition` (changed in place) with each RegisterModel step's group that is a document of the stack written
    as its reference."""
    for step, _, _ in walk(definition):
        arguments = step.get("Arguments")
        if step.get("Type") != "RegisterModel" or not isinstance(arguments, dict):
            continue
        group = arguments.get("ModelPackageGroupName")
        reference = ctx.reference(GROUP_KIND, group) if isinstance(group, str) else None
        if reference is not None:
            arguments["ModelPackageGroupName"] = reference
    return definition


def list_pipelines(clients: Any) -> list[str]:
    """The names of every pipeline of the account and region that its users created (not AWS-managed ones);
    empty when there is none."""
    return [str(p["PipelineName"]) for p in paginate(clients.sagemaker, "ListPipelines", "PipelineSummaries")]
