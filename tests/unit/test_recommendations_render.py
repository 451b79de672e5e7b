"""`reconciler recommendations` without AWS: a stack read from recorded answers becomes each document's jobs
(the current one first, then its history) and the endpoint variants serving the benchmarked model, and the
three renderers show them (plain aligned text, Markdown, JSON); a stack without a RecommendationJob is one
line and exit 1 before any AWS call."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.cli import main
from reconciler.frozen import thaw
from reconciler.handlers.inference_recommendations import DocumentResult, results
from reconciler.kinds import expand, load_stack
from reconciler.plan.planner import read_snapshot
from reconciler.render.recommendations import render_recommendations
from tests.handlers.answers import MODEL_DOC, endpoint_doc
from tests.handlers.recommendation_answers import JOB_TYPE, absent_job, job, job_doc, recommendation, record_stack
from tests.handlers.recorded import Recorded, write
from tests.unit.planner_support import ACCOUNT, REGION


def _results(tmp_path: Path, *, status: str = "COMPLETED", created: bool = True) -> list[DocumentResult]:
    root = write(tmp_path / "s", MODEL_DOC, endpoint_doc(instance="ml.m5.xlarge"),
                 job_doc(model='modelName: "${Model.churn.name}"'))
    ds = expand(load_stack(root), REGION, ACCOUNT)
    [d] = [x for x in ds if x.address.type == JOB_TYPE]
    old = dataclasses.replace(d, address=Address(JOB_TYPE, "churn-recs-0000aaaa"),  # an earlier spec's job
                              request={**thaw(d.request), "JobDescription": "earlier"})
    recs = [recommendation(d.address.name, 1, "ml.m5.xlarge", 0.269, 40),
            recommendation(d.address.name, 2, "ml.m5.large", 0.134, 120),
            recommendation(d.address.name, 3, "ml.c5.large", 0.119, 80),
            recommendation(d.address.name, 4, None, None, 150, cost_per_inference=0.0000213,
                           serverless={"MemorySizeInMB": 2048, "MaxConcurrency": 5})]
    recorded = Recorded()
    jobs = [(old, job(old, status="STOPPED"))]
    if created:
        jobs.insert(0, (d, job(d, status=status, recommendations=recs)))
    else:
        absent_job(recorded, d)
    record_stack(recorded, [x for x in ds if x.address.type != JOB_TYPE], jobs)
    snapshot = read_snapshot(load_stack(root), recorded)  # type: ignore[arg-type]
    return results(snapshot.context(), JOB_TYPE)


def test_the_current_job_comes_first_then_its_history_and_the_variants_serving_its_model(tmp_path: Path) -> None:
    [result] = _results(tmp_path)
    assert result.spec == "RecommendationJob/churn-recs"
    assert [(j.name.startswith("churn-recs-"), j.current, j.status) for j in result.jobs] == [
        (True, True, "COMPLETED"), (True, False, "STOPPED")]
    assert [r.configuration for r in result.jobs[0].rows] == [
        "ml.c5.large", "ml.m5.large", "ml.m5.xlarge", "serverless 2048 MB, concurrency 5"]
    assert result.jobs[0].best is not None and result.jobs[0].best.instance_type == "ml.c5.large"
    assert [(s.spec, s.variant, s.instance_type, s.live_instance_type) for s in result.serving] == [
        ("Endpoint/churn", "a", "ml.m5.xlarge", "ml.m5.xlarge"), ("Endpoint/churn", "b", "ml.m5.large", "ml.m5.large")]


def test_text_is_an_aligned_table_sorted_by_cost_with_the_live_instance_types_marked(tmp_path: Path) -> None:
    text = render_recommendations(_results(tmp_path), "text")
    lines = text.splitlines()
    assert lines[0] == "RecommendationJob/churn-recs"
    assert lines[1].startswith("  job churn-recs-") and lines[1].endswith(
        ": COMPLETED (Default), created 2026-11-01T10:00:00Z, ended 2026-11-01T10:40:00Z")
    header, cheapest, large, xlarge, serverless = lines[2:7]
    assert header.split() == ["configuration", "$/hour", "$/inference", "P95", "latency", "ms", "max",
                              "invocations/min", "initial", "instances", "live"]
    assert cheapest.split() == ["*", "ml.c5.large", "0.119", "0.00000200", "80", "1,200", "1"]
    assert large.split()[:5] == ["ml.m5.large", "0.134", "0.00000200", "120", "(over)"]
    assert large.endswith("Endpoint/churn variant b") and xlarge.endswith("Endpoint/churn variant a")
    assert serverless.split()[:7] == ["serverless", "2048", "MB,", "concurrency", "5", "-", "0.0000213"]
    assert "\x1b" not in text  # plain: no colour codes
    assert "    * the cheapest instance type within the job's P95 latency limit of 100 ms" in lines
    assert "  earlier job churn-recs-0000aaaa: STOPPED (Default), created 2026-11-01T10:00:00Z, ended " \
           "2026-11-01T10:40:00Z" in lines
    assert lines[-2:] == ["    Endpoint/churn variant a runs ml.m5.xlarge today (its spec: ml.m5.xlarge)",
                          "    Endpoint/churn variant b runs ml.m5.large today (its spec: ml.m5.large)"]


def test_columns_line_up(tmp_path: Path) -> None:
    lines = render_recommendations(_results(tmp_path), "text").splitlines()[2:7]
    ends = {line.index("$/hour") + len("$/hour") for line in lines[:1]}
    ends |= {line.rindex(value) + len(value) for line, value in zip(lines[1:4], ("0.119", "0.134", "0.269"),
                                                                            strict=True)}
    assert len(ends) == 1  # right-aligned numbers end under their header


def test_markdown_is_a_table_per_job_for_a_pr_comment(tmp_path: Path) -> None:
    text = render_recommendations(_results(tmp_path), "markdown", "demo")
    assert text.startswith("## Inference Recommender results for `demo`\n\n### `RecommendationJob/churn-recs`\n")
    assert "|   | configuration | $/hour | $/inference | P95 latency ms | max invocations/min | initial instances " \
           "| live |" in text
    assert "| * | `ml.c5.large` | 0.119 | 0.00000200 | 80 | 1,200 | 1 |  |" in text
    assert "| **Endpoint/churn variant a** |" in text
    assert "\\* the cheapest instance type within the job's P95 latency limit of 100 ms" in text
    assert "- Endpoint/churn variant a runs ml.m5.xlarge today (its spec: ml.m5.xlarge)" in text


def test_json_holds_every_figure(tmp_path: Path) -> None:
    data = json.loads(render_recommendations(_results(tmp_path), "json", "demo"))
    [doc] = data["documents"]
    current, earlier = doc["jobs"]
    assert (data["stack"], current["status"], current["cheapestWithinLimit"], earlier["current"]) == \
        ("demo", "COMPLETED", "ml.c5.large", False)
    assert current["latencyLimit"] == {"percentile": "P95", "valueInMilliseconds": 100}
    assert current["recommendations"][0] == {
        "instanceType": "ml.c5.large", "serverlessConfig": None, "initialInstanceCount": 1, "costPerHour": 0.119,
        "costPerInference": 0.000002, "modelLatencyMs": 80, "maxInvocationsPerMinute": 1200,
        "recommendationId": current["job"] + "/03", "environment": {}}
    assert doc["serving"][0] == {"spec": "Endpoint/churn", "endpoint": "churn", "variant": "a",
                                 "instanceType": "ml.m5.xlarge", "liveInstanceType": "ml.m5.xlarge",
                                 "serverless": False}


def test_a_job_not_created_yet_or_still_running_has_no_table(tmp_path: Path) -> None:
    text = render_recommendations(_results(tmp_path, created=False), "text")
    assert "  job churn-recs-" in text and ": not created yet (apply creates it)" in text
    running = render_recommendations(_results(tmp_path / "r", status="IN_PROGRESS"), "text")
    assert ": IN_PROGRESS (Default), created 2026-11-01T10:00:00Z" in running and "$/hour" not in running


def test_a_stack_without_a_recommendation_job_is_one_line_and_exit_1(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = write(tmp_path / "s", MODEL_DOC)
    assert main(["recommendations", str(root)]) == 1
    err = capsys.readouterr().err
    assert err == "error: stack demo has no RecommendationJob document: nothing to show (see " \
                  "docs/recommendations.md)\n"
