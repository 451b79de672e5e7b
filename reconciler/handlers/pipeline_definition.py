"""SageMaker pipeline definitions as values: their canonical form, their structure, and a step-by-step diff.

Not a handler. A definition is the JSON document CreatePipeline takes (Version, Parameters, Steps,
...). Two definitions are the same pipeline when their canonical forms are equal: parsed, nulls the
SDK emits (`"MlflowConfig": null`) and empty values dropped, key order irrelevant, parameters and
steps keyed by name (a Condition step's IfSteps/ElseSteps are steps too, named in the Condition).
`diff_lines` words a change step by step (`+ step Evaluate (Processing)`, `~ step Train:
Arguments.ResourceConfig.InstanceType "ml.m5.xlarge" -> "ml.m5.2xlarge"`, `- step OldCheck`),
never as one JSON string. `walk` and `references` give the validation of a definition its steps
(with their paths, for positions) and what each step reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.diff.delta import field_diffs, leaf_diffs
from reconciler.diff.policy import prune_empty

MAX_CHARACTERS = 1_048_576  # PipelineDefinition's limit
CONDITION = "Condition"
BRANCHES = ("IfSteps", "ElseSteps")
STEP_REFERENCE = re.compile(r"^Steps\.([^.\[]+)")
PARAMETER_REFERENCE = re.compile(r"^Parameters\.([^.\[]+)")


def parse(definition: Any) -> Any:
    """A definition given as JSON text or as a value, as a value (ValueError for invalid JSON)."""
    if isinstance(definition, (str, bytes)):
        return json.loads(definition)
    return definition


def canonical(definition: Any) -> dict[str, Any]:
    """The definition without nulls and empty values (the form compared, hashed and sent)."""
    value = prune_empty(_plain(parse(definition)))
    return value if isinstance(value, dict) else {}


def text(definition: Any) -> str:
    """The canonical definition as compact JSON with sorted keys: what CreatePipeline/UpdatePipeline get."""
    return json.dumps(canonical(definition), sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# --- structure ----------------------------------------------------------------------------------


def walk(definition: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], tuple[Any, ...], str | None]]:
    """Every step (Condition branches included) with its path from the definition's root and the name of
    the Condition step holding it (None at the top level)."""
    def steps_in(items: Any, path: tuple[Any, ...], parent: str | None) -> Iterator[
            tuple[dict[str, Any], tuple[Any, ...], str | None]]:
        for i, step in enumerate(items if isinstance(items, list) else []):
            if not isinstance(step, dict):
                continue
            here = (*path, i)
            yield step, here, parent
            if step.get("Type") == CONDITION:
                arguments = step.get("Arguments") if isinstance(step.get("Arguments"), dict) else {}
                for branch in BRANCHES:
                    yield from steps_in(arguments.get(branch), (*here, "Arguments", branch), str(step.get("Name")))

    yield from steps_in(definition.get("Steps"), ("Steps",), None)


def gets(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every `{"Get": "..."}` expression below `value` (not entering a Condition's branch steps), with its path."""
    if isinstance(value, dict):
        if isinstance(value.get("Get"), str) and len(value) == 1:
            yield value["Get"], (*path, "Get")
            return
        for key, item in value.items():
            if key in BRANCHES:
                continue  # steps of their own
            yield from gets(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from gets(item, (*path, i))


def references(step: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(steps, parameters) a step reads through Get expressions (Std:JsonGet's property files included)."""
    steps: set[str] = set()
    parameters: set[str] = set()
    for expression, _ in gets({k: v for k, v in step.items() if k not in ("Name", "DependsOn")}):
        if match := STEP_REFERENCE.match(expression):
            steps.add(match.group(1))
        elif match := PARAMETER_REFERENCE.match(expression):
            parameters.add(match.group(1))
    return steps, parameters


def keyed(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The definition with parameters and steps keyed by name (Condition branches by their step names): the
    view a diff is taken over."""
    out = {k: v for k, v in definition.items() if k not in ("Parameters", "Steps")}
    out["Parameters"] = {str(p.get("Name")): {k: v for k, v in p.items() if k != "Name"}
                         for p in definition.get("Parameters") or [] if isinstance(p, dict)}
    steps: dict[str, Any] = {}
    for step, _, _ in walk(definition):
        body = {k: v for k, v in step.items() if k != "Name"}
        if step.get("Type") == CONDITION and isinstance(body.get("Arguments"), dict):
            arguments = dict(body["Arguments"])
            for branch in BRANCHES:
                if branch in arguments:
                    arguments[branch] = [s.get("Name") for s in arguments[branch] if isinstance(s, dict)]
            body["Arguments"] = arguments
        steps[str(step.get("Name"))] = body
    out["Steps"] = steps
    return out


# --- the diff -----------------------------------------------------------------------------------


def diff_lines(before: Any, after: Any) -> list[str]:
    """A definition change, step by step and parameter by parameter (empty when they are the same)."""
    old, new = keyed(canonical(before)), keyed(canonical(after))
    lines: list[str] = []
    for noun, key in (("parameter", "Parameters"), ("step", "Steps")):
        was, now = old.pop(key), new.pop(key)
        for name in [n for n in now if n not in was]:
            lines.append(f"+ {noun} {name}{_kind(now[name])}")
        for name in [n for n in now if n in was and now[n] != was[n]]:
            for diff in leaf_diffs(field_diffs(was[name], now[name])):
                lines.append(f"~ {noun} {name}: {diff.path} {_value(diff.old, diff.kind == 'added')} -> "
                             f"{_value(diff.new, diff.kind == 'removed')}")
        for name in [n for n in was if n not in now]:
            lines.append(f"- {noun} {name}{_kind(was[name])}")
    return lines + field_lines(old, new)


def field_lines(before: Any, after: Any) -> list[str]:
    """`+ path: value`, `- path: value`, `~ path: old -> new` for each differing leaf of two mappings."""
    lines = []
    for diff in leaf_diffs(field_diffs(before, after)):
        if diff.kind == "added":
            lines.append(f"+ {diff.path}: {_value(diff.new, False)}")
        elif diff.kind == "removed":
            lines.append(f"- {diff.path}: {_value(diff.old, False)}")
        else:
            lines.append(f"~ {diff.path}: {_value(diff.old, False)} -> {_value(diff.new, False)}")
    return lines


def _kind(body: Mapping[str, Any]) -> str:
    kind = body.get("Type")
    return f" ({kind})" if kind else ""


def _value(value: Any, absent: bool, width: int = 60) -> str:
    if absent:
        return "(none)"
    shown = json.dumps(value, sort_keys=True, default=str)
    return shown if len(shown) <= width else shown[: width - 3] + "..."
