"""Markdown made to be a pull-request comment or an issue: the sticky marker and the character limit.

The limit is tested on plans and drift reports with hundreds of changes, built directly as
values (as in test_render.py): the text stays within the limit, whole detail blocks are left
out from the end (never part of one), then steps, orphans, notes, table rows and warnings, in
that order, and a note at the end says how much was left out and where the full plan is.
Golden files of the cut case live beside the others in tests/golden/ (`UPDATE_GOLDEN=1`
rewrites them).
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

import pytest

from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.plan.model import Action, Change, Orphan, Plan, Step
from reconciler.render import render_drift_markdown, render_plan_markdown
from reconciler.render.markdown import GITHUB_BODY_LIMIT, MIN_MAX_CHARS, drift_marker, plan_marker
from tests.unit.test_render import _model, check_golden, make_drift, make_plan

LIMIT = 65000  # what the CI recipes pass: below GitHub's 65,536 with room to spare
RUN_URL = "https://github.com/acme/ml-specs/actions/runs/123456789"
DETAILS = re.compile(r"<details><summary>.*?</details>\n", re.S)


def big_plan(count: int = 400) -> Plan:
    """`count` changes of every action, two steps per change, many warnings, notes and orphans."""
    actions = (Action.create, Action.update, Action.replace, Action.delete)
    changes, steps = [], []
    for index in range(count):
        action = actions[index % 4]
        name = f"churn-{index:04d}"
        before = None if action is Action.create else _model(name, "v1", "debug", f"{index:08x}")
        after = None if action is Action.delete else _model(name, "v2", "info", f"{index + 1:08x}")
        changes.append(Change(address=f"model/{name}", spec=f"Model/{name}", action=action,
                              reason=f"reason number {index}", before=before, after=after,
                              replaces=f"model/{name}-old" if action is Action.replace else None))
        steps.append(Step("CreateModel", f"model/{name}", {"ModelName": name}, description=f"step of {name}"))
        steps.append(Step("AddTags", f"model/{name}", {"ResourceArn": name}))
    return Plan(
        stack="churn-prod",
        region="us-east-1",
        account="123456789012",
        changes=tuple(changes),
        steps=tuple(steps),
        orphans=tuple(Orphan(f"alarm/orphan-{i}", f"Alarm/orphan-{i}") for i in range(50)),
        warnings=tuple(f"Endpoint/e{i}: variant a is autoscaled; its live instance count is kept" for i in range(60)),
        notes=tuple(f"a note about resource {i}" for i in range(40)),
    )


def big_drift(count: int = 300) -> DriftReport:
    entries = []
    for index in range(count):
        name = f"churn-{index:04d}"
        entries.append(DriftEntry(
            address=f"model/{name}", spec=f"Model/{name}", labels=("drift",) if index % 2 else ("drift", "pending"),
            action="update", reason="live changed outside git since the last apply",
            live=_model(name, "v1", "debug", "1"), desired=_model(name, "v2", "info", "2"),
        ))
    return DriftReport(stack="churn-prod", region="us-east-1", account="123456789012", entries=tuple(entries),
                       checked=count + 5, notes=tuple(f"endpoint/e{i} is Updating right now" for i in range(20)))


def blocks(text: str) -> list[str]:
    return DETAILS.findall(text)


def note_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("✂️")]
    assert len(lines) == 1, text[-2000:]
    return lines[0]


def assert_well_formed(text: str, marker: str) -> None:
    """The marker ends the text; every detail block and code fence is closed."""
    lines = text.splitlines()
    assert lines[-1] == marker and text.endswith(marker + "\n")
    assert text.count("<details>") == text.count("</details>")
    assert sum(1 for line in lines if line.startswith("```")) % 2 == 0


# -- the marker -----------------------------------------------------------------------------------


def test_marker_is_the_last_line_and_depends_on_the_stack_alone() -> None:
    assert plan_marker("churn-prod") == "<!-- reconciler-plan:churn-prod -->"
    assert drift_marker("churn-prod") == "<!-- reconciler-drift:churn-prod -->"
    for text in (render_plan_markdown(big_plan(8)), render_plan_markdown(big_plan(400), LIMIT),
                 render_plan_markdown(Plan(stack="churn-prod", region="us-east-1", account="1"))):
        assert_well_formed(text, plan_marker("churn-prod"))
        assert text.startswith("### reconciler plan: stack `churn-prod`\n\n")
        assert text.count("<!-- reconciler-") == 1
    assert_well_formed(render_drift_markdown(big_drift(3)), drift_marker("churn-prod"))


def test_summary_line_comes_right_after_the_heading() -> None:
    lines = render_plan_markdown(big_plan(400), LIMIT).splitlines()
    assert lines[2].startswith("**Plan: 100 to create, 100 to update, 100 to replace, 100 to delete.**")
    lines = render_drift_markdown(big_drift(300), LIMIT).splitlines()
    assert lines[2].startswith("**Drift: 300 resources differ from git: 300 drifted, 0 pending")


# -- the limit ------------------------------------------------------------------------------------


def test_hundreds_of_changes_fit_a_github_comment() -> None:
    plan = big_plan(200)
    full = render_plan_markdown(plan)
    assert len(full) > 1.5 * GITHUB_BODY_LIMIT  # the limit matters
    text = render_plan_markdown(plan, LIMIT, saved_plan="plan.json", details_url=RUN_URL)
    assert LIMIT - 1000 < len(text) <= LIMIT
    assert_well_formed(text, plan_marker("churn-prod"))
    kept, all_blocks = blocks(text), blocks(full)
    assert 0 < len(kept) < len(all_blocks) == 150  # deletes have no field details
    assert kept == all_blocks[: len(kept)]  # cut from the end, each kept block whole
    assert text.index(kept[-1]) + len(kept[-1]) < text.index("#### Steps (in order)") < text.index("✂️")
    note = note_line(text)
    assert f"the field details of {150 - len(kept)} of 150 resources." in note
    assert "65,000 characters" in note
    assert f"The full plan: `plan.json` among the artifacts of [this run]({RUN_URL})." in note
    # what is cut after the details is all still there
    assert "400. `AddTags` `model/churn-0199`" in text and "more steps" not in text
    assert text.count("| 🟢 create |") == 50 and "#### Warnings" in text and "#### Notes" in text
    assert "`alarm/orphan-49`" in text and "steps" not in note and "table rows" not in note


def test_detail_blocks_go_first_then_steps_orphans_notes_rows_and_warnings() -> None:
    plan = big_plan(400)
    seen: list[str] = []
    previous_blocks = -1
    for limit in (200_000, 65000, 40000, 30000, 20000, 10000, 5000, MIN_MAX_CHARS):
        text = render_plan_markdown(plan, limit)
        assert len(text) <= limit, limit
        assert_well_formed(text, plan_marker("churn-prod"))
        note = note_line(text)
        for what in ("field details", "steps", "kept resources", "notes", "table rows", "warnings"):
            if what in note and what not in seen:
                seen.append(what)
        count = len(blocks(text))
        assert previous_blocks == -1 or count <= previous_blocks
        previous_blocks = count
    assert seen == ["field details", "steps", "kept resources", "notes", "table rows", "warnings"]


def test_a_smaller_limit_keeps_less_never_more() -> None:
    plan = big_plan(120)
    kept = [len(blocks(render_plan_markdown(plan, limit))) for limit in range(60000, 1000, -2500)]
    assert kept == sorted(kept, reverse=True) and kept[0] > kept[-1] == 0


def test_cut_lists_say_so_where_they_were() -> None:
    text = render_plan_markdown(big_plan(400), LIMIT)
    assert len(text) <= LIMIT
    steps = re.findall(r"^(\d+)\. `", text, flags=re.M)
    assert steps == [str(n) for n in range(1, len(steps) + 1)]  # the first steps, in order
    left = 800 - len(steps)
    assert f"*… and {left} more steps, left out to fit (see the note at the end).*" in text
    assert f"{left} of 800 steps" in note_line(text)
    assert "the field details of all 300 resources" in note_line(text)


def test_the_minimum_limit_keeps_heading_summary_note_and_marker() -> None:
    text = render_plan_markdown(big_plan(400), MIN_MAX_CHARS, saved_plan="plan.json")
    assert len(text) <= MIN_MAX_CHARS
    assert text.startswith("### reconciler plan: stack `churn-prod`\n\n**Plan: 100 to create")
    assert "the saved plan file `plan.json`, or `reconciler plan` without `--max-chars`" in note_line(text)


def test_a_limit_the_text_fits_changes_nothing() -> None:
    for plan in (make_plan(), big_plan(40)):
        full = render_plan_markdown(plan)
        assert render_plan_markdown(plan, len(full)) == full
        assert "✂️" not in full
        shorter = render_plan_markdown(plan, len(full) - 1)
        assert len(shorter) <= len(full) - 1 and "✂️" in shorter
    report = make_drift()
    assert render_drift_markdown(report, 100_000) == render_drift_markdown(report)


def test_limit_below_the_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1000"):
        render_plan_markdown(make_plan(), MIN_MAX_CHARS - 1)
    with pytest.raises(ValueError, match="at least 1000"):
        render_drift_markdown(make_drift(), 10)


def test_drift_with_hundreds_of_entries_fits_an_issue() -> None:
    report = big_drift(300)
    full = render_drift_markdown(report)
    assert len(full) > GITHUB_BODY_LIMIT
    text = render_drift_markdown(report, LIMIT, details_url=RUN_URL)
    assert len(text) <= LIMIT
    assert_well_formed(text, drift_marker("churn-prod"))
    kept, all_blocks = blocks(text), blocks(full)
    assert 0 < len(kept) < len(all_blocks) == 300 and kept == all_blocks[: len(kept)]
    note = note_line(text)
    assert f"the field details of {300 - len(kept)} of 300 resources" in note
    assert f"The full report: [this run]({RUN_URL}), or `reconciler drift` without `--max-chars`." in note
    assert text.count("| **drift") == 300  # every row stays while details can go
    small = render_drift_markdown(report, 3000)
    assert len(small) <= 3000 and "Field values are shown live" not in small
    assert "table rows" in note_line(small) and "notes" in note_line(small)


def test_urls_in_the_note_stay_one_link() -> None:
    text = render_plan_markdown(big_plan(40), 5000, details_url="https://ci.example/run (1)")
    assert "[this run](https://ci.example/run%20%281%29)." in note_line(text)


# -- golden files of the cut case -----------------------------------------------------------------


def test_plan_markdown_cut_golden() -> None:
    text = render_plan_markdown(make_plan(), 2700, saved_plan="plan.json", details_url=RUN_URL)
    assert len(text) <= 2700 and len(blocks(text)) == 1
    check_golden("plan_markdown_cut.md", text)


def test_drift_markdown_cut_golden() -> None:
    text = render_drift_markdown(make_drift(), 1060)
    assert len(text) <= 1060 and len(blocks(text)) == 1
    check_golden("drift_markdown_cut.md", text)


# -- the command line -----------------------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    from reconciler.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "specs", "--max-chars", "65000"), "--max-chars only applies with --format markdown"),
        (("drift", "specs", "--format", "json", "--max-chars", "65000"), "--max-chars only applies with --format"),
        (("plan", "specs", "--format", "markdown", "--details-url", RUN_URL), "--details-url only applies with"),
        (("plan", "specs", "--format", "markdown", "--max-chars", "999"), "at least 1000"),
        (("drift", "specs", "--format", "markdown", "--max-chars", "lots"), "not a whole number"),
    ],
)
def test_cli_option_misuse_exits_1_before_any_aws_call(args: Any, message: str) -> None:
    code, out, err = run_cli(*args)
    assert code == 1 and out == ""
    assert message in err
