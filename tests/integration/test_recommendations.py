"""Inference Recommender through the CLI against the sandbox: a RecommendationJob applies and runs on the
sandbox clock, `reconciler recommendations` shows its table beside the instance type the endpoint runs,
the plan notes a cheaper instance type within the job's latency limit, a changed spec starts a new job
and keeps the old one (stopping it when it still runs), the benchmark endpoints a running job deploys are
never the stack's, a removed document's jobs are released, and bad input is one line at file:line:col."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import boto3

from reconciler.sandbox import control
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import converged, edit
from tests.integration.test_guardrails import apply_ok

FILE = "recommendations.yaml"
SPEC = "RecommendationJob/churn-recs"
DESCRIPTION = "jobDescription: instance types for the churn champion"


def _describe(name: str) -> dict[str, Any]:
    return boto3.client("sagemaker").describe_inference_recommendations_job(JobName=name)


def _wait(name: str, *statuses: str) -> dict[str, Any]:
    """The job's describe once its status is one of `statuses` (bounded)."""
    for _ in range(500):
        data = _describe(name)
        if data["Status"] in statuses:
            return data
        time.sleep(0.02)
    raise AssertionError(f"{name} is still {data['Status']}, not {statuses}")


def _report(cli: Cli) -> dict[str, Any]:
    result = cli("recommendations", cli.root, "--format", "json")
    assert result.code == 0, result.text
    [doc] = json.loads(result.out)["documents"]
    return doc  # type: ignore[no-any-return]


def _current(cli: Cli) -> str:
    return str(_report(cli)["jobs"][0]["job"])


def _plan(cli: Cli) -> dict[str, Any]:
    result = cli("plan", cli.root, "--format", "json")
    assert result.code == 0, result.text
    return json.loads(result.out)  # type: ignore[no-any-return]


def _transient(job: str) -> list[str]:
    """The benchmark endpoints SageMaker deployed for `job` (named after its first 40 characters)."""
    endpoints = boto3.client("sagemaker").list_endpoints(MaxResults=100)["Endpoints"]
    return [e["EndpointName"] for e in endpoints if e["EndpointName"].startswith(job[:40] + "-")]


def test_a_job_runs_and_its_table_shows_beside_the_live_instance_type(recommend_cli: Cli) -> None:
    cli = recommend_cli
    apply_ok(cli)
    job = _current(cli)
    assert re.fullmatch(r"churn-recs-[0-9a-f]{8}", job)
    _wait(job, "COMPLETED")

    result = cli("recommendations", cli.root)
    assert result.code == 0, result.text
    lines = result.out.splitlines()
    assert lines[0] == SPEC and lines[1].startswith(f"  job {job}: COMPLETED (Default), created ")
    rows = [line for line in lines if re.match(r"\s+\*?\s+ml\.", line)]
    types = [re.search(r"ml\.\S+", r).group(0) for r in rows]  # type: ignore[union-attr]
    assert sorted(types) == ["ml.c5.large", "ml.c5.xlarge", "ml.m5.large", "ml.m5.xlarge"]
    costs = [float(re.search(r"ml\.\S+\s+(\S+)", r).group(1)) for r in rows]  # type: ignore[union-attr]
    assert costs == sorted(costs)  # cheapest first
    [live] = [r for r, t in zip(rows, types, strict=True) if t == "ml.m5.large"]
    assert live.endswith("Endpoint/churn variant champion")
    assert "    Endpoint/churn variant champion runs ml.m5.large today (its spec: ml.m5.large)" in lines

    report = _report(cli)
    cheapest = report["jobs"][0]["cheapestWithinLimit"]
    assert [s["variant"] for s in report["serving"]] == ["champion"]  # the challenger serves another model
    plan = cli("plan", cli.root)
    assert plan.code == 0 and "No changes" in plan.out
    assert f"{SPEC}: recommendation job {job} (Default) is COMPLETED with 4 recommendation(s)" in plan.out
    note = (f"Endpoint/churn variant champion runs ml.m5.large; {SPEC}'s job {job} recommends {cheapest} as the "
            "cheapest within its P95 latency limit of 100 ms")
    assert (note in plan.out) == (cheapest != "ml.m5.large"), plan.out

    markdown = cli("recommendations", cli.root, "--format", "markdown")
    assert f"### `{SPEC}`" in markdown.out and "| **Endpoint/churn variant champion** |" in markdown.out
    drift = cli("drift", cli.root)
    assert drift.code == 0, drift.text


def test_a_spec_changed_while_the_job_runs_stops_it_keeps_it_and_starts_a_new_one(recommend_cli: Cli) -> None:
    cli = recommend_cli
    text = (cli.root / FILE).read_text()
    (cli.root / FILE).unlink()
    apply_ok(cli)  # the endpoint, on the fast clock
    (cli.root / FILE).write_text(text)
    control.set_time_scale(cli.sandbox.url, 1.0)  # the job's 45 minutes, on a clock the test moves
    assert cli("apply", cli.root, "--auto-approve").code == 0
    old = _current(cli)
    control.advance_clock(cli.sandbox.url, 600)
    assert _describe(old)["Status"] == "IN_PROGRESS"

    benchmark = _transient(old)
    assert benchmark  # SageMaker's endpoints for the run: untagged, never the stack's
    sm = boto3.client("sagemaker")
    for name in benchmark:
        arn = sm.describe_endpoint(EndpointName=name)["EndpointArn"]
        assert not any(t["Key"].startswith("reconciler:") for t in sm.list_tags(ResourceArn=arn)["Tags"])
    converged(cli)
    drift = cli("drift", cli.root, "--format", "json")
    assert drift.code == 0, drift.text
    assert not any(name in drift.out for name in benchmark)
    assert f"{SPEC}: recommendation job {old} (Default) is IN_PROGRESS" in cli("plan", cli.root).out
    imported = cli("import", "--all")  # what the job deployed is SageMaker's, not a document to write
    assert imported.code == 0, imported.text
    assert imported.out == "Nothing to import.\n" and old[:40] not in imported.err

    edit(cli.root / FILE, DESCRIPTION, "jobDescription: the champion, again")
    plan = _plan(cli)
    [change] = plan["changes"]
    assert (change["action"], change["replaces"]) == ("replace", f"inference-recommendations-job/{old}")
    new = change["address"].split("/", 1)[1]
    assert [(s["operation"], s["address"]) for s in plan["steps"]] == [
        ("CreateInferenceRecommendationsJob", f"inference-recommendations-job/{new}"),
        ("StopInferenceRecommendationsJob", f"inference-recommendations-job/{old}")]
    apply = cli("apply", cli.root, "--auto-approve")
    assert apply.code == 0, apply.text

    control.advance_clock(cli.sandbox.url, 120)
    assert _describe(old)["Status"] == "STOPPED"  # kept, with what it measured so far
    control.advance_clock(cli.sandbox.url, 3600)
    assert _describe(new)["Status"] == "COMPLETED"
    assert not _transient(old) and not _transient(new)
    converged(cli)
    report = _report(cli)
    assert [(j["job"], j["status"], j["current"]) for j in report["jobs"]] == [
        (new, "COMPLETED", True), (old, "STOPPED", False)]
    assert f"  earlier job {old}: STOPPED (Default)" in cli("recommendations", cli.root).out


def test_a_spec_changed_after_the_job_completed_keeps_it_as_history(recommend_cli: Cli) -> None:
    cli = recommend_cli
    apply_ok(cli)
    old = _current(cli)
    _wait(old, "COMPLETED")
    edit(cli.root / FILE, DESCRIPTION, "jobDescription: the champion, again")
    plan = _plan(cli)
    [change] = plan["changes"]
    assert change["action"] == "create" and "1 earlier job(s) of RecommendationJob/churn-recs kept as history" in \
        change["reason"]
    assert [s["operation"] for s in plan["steps"]] == ["CreateInferenceRecommendationsJob"]
    apply_ok(cli)
    new = _current(cli)
    _wait(new, "COMPLETED")
    assert _describe(old)["Status"] == "COMPLETED"
    assert [(j["job"], j["current"]) for j in _report(cli)["jobs"]] == [(new, True), (old, False)]
    converged(cli)


def test_a_removed_document_releases_its_jobs_which_sagemaker_keeps(recommend_cli: Cli) -> None:
    cli = recommend_cli
    apply_ok(cli)
    job = _current(cli)
    _wait(job, "COMPLETED")
    (cli.root / FILE).unlink()  # the example Stack prunes
    plan = _plan(cli)
    assert [(s["operation"], s["address"]) for s in plan["steps"]] == [
        ("DeleteTags", f"inference-recommendations-job/{job}")]
    apply_ok(cli)
    data = _describe(job)
    tags = boto3.client("sagemaker").list_tags(ResourceArn=data["JobArn"])["Tags"]
    assert data["Status"] == "COMPLETED" and not any(t["Key"].startswith("reconciler:") for t in tags)


def test_bad_input_is_one_line_at_its_file_line_and_column_and_exit_1(recommend_cli: Cli) -> None:
    cli = recommend_cli
    edit(cli.root / FILE, "  stoppingConditions:", "    jobDurationInSeconds: 20000\n  stoppingConditions:")
    for command in ("plan", "recommendations"):
        result = cli(command, cli.root)
        assert result.code == 1
        [line] = result.err.splitlines()
        assert re.fullmatch(rf"\S+/{FILE}:12:27: jobDurationInSeconds is 20000; Inference Recommender runs a job "
                            r"at most 18000 seconds \(5 hours\)", line), line
    edit(cli.root / FILE, "    jobDurationInSeconds: 20000\n", "    trafficPattern: {phases: [{initialNumberOfUsers: "
                                                                 "1, durationInSeconds: 300}]}\n")
    result = cli("validate", cli.root)
    assert result.code == 1
    [line] = result.err.splitlines()
    assert re.fullmatch(rf"\S+/{FILE}:12:5: a Default job \(an instance recommendation\) does not take "
                        r"inputConfig\.trafficPattern: only a load test does \(did you mean jobType: Advanced\?\)",
                        line), line


def test_a_failed_job_is_noted_with_its_reason_and_not_run_again(recommend_cli: Cli) -> None:
    cli = recommend_cli
    control.fail_recommendation_job(cli.sandbox.url, reason="The sample payload is not a .tar.gz archive.")
    apply_ok(cli)
    job = _current(cli)
    _wait(job, "FAILED")
    plan = cli("plan", cli.root, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert (f"{SPEC}: recommendation job {job} (Default) is FAILED: The sample payload is not a .tar.gz archive.; "
            "a job is not run again as it is: change its spec (jobDescription, for one) to start a new one") in \
        plan.out.replace("\n", " ")
    report = cli("recommendations", cli.root)
    assert f"  job {job}: FAILED (Default)" in report.out and "$/hour" not in report.out
