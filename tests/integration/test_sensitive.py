"""Sensitive values against the sandbox: a model's secrets never appear in a rendered plan or drift
report (text, Markdown, JSON), while the saved plan file keeps them and applying it writes them to AWS.

The CLI tests go through `reconciler plan/drift/apply/show`, which mask with `sensitive.mask_plan` /
`mask_report` / `mask_text` before printing; the others call the engine and `reconciler.sensitive`
directly.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from reconciler import sensitive
from reconciler.plan.model import Plan
from tests.integration.conftest import Cli

API_KEY = "sk-live-4242424242abcdef"  # an environment key masked by default
DB_URL = "postgres://churn:tr0ub4dor-and-3@db.internal:5432/churn"  # masked because the document lists it

MODEL = f"""
apiVersion: reconciler/v1
kind: Model
name: scorer
sensitive:
  - spec.primaryContainer.environment.DB_URL
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  primaryContainer:
    image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
    modelDataUrl: s3://ml-artifacts/scorer/model.tar.gz
    environment:
      API_KEY: {json.dumps(API_KEY)}
      DB_URL: {json.dumps(DB_URL)}
      LOG_LEVEL: info
"""


def _secrets_in(text: str) -> list[str]:
    return [s for s in (API_KEY, DB_URL, "tr0ub4dor") if s in text]


@pytest.fixture()
def secret_cli(cli: Cli) -> Cli:
    (cli.root / "scorer.yaml").write_text(textwrap.dedent(MODEL))
    return cli


def _plan(cli: Cli) -> tuple[Plan, object]:
    from reconciler.aws.clients import AwsTarget, ClientFactory, ReadClients
    from reconciler.kinds import load_stack
    from reconciler.plan.planner import make_plan

    stack = load_stack(cli.root)
    plan, snapshot = make_plan(stack, ReadClients(ClientFactory(AwsTarget("us-east-1"))))
    return plan, snapshot


def test_masked_plan_of_the_sandbox_shows_no_secret_in_any_format(secret_cli: Cli) -> None:
    from reconciler.render import render_plan_json, render_plan_markdown, render_plan_text

    plan, snapshot = _plan(secret_cli)
    assert _secrets_in(plan.dumps()) == [API_KEY, DB_URL, "tr0ub4dor"]  # the plan itself keeps them
    masked = sensitive.mask_plan(plan, snapshot)
    for text in (render_plan_text(masked, color=False), render_plan_markdown(masked), render_plan_json(masked)):
        assert _secrets_in(text) == []
        assert "(sensitive sha256:" in text and "LOG_LEVEL" in text


def test_the_saved_plan_keeps_the_secrets_and_applying_it_writes_them(secret_cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    made = secret_cli("plan", secret_cli.root, "--out", saved)
    assert made.code == 0, made.text
    assert _secrets_in(saved.read_text()) == [API_KEY, DB_URL, "tr0ub4dor"]
    applied = secret_cli("apply", saved)
    assert applied.code == 0, applied.text
    plan = Plan.loads(saved.read_text())
    name = next(s.params["ModelName"] for s in plan.steps if str(s.params.get("ModelName", "")).startswith("scorer-"))
    live = secret_cli.sagemaker().describe_model(ModelName=name)  # type: ignore[attr-defined]
    assert live["PrimaryContainer"]["Environment"] == {"API_KEY": API_KEY, "DB_URL": DB_URL, "LOG_LEVEL": "info"}


def test_a_changed_secret_is_a_change_without_either_value(secret_cli: Cli) -> None:
    from reconciler.drift import drift_report
    from reconciler.render import render_drift_json, render_drift_text, render_plan_text

    assert secret_cli("apply", secret_cli.root, "--auto-approve").code == 0
    path = secret_cli.root / "scorer.yaml"
    path.write_text(path.read_text().replace(API_KEY, "sk-live-rotated-0000000000"))
    plan, snapshot = _plan(secret_cli)
    masked = sensitive.mask_plan(plan, snapshot)
    text = render_plan_text(masked, color=False)
    assert "API_KEY" in text and _secrets_in(text) == [] and "rotated" not in text
    change = next(c for c in masked.changes if c.spec == "Model/scorer")
    old = (change.before or {})["primaryContainer"]["environment"]
    new = (change.after or {})["primaryContainer"]["environment"]
    assert sensitive.changed_text(old["API_KEY"], new["API_KEY"]) == sensitive.CHANGED
    assert old["DB_URL"] == new["DB_URL"]
    report = sensitive.mask_report(drift_report(plan, snapshot), snapshot)  # type: ignore[arg-type]
    for shown in (render_drift_text(report, color=False), render_drift_json(report)):
        assert _secrets_in(shown) == [] and "rotated" not in shown


# --- through the CLI: these need the wiring in cli.py ---------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_cli_plan_output_shows_no_secret(secret_cli: Cli, fmt: str) -> None:
    result = secret_cli("plan", secret_cli.root, "--format", fmt)
    assert result.code == 0, result.text
    assert "(sensitive sha256:" in result.out
    assert _secrets_in(result.text) == []


def test_cli_apply_and_drift_show_no_secret(secret_cli: Cli) -> None:
    applied = secret_cli("apply", secret_cli.root, "--auto-approve")
    assert applied.code == 0 and _secrets_in(applied.text) == [], applied.text
    path = secret_cli.root / "scorer.yaml"
    path.write_text(path.read_text().replace(API_KEY, "sk-live-rotated-0000000000"))
    for fmt in ("text", "markdown", "json"):
        drift = secret_cli("drift", secret_cli.root, "--format", fmt)
        assert drift.code == 2 and _secrets_in(drift.text) == [] and "rotated" not in drift.text, drift.text


def test_cli_error_lines_show_no_secret(secret_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """An AWS error echoing the request (as some validation errors do) is printed masked."""
    import botocore.client
    from botocore.exceptions import ClientError

    original = botocore.client.BaseClient._make_api_call

    def refuse_create_model(self: object, operation: str, params: dict[str, object]) -> object:
        if operation == "CreateModel":
            echoed = json.dumps(params.get("PrimaryContainer"))
            raise ClientError({"Error": {"Code": "ValidationException", "Message": f"bad container {echoed}"}},
                              operation)
        return original(self, operation, params)  # type: ignore[arg-type]

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse_create_model)
    result = secret_cli("apply", secret_cli.root, "--auto-approve")
    assert result.code == 1 and "ValidationException" in result.err, result.text
    assert _secrets_in(result.text) == []


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_showing_a_saved_plan_masks_the_documents_sensitive_paths_too(secret_cli: Cli, tmp_path: Path,
                                                                       fmt: str) -> None:
    saved = tmp_path / "plan.json"
    assert secret_cli("plan", secret_cli.root, "--out", saved).code == 0
    assert DB_URL in saved.read_text()  # the file keeps what apply sends
    shown = secret_cli("show", saved, "--format", fmt)  # no stack directory: the plan carries the paths
    assert shown.code == 0, shown.text
    assert _secrets_in(shown.text) == [], fmt


def test_a_changed_secret_reads_sensitive_value_changed_in_the_cli_plan(secret_cli: Cli) -> None:
    assert secret_cli("apply", secret_cli.root, "--auto-approve").code == 0
    path = secret_cli.root / "scorer.yaml"
    path.write_text(path.read_text().replace(API_KEY, "sk-live-rotated-9999999999"))
    result = secret_cli("plan", secret_cli.root)
    assert result.code == 0, result.text
    assert "primaryContainer.environment.API_KEY: (sensitive value changed)" in result.out
    assert "sk-live-rotated" not in result.text and _secrets_in(result.text) == []
