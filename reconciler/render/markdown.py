"""Markdown for plans and drift reports, made to be posted as a pull-request comment by CI.

Layout: a `###` heading naming the stack, a one-line summary with counts, warnings, a
table of changes (action, address, spec, reason), then one collapsible `<details>` per
change holding a ```diff block of its field changes (`+` added, `-` removed, `~` changed),
the ordered steps as a numbered list, and the orphans kept because `prune` is false.
Table cells and HTML are escaped; code fences grow when a value holds backticks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from reconciler.drift_model import DriftReport
from reconciler.plan.model import Action, Plan
from reconciler.render.delta import FieldLine
from reconciler.render.text import (
    action_reason,
    change_fields,
    drift_summary,
    entry_fields,
    plan_summary,
)

CREATE_FIELD_LIMIT = 50  # a collapsed block can afford more than the terminal
DIFF_LINE_LIMIT = 100

ACTION_BADGE: dict[Action, str] = {
    Action.create: "🟢 create",
    Action.update: "🟡 update",
    Action.replace: "🟣 replace",
    Action.delete: "🔴 delete",
}


def _cell(text: str | None) -> str:
    if not text:
        return ""
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _code(text: str | None) -> str:
    if not text:
        return ""
    return f"`{text}`".replace("|", "\\|")


def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def _details(summary: str, fields: Sequence[FieldLine]) -> list[str]:
    body = "\n".join(f"{f.sign} {f.text}" if f.sign else f"  {f.text}" for f in fields)
    fence = _fence(body)
    return [
        f"<details><summary>{summary}</summary>",
        "",
        f"{fence}diff",
        body,
        fence,
        "",
        "</details>",
        "",
    ]


def _summary_html(symbol: str, address: str, spec: str | None) -> str:
    text = f"<code>{html.escape(symbol)} {html.escape(address)}</code>"
    return f"{text} ({html.escape(spec)})" if spec else text


def _orphans(plan: Plan) -> list[str]:
    if not plan.orphans:
        return []
    lines = [
        "#### Kept, no longer in the specs",
        "",
        "These owned resources are no longer in the specs and are kept because the Stack has "
        "`prune: false` (set `prune: true` to delete them).",
        "",
    ]
    for orphan in plan.orphans:
        spec = f" ({_code(orphan.spec)})" if orphan.spec else ""
        lines.append(f"- {_code(orphan.address)}{spec}")
    lines.append("")
    return lines


def _warnings(warnings: Sequence[str]) -> list[str]:
    if not warnings:
        return []
    lines = ["#### Warnings", ""]
    lines.extend(f"- ⚠️ {_cell(w)}" for w in warnings)
    lines.append("")
    return lines


def _notes(notes: Sequence[str]) -> list[str]:
    if not notes:
        return []
    return ["#### Notes", "", *(f"- {_cell(n)}" for n in notes), ""]


def _finish(lines: list[str]) -> str:
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def render_plan_markdown(plan: Plan) -> str:
    """The plan as GitHub-flavoured Markdown for a pull-request comment."""
    where = f"Region `{plan.region}`, account `{plan.account}`."
    lines = [f"### reconciler plan: stack `{plan.stack}`", ""]
    if plan.is_empty:
        lines += [f"No changes. Live AWS matches the specs. {where}", ""]
        lines += _notes(plan.notes)
        lines += _warnings(plan.warnings)
        lines += _orphans(plan)
        return _finish(lines)

    lines += [f"**{plan_summary(plan)}** {where}", ""]
    lines += _warnings(plan.warnings)
    if plan.changes:
        lines += ["| Action | Address | Spec | Reason |", "| --- | --- | --- | --- |"]
        for change in plan.changes:
            reason = action_reason(change).partition(": ")[2]
            lines.append(
                f"| {ACTION_BADGE[change.action]} | {_code(change.address)} | {_code(change.spec)} "
                f"| {_cell(reason)} |"
            )
        lines.append("")
        for change in plan.changes:
            fields = change_fields(change, CREATE_FIELD_LIMIT, DIFF_LINE_LIMIT)
            if fields:
                lines += _details(_summary_html(change.action.symbol, change.address, change.spec), fields)
    if plan.steps:
        lines += ["#### Steps (in order)", ""]
        for index, step in enumerate(plan.steps, start=1):
            description = f": {_cell(step.description)}" if step.description else ""
            lines.append(f"{index}. `{step.operation}` {_code(step.address)}{description}")
        lines.append("")
    lines += _notes(plan.notes)  # status worth knowing, after what the change is
    lines += _orphans(plan)
    return _finish(lines)


def render_drift_markdown(report: DriftReport) -> str:
    """The drift report as Markdown; field diffs read live -> desired."""
    where = f"Region `{report.region}`, account `{report.account}`."
    lines = [f"### reconciler drift: stack `{report.stack}`", "", f"**{drift_summary(report)}** {where}", ""]
    lines += _notes(report.notes)
    if not report.entries:
        return _finish(lines)
    lines += [
        "| Labels | Address | Spec | Apply would | Reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for entry in report.entries:
        labels = ", ".join(f"**{label}**" for label in entry.labels)
        lines.append(
            f"| {labels} | {_code(entry.address)} | {_code(entry.spec)} | {_cell(entry.action)} "
            f"| {_cell(entry.reason)} |"
        )
    lines.append("")
    details: list[str] = []
    for entry in report.entries:
        fields = entry_fields(entry, DIFF_LINE_LIMIT)
        if fields:
            label_text = "[" + ", ".join(entry.labels) + "]"
            details += _details(_summary_html(label_text, entry.address, entry.spec), fields)
    if details:
        lines += ["Field values are shown live -> desired.", "", *details]
    return _finish(lines)
