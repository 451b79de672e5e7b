"""Scenarios for the model-package-group handler (`model-package-group/<name>`, a ModelPackageGroup document):
recorded SageMaker responses in, change, steps and plan errors out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.changes import Action
from reconciler.diff.iam import canonical_policy
from reconciler.errors import PlanError
from reconciler.frozen import thaw
from tests.handlers.answers import desired_of
from tests.handlers.recorded import Recorded, arn, operations, plan, write
from tests.handlers.registry_answers import (
    GROUP,
    POLICY,
    POLICY_YAML,
    absent_registry,
    group_doc,
    package_arn,
    record_applied_registry,
    record_versions,
)

ADDRESS = f"model-package-group/{GROUP}"
DELETE_VERSIONS = "  deleteVersions: true\n"


def _applied(tmp_path: Path, extra: str = "", **kwargs: object) -> Recorded:
    ds = desired_of(write(tmp_path / "applied", group_doc(extra)))
    recorded = Recorded()
    record_applied_registry(recorded, ds, **kwargs)  # type: ignore[arg-type]
    return recorded


def test_a_new_group_with_a_policy_is_created_then_given_it(tmp_path: Path) -> None:
    root = write(tmp_path / "s", group_doc(POLICY_YAML))
    recorded = Recorded()
    record_applied_registry(recorded, [])
    absent_registry(recorded, *desired_of(root))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateModelPackageGroup", "PutModelPackageGroupPolicy"]
    create, put = p.steps
    assert create.params["ModelPackageGroupName"] == GROUP
    assert create.params["ModelPackageGroupDescription"] == "Churn classifiers"
    assert json.loads(put.params["ResourcePolicy"]) == canonical_policy(POLICY)


def test_a_policy_read_back_in_another_layout_plans_clean(tmp_path: Path) -> None:
    live_policy = json.dumps({"Statement": POLICY["Statement"], "Version": POLICY["Version"]}, indent=4)
    recorded = _applied(tmp_path, POLICY_YAML, policy=live_policy)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()


def test_a_policy_aws_rewrote_plans_clean(tmp_path: Path) -> None:
    statement = dict(POLICY["Statement"][0])
    statement["Principal"] = {"AWS": "210987654321"}  # an account id: AWS answers its root ARN, or the reverse
    statement["Resource"] = [statement["Resource"]]  # a one-element list where git has a string
    statement["Action"] = list(reversed(statement["Action"]))
    recorded = _applied(tmp_path, POLICY_YAML, policy=json.dumps({"Version": POLICY["Version"],
                                                                   "Statement": statement}))
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()


def test_a_removed_policy_is_deleted(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, POLICY_YAML, policy=json.dumps(POLICY))
    p, _ = plan(write(tmp_path / "s", group_doc()), recorded)
    assert operations(p) == ["DeleteModelPackageGroupPolicy"]
    [step] = p.steps
    assert thaw(step.params) == {"ModelPackageGroupName": GROUP}
    assert step.tag_arn == arn("model-package-group", GROUP)
    [change] = p.changes
    assert (change.action, change.reason) == (Action.update, "resource policy changes")


def test_a_description_change_is_a_plan_error_saying_why(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    root = write(tmp_path / "s", group_doc().replace("Churn classifiers", "Churn models"))
    with pytest.raises(PlanError) as caught:
        plan(root, recorded)
    [message] = caught.value.messages
    assert message.startswith(f"{root / 'docs.yaml'}:3:")
    assert "modelPackageGroupDescription of a model package group cannot change (SageMaker has no update for a " \
           "group" in message and "'Churn classifiers'" in message


def test_removing_a_group_that_holds_versions_is_a_plan_error(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    record_versions(recorded, [1, 2])
    with pytest.raises(PlanError) as caught:
        plan(write(tmp_path / "s"), recorded)
    [message] = caught.value.messages
    assert f"{ADDRESS} still holds 2 model package version(s)" in message
    assert "deleteVersions: true" in message


def test_with_delete_versions_applied_the_versions_go_first(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, DELETE_VERSIONS, extra_tags={"reconciler:delete-versions": "true"})
    record_versions(recorded, [1, 2])
    p, _ = plan(write(tmp_path / "s"), recorded)
    assert operations(p) == ["DeleteModelPackage", "DeleteModelPackage", "DeleteModelPackageGroup"]
    assert [s.params.get("ModelPackageName") for s in p.steps[:2]] == [package_arn(2), package_arn(1)]


def test_an_empty_group_is_deleted_without_delete_versions(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    record_versions(recorded, [])
    p, _ = plan(write(tmp_path / "s"), recorded)
    assert operations(p) == ["DeleteModelPackageGroup"]


def test_delete_versions_is_recorded_on_the_group_as_a_tag(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", group_doc(DELETE_VERSIONS)), recorded)
    assert operations(p) == ["AddTags"]
    assert {t["Key"]: t["Value"] for t in p.steps[0].params["Tags"]}["reconciler:delete-versions"] == "true"
    [change] = p.changes
    assert change.reason == "deleteVersions set"
