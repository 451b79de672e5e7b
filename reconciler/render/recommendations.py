"""`reconciler recommendations` output: per RecommendationJob document, each of its jobs (the current one,
then its history) with its status and what it found, as text (plain aligned tables, no colour), Markdown
(a PR comment or an issue) or JSON.

A job's table has one row per configuration it benchmarked, cheapest per hour first: the instance type or
serverless configuration, cost per hour and per inference, model latency at the job's percentile, the most
invocations a minute it sustained, the initial instance count. `*` marks the cheapest instance type within
the job's latency limit; `live` names the endpoint variants of the stack (Endpoint documents serving the
benchmarked model) running that instance type today. Below the table, every serving variant is listed
with its instance type today and in its spec.

Renderers are pure: they take the `DocumentResult` values and return strings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from reconciler.handlers.inference_recommendations import DocumentResult, JobResult, Recommendation, Serving

HEADERS = ("", "configuration", "$/hour", "$/inference", "{pct} latency ms", "max invocations/min",
           "initial instances", "live")
RIGHT = {2, 3, 4, 5, 6}  # right-aligned columns (numbers)


def render_recommendations(results: Sequence[DocumentResult], fmt: str, stack: str = "") -> str:
    """The results in `fmt` (text, markdown or json)."""
    if fmt == "json":
        return json.dumps({"stack": stack, "documents": [r.to_json() for r in results]}, indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(results, stack)
    return render_text(results)


# --- cells ---------------------------------------------------------------------------------------


def _money(value: float | None) -> str:
    """Three decimals, or three significant digits for smaller amounts (0.00000420, not 4.2e-06)."""
    if value is None:
        return "-"
    if value >= 0.001 or value <= 0:
        return f"{value:.3f}"
    return f"{value:.{2 - math.floor(math.log10(value))}f}"


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _live(row: Recommendation, serving: Sequence[Serving]) -> str:
    if not row.instance_type:
        return ""
    return ", ".join(f"{s.spec} variant {s.variant}" for s in serving if s.live_instance_type == row.instance_type)


def _cells(job: JobResult, row: Recommendation, serving: Sequence[Serving]) -> list[str]:
    latency = _number(row.latency_ms)
    if job.limit is not None and not row.meets(job.limit):
        latency += " (over)"
    marker = "*" if job.best is not None and row is job.best else ""
    return [marker, row.configuration, _money(row.cost_per_hour), _money(row.cost_per_inference), latency,
            _number(row.max_invocations), _number(row.initial_instance_count), _live(row, serving)]


def _headers(job: JobResult) -> list[str]:
    return [h.format(pct=job.percentile) for h in HEADERS]


def _status(job: JobResult) -> str:
    if job.status is None:
        return "not created yet (apply creates it)"
    text = f"{job.status} ({job.job_type})"
    if job.created:
        text += f", created {job.created}"
    if job.completed:
        text += f", ended {job.completed}"
    if job.failure:
        text += f": {job.failure}"
    return text


def _limit(job: JobResult) -> str:
    if job.limit is None:
        return "* the cheapest instance type (the job sets no latency limit)"
    return f"* the cheapest instance type within the job's {job.limit[0]} latency limit of {job.limit[1]} ms"


def _serving_lines(result: DocumentResult) -> list[str]:
    lines: list[str] = []
    benchmarked = {r.instance_type for j in result.jobs for r in j.rows if r.instance_type}
    for s in result.serving:
        spec = "serverless" if s.serverless else s.instance_type or "-"
        today = s.live_instance_type or ("serverless" if s.serverless else "not deployed")
        text = f"{s.spec} variant {s.variant} runs {today} today (its spec: {spec})"
        if s.live_instance_type and s.live_instance_type not in benchmarked:
            text += "; no job benchmarked that instance type"
        lines.append(text)
    return lines


# --- text ----------------------------------------------------------------------------------------


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [c.rjust(widths[i]) if i in RIGHT else c.ljust(widths[i]) for i, c in enumerate(row)]
        out.append("  ".join(cells).rstrip())
    return out


def render_text(results: Sequence[DocumentResult]) -> str:
    lines: list[str] = []
    for result in results:
        if lines:
            lines.append("")
        lines.append(result.spec)
        for job in result.jobs:
            lines.append(f"  {'job' if job.current else 'earlier job'} {job.name}: {_status(job)}")
            if job.rows:
                table = _table([_headers(job)] + [_cells(job, r, result.serving) for r in job.rows])
                lines.extend(f"    {line}" for line in table)
                lines.append(f"    {_limit(job)}")
            elif job.status == "COMPLETED":
                lines.append("    no recommendations")
        serving = _serving_lines(result)
        if serving:
            lines.append("  serving the benchmarked model:")
            lines.extend(f"    {line}" for line in serving)
        else:
            lines.append("  no Endpoint document of the stack serves the benchmarked model")
    return "\n".join(lines) + "\n"


# --- Markdown ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(results: Sequence[DocumentResult], stack: str = "") -> str:
    lines = [f"## Inference Recommender results{f' for `{stack}`' if stack else ''}", ""]
    for result in results:
        lines += [f"### `{result.spec}`", ""]
        for job in result.jobs:
            lines += [f"**{'Job' if job.current else 'Earlier job'} `{job.name}`**: {_md(_status(job))}", ""]
            if not job.rows:
                continue
            headers = _headers(job)
            headers[0] = " "
            lines.append("| " + " | ".join(headers) + " |")
            lines.append("|" + "|".join("---:" if i in RIGHT else "---" for i in range(len(headers))) + "|")
            for row in job.rows:
                cells = _cells(job, row, result.serving)
                cells[1] = f"`{cells[1]}`"
                if cells[-1]:
                    cells[-1] = f"**{cells[-1]}**"
                lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
            lines += ["", _md(_limit(job)).replace("* ", "\\* ", 1), ""]
        serving = _serving_lines(result)
        lines += [f"- {_md(line)}" for line in serving] or ["No Endpoint document of the stack serves the "
                                                               "benchmarked model."]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
