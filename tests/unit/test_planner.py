"""Planner decisions on in-memory live state: no AWS, no sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.drift import drift_report
from reconciler.plan.model import Action, Plan
from tests.unit.planner_support import applied_state, operations, plan_for, write_stack


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return write_stack(tmp_path / "stack")


def test_fresh_stack_creates_in_dependency_order(root: Path) -> None:
    plan, _ = plan_for(root, {})
    assert operations(plan) == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    assert [c.action for c in plan.changes] == [Action.create] * 3
    assert all(fp == "absent" for fp in plan.fingerprints.values())
    create = plan.steps[2].params
    assert create["EndpointName"] == "churn"
    keys = {t["Key"] for t in create["Tags"]}
    assert {"reconciler:stack", "reconciler:address", "reconciler:hash", "team"} <= keys


def test_applied_stack_plans_no_changes(root: Path) -> None:
    plan, _ = plan_for(root, applied_state(root))
    assert plan.is_empty, plan.dumps()


def test_weight_only_change_is_one_in_place_call(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, weight_a=0.8, weight_b=0.2)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["UpdateEndpointWeightsAndCapacities"]
    step = plan.steps[0]
    assert step.params["DesiredWeightsAndCapacities"] == (
        {"VariantName": "a", "DesiredWeight": 0.8},
        {"VariantName": "b", "DesiredWeight": 0.2},
    )
    assert step.tags is not None and "reconciler:hash" in step.tags
    [change] = plan.changes
    assert change.address == "endpoint/churn" and change.action is Action.update
    assert "no redeploy" in change.reason


def test_instance_count_changes_one_variant_per_call(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, count_a=4, weight_a=0.7, weight_b=0.3)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["UpdateEndpointWeightsAndCapacities"]
    entries = plan.steps[0].params["DesiredWeightsAndCapacities"]
    assert {"VariantName": "a", "DesiredWeight": 0.7, "DesiredInstanceCount": 4} in entries


def test_instance_type_change_deploys_new_config_and_collects_the_old(root: Path) -> None:
    live = applied_state(root)
    old_config = next(a for a in live if a.type == "endpoint-config")
    write_stack(root, instance="ml.m5.xlarge")
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"]
    replace = next(c for c in plan.changes if c.action is Action.replace)
    assert replace.replaces == str(old_config)
    update = plan.steps[1]
    assert update.params["RetainAllVariantProperties"] is False
    assert plan.steps[2].address == str(old_config)


def test_model_change_replaces_model_and_config_then_collects_both(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, model_data="s3://b/m2.tar.gz")
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig",
                                "DeleteModel"]
    assert sorted(c.action.value for c in plan.changes) == ["replace", "replace", "update"]


def test_out_of_band_weight_change_is_drift(root: Path) -> None:
    live = applied_state(root)
    endpoint = live[Address("endpoint", "churn")]
    assert endpoint.data is not None
    endpoint.data["ProductionVariants"][0]["DesiredWeight"] = 0.1
    plan, snap = plan_for(root, live)
    assert operations(plan) == ["UpdateEndpointWeightsAndCapacities"]
    report = drift_report(plan, snap)
    [entry] = report.entries
    assert entry.labels == ("drift",)


def test_spec_change_is_pending_not_drift(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, weight_a=0.9, weight_b=0.1)
    plan, snap = plan_for(root, live)
    [entry] = drift_report(plan, snap).entries
    assert entry.labels == ("pending",)


def test_prune_deletes_endpoint_before_config_before_model(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, endpoint=False)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["DeleteEndpoint", "DeleteEndpointConfig"]
    # The model is still in the specs; only the endpoint's resources go.
    write_stack(root, endpoint=False, model_data="s3://b/other.tar.gz")
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["CreateModel", "DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel"]


def test_prune_false_lists_orphans_and_leaves_them(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, endpoint=False, prune=False)
    plan, _ = plan_for(root, live)
    assert plan.steps == ()
    assert sorted(o.address.split("/")[0] for o in plan.orphans) == ["endpoint", "endpoint-config"]


def test_superseded_model_kept_while_an_orphan_endpoint_uses_it(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, endpoint=False, prune=False, model_data="s3://b/other.tar.gz")
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["CreateModel"]  # old model still served by the kept endpoint


def test_failed_endpoint_is_replaced(root: Path) -> None:
    live = applied_state(root)
    endpoint = live[Address("endpoint", "churn")]
    assert endpoint.data is not None
    endpoint.data["EndpointStatus"] = "Failed"
    endpoint.data["FailureReason"] = "image not found"
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["DeleteEndpoint", "CreateEndpoint"]
    assert plan.changes[0].action is Action.replace and "image not found" in plan.changes[0].reason


def test_tag_only_change_updates_tags_in_place(root: Path) -> None:
    live = applied_state(root)
    text = (root / "stack.yaml").read_text().replace("team: ml", "team: ml-platform")
    (root / "stack.yaml").write_text(text)
    plan, _ = plan_for(root, live)
    assert set(operations(plan)) == {"AddTags"}
    assert len(plan.steps) == 3  # model, config and endpoint are retagged, nothing is rebuilt


def test_plan_is_a_pure_value_equal_after_json_round_trip(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, instance="ml.c5.xlarge", weight_a=0.3, weight_b=0.7)
    plan, _ = plan_for(root, live)
    again = Plan.loads(plan.dumps())
    assert again == plan
    with pytest.raises((AttributeError, TypeError)):
        plan.steps[0].params["EndpointName"] = "x"  # type: ignore[index]
