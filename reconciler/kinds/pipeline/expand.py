"""Expansion of a Pipeline document: `pipeline/<name>` with its definition as canonical JSON, references
inside it resolved (inline or from a definitionFile alike)."""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.handlers.pipeline import PipelineHandler, pipeline_view
from reconciler.handlers.pipeline_definition import text, walk
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import substitute

HANDLER = PipelineHandler()


def groups_registered(definition: dict[str, Any]) -> list[str]:
    """The model package groups the definition's RegisterModel steps register into (where written as names)."""
    found = []
    for step, _, _ in walk(definition):
        if step.get("Type") == "RegisterModel":
            group = (step.get("Arguments") or {}).get("ModelPackageGroupName")
            if isinstance(group, str):
                found.append(group)
    return sorted(set(found))


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    definition = spec.pop("pipelineDefinition", None) or {}
    start = spec.pop("startOnChange", None)
    request = {"PipelineName": doc.aws_name, **to_api(spec, operation_input("sagemaker", "CreatePipeline")),
               "PipelineDefinition": text(definition)}
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.aws_name, ctx.arn(HANDLER.arn_type, doc.aws_name))
    extra = {"start": (start.get("parameters") or {}) if start is not None else None,
             "groups": groups_registered(definition)}
    return [desired(doc, Address(HANDLER.type, doc.aws_name), request, pipeline_view(request, doc.aws_name, tags), tags,
                    extra=extra)]
