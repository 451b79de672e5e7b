"""The Pipeline kind's schema source: the CreatePipeline request without its name, tags, token and
definition string, plus the definition given one of three ways and `startOnChange`."""

from __future__ import annotations

from types import MappingProxyType

from reconciler.spec.fragments import KindSource

DEFINITION_KEYS = ("pipelineDefinition", "definitionFile", "definitionPython")

SOURCE = KindSource(
    service="sagemaker",
    operation="CreatePipeline",
    omit=("PipelineName", "Tags", "ClientRequestToken", "PipelineDefinition", "PipelineDefinitionS3Location"),
    extensions=(
        ("pipelineDefinition", MappingProxyType({
            "type": "object",
            "description": (
                "The pipeline definition inline, as YAML: the pipeline definition JSON (Version, Parameters, "
                "Steps, ...) exactly."
            ),
        })),
        ("definitionFile", MappingProxyType({
            "type": "string",
            "minLength": 1,
            "description": "The pipeline definition in a JSON or YAML file, relative to this spec file.",
        })),
        ("definitionPython", MappingProxyType({
            "type": "string",
            "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$",
            "description": (
                "module:function in the stack's repository returning a SageMaker SDK Pipeline (or its "
                "definition); built offline, needs the sdk extra."
            ),
        })),
        ("startOnChange", MappingProxyType({
            "type": "object",
            "description": "Start an execution after each create or update, with these parameter values.",
            "properties": {
                "parameters": {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                    "description": "Pipeline parameter values: {Name: value}.",
                },
            },
            "additionalProperties": False,
        })),
    ),
    description=(
        "A SageMaker pipeline: the CreatePipeline request in lowerCamelCase without pipelineName, tags and "
        "the definition string; the definition inline, in a file, or built by a Python function."
    ),
)
