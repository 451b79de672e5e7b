"""Scenarios for the endpoint-config handler (`endpoint-config/<name>-<hash>`): recorded SageMaker responses in,
change and steps out."""

from __future__ import annotations

import copy
from pathlib import Path

from reconciler.changes import Action
from reconciler.frozen import thaw
from reconciler.handlers.endpoint_config import EndpointConfigHandler
from reconciler.hashing import content_hash
from reconciler.resources import Desired, Live
from tests.handlers import answers
from tests.handlers.answers import MODEL_DOC, absent, desired_of, endpoint_doc, one, record_applied
from tests.handlers.recorded import Recorded, arn, operations, plan, tagged, write

HANDLER = EndpointConfigHandler()


def applied(d: Desired, stack: str) -> Live:
    """What SageMaker holds right after the handler's own CreateEndpointConfig made `d`."""
    config_arn = arn("endpoint-config", d.address.name)
    return Live(d.address, config_arn, d.tags(stack),
                {**copy.deepcopy(thaw(d.request)), "EndpointConfigArn": config_arn})


def _stack(tmp_path: Path, **endpoint: object) -> Path:
    return write(tmp_path / "s", MODEL_DOC, endpoint_doc(**endpoint))  # type: ignore[arg-type]


def _config_changes(p: object) -> list[object]:
    return [c for c in p.changes if c.address.startswith("endpoint-config/")]  # type: ignore[attr-defined]


def test_a_new_config_is_created_with_its_ownership_tags_before_its_endpoint(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    ds = desired_of(root)
    config = one(ds, "endpoint-config")
    recorded = Recorded()
    record_applied(recorded, [one(ds, "model")])
    absent(recorded, config, one(ds, "endpoint"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "CreateEndpoint"]
    [change] = _config_changes(p)
    assert (change.action, change.reason, change.before) == (Action.create, "new endpoint config", None)
    create = p.steps[0].params
    assert create["EndpointConfigName"] == config.address.name
    assert thaw(create["ProductionVariants"])[0] == {"VariantName": "a", "ModelName": one(ds, "model").address.name,
                                                     "InstanceType": "ml.m5.large", "InitialInstanceCount": 2,
                                                     "InitialVariantWeight": 0.5}
    tags = {t["Key"]: t["Value"] for t in create["Tags"]}
    # immutable: the recorded hash covers only the name (which is the content) and the tags
    assert tags == {"reconciler:stack": "demo", "reconciler:address": "Endpoint/churn",
                    "reconciler:hash": content_hash({"name": config.address.name, "tags": {}})}
    assert p.fingerprints[str(config.address)] == "absent"


def test_an_applied_config_plans_nothing_without_describing_it(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    recorded = Recorded()
    record_applied(recorded, desired_of(root))
    p, _ = plan(root, recorded)
    assert p.is_empty, p.dumps()
    assert all(op != "DescribeEndpointConfig" for _, op, _ in recorded.calls)  # its name is its content


def test_the_field_policy_makes_a_described_config_equal_its_spec(tmp_path: Path) -> None:
    root = write(tmp_path / "s", MODEL_DOC, """
        apiVersion: reconciler/v1
        kind: Endpoint
        name: churn
        spec:
          productionVariants:
            - {variantName: a, modelName: "${Model.churn.name}", instanceType: ml.m5.large, initialInstanceCount: 1}
          dataCaptureConfig:
            initialSamplingPercentage: 20
            destinationS3Uri: s3://b/capture
            captureOptions: [{captureMode: Input}, {captureMode: Output}]
        """)
    d = one(desired_of(root), "endpoint-config")
    described = answers.endpoint_config(d)
    # SageMaker fills the weight and the capture switch, and reports network isolation off
    assert described["ProductionVariants"][0]["InitialVariantWeight"] == 1.0
    assert described["DataCaptureConfig"]["EnableCapture"] is True
    assert described["EnableNetworkIsolation"] is False
    live = Live(d.address, described["EndpointConfigArn"], d.tags("demo"), described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert HANDLER.comparable(applied(d, "demo")) == thaw(d.comparable)
    assert HANDLER.comparable(Live(d.address, "", {}, None)) is None


def test_the_field_policy_ignores_the_volume_sagemaker_reports_for_serverless_variants(tmp_path: Path) -> None:
    root = write(tmp_path / "s", MODEL_DOC, """
        apiVersion: reconciler/v1
        kind: Endpoint
        name: churn
        spec:
          productionVariants:
            - variantName: a
              modelName: ${Model.churn.name}
              serverlessConfig: {memorySizeInMB: 2048, maxConcurrency: 10}
        """)
    d = one(desired_of(root), "endpoint-config")
    described = answers.endpoint_config(d)
    assert described["ProductionVariants"][0]["VolumeSizeInGB"] == 5
    live = Live(d.address, described["EndpointConfigArn"], d.tags("demo"), described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert "volumeSizeInGB" not in thaw(d.comparable)["productionVariants"][0]


def test_weights_and_counts_are_not_part_of_the_config_name(tmp_path: Path) -> None:
    base = one(desired_of(_stack(tmp_path / "a")), "endpoint-config")
    moved = one(desired_of(_stack(tmp_path / "b", weights=(0.9, 0.1), counts=(4, 3))), "endpoint-config")
    resized = one(desired_of(_stack(tmp_path / "c", instance="ml.c5.xlarge")), "endpoint-config")
    assert moved.address == base.address  # changed in place on the endpoint, never a new config
    assert resized.address != base.address
    assert base.address.name.startswith("churn-") and len(base.address.name) == len("churn-") + 8


def test_an_instance_type_change_replaces_the_config_and_collects_the_old_one(tmp_path: Path) -> None:
    old_ds = desired_of(_stack(tmp_path / "old"))
    old = one(old_ds, "endpoint-config")
    root = _stack(tmp_path, instance="ml.c5.xlarge")
    new = one(desired_of(root), "endpoint-config")
    recorded = Recorded()
    record_applied(recorded, old_ds)
    absent(recorded, new)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"]
    [change] = _config_changes(p)
    assert change.action is Action.replace and change.replaces == str(old.address)
    # before: SageMaker's answer for the old config read in the spec's terms
    assert thaw(change.before) == thaw(old.comparable)
    assert thaw(change.after)["productionVariants"][0]["instanceType"] == "ml.c5.xlarge"
    assert p.steps[2].params == {"EndpointConfigName": old.address.name}
    assert ("sagemaker", "DescribeEndpointConfig", {"EndpointConfigName": old.address.name}) in recorded.calls


def test_the_replace_reason_names_what_changed(tmp_path: Path) -> None:
    old_ds = desired_of(_stack(tmp_path / "old"))
    root = _stack(tmp_path, instance="ml.c5.xlarge")
    recorded = Recorded()
    record_applied(recorded, old_ds)
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    [change] = _config_changes(p)
    assert change.reason == "productionVariants changed"


def test_a_model_change_replaces_the_config_and_collects_it_with_the_model(tmp_path: Path) -> None:
    old_ds = desired_of(_stack(tmp_path / "old"))
    root = write(tmp_path / "s", MODEL_DOC.replace("m1.tar.gz", "m2.tar.gz"), endpoint_doc())
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, old_ds)
    absent(recorded, one(ds, "model"), one(ds, "endpoint-config"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig",
                             "DeleteModel"]
    create = p.steps[1].params
    assert {v["ModelName"] for v in create["ProductionVariants"]} == {one(ds, "model").address.name}
    assert p.steps[4].params == {"ModelName": one(old_ds, "model").address.name}


def test_a_config_the_endpoint_is_still_deploying_is_kept(tmp_path: Path) -> None:
    first_ds = desired_of(_stack(tmp_path / "first"))
    deploying_ds = desired_of(_stack(tmp_path / "second", instance="ml.c5.large"))
    first, deploying = one(first_ds, "endpoint-config"), one(deploying_ds, "endpoint-config")
    root = _stack(tmp_path, instance="ml.c5.xlarge")
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, first_ds)
    tagged(recorded, [(answers.resource_arn(d), d.tags("demo")) for d in (*first_ds, deploying)])
    recorded.add("sagemaker", "DescribeEndpointConfig", {"EndpointConfigName": deploying.address.name},
                 answers.endpoint_config(deploying))
    pending = {"EndpointConfigName": deploying.address.name, "StartTime": answers.UPDATED,
               "ProductionVariants": [{"VariantName": "a", "InstanceType": "ml.c5.large", "DesiredInstanceCount": 2,
                                       "VariantStatus": [{"Status": "Creating", "StatusMessage": "Launching instances",
                                                          "StartTime": answers.UPDATED}]},
                                      {"VariantName": "b", "InstanceType": "ml.m5.large", "DesiredInstanceCount": 1}]}
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"},
                 answers.endpoint(one(first_ds, "endpoint"), first, status="Updating",
                                  PendingDeploymentSummary=pending))
    absent(recorded, one(ds, "endpoint-config"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"]
    deleted = [s.params["EndpointConfigName"] for s in p.steps if s.operation == "DeleteEndpointConfig"]
    assert deleted == [first.address.name]  # the one being deployed is used until the update is done
    assert any("endpoint/churn is Updating" in w for w in p.warnings)


def test_a_tag_change_retags_the_config_in_place(tmp_path: Path) -> None:
    old_ds = desired_of(_stack(tmp_path / "old", tags="{team: ml, owner: alice}"))
    root = _stack(tmp_path, tags="{team: ml-platform}")
    config = one(desired_of(root), "endpoint-config")
    assert config.address == one(old_ds, "endpoint-config").address  # tags are not content
    recorded = Recorded()
    record_applied(recorded, old_ds)
    p, _ = plan(root, recorded)
    steps = [s for s in p.steps if s.address == str(config.address)]
    assert [s.operation for s in steps] == ["AddTags", "DeleteTags"]
    assert steps[0].params["Tags"] == ({"Key": "reconciler:hash", "Value": config.state_hash},
                                       {"Key": "team", "Value": "ml-platform"})
    assert steps[1].params == {"ResourceArn": arn("endpoint-config", config.address.name), "TagKeys": ("owner",)}
    [change] = _config_changes(p)
    assert (change.action, change.reason) == (Action.update, "tags change")
    assert (thaw(change.before), thaw(change.after)) == ({"tags": {"owner": "alice", "team": "ml"}},
                                                         {"tags": {"team": "ml-platform"}})


def test_a_config_is_deleted_after_its_endpoint_when_the_document_goes(tmp_path: Path) -> None:
    ds = desired_of(_stack(tmp_path / "old"))
    root = write(tmp_path / "s", MODEL_DOC)
    recorded = Recorded()
    record_applied(recorded, ds)
    p, _ = plan(root, recorded)
    assert operations(p) == ["DeleteEndpoint", "DeleteEndpointConfig"]
    assert p.steps[1].params == {"EndpointConfigName": one(ds, "endpoint-config").address.name}
    assert [c.reason for c in p.changes] == ["Endpoint/churn is no longer in the specs (prune: true)"] * 2


def test_address_of_the_config() -> None:
    assert HANDLER.name_from_arn(arn("endpoint-config", "churn-1234abcd")) == "churn-1234abcd"
    assert HANDLER.name_from_arn(arn("endpoint", "churn")) is None
    assert HANDLER.name_from_arn(arn("model", "churn-1234abcd")) is None


def test_the_config_a_held_endpoint_still_serves_is_kept(tmp_path: Path) -> None:
    old_ds = desired_of(write(tmp_path / "old", MODEL_DOC, endpoint_doc(), answers.shadow_doc()))
    recorded = Recorded()
    record_applied(recorded, old_ds, experiment_status="Created")  # scheduled: it holds the endpoint already
    root = write(tmp_path / "s", MODEL_DOC, endpoint_doc(instance="ml.c5.xlarge"), answers.shadow_doc())
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    assert "UpdateEndpoint" not in operations(p)  # held: the endpoint keeps serving the old config for now
    assert "DeleteEndpointConfig" not in operations(p)
