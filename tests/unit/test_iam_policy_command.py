"""`reconciler.iam_policy`: the least-privilege policy of a stack, offline.

Shape (a valid policy document, rendered as JSON), plan mode without writes, apply mode with each
present type's handler operations and none of absent types, resources narrowed to the stack's names,
PassRole on the roles the specs name, the lock table, region/account resolution.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reconciler import iam_policy
from reconciler.handlers.registry import handlers
from reconciler.kinds import load_stack
from reconciler.spec.documents import StackSpec

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
READ_VERBS = ("Describe", "List", "Get")


def _stack(tmp_path: Path, *files: str, lock: bool = False, account: str | None = None) -> StackSpec:
    root = tmp_path / "specs"
    root.mkdir(parents=True)
    for name in ("stack.yaml", "models.yaml", "endpoint.yaml", "alarms.yaml", *files):
        shutil.copy(REPO / "specs" / name, root / name)
    stack = root / "stack.yaml"
    extra = ("  lock: {table: locks}\n" if lock else "") + (f"  accountId: \"{account}\"\n" if account else "")
    stack.write_text(stack.read_text().replace("  prune: true\n", "  prune: true\n" + extra))
    return load_stack(root)


@pytest.fixture()
def base(tmp_path: Path) -> StackSpec:
    return _stack(tmp_path / "base")


@pytest.fixture()
def full(tmp_path: Path) -> StackSpec:
    return _stack(tmp_path / "full", "registry.yaml", "events.yaml", "autoscaled.yaml", "monitoring.yaml", lock=True)


def _statements(policy: dict[str, Any], sid: str) -> list[dict[str, Any]]:
    return [s for s in policy["Statement"] if s["Sid"] == sid]


def _write_actions(policy: dict[str, Any]) -> set[str]:
    return {a for a in iam_policy.actions(policy) if not a.split(":", 1)[1].startswith(READ_VERBS)}


def test_the_policy_is_a_valid_document_rendered_as_json(full: StackSpec) -> None:
    for mode in iam_policy.MODES:
        policy = iam_policy.policy_for(full, None, ACCOUNT, mode)
        assert set(policy) == {"Version", "Statement"} and policy["Version"] == "2012-10-17"
        sids = [s["Sid"] for s in policy["Statement"]]
        assert len(sids) == len(set(sids)) and all(sid.isalnum() for sid in sids)
        for statement in policy["Statement"]:
            assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}
            assert statement["Effect"] == "Allow" and statement["Action"]
            assert all(":" in a for a in statement["Action"])
            assert statement["Resource"]
        assert json.loads(iam_policy.render(policy)) == policy
        assert iam_policy.render(policy).endswith("}\n")
    assert iam_policy.main(full, None, ACCOUNT, "plan") == iam_policy.render(iam_policy.policy_for(full, None, ACCOUNT,
                                                                                                   "plan"))
    assert json.loads(iam_policy.main(full.root, mode="apply"))["Statement"]  # a directory works too


def test_plan_mode_has_only_reads_the_tag_query_and_the_lock(full: StackSpec) -> None:
    policy = iam_policy.policy_for(full, None, ACCOUNT, "plan")
    assert _write_actions(policy) == set(iam_policy.LOCK_ACTIONS) - {"dynamodb:GetItem"}
    assert {"tag:GetResources", "sts:GetCallerIdentity", "sagemaker:DescribeEndpoint",
            "application-autoscaling:DescribeScalableTargets", "events:DescribeRule"} <= iam_policy.actions(policy)
    (lock,) = _statements(policy, "StackLock")
    assert lock["Resource"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/locks"
    assert not any(a.startswith("iam:") for a in iam_policy.actions(policy))


def test_without_a_lock_there_is_no_dynamodb_action(base: StackSpec) -> None:
    for mode in iam_policy.MODES:
        assert not any(a.startswith("dynamodb:") for a in iam_policy.actions(iam_policy.policy_for(base, None, ACCOUNT,
                                                                                                   mode)))


def test_apply_has_each_present_types_operations_and_none_of_absent_types(base: StackSpec, full: StackSpec) -> None:
    registry = handlers()
    for stack, present in ((base, {"model", "endpoint-config", "endpoint", "alarm"}),
                           (full, {"model", "endpoint-config", "endpoint", "alarm", "model-package-group", "pipeline",
                                   "event-rule", "event-bus", "scalable-target", "scaling-policy", "scheduled-action",
                                   "monitoring-schedule", "data-quality-job-definition",
                                   "model-quality-job-definition"})):
        policy = iam_policy.policy_for(stack, None, ACCOUNT, "apply")
        allowed = iam_policy.actions(policy)
        for type_, handler in registry.items():
            own = {iam_policy.iam_action(handler.service, op) for op in handler.operations}
            if type_ in present:
                assert own <= allowed, type_
            else:
                others = set().union(*({iam_policy.iam_action(h.service, op) for op in h.operations}
                                       for t, h in registry.items() if t in present))
                assert not (own - others) & allowed, type_  # shared ones (sagemaker:AddTags) aside
    base_policy = iam_policy.policy_for(base, None, ACCOUNT, "apply")
    assert not any(a.startswith(("events:", "schemas:")) for a in iam_policy.actions(base_policy))
    # an endpoint's autoscaling children are read (discovered), never written unless the specs autoscale
    assert "application-autoscaling:DescribeScalableTargets" in iam_policy.actions(base_policy)
    assert not any(a.startswith("application-autoscaling:") for a in _write_actions(base_policy))
    assert "sagemaker:CreatePipeline" not in iam_policy.actions(base_policy)


def test_every_handler_type_has_its_reads_declared() -> None:
    assert set(handlers()) <= set(iam_policy.READS)
    assert iam_policy.iam_action("resourcegroupstaggingapi", "GetResources") == "tag:GetResources"
    assert iam_policy.iam_action("application-autoscaling", "RegisterScalableTarget") == \
        "application-autoscaling:RegisterScalableTarget"


def test_writes_are_narrowed_to_the_stacks_names(full: StackSpec) -> None:
    policy = iam_policy.policy_for(full, None, ACCOUNT, "apply")
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:"
    (model,) = _statements(policy, "ModelWrite")
    assert sorted(model["Resource"]) == [f"{arn}model/churn-xgb-*", f"{arn}model/fraud-xgb-*"]  # content-addressed
    (endpoint,) = _statements(policy, "EndpointWrite")
    wanted = {f"{arn}endpoint/churn", f"{arn}endpoint/fraud", f"{arn}endpoint-config/churn-*"}
    assert wanted <= set(endpoint["Resource"])
    (group,) = _statements(policy, "ModelPackageGroupWrite")
    assert group["Resource"] == [f"{arn}model-package-group/churn", f"{arn}model-package/churn/*"]
    (alarm,) = _statements(policy, "AlarmWrite")
    assert alarm["Resource"] == [f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:churn-5xx"]
    (rule,) = _statements(policy, "EventRuleWrite")
    assert rule["Resource"][0] == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/churn-approved"
    assert all(r.startswith(f"arn:aws:events:us-east-1:{ACCOUNT}:") for r in rule["Resource"])
    for statement in policy["Statement"]:
        if statement["Resource"] == "*":  # only reads, the tag query, whoami and generated-id autoscaling
            assert statement["Sid"].endswith(("ReadAnyResource", "NoResourceLevel", "WriteGeneratedIds")), statement
    (scaling,) = _statements(policy, "ScalableTargetWriteGeneratedIds")
    assert scaling["Condition"] == {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
    (slr,) = _statements(policy, "AutoScalingServiceLinkedRole")
    assert slr["Action"] == ["iam:CreateServiceLinkedRole"] and ACCOUNT in slr["Resource"]


def test_pass_role_on_every_role_the_specs_name(full: StackSpec) -> None:
    policy = iam_policy.policy_for(full, None, ACCOUNT, "apply")
    (sagemaker,) = _statements(policy, "PassRolesToSagemaker")
    assert sagemaker["Resource"] == ["arn:aws:iam::123456789012:role/SageMakerExecution"]  # models, pipeline, monitors
    assert sagemaker["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    (events,) = _statements(policy, "PassRolesToEvents")
    assert events["Resource"] == ["arn:aws:iam::123456789012:role/events-start-churn-release"]  # a rule's target
    assert events["Condition"] == {"StringEquals": {"iam:PassedToService": "events.amazonaws.com"}}
    from reconciler.kinds import expand

    roles = iam_policy.role_arns(expand(full, "us-east-1", ACCOUNT))
    assert roles["arn:aws:iam::123456789012:role/SageMakerExecution"] >= {"model", "pipeline"}
    assert not any(a == "iam:PassRole" for a in iam_policy.actions(iam_policy.policy_for(full, None, ACCOUNT, "plan")))


def test_region_and_account_come_from_the_stack_or_placeholders(tmp_path: Path, base: StackSpec) -> None:
    policy = iam_policy.policy_for(base, None, None, "apply")
    (model,) = _statements(policy, "ModelWrite")
    assert model["Resource"] == ["arn:aws:sagemaker:us-east-1:${AWS::AccountId}:model/churn-xgb-*"]
    with pytest.raises(ValueError, match="region"):
        iam_policy.policy_for(base, "eu-west-1", ACCOUNT, "apply")
    with pytest.raises(ValueError, match="mode"):
        iam_policy.policy_for(base, None, ACCOUNT, "drift")
    guarded = _stack(tmp_path / "guarded", account="210987654321")
    (model,) = _statements(iam_policy.policy_for(guarded, None, None, "apply"), "ModelWrite")
    assert model["Resource"] == ["arn:aws:sagemaker:us-east-1:210987654321:model/churn-xgb-*"]
    with pytest.raises(ValueError, match="account"):
        iam_policy.policy_for(guarded, None, ACCOUNT, "apply")


def test_a_model_package_resolves_offline(tmp_path: Path) -> None:
    stack = _stack(tmp_path, "registry.yaml")
    models = stack.root / "models.yaml"
    models.write_text(models.read_text().replace(
        "  primaryContainer:\n    image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1\n"
        "    modelDataUrl: s3://ml-artifacts/churn/xgb/2026-11-20/model.tar.gz\n",
        "  modelPackage: {group: churn, version: latestApproved}\n"))
    assert "modelPackage" in models.read_text()
    policy = iam_policy.policy_for(load_stack(stack.root), None, ACCOUNT, "apply")
    assert {"sagemaker:ListModelPackages", "sagemaker:DescribeModelPackage"} <= iam_policy.actions(policy)
    assert "sagemaker:DescribeModelPackage" not in iam_policy.actions(iam_policy.policy_for(stack, None, ACCOUNT,
                                                                                             "plan"))
