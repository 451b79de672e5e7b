"""Scenarios for a Model deploying from the model registry (`modelPackage: {group, version}`): the version is
resolved when planning from recorded SageMaker answers, shown as a note, pinned in the plan, and a newer
approval is a model change rolled out to the endpoint; what cannot be deployed is a plan error at the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import PlanError
from reconciler.frozen import thaw
from reconciler.kinds import expand, load_stack
from reconciler.plan.model import Plan
from tests.handlers.answers import absent, endpoint_doc, of_type, record_applied
from tests.handlers.recorded import Recorded, operations, plan, write
from tests.handlers.registry_answers import (
    GROUP,
    group_doc,
    model_doc,
    package_arn,
    record_applied_registry,
    record_latest_approved,
    record_package,
)
from tests.unit.planner_support import ACCOUNT, REGION


def _root(tmp_path: Path, name: str, version: str = "latestApproved") -> Path:
    return write(tmp_path / name, group_doc(), model_doc(version), endpoint_doc())


def _applied_at(tmp_path: Path, version: int) -> Recorded:
    """The stack applied while `version` was the latest approved one (the group, the model, the endpoint)."""
    root = _root(tmp_path, f"applied-{version}")
    at = Recorded()
    record_latest_approved(at, version)
    ds = expand(load_stack(root), REGION, ACCOUNT, clients=at)
    recorded = Recorded()
    record_applied(recorded, ds)
    record_applied_registry(recorded, ds)
    return recorded


def _model_change(p: Plan) -> object:
    [change] = [c for c in p.changes if c.address.startswith("model/")]
    return change


def test_latest_approved_resolves_to_the_version_and_says_so(tmp_path: Path) -> None:
    root = _root(tmp_path, "s")
    recorded = Recorded()
    record_applied(recorded, [])
    record_latest_approved(recorded, 7)
    ds = expand(load_stack(root), REGION, ACCOUNT, clients=recorded)
    absent(recorded, *[d for d in ds if d.address.type in ("model", "endpoint-config", "endpoint")])
    from tests.handlers.registry_answers import absent_registry

    absent_registry(recorded, *of_type(ds, "model-package-group"))
    p, _ = plan(root, recorded)
    assert sorted(operations(p)) == ["CreateEndpoint", "CreateEndpointConfig", "CreateModel",
                                     "CreateModelPackageGroup"]
    [create_model] = [s for s in p.steps if s.operation == "CreateModel"]
    assert thaw(create_model.params)["PrimaryContainer"] == {"ModelPackageName": package_arn(7)}
    assert "Model/churn: modelPackage churn latestApproved -> version 7 (approved 2026-11-30)" in p.notes
    assert Plan.loads(p.dumps()) == p  # the version is pinned in the plan itself


def test_a_newer_approval_is_a_model_change_rolled_out_to_the_endpoint(tmp_path: Path) -> None:
    recorded = _applied_at(tmp_path, 7)
    record_latest_approved(recorded, 7)
    p, _ = plan(_root(tmp_path, "applied-7"), recorded)
    assert p.is_empty, p.dumps()
    record_latest_approved(recorded, 8)
    ds = expand(load_stack(_root(tmp_path, "s")), REGION, ACCOUNT, clients=recorded)
    absent(recorded, *[d for d in ds if d.address.type in ("model", "endpoint-config")])
    p, _ = plan(_root(tmp_path, "s"), recorded)
    assert operations(p) == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig",
                             "DeleteModel"]  # the version 7 model and config go once the endpoint left them
    assert thaw(p.steps[0].params)["PrimaryContainer"] == {"ModelPackageName": package_arn(8)}
    assert "Model/churn: modelPackage churn latestApproved -> version 8 (approved 2026-11-30)" in p.notes


@pytest.mark.parametrize("version", ["3", '"3"'])
def test_a_pinned_version_is_deployed_whatever_is_approved_later(tmp_path: Path, version: str) -> None:
    recorded = Recorded()
    record_package(recorded, 3)
    notes: list[str] = []
    [_, model, *_] = expand(load_stack(_root(tmp_path, "s", version)), REGION, ACCOUNT, clients=recorded,
                            notes=notes)
    assert model.request["PrimaryContainer"] == {"ModelPackageName": package_arn(3)}
    assert notes == ["Model/churn: modelPackage churn version 3 (pinned)"]


def _plan_error(tmp_path: Path, recorded: Recorded, version: str = "latestApproved") -> str:
    root = _root(tmp_path, "s", version)
    with pytest.raises(PlanError) as caught:
        expand(load_stack(root), REGION, ACCOUNT, clients=recorded)
    [message] = caught.value.messages
    assert message.startswith(f"{root / 'docs.yaml'}:12:17:"), message
    return message


def test_a_group_without_an_approved_version_is_a_plan_error_naming_it(tmp_path: Path) -> None:
    recorded = Recorded()
    record_latest_approved(recorded, None)
    message = _plan_error(tmp_path, recorded)
    assert f"Model/churn: model package group {GROUP!r} has no approved version to deploy (latestApproved)" in message


def test_a_pinned_version_awaiting_approval_is_a_plan_error(tmp_path: Path) -> None:
    recorded = Recorded()
    record_package(recorded, 4, "PendingManualApproval")
    message = _plan_error(tmp_path, recorded, "4")
    assert f"version 4 of model package group {GROUP!r} is PendingManualApproval, not Approved" in message


def test_a_pinned_version_that_does_not_exist_is_a_plan_error(tmp_path: Path) -> None:
    recorded = Recorded()
    recorded.error("sagemaker", "DescribeModelPackage", {"ModelPackageName": package_arn(9)}, "ValidationException",
                   f"ModelPackage {package_arn(9)} does not exist.")
    message = _plan_error(tmp_path, recorded, "9")
    assert f"model package group {GROUP!r} has no version 9" in message


def test_a_model_package_and_containers_together_fail_validation(tmp_path: Path) -> None:
    from reconciler.errors import SpecError

    root = write(tmp_path / "s", group_doc(), model_doc() + "  primaryContainer: {image: x}\n")
    with pytest.raises(SpecError) as caught:
        load_stack(root)
    assert "a Model deploys either a modelPackage or its own containers" in str(caught.value)
