"""Renderers: plans and drift reports as text (terminal), Markdown (PR comments), JSON and HTML (a page).

Renderers are pure: they take the frozen `Plan` / `DriftReport` values and return
strings; only the CLI writes them out. `delta` explains what differs between two
comparable states, field by field, for display.
"""

from reconciler.render.delta import FieldDiff, field_diffs
from reconciler.render.html import render_drift_html, render_plan_html
from reconciler.render.jsonfmt import render_drift_json, render_plan_json, should_color
from reconciler.render.markdown import render_drift_markdown, render_plan_markdown
from reconciler.render.text import render_drift_text, render_plan_text

__all__ = [
    "FieldDiff",
    "field_diffs",
    "render_drift_html",
    "render_drift_json",
    "render_drift_markdown",
    "render_drift_text",
    "render_plan_html",
    "render_plan_json",
    "render_plan_markdown",
    "render_plan_text",
    "should_color",
]
