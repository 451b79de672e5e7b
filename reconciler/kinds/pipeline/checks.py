"""Semantic checks of a Pipeline document's definition, at the line where each problem is written (the
spec file for an inline definition, the definition file's own line for a definitionFile).

What SageMaker would reject, or run wrongly, checked before any call: the definition's size as JSON
(at most 1,048,576 characters), `Version`, unique step names matching AWS's pattern, step types AWS
knows, `DependsOn` and `Get: Steps.X...` (also inside `Std:JsonGet`) naming existing steps, `Get:
Parameters.X` naming declared parameters, Condition branches holding steps, no dependency cycle, and
`startOnChange` parameters that the definition declares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.handlers.pipeline_definition import (
    BRANCHES,
    CONDITION,
    MAX_CHARACTERS,
    PARAMETER_REFERENCE,
    STEP_REFERENCE,
    gets,
    references,
    text,
    walk,
)
from reconciler.kinds.pipeline.source import DEFINITION
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import topological_order

STEP_NAME = re.compile(r"^[A-Za-z0-9\-_]{1,64}$")
PARAMETER_TYPES = ("String", "Integer", "Float", "Boolean")
STEP_TYPES = ("Processing", "Training", "Tuning", "AutoML", "Model", "CreateModel", "RegisterModel", "Transform",
              "Condition", "Callback", "Lambda", "ClarifyCheck", "QualityCheck", "EMR", "Fail", "NotebookJob")


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """Every problem of the document's definition and start parameters."""
    definition = doc.spec.get("pipelineDefinition")
    if not isinstance(definition, dict):
        return  # prepare reported it

    def at(*path: Any) -> Any:
        return doc.pos((*DEFINITION, *path))

    size = len(text(definition))
    if size > MAX_CHARACTERS:
        diags.error(f"the pipeline definition is {size:,} characters as JSON; SageMaker takes at most "
                    f"{MAX_CHARACTERS:,}", at())
    if "Version" not in definition:
        diags.error("the pipeline definition needs a Version (e.g. \"2020-12-01\")", at())
    parameters = _parameters(definition, diags, at)
    steps = list(walk(definition))
    if not isinstance(definition.get("Steps"), list) or not steps:
        diags.error("the pipeline definition needs Steps: a list of steps", at("Steps"))
        return
    names: dict[str, tuple[Any, ...]] = {}
    for step, path, _ in steps:
        name, kind = step.get("Name"), step.get("Type")
        if not isinstance(name, str) or not STEP_NAME.match(name):
            diags.error(f"step name {name!r} is not valid: 1 to 64 letters, digits, '-' or '_'", at(*path, "Name"))
        elif name in names:
            diags.error(f"duplicate step name {name!r} (first at {at(*names[name], 'Name')})", at(*path, "Name"))
        else:
            names[name] = path
        if kind not in STEP_TYPES:
            diags.error(f"step {name}: Type {kind!r} is not a SageMaker pipeline step type ({', '.join(STEP_TYPES)})",
                        at(*path, "Type"))
        if kind == CONDITION:
            arguments = step.get("Arguments") if isinstance(step.get("Arguments"), dict) else {}
            for branch in BRANCHES:
                held = arguments.get(branch, [])
                if not isinstance(held, list) or not all(isinstance(s, dict) and "Name" in s for s in held):
                    diags.error(f"Condition step {name}: {branch} must be a list of steps",
                                at(*path, "Arguments", branch))
    edges: dict[str, set[str]] = {name: set() for name in names}
    for step, path, parent in steps:
        name = step.get("Name")
        if name not in names or names[name] != path:
            continue
        depends = step.get("DependsOn") or []
        for i, other in enumerate(depends if isinstance(depends, list) else []):
            if other not in names:
                diags.error(f"step {name}: DependsOn names {other!r}, which is not a step of this pipeline"
                            f"{_suggest(other, names)}", at(*path, "DependsOn", i))
            else:
                edges[name].add(other)
        for expression, where in gets({k: v for k, v in step.items() if k not in ("Name", "DependsOn")}):
            if (match := STEP_REFERENCE.match(expression)) and match.group(1) not in names:
                diags.error(f"step {name}: Get: {expression} names a step this pipeline does not have"
                            f"{_suggest(match.group(1), names)}", at(*path, *where))
            elif (match := PARAMETER_REFERENCE.match(expression)) and match.group(1) not in parameters:
                diags.error(f"step {name}: Get: {expression} names a parameter the definition does not declare"
                            f"{_suggest(match.group(1), parameters)}", at(*path, *where))
        read_steps, _ = references(step)
        edges[name] |= read_steps & set(names)
        if parent is not None and parent in edges:
            edges[name].add(parent)  # a branch runs after its condition
    _, cycles = topological_order(sorted(edges), edges)
    for cycle in cycles:
        first = names[cycle[0]]
        diags.error(f"the steps depend on each other in a cycle: {' -> '.join([*cycle, cycle[0]])}", at(*first))
    _check_start(doc, diags, parameters)


def _parameters(definition: dict[str, Any], diags: Diagnostics, at: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for i, parameter in enumerate(definition.get("Parameters") or []):
        if not isinstance(parameter, dict) or not isinstance(parameter.get("Name"), str):
            diags.error("a pipeline parameter needs a Name", at("Parameters", i))
            continue
        if parameter.get("Type") not in PARAMETER_TYPES:
            diags.error(f"parameter {parameter['Name']}: Type {parameter.get('Type')!r} is not one of "
                        f"{', '.join(PARAMETER_TYPES)}", at("Parameters", i, "Type"))
        if parameter["Name"] in found:
            diags.error(f"duplicate parameter {parameter['Name']!r}", at("Parameters", i, "Name"))
        found[parameter["Name"]] = parameter
    return found


def _check_start(doc: SpecDoc, diags: Diagnostics, parameters: Mapping[str, Any]) -> None:
    given = (doc.spec.get("startOnChange") or {}).get("parameters") or {}
    for name in given:
        if name not in parameters:
            diags.error(f"startOnChange.parameters.{name}: the definition declares no parameter {name!r}"
                        f"{_suggest(str(name), parameters)}",
                        doc.doc.pos(("spec", "startOnChange", "parameters", name)))


def _suggest(word: str, options: Any) -> str:
    import difflib

    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""

