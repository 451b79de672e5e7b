"""Scenarios for the model handler (`model/<name>-<hash>`): recorded SageMaker responses in, change and steps out."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from reconciler.addressing import Address
from reconciler.changes import Action
from reconciler.frozen import thaw
from reconciler.handlers.model import ModelHandler
from reconciler.kinds import expand, load_stack
from reconciler.resources import Desired, Live
from tests.handlers.recorded import Recorded, arn, operations, plan, tagged, write
from tests.unit.planner_support import ACCOUNT, REGION

MODEL = """
apiVersion: reconciler/v1
kind: Model
name: churn
tags: {team: ml}
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/Exec
  primaryContainer: {image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1", modelDataUrl: DATA}
"""


def applied(d: Desired, stack: str) -> Live:
    """What SageMaker holds right after the handler's own CreateModel made `d` (as DescribeModel shows it)."""
    model_arn = arn("model", d.address.name)
    return Live(d.address, model_arn, d.tags(stack), {**copy.deepcopy(thaw(d.request)), "ModelArn": model_arn})


def described(name: str, data_url: str) -> dict[str, Any]:
    """A DescribeModel answer: SageMaker fills in the container mode and reports network isolation off."""
    return {"ModelName": name, "ModelArn": arn("model", name), "CreationTime": "2026-11-01T10:00:00Z",
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/Exec", "EnableNetworkIsolation": False,
            "PrimaryContainer": {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                                 "ModelDataUrl": data_url, "Mode": "SingleModel", "Environment": {}}}


def _desired(root: Path) -> Desired:
    [d] = expand(load_stack(root), REGION, ACCOUNT)
    return d


def _stack(tmp_path: Path, data: str = "s3://b/m1.tar.gz") -> Path:
    return write(tmp_path / "s", MODEL.replace("DATA", data))


def test_a_new_model_is_created_with_its_ownership_tags(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    d = _desired(root)
    recorded = Recorded()
    tagged(recorded, [])
    recorded.error("sagemaker", "DescribeModel", {"ModelName": d.address.name}, "ValidationException",
                   f"Could not find model \"{arn('model', d.address.name)}\".")
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateModel"]
    [change] = p.changes
    assert (change.action, change.reason) == (Action.create, "new model")
    tags = {t["Key"]: t["Value"] for t in p.steps[0].params["Tags"]}
    assert tags == {"team": "ml", "reconciler:stack": "demo", "reconciler:address": "Model/churn",
                    "reconciler:hash": d.state_hash}
    assert p.fingerprints == {str(d.address): "absent"}


def test_an_applied_model_plans_nothing(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    d = _desired(root)
    recorded = Recorded()
    tagged(recorded, [(arn("model", d.address.name), d.tags("demo"))])
    p, _ = plan(root, recorded)
    assert p.is_empty
    assert all(op != "DescribeModel" for _, op, _ in recorded.calls)  # immutable: its name is its content


def test_a_user_tag_change_is_one_add_tags(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    d = _desired(root)
    recorded = Recorded()
    tagged(recorded, [(arn("model", d.address.name), {**d.tags("demo"), "team": "old"})])
    p, _ = plan(root, recorded)
    assert operations(p) == ["AddTags"]
    assert p.steps[0].params["Tags"] == ({"Key": "team", "Value": "ml"},)
    assert p.changes[0].reason == "tags change"


def test_a_changed_model_replaces_the_old_version_and_collects_it(tmp_path: Path) -> None:
    old_root = _stack(tmp_path / "old")
    old = _desired(old_root)
    root = _stack(tmp_path, "s3://b/m2.tar.gz")
    new = _desired(root)
    assert new.address != old.address  # content-addressed: a new name
    recorded = Recorded()
    tagged(recorded, [(arn("model", old.address.name), old.tags("demo"))])
    recorded.error("sagemaker", "DescribeModel", {"ModelName": new.address.name}, "ValidationException",
                   "Could not find model.")
    recorded.add("sagemaker", "DescribeModel", {"ModelName": old.address.name},
                 described(old.address.name, "s3://b/m1.tar.gz"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateModel", "DeleteModel"]
    [change] = p.changes
    assert change.action is Action.replace and change.replaces == str(old.address)
    # the field policy read SageMaker's answer in the spec's terms: defaults filled, unset fields dropped
    assert thaw(change.before) == {**thaw(old.comparable), "tags": {"team": "ml"}}


def test_the_field_policy_makes_a_described_model_equal_its_spec(tmp_path: Path) -> None:
    d = _desired(_stack(tmp_path))
    live = Live(d.address, arn("model", d.address.name), d.tags("demo"),
                described(d.address.name, "s3://b/m1.tar.gz"))
    assert ModelHandler().comparable(live) == thaw(d.comparable)
    assert ModelHandler().comparable(Live(d.address, "", {}, None)) is None  # not described / missing


def test_a_model_no_config_uses_is_deleted_when_its_document_goes(tmp_path: Path) -> None:
    d = _desired(_stack(tmp_path))
    root = write(tmp_path / "empty")
    recorded = Recorded()
    tagged(recorded, [(arn("model", d.address.name), d.tags("demo"))])
    p, _ = plan(root, recorded)
    assert operations(p) == ["DeleteModel"]
    assert p.steps[0].params == {"ModelName": d.address.name}
    assert p.changes[0].reason == "Model/churn is no longer in the specs (prune: true)"


def test_address_of_the_model() -> None:
    assert ModelHandler().name_from_arn(arn("model", "churn-1234abcd")) == "churn-1234abcd"
    assert ModelHandler().name_from_arn(arn("endpoint", "churn")) is None
    assert Address("model", "x") == Address.parse("model/x")
