"""Plans and drift reports as one self-contained HTML page (`--format html`), for reviewers.

The page loads nothing: styles and a few lines of script are inline, no font, image or script
comes from elsewhere, and a Content-Security-Policy of `default-src 'none'` keeps it that way.
Every value is escaped with `html.escape`. Layout: a summary bar with the counts, warnings and
notes, then one section per spec document holding its changes (or drift entries) with their
field lines (the same lines as the text renderer: `reconciler.render.delta`, so a handler's own
detail lines, such as a pipeline's step-by-step changes, show as they do there), the ordered
steps, and the orphans kept because `prune` is false.

An endpoint update's rollout policy is drawn as an inline SVG timeline: the traffic shifts
(canary, linear steps, all at once) or rolling batches, each bake, the termination wait, and
the total worst-case time with the alarms that roll it back. The policy is the
`DeploymentConfig` of the plan's UpdateEndpoint step for that endpoint, else the change's
`after["deploymentConfig"]` (spec form: camelCase keys; a policy change that takes effect at
the next update). Durations count the policy's own waits; provisioning the new fleet is not
known in advance and is not counted (the worst case is the policy's
MaximumExecutionTimeoutInSeconds when that is larger).

The inline script only records that the page loaded (`data-loaded="yes"` on `<body>`) and any
script error or `console.error` (in `#page-errors`), so a headless browser's DOM dump shows both.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.frozen import thaw
from reconciler.plan.model import Action, Change, Plan, Step
from reconciler.render.delta import FieldLine
from reconciler.render.text import action_reason, change_fields, drift_summary, entry_fields, entry_reason, plan_summary

__all__ = [
    "Segment",
    "Timeline",
    "format_duration",
    "render_drift_html",
    "render_plan_html",
    "rollout_svg",
    "rollout_timeline",
]

CREATE_FIELD_LIMIT = 200  # a page can afford far more lines than a terminal
DIFF_LINE_LIMIT = 500
ROLLOUT_KEY = "deploymentConfig"  # where an endpoint change's before/after hold its rollout policy
ENDPOINT_UPDATE = "UpdateEndpoint"
INSTANCE_STEPS_ASSUMED = 10  # instance-count steps: the fleet size is not known here (as the applier assumes)
NO_SPEC = "(no spec document)"

SVG_WIDTH = 760
SVG_HEIGHT = 96
BAR_Y, BAR_HEIGHT = 28, 28
MARGIN = 8
SHIFT_WIDTH = 64  # an instant traffic shift is drawn this wide
MIN_WAIT_WIDTH = 40
CHAR_WIDTH = 6.2  # about how wide a label character is at 11 px

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --panel: #f6f8fa;
  --add: #1a7f37; --del: #cf222e; --chg: #9a6700; --rep: #8250df; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
header.summary-bar { position: sticky; top: 0; display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center;
  padding: 12px 20px; background: #24292f; color: #fff; }
header.summary-bar h1 { font-size: 16px; margin: 0 12px 0 0; }
header.summary-bar .where { color: #d0d7de; font-size: 13px; }
.count { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; background: #57606a; }
.count-create { background: var(--add); } .count-update { background: var(--chg); }
.count-replace { background: var(--rep); } .count-delete { background: var(--del); }
.count-drift { background: var(--del); } .count-pending { background: var(--chg); }
main { padding: 12px 20px 40px; max-width: 1100px; }
p.summary { font-weight: 600; }
section.spec-group { border: 1px solid var(--line); border-radius: 6px; margin: 16px 0; background: var(--bg); }
section.spec-group > h2 { margin: 0; padding: 8px 12px; font-size: 15px; background: var(--panel);
  border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
article.change, article.entry { padding: 8px 12px; border-top: 1px solid var(--line); }
section.spec-group > h2 + article { border-top: 0; }
.change-head, .entry-head { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 600; }
.symbol { display: inline-block; min-width: 2.2em; }
.change-create .symbol { color: var(--add); } .change-update .symbol { color: var(--chg); }
.change-replace .symbol { color: var(--rep); } .change-delete .symbol { color: var(--del); }
.reason { color: var(--muted); margin: 2px 0 4px; }
.label { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; font-size: 12px; margin-right: 4px; }
.label-drift { background: var(--del); } .label-pending { background: var(--chg); }
.label-other { background: #0969da; }
ul.fields { list-style: none; margin: 4px 0; padding: 6px 10px; background: var(--panel); border-radius: 4px;
  font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; overflow-x: auto; }
ul.fields li { white-space: pre-wrap; word-break: break-all; }
.field-add .sign, .field-add { color: var(--add); } .field-del .sign, .field-del { color: var(--del); }
.field-chg .sign { color: var(--chg); } .field-note { color: var(--muted); }
.rollout { margin: 8px 0 4px; }
.rollout h3 { font-size: 13px; margin: 0 0 2px; }
.rollout .alarms, .rollout .assumption { font-size: 12px; color: var(--muted); margin: 2px 0; }
svg.timeline text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg.timeline .seg-shift { fill: #0969da; } svg.timeline .seg-bake { fill: #bf8700; }
svg.timeline .seg-termination { fill: #8c959f; } svg.timeline .seg-batch { fill: #1a7f37; }
svg.timeline text.on-bar { fill: #fff; font-weight: 600; }
svg.timeline text.total { font-weight: 700; }
ol.steps { font: 12px/1.6 ui-monospace, SFMono-Regular, Menlo, monospace; }
.op { font-weight: 600; } .desc { color: var(--muted); font-family: system-ui, sans-serif; }
.warnings li { color: #7d4e00; } .notes li { color: var(--muted); }
#page-errors:empty { display: none; }
#page-errors { color: var(--del); }
"""

# Records script errors and console.error calls in the DOM, and marks the page as loaded.
SCRIPT = """
(function () {
  var errors = [], ready = false;
  function show(text) {
    var item = document.createElement("li");
    item.textContent = text;
    document.getElementById("page-errors").appendChild(item);
    document.body.setAttribute("data-errors", String(errors.length));
  }
  function note(text) { errors.push(String(text)); if (ready) { show(String(text)); } }
  window.addEventListener("error", function (event) { note("Uncaught " + event.message); });
  var original = console.error;
  console.error = function () {
    note("console.error " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  document.addEventListener("DOMContentLoaded", function () {
    ready = true;
    errors.forEach(show);
    document.body.setAttribute("data-errors", String(errors.length));
    document.body.setAttribute("data-loaded", "yes");
  });
})();
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def _e(value: Any) -> str:
    """Escaped text for element content and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


# -- rollout timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One part of a rollout: `kind` is shift, bake, termination or batch; `seconds` 0 for an instant shift."""

    kind: str
    label: str
    seconds: int


@dataclass(frozen=True)
class Timeline:
    """A rollout policy laid out in time: its segments, the total of their waits and the worst case."""

    title: str
    segments: tuple[Segment, ...]
    waits: int  # the policy's own waits, summed
    worst_case: int  # max(waits, MaximumExecutionTimeoutInSeconds)
    alarms: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _api_form(value: Any) -> Any:
    """Mapping keys with their first letter upper-cased: the spec form's camelCase read as the API's."""
    if isinstance(value, Mapping):
        return {(k[:1].upper() + k[1:] if isinstance(k, str) else k): _api_form(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_api_form(v) for v in value]
    return value


def format_duration(seconds: int | float) -> str:
    """`45 s`, `10 min`, `1 h 5 min`, `2 min 30 s`."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _size_text(size: Mapping[str, Any] | None) -> str:
    if not size:
        return "?"
    value = size.get("Value")
    return f"{value}%" if size.get("Type") == "CAPACITY_PERCENT" else f"{value} instance(s)"


def _step_count(size: Mapping[str, Any] | None, noun: str) -> tuple[int, str | None]:
    """How many steps (or batches) a size takes to reach the whole fleet, and the assumption made, if any."""
    if not size or not _int(size.get("Value")):
        return 1, None
    if size.get("Type") == "CAPACITY_PERCENT":
        return max(1, math.ceil(100 / _int(size["Value"]))), None
    return INSTANCE_STEPS_ASSUMED, (f"{noun} of {_size_text(size)}: the fleet size is not known here, "
                                    f"drawn as {INSTANCE_STEPS_ASSUMED} {noun}")


def _percents(size: Mapping[str, Any] | None, count: int) -> list[str]:
    if size and size.get("Type") == "CAPACITY_PERCENT" and _int(size.get("Value")):
        step = _int(size["Value"])
        return [f"{min(100, step * (i + 1))}%" for i in range(count)]
    return [f"step {i + 1}" if i + 1 < count else "100%" for i in range(count)]


def rollout_timeline(deployment: Mapping[str, Any] | None) -> Timeline:
    """The timeline of an UpdateEndpoint's DeploymentConfig (API or spec form; None: SageMaker's default).

    Blue/green: ALL_AT_ONCE shifts all traffic then bakes; CANARY shifts the canary, bakes, then
    shifts the rest; LINEAR shifts one step at a time, baking after each, until 100%; then the
    termination wait before the old fleet goes. Rolling: one batch at a time, baking after each.
    """
    config = _api_form(thaw(deployment)) if deployment else {}
    segments: list[Segment] = []
    notes: list[str] = []
    blue_green = config.get("BlueGreenUpdatePolicy") or {}
    rolling = config.get("RollingUpdatePolicy") or {}
    limit = 0
    if rolling:
        size = rolling.get("MaximumBatchSize")
        wait = _int(rolling.get("WaitIntervalInSeconds"))
        count, assumption = _step_count(size, "batches")
        for index in range(count):
            segments.append(Segment("batch", f"batch {index + 1}", 0))
            segments.append(Segment("bake", f"bake {format_duration(wait)}", wait))
        if assumption:
            notes.append(assumption)
        rollback = rolling.get("RollbackMaximumBatchSize")
        if rollback:
            notes.append(f"a rollback moves back {_size_text(rollback)} at a time")
        limit = _int(rolling.get("MaximumExecutionTimeoutInSeconds"))
        title = f"Rolling update in batches of {_size_text(size)}, bake {format_duration(wait)} each"
    else:
        routing = blue_green.get("TrafficRoutingConfiguration") or {}
        kind = str(routing.get("Type") or "ALL_AT_ONCE")
        wait = _int(routing.get("WaitIntervalInSeconds"))
        if kind == "CANARY":
            canary = routing.get("CanarySize")
            segments.append(Segment("shift", f"canary {_size_text(canary)}", 0))
            segments.append(Segment("bake", f"bake {format_duration(wait)}", wait))
            segments.append(Segment("shift", "rest (100%)", 0))
            title = f"Blue/green canary of {_size_text(canary)}, bake {format_duration(wait)}, then the rest"
        elif kind == "LINEAR":
            size = routing.get("LinearStepSize")
            count, assumption = _step_count(size, "steps")
            for label in _percents(size, count):
                segments.append(Segment("shift", label, 0))
                segments.append(Segment("bake", f"bake {format_duration(wait)}", wait))
            if assumption:
                notes.append(assumption)
            title = f"Blue/green linear in steps of {_size_text(size)}, bake {format_duration(wait)} each"
        else:
            segments.append(Segment("shift", "all traffic (100%)", 0))
            if wait:
                segments.append(Segment("bake", f"bake {format_duration(wait)}", wait))
            title = ("Blue/green, all at once (SageMaker's default)" if not config
                     else f"Blue/green all at once, bake {format_duration(wait)}")
        termination = _int(blue_green.get("TerminationWaitInSeconds"))
        if termination:
            segments.append(Segment("termination", f"termination wait {format_duration(termination)}", termination))
        limit = _int(blue_green.get("MaximumExecutionTimeoutInSeconds"))
    waits = sum(s.seconds for s in segments)
    if limit > waits:
        notes.append(f"MaximumExecutionTimeoutInSeconds allows up to {format_duration(limit)}")
    notes.append("provisioning the new fleet is not counted")
    alarms = tuple(str(a.get("AlarmName")) for a in (config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
                   if isinstance(a, Mapping))
    return Timeline(title, tuple(segments), waits, max(waits, limit), alarms, tuple(notes))


def rollout_svg(timeline: Timeline) -> str:
    """The timeline as inline SVG: shifts drawn a fixed width, waits in proportion to their durations."""
    shifts = sum(1 for s in timeline.segments if s.seconds == 0)
    waiting = [s for s in timeline.segments if s.seconds > 0]
    room = SVG_WIDTH - 2 * MARGIN - shifts * SHIFT_WIDTH
    # every wait gets at least MIN_WAIT_WIDTH; what is left is shared in proportion to the seconds
    spare = max(room - len(waiting) * MIN_WAIT_WIDTH, 0)
    total_wait = sum(s.seconds for s in waiting) or 1
    scale = min(1.0, (SVG_WIDTH - 2 * MARGIN) / max(shifts * SHIFT_WIDTH + len(waiting) * MIN_WAIT_WIDTH, 1))
    parts = [f'<svg class="timeline" width="{SVG_WIDTH}" height="{SVG_HEIGHT}" '
             f'viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" role="img" aria-label="{_e(timeline.title)}">',
             f"<title>{_e(timeline.title)}</title>"]
    x = float(MARGIN)
    for index, segment in enumerate(timeline.segments):
        if segment.seconds:
            width = (MIN_WAIT_WIDTH + spare * segment.seconds / total_wait) * scale
        else:
            width = SHIFT_WIDTH * scale
        label_y = BAR_Y - 6 if index % 2 == 0 else BAR_Y + BAR_HEIGHT + 14
        # labels alternate above and below the bar; one that would run off the right edge ends at it
        if x + 2 + len(segment.label) * CHAR_WIDTH > SVG_WIDTH - 2:
            label = f'<text x="{SVG_WIDTH - 2}" y="{label_y}" text-anchor="end">{_e(segment.label)}</text>'
        else:
            label = f'<text x="{x + 2:.1f}" y="{label_y}">{_e(segment.label)}</text>'
        parts.append(
            f'<g class="segment" data-kind="{_e(segment.kind)}" data-seconds="{segment.seconds}">'
            f'<rect class="seg seg-{_e(segment.kind)}" x="{x:.1f}" y="{BAR_Y}" width="{max(width - 2, 1):.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"><title>{_e(segment.label)}</title></rect>{label}</g>')
        x += width
    total = f"total worst case {format_duration(timeline.worst_case)}"
    if timeline.worst_case != timeline.waits:
        total += f" (policy waits {format_duration(timeline.waits)})"
    parts.append(f'<text class="total" x="{MARGIN}" y="{SVG_HEIGHT - 4}" data-seconds="{timeline.worst_case}">'
                 f"{_e(total)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _rollout_block(deployment: Mapping[str, Any] | None, source: str) -> str:
    timeline = rollout_timeline(deployment)
    lines = [f'<div class="rollout" data-source="{_e(source)}" data-total-seconds="{timeline.worst_case}">',
             f"<h3>Rollout: {_e(timeline.title)}</h3>", rollout_svg(timeline)]
    if timeline.alarms:
        lines.append(f'<p class="alarms">Rolls back automatically if any of these alarms goes into ALARM: '
                     f'{", ".join(f"<code>{_e(a)}</code>" for a in timeline.alarms)}</p>')
    else:
        lines.append('<p class="alarms">No rollback alarms: only a failed deployment rolls it back.</p>')
    for note in timeline.notes:
        lines.append(f'<p class="assumption">{_e(note)}</p>')
    lines.append("</div>")
    return "\n".join(lines)


def _rollout_for(change: Change, steps: Sequence[Step]) -> str:
    """The timeline of an endpoint update: its UpdateEndpoint step's policy, else the changed policy."""
    if change.action is not Action.update:
        return ""
    for step in steps:
        if step.operation == ENDPOINT_UPDATE and step.address == change.address:
            return _rollout_block(step.params_plain().get("DeploymentConfig"), "step")
    after = thaw(change.after) or {}
    if isinstance(after, dict) and ROLLOUT_KEY in after:
        return _rollout_block(after.get(ROLLOUT_KEY), "change")
    return ""


# -- page ------------------------------------------------------------------------------------------


def _field_list(fields: Sequence[FieldLine]) -> str:
    if not fields:
        return ""
    css = {"+": "field-add", "-": "field-del", "~": "field-chg", "": "field-note"}
    items = [f'<li class="field {css.get(f.sign, "field-chg")}"><span class="sign">{_e(f.sign or " ")}</span> '
             f"{_e(f.text)}</li>" for f in fields]
    return '<ul class="fields">' + "".join(items) + "</ul>"


def _groups(items: Iterable[Any]) -> dict[str, list[Any]]:
    """Items by spec document, in the order each document first appears."""
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(item.spec or NO_SPEC, []).append(item)
    return groups


def _listing(title: str, css: str, entries: Sequence[str]) -> str:
    if not entries:
        return ""
    items = "".join(f"<li>{_e(' '.join(e.split()))}</li>" for e in entries)
    return f'<section class="{css}"><h2>{_e(title)}</h2><ul>{items}</ul></section>'


def _page(title: str, kind: str, bar: str, body: Sequence[str]) -> str:
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        f"<script>{SCRIPT}</script>",
        "</head>",
        f'<body class="{kind}" data-loaded="no">',
        bar,
        "<main>",
        '<ul id="page-errors"></ul>',
        *[part for part in body if part],
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def _count(css: str, key: str, number: int, words: str) -> str:
    return (f'<span class="count count-{css}" data-{key}="{_e(css)}" data-count="{number}"><b>{number}</b> '
            f"{_e(words)}</span>")


def _change_article(change: Change, steps: Sequence[Step]) -> str:
    fields = change_fields(change, CREATE_FIELD_LIMIT, DIFF_LINE_LIMIT)
    return "\n".join(part for part in [
        f'<article class="change change-{change.action.value}" data-address="{_e(change.address)}" '
        f'data-action="{change.action.value}">',
        f'<div class="change-head"><span class="symbol">{_e(change.action.symbol)}</span> {_e(change.address)}</div>',
        f'<p class="reason">{_e(action_reason(change))}</p>',
        _field_list(fields),
        _rollout_for(change, steps),
        "</article>",
    ] if part)


def render_plan_html(plan: Plan) -> str:
    """The plan as one self-contained HTML page (see the module docstring for its layout)."""
    counts = {action: sum(1 for c in plan.changes if c.action is action) for action in Action}
    bar = "\n".join([
        '<header class="summary-bar" id="summary">',
        f"<h1>reconciler plan: stack {_e(plan.stack)}</h1>",
        *[_count(a.value, "action", counts[a], f"to {a.value}") for a in Action],
        f'<span class="where">region {_e(plan.region)}, account {_e(plan.account)}</span>',
        "</header>",
    ])
    body: list[str] = []
    if plan.is_empty:
        body.append(f'<p class="summary empty">No changes. Live AWS matches the specs for stack {_e(plan.stack)}.</p>')
    else:
        body.append(f'<p class="summary">{_e(plan_summary(plan))}</p>')
    body.append(_listing("Warnings", "warnings", plan.warnings))
    body.append(_listing("Notes", "notes", plan.notes))
    for spec, changes in _groups(plan.changes).items():
        articles = "\n".join(_change_article(c, plan.steps) for c in changes)
        body.append(f'<section class="spec-group" data-spec="{_e(spec)}">\n<h2>{_e(spec)}</h2>\n{articles}\n</section>')
    if plan.steps:
        items = []
        for step in plan.steps:
            description = f' <span class="desc">{_e(" ".join(step.description.split()))}</span>' if step.description \
                else ""
            items.append(f'<li class="step" data-operation="{_e(step.operation)}"><span class="op">'
                         f"{_e(step.operation)}</span> {_e(step.address)}{description}</li>")
        body.append(f'<section class="steps-section"><h2>Steps (in order)</h2><ol class="steps">{"".join(items)}'
                    "</ol></section>")
    if plan.orphans:
        orphans = "".join(f"<li><code>{_e(o.address)}</code>{f' ({_e(o.spec)})' if o.spec else ''}</li>"
                          for o in plan.orphans)
        body.append('<section class="orphans"><h2>Kept, no longer in the specs</h2><p>These owned resources are '
                    "kept because the Stack has <code>prune: false</code> (set <code>prune: true</code> to delete "
                    f"them).</p><ul>{orphans}</ul></section>")
    return _page(f"reconciler plan: {plan.stack}", "plan-page", bar, body)


def _entry_article(entry: DriftEntry) -> str:
    labels = "".join(f'<span class="label label-{_e(label) if label in ("drift", "pending") else "other"}" '
                     f'data-label="{_e(label)}">{_e(label)}</span>' for label in entry.labels)
    reason = entry_reason(entry)
    return "\n".join(part for part in [
        f'<article class="entry" data-address="{_e(entry.address)}" data-labels="{_e(" ".join(entry.labels))}">',
        f'<div class="entry-head">{labels} {_e(entry.address)}</div>',
        f'<p class="reason">{_e(reason)}</p>' if reason else "",
        _field_list(entry_fields(entry, DIFF_LINE_LIMIT)),
        "</article>",
    ] if part)


def render_drift_html(report: DriftReport) -> str:
    """The drift report as one self-contained HTML page; field lines read live -> desired."""
    bar = "\n".join([
        '<header class="summary-bar" id="summary">',
        f"<h1>reconciler drift: stack {_e(report.stack)}</h1>",
        _count("drift", "label", report.count("drift"), "drifted"),
        _count("pending", "label", report.count("pending"), "pending"),
        _count("checked", "label", report.checked, "checked"),
        f'<span class="where">region {_e(report.region)}, account {_e(report.account)}</span>',
        "</header>",
    ])
    body = [f'<p class="summary">{_e(drift_summary(report))}</p>', _listing("Notes", "notes", report.notes)]
    if report.entries:
        body.append('<p class="direction">Field values are shown live -&gt; desired.</p>')
    for spec, entries in _groups(report.entries).items():
        articles = "\n".join(_entry_article(e) for e in entries)
        body.append(f'<section class="spec-group" data-spec="{_e(spec)}">\n<h2>{_e(spec)}</h2>\n{articles}\n</section>')
    return _page(f"reconciler drift: {report.stack}", "drift-page", bar, body)
