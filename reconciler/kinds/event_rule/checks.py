"""What an EventRule must satisfy before any call: a pattern or a schedule; a pattern EventBridge accepts
(JSON-able, at most 2,048 characters as sent, leaves that are lists of values or known operators); a valid
`rate(...)` or `cron(...)` schedule, only on the default bus; at most 5 targets with unique ids, one input form
each, and a role for SageMaker pipeline targets."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.spec.documents import SpecDoc

PATTERN_MAX = 2048
TARGETS_MAX = 5
INPUTS = ("input", "inputPath", "inputTransformer")
OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "cidr", "exists", "wildcard")
NUMERIC_OPS = ("<", "<=", "=", ">", ">=")
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((.*)\)$")
CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/\-#LW]+$")


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    spec = doc.spec
    pos = doc.doc.pos
    if "eventPattern" not in spec and "scheduleExpression" not in spec:
        diags.error("an EventRule needs eventPattern or scheduleExpression (or both)", pos(("spec",)))
    if "eventPattern" in spec:
        _pattern(doc, diags)
    if "scheduleExpression" in spec:
        where = pos(("spec", "scheduleExpression"))
        problem = schedule_problem(str(spec["scheduleExpression"]))
        if problem:
            diags.error(problem, where)
        bus = str(spec.get("eventBusName") or "default")
        if bus not in ("default",) and not bus.endswith("event-bus/default"):
            diags.error("schedules run only on the default event bus: remove eventBusName, or use an event pattern",
                        where)
    _targets(doc, diags)


def schedule_problem(expression: str) -> str | None:
    """Why `expression` is not a schedule EventBridge runs (None when it is)."""
    rate = RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            return f"{expression}: the rate must be at least 1"
        if (value == 1) != (not unit.endswith("s")):
            right = unit.rstrip("s") if value == 1 else unit + ("" if unit.endswith("s") else "s")
            return f"{expression}: write rate({value} {right}) (singular for 1, plural otherwise)"
        return None
    cron = CRON.match(expression)
    if not cron:
        return (f"scheduleExpression {expression!r} is neither rate(value unit) nor cron(minutes hours "
                "day-of-month month day-of-week year)")
    fields = cron.group(1).split()
    if len(fields) != 6:
        return (f"{expression}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), "
                f"not {len(fields)}")
    bad = [f for f in fields if not CRON_FIELD.match(f)]
    if bad:
        return f"{expression}: {bad[0]!r} is not a cron field"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return (f"{expression}: exactly one of day-of-month ({day_of_month}) and day-of-week ({day_of_week}) "
                "must be '?'")
    return None


def _pattern(doc: SpecDoc, diags: Diagnostics) -> None:
    pattern = doc.spec["eventPattern"]
    base = ("spec", "eventPattern")
    try:
        text = json.dumps(pattern, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        diags.error(f"eventPattern cannot be sent as JSON: {exc}", doc.doc.pos(base))
        return
    if len(text) > PATTERN_MAX:
        diags.error(f"eventPattern is {len(text):,} characters as JSON; EventBridge takes at most {PATTERN_MAX:,}",
                    doc.doc.pos(base))
    if not pattern:
        diags.error("eventPattern is empty: give at least one field to match (source, detail-type, ...)",
                    doc.doc.pos(base))
    for path, problem in pattern_problems(pattern, base):
        diags.error(problem, doc.doc.pos(path))


def pattern_problems(node: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    """Every part of an event pattern EventBridge refuses, with where it is."""
    found: list[tuple[tuple[Any, ...], str]] = []
    if not isinstance(node, Mapping):
        return [(path, "an event pattern is a mapping of field names to lists of values")]
    for key, value in node.items():
        here = (*path, key)
        where = ".".join(str(p) for p in here[2:])
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                found.append((here, f"{where}: $or takes a list of at least two patterns"))
                continue
            for i, option in enumerate(value):
                found += pattern_problems(option, (*here, i))
        elif isinstance(value, Mapping):
            found += pattern_problems(value, here)
        elif isinstance(value, list):
            if not value:
                found.append((here, f"{where}: an empty list matches nothing"))
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    problem = _operator_problem(item)
                    if problem:
                        found.append(((*here, i), f"{where}[{i}]: {problem}"))
                elif isinstance(item, list):
                    found.append(((*here, i), f"{where}[{i}]: a value is a string, number, boolean, null or an "
                                              "operator, not a list"))
        else:
            found.append((here, f"{where}: values to match go in a list ({key}: [{json.dumps(value)}])"))
    return found


def _operator_problem(item: Mapping[str, Any]) -> str | None:
    if len(item) != 1:
        return f"an operator is one key ({', '.join(OPERATORS)}), not {len(item)}"
    (op, arg), = item.items()
    if op not in OPERATORS:
        return f"unknown operator {op!r} (one of {', '.join(OPERATORS)})"
    if op in ("prefix", "suffix"):
        if isinstance(arg, Mapping) and set(arg) == {"equals-ignore-case"} and isinstance(arg["equals-ignore-case"],
                                                                                          str):
            return None
        return None if isinstance(arg, str) else f"{op} takes a string (or {{equals-ignore-case: string}})"
    if op in ("equals-ignore-case", "wildcard", "cidr"):
        return None if isinstance(arg, str) else f"{op} takes a string"
    if op == "exists":
        return None if isinstance(arg, bool) else "exists takes true or false"
    if op == "numeric":
        if not isinstance(arg, list) or len(arg) not in (2, 4):
            return "numeric takes [operator, number] or [operator, number, operator, number]"
        for i in range(0, len(arg), 2):
            if arg[i] not in NUMERIC_OPS or isinstance(arg[i + 1], bool) or not isinstance(arg[i + 1], (int, float)):
                return f"numeric takes operators {', '.join(NUMERIC_OPS)} each followed by a number"
        return None
    # anything-but: a value, a list of values, or {prefix|suffix|equals-ignore-case|wildcard: ...}
    if isinstance(arg, Mapping):
        if len(arg) == 1 and next(iter(arg)) in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
            inner = next(iter(arg.values()))
            return None if isinstance(inner, (str, list)) else "anything-but's operator takes a string"
        return "anything-but takes a value, a list of values, or {prefix|suffix|equals-ignore-case|wildcard: ...}"
    return None


def _targets(doc: SpecDoc, diags: Diagnostics) -> None:
    targets = doc.spec.get("targets") or []
    pos = doc.doc.pos
    if len(targets) > TARGETS_MAX:
        diags.error(f"{len(targets)} targets; a rule has at most {TARGETS_MAX}", pos(("spec", "targets")))
    seen: dict[str, int] = {}
    for i, target in enumerate(targets):
        where = ("spec", "targets", i)
        target_id = str(target.get("id"))
        if target_id in seen:
            diags.error(f"target id {target_id!r} is used twice (first at targets[{seen[target_id]}])",
                        pos((*where, "id")))
        seen.setdefault(target_id, i)
        forms = [k for k in INPUTS if k in target]
        if len(forms) > 1:
            diags.error(f"target {target_id}: give one of input, inputPath and inputTransformer, not "
                        f"{' and '.join(forms)}", pos((*where, forms[1])))
        if "input" in target:
            try:
                json.loads(str(target["input"]))
            except ValueError:
                diags.error(f"target {target_id}: input must be JSON text (the event is replaced by it)",
                            pos((*where, "input")))
        arn = str(target.get("arn", ""))
        pipeline = (":sagemaker:" in arn and ":pipeline/" in arn) or arn.startswith("${Pipeline.") \
            or "sageMakerPipelineParameters" in target
        if pipeline and "roleArn" not in target:
            diags.error(f"target {target_id}: a SageMaker pipeline target needs roleArn (a role EventBridge assumes, "
                        "allowed sagemaker:StartPipelineExecution)", pos(where))
