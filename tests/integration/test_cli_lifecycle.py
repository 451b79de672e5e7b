"""End to end through the CLI against the sandbox over HTTP: the whole lifecycle of a stack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3

from reconciler.sandbox import control
from tests.integration.conftest import Cli


def steps(text: str) -> list[str]:
    return re.findall(r"^\s+\d+\.\s+(\w+)", text, flags=re.M)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def converged(cli: Cli) -> None:
    result = cli("plan", cli.root, "--detailed-exitcode")
    assert result.code == 0, result.text
    assert "No changes" in result.out


def wait_in_service(name: str = "churn") -> None:
    import time

    sm = boto3.client("sagemaker")
    for _ in range(300):
        if sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService":
            return
        time.sleep(0.02)
    raise AssertionError("endpoint did not settle")


def create(cli: Cli) -> None:
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    converged(cli)


def test_create_then_plan_is_empty(cli: Cli) -> None:
    assert cli("validate", cli.root).code == 0
    plan = cli("plan", cli.root, "--detailed-exitcode")
    assert plan.code == 2
    assert steps(plan.out) == ["CreateModel", "CreateModel", "CreateEndpointConfig", "PutMetricAlarm", "CreateEndpoint"]
    create(cli)
    sm = boto3.client("sagemaker")
    endpoint = sm.describe_endpoint(EndpointName="churn")
    assert endpoint["EndpointStatus"] == "InService"
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=endpoint["EndpointArn"])["Tags"]}
    assert tags["reconciler:stack"] == "churn-prod" and tags["reconciler:address"] == "Endpoint/churn"
    assert tags["team"] == "ml-platform" and tags["service"] == "churn-scoring"
    assert re.fullmatch(r"churn-[0-9a-f]{8}", endpoint["EndpointConfigName"])


def test_weight_only_change_is_one_call_and_keeps_the_config(cli: Cli) -> None:
    create(cli)
    sm = boto3.client("sagemaker")
    config_before = sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.6")
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.4")
    plan = cli("plan", cli.root, "--format", "json")
    data = json.loads(plan.out)
    assert [s["operation"] for s in data["steps"]] == ["UpdateEndpointWeightsAndCapacities"]
    assert [c["action"] for c in data["changes"]] == ["update"]
    assert cli("apply", cli.root, "--auto-approve").code == 0
    endpoint = sm.describe_endpoint(EndpointName="churn")
    assert endpoint["EndpointConfigName"] == config_before
    weights = {v["VariantName"]: v["DesiredWeight"] for v in endpoint["ProductionVariants"]}
    assert weights == {"champion": 0.6, "challenger": 0.4}
    converged(cli)


def test_instance_type_change_deploys_a_new_config_and_collects_the_old(cli: Cli) -> None:
    create(cli)
    sm = boto3.client("sagemaker")
    old = sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert steps(result.out) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"]
    assert "Updating" in result.out  # the wait shows progress
    new = sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    assert new != old
    names = {c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]}
    assert names == {new}
    converged(cli)


def test_model_change_rolls_through_and_collects_old_model_and_config(cli: Cli) -> None:
    create(cli)
    edit(cli.root / "models.yaml", "2026-11-20/model.tar.gz", "2026-11-23/model.tar.gz")
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert steps(result.out) == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig",
                                 "DeleteModel"]
    models = {m["ModelName"] for m in boto3.client("sagemaker").list_models()["Models"]}
    assert len(models) == 2 and not any("challenger-083bf747" in m for m in models)
    converged(cli)


def test_out_of_band_change_is_drift_and_apply_restores_git(cli: Cli) -> None:
    create(cli)
    assert cli("drift", cli.root).code == 0
    boto3.client("sagemaker").update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "champion", "DesiredWeight": 0.1}])
    wait_in_service()
    drift = cli("drift", cli.root, "--format", "json")
    assert drift.code == 2
    report = json.loads(drift.out)
    assert report["drift"] == 1 and report["entries"][0]["labels"] == ["drift"]
    text = cli("drift", cli.root)
    assert "[drift]" in text.out and "variants.champion.weight" in text.out
    assert cli("apply", cli.root, "--auto-approve").code == 0
    assert cli("drift", cli.root).code == 0


def test_spec_change_is_pending(cli: Cli) -> None:
    create(cli)
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.7")
    drift = cli("drift", cli.root, "--format", "markdown")
    assert drift.code == 2
    assert "pending" in drift.out


def test_stale_plan_is_refused(cli: Cli, tmp_path: Path) -> None:
    create(cli)
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.5")
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.5")
    plan_file = tmp_path / "reviewed.json"
    assert cli("plan", cli.root, "--out", plan_file).code == 0
    boto3.client("sagemaker").update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "challenger", "DesiredWeight": 0.9}])
    wait_in_service()
    result = cli("apply", plan_file)
    assert result.code == 1
    assert "stale" in result.err and "Traceback" not in result.text
    weights = {v["VariantName"]: v["DesiredWeight"]
               for v in boto3.client("sagemaker").describe_endpoint(EndpointName="churn")["ProductionVariants"]}
    assert weights["challenger"] == 0.9  # nothing was changed


def test_saved_plan_applies_exactly(cli: Cli, tmp_path: Path) -> None:
    plan_file = tmp_path / "reviewed.json"
    assert cli("plan", cli.root, "--out", plan_file).code == 0
    result = cli("apply", plan_file)
    assert result.code == 0, result.text
    converged(cli)
    again = cli("apply", plan_file)  # the same plan again: everything it creates now exists
    assert again.code == 1 and "stale" in again.err


def test_rollback_fails_the_apply_and_keeps_the_serving_config(cli: Cli) -> None:
    create(cli)
    sm = boto3.client("sagemaker")
    serving = sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    control.fail_next_update(cli.sandbox.url, "churn", reason="Model container failed the ping health check")
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 1
    assert "rolled the update back" in result.err and "ping health check" in result.err
    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == serving
    sm.describe_endpoint_config(EndpointConfigName=serving)  # kept, not garbage-collected
    drift = cli("drift", cli.root)
    assert drift.code == 2 and "[pending]" in drift.out
    plan = cli("plan", cli.root)
    assert steps(plan.out) == ["UpdateEndpoint", "DeleteEndpointConfig"]  # what is left, exactly
    assert cli("apply", cli.root, "--auto-approve").code == 0
    converged(cli)


def test_prune_true_deletes_removed_specs_in_order(cli: Cli) -> None:
    create(cli)
    (cli.root / "endpoint.yaml").rename(cli.root.parent / "endpoint.yaml")
    refused = cli("plan", cli.root)
    assert refused.code == 1 and "endpoint/churn is protected" in refused.err and "protect: false" in refused.err
    (cli.root.parent / "endpoint.yaml").rename(cli.root / "endpoint.yaml")
    edit(cli.root / "endpoint.yaml", "protect: true", "protect: false")
    assert cli("apply", cli.root, "--auto-approve").code == 0  # lifts the protection (a tag change)
    (cli.root / "endpoint.yaml").unlink()
    edit(cli.root / "models.yaml", "---\n", "")
    text = (cli.root / "models.yaml").read_text()
    (cli.root / "models.yaml").write_text(text.split("apiVersion: reconciler/v1\nkind: Model\nname: churn-xgb-chal")[0])
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert steps(result.out) == ["DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel"]
    sm = boto3.client("sagemaker")
    assert sm.list_endpoints()["Endpoints"] == []
    models = [m["ModelName"] for m in sm.list_models()["Models"]]
    assert len(models) == 1 and models[0].startswith("churn-xgb-") and "challenger" not in models[0]
    converged(cli)


def test_prune_false_lists_orphans_and_keeps_them(cli: Cli) -> None:
    create(cli)
    edit(cli.root / "stack.yaml", "prune: true", "prune: false")
    (cli.root / "endpoint.yaml").unlink()
    plan = cli("plan", cli.root, "--format", "json")
    data = json.loads(plan.out)
    assert data["steps"] == []
    assert sorted(o["address"].split("/")[0] for o in data["orphans"]) == ["endpoint", "endpoint-config"]
    assert boto3.client("sagemaker").describe_endpoint(EndpointName="churn")["EndpointStatus"] == "InService"


def test_unowned_same_name_endpoint_is_never_touched(cli: Cli) -> None:
    sm = boto3.client("sagemaker")
    sm.create_model(ModelName="hand-made", ExecutionRoleArn="arn:aws:iam::123456789012:role/x",
                    PrimaryContainer={"Image": "123.dkr.ecr.us-east-1.amazonaws.com/x:1"})
    sm.create_endpoint_config(EndpointConfigName="hand-made", ProductionVariants=[
        {"VariantName": "a", "ModelName": "hand-made", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="hand-made")
    result = cli("plan", cli.root)
    assert result.code == 1
    assert "endpoint/churn already exists and is not managed by reconciler" in result.err
    assert f"reconciler import Endpoint churn --into {cli.root} --adopt" in result.err
    assert cli("apply", cli.root, "--auto-approve").code == 1
    # the suggested adoption is refused: the hand-made endpoint is not what the document says
    adopt = cli("import", "Endpoint", "churn", "--into", cli.root, "--adopt")
    assert adopt.code == 1 and "not adopted, nothing was changed" in adopt.err, adopt.text
    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "hand-made"
    assert "reconciler:stack" not in str(sm.list_tags(ResourceArn=sm.describe_endpoint(EndpointName="churn")[
        "EndpointArn"])["Tags"])


def test_plan_verbose_counts_api_calls(cli: Cli) -> None:
    create(cli)
    result = cli("plan", cli.root, "--verbose")
    match = re.search(r"API calls: (\d+)", result.err)
    assert match, result.err
    # GetCallerIdentity, GetResources, DescribeEndpoint, DescribeScalableTargets, DescribeAlarms: 6 resources
    assert int(match.group(1)) == 5


def test_markdown_plan_is_ready_for_a_pull_request(cli: Cli) -> None:
    result = cli("plan", cli.root, "--format", "markdown")
    assert result.code == 0
    assert result.out.startswith("### reconciler plan")
    assert "CreateEndpoint" in result.out and "\x1b[" not in result.out


def test_apply_without_a_terminal_needs_auto_approve(cli: Cli) -> None:
    result = cli("apply", cli.root)
    assert result.code == 1 and "--auto-approve" in result.err
    assert boto3.client("sagemaker").list_models()["Models"] == []
