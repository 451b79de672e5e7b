"""Markdown for plans and drift reports, made to be posted as a pull-request comment by CI.

Layout: a `###` heading naming the stack, a one-line summary with counts, warnings, a
table of changes (action, address, spec, reason), then one collapsible `<details>` per
change holding a ```diff block of its field changes (`+` added, `-` removed, `~` changed),
the ordered steps as a numbered list, and the orphans kept because `prune` is false.
Table cells and HTML are escaped; code fences grow when a value holds backticks.

The last line is a hidden marker, `<!-- reconciler-plan:STACK -->` (`reconciler-drift:` for a
drift report), always the same for a stack, so a CI job can find the comment or issue it posted
before and update it instead of adding another (a "sticky" comment).

`max_chars` keeps the whole text within that many characters (GitHub refuses a comment or an
issue body over 65,536): whole parts are left out from the end, never part of one, in this
order: the collapsible detail blocks, then the steps, the kept orphans, the notes, the table
rows and last the warnings. The heading, the summary and the marker always stay, and the text
then ends with a note saying how much was left out and where the full plan or report is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

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
GITHUB_BODY_LIMIT = 65536  # characters GitHub accepts in a comment or an issue body
MIN_MAX_CHARS = 1000  # the heading, summary, note and marker must fit in any limit

ACTION_BADGE: dict[Action, str] = {
    Action.create: "🟢 create",
    Action.update: "🟡 update",
    Action.replace: "🟣 replace",
    Action.delete: "🔴 delete",
}

# The order parts are cut in (lowest first): what a reviewer can most easily do without goes first.
RANK_DETAILS, RANK_STEPS, RANK_ORPHANS, RANK_NOTES, RANK_ROWS, RANK_WARNINGS = range(1, 7)


def plan_marker(stack: str) -> str:
    """The hidden line that identifies a stack's plan comment."""
    return f"<!-- reconciler-plan:{stack} -->"


def drift_marker(stack: str) -> str:
    """The hidden line that identifies a stack's drift report (the body of its drift issue)."""
    return f"<!-- reconciler-drift:{stack} -->"


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


def _size(lines: Sequence[str]) -> int:
    """Characters the lines take joined, a newline after each: never less than the text they become."""
    return sum(len(line) + 1 for line in lines)


@dataclass
class _Part:
    """Consecutive lines of the document.

    A fixed part (`rank` None) is always shown whole. A cuttable part loses `items` from the end
    when the text is over its limit; its `head` and `tail` show only while an item does, and a
    line standing in for the cut items (`stand_in`) says so where they were.
    """

    items: list[list[str]]
    head: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    rank: int | None = None
    what: tuple[str, str] = ("item", "items")  # the note's noun, singular and plural
    stand_in: bool = False
    kept: int = field(init=False, default=0)
    _sizes: list[int] = field(init=False, default_factory=list)
    _kept_size: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._sizes = [_size(item) for item in self.items]
        self.kept = len(self.items)
        self._kept_size = sum(self._sizes)

    @property
    def cut(self) -> int:
        return len(self.items) - self.kept

    def _stand_in(self) -> list[str]:
        if not (self.stand_in and self.cut):
            return []
        noun = self.what[0] if self.cut == 1 else self.what[1]
        return ["", f"*… and {self.cut} more {noun}, left out to fit (see the note at the end).*"]

    def size(self) -> int:
        if self.rank is not None and not self.kept:
            return 0
        return _size(self.head) + self._kept_size + _size(self._stand_in()) + _size(self.tail)

    def drop_last(self) -> None:
        self.kept -= 1
        self._kept_size -= self._sizes[self.kept]

    def lines(self) -> list[str]:
        if self.rank is not None and not self.kept:
            return []
        lines = list(self.head)
        for item in self.items[: self.kept]:
            lines += item
        return lines + self._stand_in() + self.tail


def _fixed(lines: list[str]) -> _Part:
    return _Part(items=[], head=lines)


def _listed(title: str, entries: Sequence[str], rank: int, what: tuple[str, str], intro: Sequence[str] = ()) -> _Part:
    return _Part(items=[[e] for e in entries], head=[title, "", *intro], tail=[""], rank=rank, what=what,
                 stand_in=True)


def _orphans(plan: Plan) -> _Part:
    intro = [
        "These owned resources are no longer in the specs and are kept because the Stack has "
        "`prune: false` (set `prune: true` to delete them).",
        "",
    ]
    entries = [f"- {_code(o.address)}" + (f" ({_code(o.spec)})" if o.spec else "") for o in plan.orphans]
    return _listed("#### Kept, no longer in the specs", entries, RANK_ORPHANS,
                   ("kept resource", "kept resources"), intro)


def _warnings(warnings: Sequence[str]) -> _Part:
    return _listed("#### Warnings", [f"- ⚠️ {_cell(w)}" for w in warnings], RANK_WARNINGS, ("warning", "warnings"))


def _notes(notes: Sequence[str]) -> _Part:
    return _listed("#### Notes", [f"- {_cell(n)}" for n in notes], RANK_NOTES, ("note", "notes"))


def _joined(phrases: Sequence[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _cut_note(parts: Sequence[_Part], max_chars: int, full: str) -> list[str]:
    phrases = []
    for part in sorted((p for p in parts if p.rank is not None and p.cut), key=lambda p: p.rank or 0):
        total = len(part.items)
        noun = part.what[0] if total == 1 else part.what[1]
        count = f"{part.cut} of {total}" if part.cut < total else "the one" if total == 1 else f"all {total}"
        phrases.append(f"the field details of {count} {noun}" if part.rank == RANK_DETAILS else f"{count} {noun}")
    if not phrases:
        return []
    return ["", "---", "", f"✂️ **Shortened to stay within {max_chars:,} characters:** left out are "
            f"{_joined(phrases)}. {full}"]


def _link(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _fit(parts: list[_Part], marker: str, max_chars: int | None, full: str) -> str:
    """The parts as text within `max_chars`: cuttable parts lose items from the end, lowest rank
    first, until the text fits; the note and the marker end it."""
    if max_chars is not None:
        if max_chars < MIN_MAX_CHARS:
            raise ValueError(f"max_chars must be at least {MIN_MAX_CHARS}, got {max_chars}")

        def total() -> int:  # every part ends with one blank line; the last one gives way to the marker
            return sum(p.size() for p in parts) - 1 + _size(_cut_note(parts, max_chars, full)) + _size(["", marker])

        cuttable = sorted((p for p in parts if p.rank is not None), key=lambda p: p.rank or 0)
        for part in cuttable:
            while part.kept and total() > max_chars:
                part.drop_last()
        text = _join(parts, marker, max_chars, full)
        while len(text) > max_chars and any(p.kept for p in cuttable):  # only if a part broke the rule above
            next(p for p in cuttable if p.kept).drop_last()
            text = _join(parts, marker, max_chars, full)
        return text
    return _join(parts, marker, None, full)


def _join(parts: Sequence[_Part], marker: str, max_chars: int | None, full: str) -> str:
    lines: list[str] = []
    for part in parts:
        lines += part.lines()
    while lines and not lines[-1]:
        lines.pop()
    if max_chars is not None:
        lines += _cut_note(parts, max_chars, full)
    return "\n".join([*lines, "", marker]) + "\n"



def render_plan_markdown(
    plan: Plan, max_chars: int | None = None, *, saved_plan: str | None = None, details_url: str | None = None
) -> str:
    """The plan as GitHub-flavoured Markdown for a pull-request comment.

    With `max_chars`, at most that many characters (see the module docstring for what is cut);
    `saved_plan` (the `--out` file) and `details_url` (e.g. the CI run that keeps it as an
    artifact) are where the note at the end says the full plan is.
    """
    where = f"Region `{plan.region}`, account `{plan.account}`."
    parts = [_fixed([f"### reconciler plan: stack `{plan.stack}`", ""])]
    if plan.is_empty:
        parts += [_fixed([f"No changes. Live AWS matches the specs. {where}", ""]), _notes(plan.notes),
                  _warnings(plan.warnings), _orphans(plan)]
    else:
        parts += [_fixed([f"**{plan_summary(plan)}** {where}", ""]), _warnings(plan.warnings)]
        if plan.changes:
            rows = []
            for change in plan.changes:
                reason = action_reason(change).partition(": ")[2]
                rows.append([f"| {ACTION_BADGE[change.action]} | {_code(change.address)} | {_code(change.spec)} "
                             f"| {_cell(reason)} |"])
            parts.append(_Part(items=rows, head=["| Action | Address | Spec | Reason |", "| --- | --- | --- | --- |"],
                               tail=[""], rank=RANK_ROWS, what=("table row", "table rows"), stand_in=True))
            blocks = []
            for change in plan.changes:
                fields = change_fields(change, CREATE_FIELD_LIMIT, DIFF_LINE_LIMIT)
                if fields:
                    blocks.append(_details(_summary_html(change.action.symbol, change.address, change.spec), fields))
            parts.append(_Part(items=blocks, rank=RANK_DETAILS, what=("resource", "resources")))
        if plan.steps:
            steps = []
            for index, step in enumerate(plan.steps, start=1):
                description = f": {_cell(step.description)}" if step.description else ""
                steps.append(f"{index}. `{step.operation}` {_code(step.address)}{description}")
            parts.append(_listed("#### Steps (in order)", steps, RANK_STEPS, ("step", "steps")))
        parts += [_notes(plan.notes), _orphans(plan)]  # status worth knowing, after what the change is
    if saved_plan and details_url:
        full = f"The full plan: {_code(saved_plan)} among the artifacts of [this run]({_link(details_url)})."
    elif saved_plan:
        full = f"The full plan: the saved plan file {_code(saved_plan)}, or `reconciler plan` without `--max-chars`."
    elif details_url:
        full = f"The full plan: [this run]({_link(details_url)})."
    else:
        full = "The full plan: `reconciler plan` without `--max-chars`."
    return _fit(parts, plan_marker(plan.stack), max_chars, full)


def render_drift_markdown(report: DriftReport, max_chars: int | None = None, *, details_url: str | None = None) -> str:
    """The drift report as Markdown; field diffs read live -> desired.

    With `max_chars`, at most that many characters, cut as a plan is; `details_url` is where the
    note at the end says the full report is.
    """
    where = f"Region `{report.region}`, account `{report.account}`."
    parts = [_fixed([f"### reconciler drift: stack `{report.stack}`", "", f"**{drift_summary(report)}** {where}", ""]),
             _notes(report.notes)]
    if report.entries:
        rows = []
        for entry in report.entries:
            labels = ", ".join(f"**{label}**" for label in entry.labels)
            rows.append([f"| {labels} | {_code(entry.address)} | {_code(entry.spec)} | {_cell(entry.action)} "
                         f"| {_cell(entry.reason)} |"])
        parts.append(_Part(items=rows, head=["| Labels | Address | Spec | Apply would | Reason |",
                                             "| --- | --- | --- | --- | --- |"],
                           tail=[""], rank=RANK_ROWS, what=("table row", "table rows"), stand_in=True))
        blocks = []
        for entry in report.entries:
            fields = entry_fields(entry, DIFF_LINE_LIMIT)
            if fields:
                label_text = "[" + ", ".join(entry.labels) + "]"
                blocks.append(_details(_summary_html(label_text, entry.address, entry.spec), fields))
        parts.append(_Part(items=blocks, head=["Field values are shown live -> desired.", ""], rank=RANK_DETAILS,
                           what=("resource", "resources")))
    if details_url:
        full = f"The full report: [this run]({_link(details_url)}), or `reconciler drift` without `--max-chars`."
    else:
        full = "The full report: `reconciler drift` without `--max-chars`."
    return _fit(parts, drift_marker(report.stack), max_chars, full)
