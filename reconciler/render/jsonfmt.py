"""JSON output for plans and drift reports, and the colour decision for terminal output.

The plan JSON is the public plan-file contract (docs/plan-format.md) and is exactly
`Plan.dumps()`, so `Plan.loads(render_plan_json(plan)) == plan`. The drift JSON is
`DriftReport.to_json()` indented by two spaces with a trailing newline.
"""

from __future__ import annotations

import json
import os
from typing import Any

from reconciler.drift_model import DriftReport
from reconciler.plan.model import Plan


def render_plan_json(plan: Plan) -> str:
    """The plan in its saved-plan-file form: exactly `plan.dumps()`."""
    return plan.dumps()


def render_drift_json(report: DriftReport) -> str:
    """The drift report as indented JSON with a trailing newline."""
    return json.dumps(report.to_json(), indent=2) + "\n"


def should_color(stream: Any) -> bool:
    """True only for a TTY stream, with NO_COLOR unset or empty and TERM not "dumb"."""
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (OSError, ValueError):  # closed or detached stream
        return False
