"""`show PLANFILE` prints a saved plan without AWS; `output DIR` prints what each document created."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.conftest import Cli
from tests.integration.test_guardrails import apply_ok


def test_show_prints_the_saved_plan_in_every_format_without_aws(cli: Cli, tmp_path: Path,
                                                                monkeypatch: object) -> None:
    saved = tmp_path / "plan.json"
    made = cli("plan", cli.root, "--out", saved)
    assert made.code == 0, made.text
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # type: ignore[attr-defined]  # no AWS
    text = cli("show", saved)
    assert text.code == 0 and "Plan: 5 to create" in text.out and "CreateEndpoint" in text.out, text.text
    shown = cli("show", saved, "--format", "json")
    assert json.loads(shown.out) == json.loads(saved.read_text())
    markdown = cli("show", saved, "--format", "markdown")
    assert markdown.out.startswith("### reconciler plan: stack `churn-prod`")
    bad = cli("show", cli.root / "stack.yaml")
    assert bad.code == 1 and "not a plan file" in bad.err and "Traceback" not in bad.text


def test_output_names_arns_and_invocation_urls(cli: Cli) -> None:
    before = json.loads(cli("output", cli.root, "--format", "json").out)
    assert {o["spec"]: o["status"] for o in before}["Endpoint/churn"] == "not applied"
    apply_ok(cli)
    result = cli("output", cli.root)
    assert result.code == 0, result.text
    assert "Endpoint/churn  (applied)" in result.out
    assert "invocationUrl: https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/churn/invocations" in result.out
    outputs = {o["spec"]: o for o in json.loads(cli("output", cli.root, "--format", "json").out)}
    assert outputs["Endpoint/churn"]["arn"] == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"
    assert outputs["Model/churn-xgb"]["name"].startswith("churn-xgb-") and \
        outputs["Model/churn-xgb"]["status"] == "applied"


def test_iam_policy_prints_a_policy_document_per_mode(cli: Cli) -> None:
    plan = json.loads(cli("iam-policy", cli.root, "--mode", "plan").out)
    apply = json.loads(cli("iam-policy", cli.root).out)
    actions = {mode: {a for s in doc["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                              else s["Action"])} for mode, doc in
               (("plan", plan), ("apply", apply))}
    assert "sagemaker:CreateEndpoint" in actions["apply"] and "sagemaker:CreateEndpoint" not in actions["plan"]
    assert "sagemaker:DescribeEndpoint" in actions["plan"] and actions["plan"] < actions["apply"]
    bad = cli("iam-policy", cli.root, "--region", "eu-west-1")
    assert bad.code == 1 and "Traceback" not in bad.text, bad.text


def test_apply_json_prints_a_summary_and_keeps_progress_on_stderr(cli: Cli) -> None:
    result = cli("apply", cli.root, "--auto-approve", "--format", "json")
    assert result.code == 0, result.text
    summary = json.loads(result.out)  # stdout is only the summary
    assert summary["status"] == "applied" and summary["stack"] == "churn-prod"
    assert summary["steps_done"] == summary["planned_steps"] == len(summary["steps"]) == 5
    assert [s["operation"] for s in summary["steps"]][-1] == "CreateEndpoint"
    assert "[1/5] CreateModel" in result.err
    again = json.loads(cli("apply", cli.root, "--auto-approve", "--format", "json").out)
    assert again["status"] == "nothing to do" and again["steps"] == []


def test_a_failed_apply_still_prints_its_summary(cli: Cli) -> None:
    from reconciler.sandbox import control
    from tests.integration.test_cli_lifecycle import edit

    apply_ok(cli)
    control.fail_next_update(cli.sandbox.url, "churn", reason="Health check failed for variant champion")
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.m5.xlarge\n      initialInstanceCount: 2")
    result = cli("apply", cli.root, "--auto-approve", "--format", "json")
    assert result.code == 1
    summary = json.loads(result.out)
    assert summary["status"] == "failed" and "Health check failed" in summary["error"]
    assert summary["steps"][-1]["status"] == "failed" and summary["steps"][-1]["operation"] == "UpdateEndpoint"


def test_destroy_deletes_what_the_stack_owns_in_reverse_order_and_honours_protect(cli: Cli) -> None:
    from tests.integration.test_cli_lifecycle import edit

    apply_ok(cli)
    refused = cli("destroy", cli.root, "--auto-approve")  # the example endpoint has protect: true
    assert refused.code == 1 and "protect" in refused.err, refused.text
    edit(cli.root / "endpoint.yaml", "protect: true", "protect: false")
    apply_ok(cli)  # lifts the protection recorded on the endpoint
    unattended = cli("destroy", cli.root)
    assert unattended.code == 1 and "--auto-approve" in unattended.err
    result = cli("destroy", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    steps = [line.split()[1] for line in result.out.splitlines() if line.strip()[:1].isdigit() and ". " in line]
    assert steps.index("DeleteEndpoint") < steps.index("DeleteEndpointConfig") < steps.index("DeleteModel")
    assert "Destroy complete" in result.out
    again = cli("destroy", cli.root, "--auto-approve")
    assert again.code == 0 and "owns nothing" in again.out
    assert cli("plan", cli.root, "--detailed-exitcode").code == 2  # the specs are still there to apply again


def test_target_narrows_plan_and_apply_to_a_document_and_what_it_references(cli: Cli) -> None:
    from tests.integration.test_cli_lifecycle import edit

    apply_ok(cli)
    edit(cli.root / "models.yaml", "2026-11-01", "2026-11-20")  # both models and the endpoint change
    edit(cli.root / "alarms.yaml", "threshold: 5", "threshold: 7")
    full = json.loads(cli("plan", cli.root, "--format", "json").out)
    assert "alarm/churn-5xx" in {c["address"] for c in full["changes"]}
    narrowed = json.loads(cli("plan", cli.root, "--format", "json", "--target", "Alarm/churn-5xx").out)
    assert [c["address"] for c in narrowed["changes"]] == ["alarm/churn-5xx"]
    assert any("partial plan (--target Alarm/churn-5xx)" in w for w in narrowed["warnings"])
    by_resource = json.loads(cli("plan", cli.root, "--format", "json", "--target", "endpoint/churn").out)
    specs = {c["spec"] for c in by_resource["changes"]}
    assert "Endpoint/churn" in specs and "Alarm/churn-5xx" in specs  # the endpoint's guardrail references it
    assert any(s.startswith("Model/") for s in specs)  # and its models come with it
    applied = cli("apply", cli.root, "--auto-approve", "--target", "Alarm/churn-5xx")
    assert applied.code == 0 and "partial plan" in applied.out, applied.text
    left = json.loads(cli("plan", cli.root, "--format", "json").out)
    assert "alarm/churn-5xx" not in {c["address"] for c in left["changes"]} and left["changes"]
    wrong = cli("plan", cli.root, "--target", "Alarm/churn-5x")
    assert wrong.code == 1 and "did you mean 'Alarm/churn-5xx'" in wrong.err
