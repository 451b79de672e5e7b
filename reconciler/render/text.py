"""Terminal text for plans and drift reports: Terraform-like, for humans and CI logs.

A plan reads top to bottom: one block per change (`+` create, `~` update, `-/+` replace,
`-` delete, then the address, the spec address, the action with its reason and the
field-level diff), the numbered steps in execution order, orphans kept because the Stack
has `prune: false`, warnings, and a one-line summary. A drift report lists each resource
that is not in sync with its labels (`[drift]`, `[pending]`) and the diff live -> desired.

Renderers return strings and never print. With `color=False` the output holds no ANSI
escape at all (rich is not even imported); with `color=True` the same text is styled
through rich (imported lazily), so the words are identical either way.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.plan.model import Action, Change, Plan, Step
from reconciler.render.delta import FieldLine, detail_lines, diff_field_lines, field_diffs, state_field_lines

CREATE_FIELD_LIMIT = 15  # leaf fields shown for a create before "... N more fields"
DIFF_LINE_LIMIT = 50  # field changes shown for an update/replace before eliding

ACTION_STYLE: dict[Action, str] = {
    Action.create: "green",
    Action.update: "yellow",
    Action.replace: "magenta",
    Action.delete: "red",
}
SIGN_STYLE: dict[str, str] = {"+": "green", "-": "red", "~": "yellow"}
LABEL_STYLE: dict[str, str] = {"drift": "red", "pending": "yellow"}

Segment = tuple[str, str | None]  # text, rich style (None: unstyled)
Line = list[Segment]

FIELD_INDENT = "      "


def _plain(text: str) -> Segment:
    return (text, None)


def _output(lines: Sequence[Line], color: bool) -> str:
    if not color:
        return "".join("".join(text for text, _ in line) + "\n" for line in lines)
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        no_color=False,
        width=120,
        highlight=False,
        soft_wrap=True,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    for line in lines:
        text = Text()
        for part, style in line:
            text.append(part, style=style or "")
        console.print(text)
    return buffer.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _field_lines(fields: Sequence[FieldLine]) -> list[Line]:
    lines: list[Line] = []
    for field in fields:
        if field.sign:
            sign = (field.sign, SIGN_STYLE[field.sign])
            lines.append([_plain(FIELD_INDENT), sign, _plain(f" {field.text}")])
        else:
            lines.append([(f"{FIELD_INDENT}{field.text}", "dim")])
    return lines


def _title(address: str, spec: str | None) -> str:
    return f"{address}  ({spec})" if spec else address


def action_reason(change: Change) -> str:
    """`create: new model`; for a replace, `replace: replaces OLD (reason)`."""
    reason = _one_line(change.reason)
    if change.action is Action.replace and change.replaces:
        reason = f"replaces {change.replaces} ({reason})" if reason else f"replaces {change.replaces}"
    return f"{change.action.value}: {reason}" if reason else change.action.value


def change_fields(change: Change, create_limit: int | None, diff_limit: int | None) -> list[FieldLine]:
    """The field lines shown under a change: leaves for a create, the diff for update/replace."""
    if change.action is Action.delete:
        return []
    if change.details:
        return detail_lines(change.details, diff_limit)
    if change.action is Action.create or change.before is None:
        return state_field_lines(change.after, create_limit)
    return diff_field_lines(field_diffs(change.before, change.after), diff_limit)


def plan_summary(plan: Plan) -> str:
    counts = {action: 0 for action in Action}
    for change in plan.changes:
        counts[change.action] += 1
    return (
        f"Plan: {counts[Action.create]} to create, {counts[Action.update]} to update, "
        f"{counts[Action.replace]} to replace, {counts[Action.delete]} to delete."
    )


def _change_block(change: Change) -> list[Line]:
    style = ACTION_STYLE[change.action]
    lines: list[Line] = [
        [_plain("  "), (change.action.symbol, style), _plain(f" {_title(change.address, change.spec)}")],
        [_plain(FIELD_INDENT), (action_reason(change), None)],
    ]
    lines.extend(_field_lines(change_fields(change, CREATE_FIELD_LIMIT, DIFF_LINE_LIMIT)))
    return lines


def _step_lines(steps: Sequence[Step]) -> list[Line]:
    number_width = max(2, len(str(len(steps))))
    op_width = max(len(step.operation) for step in steps)
    has_description = any(step.description for step in steps)
    address_width = max(len(step.address) for step in steps) if has_description else 0
    lines: list[Line] = []
    for index, step in enumerate(steps, start=1):
        head = f"  {index:>{number_width}}. {step.operation:<{op_width}}  "
        line: Line = [_plain(head)]
        if step.description:
            line.append(_plain(f"{step.address:<{address_width}}  "))
            line.append((_one_line(step.description), "dim"))
        else:
            line.append(_plain(step.address))
        lines.append(line)
    return lines


def _orphan_lines(plan: Plan) -> list[Line]:
    if not plan.orphans:
        return []
    lines: list[Line] = [
        [
            (
                "Not in the specs any more, kept because the Stack has prune: false "
                "(set prune: true to delete them):",
                "bold",
            )
        ]
    ]
    lines.extend([_plain(f"    {_title(orphan.address, orphan.spec)}")] for orphan in plan.orphans)
    lines.append([])
    return lines


def _note_lines(notes: Sequence[str]) -> list[Line]:
    if not notes:
        return []
    lines: list[Line] = [[("Note:", "bold cyan"), _plain(f" {_one_line(n)}")] for n in notes]
    lines.append([])
    return lines


def _warning_lines(warnings: Sequence[str]) -> list[Line]:
    if not warnings:
        return []
    lines: list[Line] = [[("Warning:", "bold yellow"), _plain(f" {_one_line(w)}")] for w in warnings]
    lines.append([])
    return lines


def render_plan_text(plan: Plan, *, color: bool) -> str:
    """The plan as terminal text; ANSI styling only when `color` is true."""
    if plan.is_empty:
        lines: list[Line] = [[_plain(f'No changes. Live AWS matches the specs for stack "{plan.stack}".')]]
        if plan.orphans or plan.warnings or plan.notes:
            lines.append([])
            lines.extend(_orphan_lines(plan))
            lines.extend(_note_lines(plan.notes))
            lines.extend(_warning_lines(plan.warnings))
            lines.pop()  # no trailing blank line
        return _output(lines, color)

    lines = [
        [(f'Plan for stack "{plan.stack}" (region {plan.region}, account {plan.account})', "bold")],
        [],
    ]
    for change in plan.changes:
        lines.extend(_change_block(change))
        lines.append([])
    if plan.steps:
        lines.append([("Steps (in order):", "bold")])
        lines.extend(_step_lines(plan.steps))
        lines.append([])
    lines.extend(_orphan_lines(plan))
    lines.extend(_note_lines(plan.notes))
    lines.extend(_warning_lines(plan.warnings))
    lines.append([(plan_summary(plan), "bold")])
    return _output(lines, color)


def drift_summary(report: DriftReport) -> str:
    drifted, pending = report.count("drift"), report.count("pending")
    if not drifted and not pending:
        return f"In sync: {report.checked} resources checked, no drift."
    total = len(report.entries)
    return (f"Drift: {total} resource{'' if total == 1 else 's'} differ{'s' if total == 1 else ''} from git: "
            f"{drifted} drifted, {pending} pending ({report.checked} resources checked).")


def entry_reason(entry: DriftEntry) -> str:
    """`update: reason` when apply would act on the entry, else the reason alone."""
    reason = _one_line(entry.reason)
    if entry.action:
        return f"{entry.action}: {reason}" if reason else entry.action
    return reason


def entry_fields(entry: DriftEntry, limit: int | None) -> list[FieldLine]:
    """The diff live -> desired; nothing when either side is absent (a create or delete)."""
    if entry.live is None or entry.desired is None:
        return []
    if entry.details:
        return detail_lines(entry.details, limit)
    return diff_field_lines(field_diffs(entry.live, entry.desired), limit)


def _label_segments(labels: Sequence[str]) -> list[Segment]:
    segments: list[Segment] = [_plain("[")]
    for index, label in enumerate(labels):
        if index:
            segments.append(_plain(", "))
        segments.append((label, LABEL_STYLE.get(label, "cyan")))
    segments.append(_plain("]"))
    return segments


def render_drift_text(report: DriftReport, *, color: bool) -> str:
    """The drift report as terminal text; field diffs read live -> desired."""
    lines: list[Line] = [
        [(f'Drift for stack "{report.stack}" (region {report.region}, account {report.account})', "bold")],
        [],
    ]
    if report.entries:
        lines.append([("Field values are shown live -> desired.", "dim")])
        lines.append([])
    for entry in report.entries:
        title = _plain(f" {_title(entry.address, entry.spec)}")
        lines.append([_plain("  "), *_label_segments(entry.labels), title])
        reason = entry_reason(entry)
        if reason:
            lines.append([_plain(f"{FIELD_INDENT}{reason}")])
        lines.extend(_field_lines(entry_fields(entry, DIFF_LINE_LIMIT)))
        lines.append([])
    lines.extend(_note_lines(report.notes))
    lines.append([(drift_summary(report), "bold")])
    return _output(lines, color)
