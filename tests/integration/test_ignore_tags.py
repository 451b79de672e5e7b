"""A Stack's `ignoreTags`: tags other tools add (a backup plan's, cost allocation) are not drift, never removed,
and do not make a saved plan stale; without it they are drift, removed by apply."""

from __future__ import annotations

from pathlib import Path

import boto3

from reconciler import tags as tagmod
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import converged, edit
from tests.integration.test_guardrails import apply_ok

ENDPOINT_ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"


def _tag_by_another_tool() -> None:
    boto3.client("sagemaker").add_tags(ResourceArn=ENDPOINT_ARN, Tags=[{"Key": "backup:plan", "Value": "daily"}])


def _live_tags() -> dict[str, str]:
    return tagmod.from_tag_list(boto3.client("sagemaker").list_tags(ResourceArn=ENDPOINT_ARN)["Tags"])


def test_without_ignore_tags_another_tools_tag_is_drift_and_removed(cli: Cli) -> None:
    apply_ok(cli)
    _tag_by_another_tool()
    drift = cli("drift", cli.root)
    assert drift.code == 2 and "backup:plan" in drift.out, drift.text
    apply_ok(cli)
    assert "backup:plan" not in _live_tags()


def test_ignored_tags_are_not_drift_never_removed_and_keep_a_saved_plan_fresh(cli: Cli, tmp_path: Path) -> None:
    edit(cli.root / "stack.yaml", "  prune: true\n", "  prune: true\n  ignoreTags: [\"backup:\"]\n")
    apply_ok(cli)
    _tag_by_another_tool()
    converged(cli)
    assert cli("drift", cli.root).code == 0
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.7")
    saved = tmp_path / "plan.json"
    assert cli("plan", cli.root, "--out", saved).code == 0
    boto3.client("sagemaker").add_tags(ResourceArn=ENDPOINT_ARN, Tags=[{"Key": "backup:plan", "Value": "hourly"}])
    applied = cli("apply", saved)
    assert applied.code == 0, applied.text  # the other tool's edit does not make the plan stale
    assert _live_tags()["backup:plan"] == "hourly"
    converged(cli)


def test_ignore_tags_may_not_hide_the_ownership_tags(cli: Cli) -> None:
    edit(cli.root / "stack.yaml", "  prune: true\n", "  prune: true\n  ignoreTags: [\"reconciler:\"]\n")
    result = cli("validate", cli.root)
    assert result.code == 1 and "would hide the ownership tags" in result.err and "stack.yaml:" in result.err
