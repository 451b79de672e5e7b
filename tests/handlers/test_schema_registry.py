"""Scenarios for the schema-registry handler (`schema-registry/<name>`, a SchemaRegistry document): recorded
EventBridge Schemas responses in, change, steps, details (schema by schema) and plan errors out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.changes import Action, Change
from reconciler.drift import drift_report
from reconciler.errors import PlanError, SpecError
from reconciler.frozen import thaw
from reconciler.handlers.schema_registry import SchemaRegistryHandler, content_text
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers.answers import applied_tags, desired_of, one
from tests.handlers.recorded import Recorded, operations, plan, tagged, write
from tests.handlers.schema_answers import (
    ADDRESS,
    BUS_ARN,
    ENDPOINT_DEPLOYED,
    MODEL_APPROVED,
    OTHER_BUS_ARN,
    REGISTRY,
    SCHEMAS,
    SPEC,
    absent_schemas,
    described_schema,
    discoverer,
    discoverer_id,
    record_applied_schemas,
    record_discoverers,
    record_registry,
    registry_arn,
    registry_doc,
    schema_item,
    with_changed_enum,
)

TYPE = "schema-registry"


def applied(d: Desired, stack: str) -> Live:
    """What EventBridge holds right after this handler's own steps created `d` (for the planner unit tests)."""
    request = thaw(d.request)
    data = {"RegistryArn": registry_arn(d.address.name), "RegistryName": d.address.name,
            "Schemas": {s["name"]: described_schema(d.address.name, s) for s in thaw(d.extra["schemas"])},
            "Discoverers": []}
    if request.get("Description"):
        data["Description"] = request["Description"]
    source = thaw(d.extra.get("discoverer"))
    if source:
        data["Discoverers"] = [discoverer(source["sourceArn"], spec=d.spec, stack=stack)]
    return Live(d.address, registry_arn(d.address.name), d.tags(stack), data)


def _applied(tmp_path: Path, doc: str | None = None, **kwargs: object) -> tuple[Recorded, Desired]:
    d = one(desired_of(write(tmp_path / "applied", doc or registry_doc())), TYPE)
    recorded = Recorded()
    record_applied_schemas(recorded, [d], **kwargs)  # type: ignore[arg-type]
    return recorded, d


def _change(p: Plan) -> Change:
    [change] = [c for c in p.changes if c.address == ADDRESS]
    return change


def test_a_new_registry_is_created_with_its_schemas_then_its_discoverer(tmp_path: Path) -> None:
    root = write(tmp_path / "s", registry_doc(discoverer=BUS_ARN))
    d = one(desired_of(root), TYPE)
    recorded = Recorded()
    record_applied_schemas(recorded, [], discoverers=[])
    absent_schemas(recorded, d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateRegistry", "CreateSchema", "CreateSchema", "CreateDiscoverer"]
    create, approved, deployed, discover = p.steps
    assert create.params["RegistryName"] == REGISTRY and create.params["Description"] == "ML platform events"
    assert thaw(create.params["Tags"])[tagmod.STACK] == "demo"  # map-form tags
    assert tagmod.HASH not in create.params["Tags"]  # recorded after the last step instead
    assert thaw(approved.params) == {"RegistryName": REGISTRY, "SchemaName": "ModelApproved",
                                     "Type": "JSONSchemaDraft4", "Content": content_text(MODEL_APPROVED),
                                     "Description": "A model version was approved"}
    assert json.loads(deployed.params["Content"]) == ENDPOINT_DEPLOYED and deployed.params["Type"] == "OpenApi3"
    assert discover.params["SourceArn"] == BUS_ARN
    assert thaw(discover.params["Tags"]) == {tagmod.ADDRESS: SPEC, tagmod.STACK: "demo"}
    assert thaw(discover.tags) == {tagmod.HASH: d.state_hash} and discover.tag_arn == registry_arn()
    change = _change(p)
    assert change.action == Action.create
    assert change.details == ("+ schema ModelApproved (JSONSchemaDraft4)", "+ schema EndpointDeployed (OpenApi3)",
                              f"+ discoverer of {BUS_ARN}")


def test_a_registry_without_schemas_carries_its_hash_from_creation(tmp_path: Path) -> None:
    root = write(tmp_path / "s", registry_doc([]))
    d = one(desired_of(root), TYPE)
    recorded = Recorded()
    record_applied_schemas(recorded, [], discoverers=[])
    absent_schemas(recorded, d)
    p, _ = plan(root, recorded)
    [create] = p.steps
    assert create.params["Tags"][tagmod.HASH] == d.state_hash and create.tags is None


def test_an_applied_registry_plans_clean_however_eventbridge_lays_out_the_content(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path, registry_doc(discoverer=BUS_ARN))
    p, snap = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert drift_report(p, snap).entries == ()
    assert not [c for c in recorded.calls if c[1].startswith(("Create", "Update", "Delete"))]


def test_one_content_change_is_one_update_schema_showing_the_version_it_makes(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path, versions={"ModelApproved": "2", "EndpointDeployed": "4"})
    changed = [schema_item("ModelApproved", "JSONSchemaDraft4", with_changed_enum(MODEL_APPROVED),
                           "A model version was approved"), SCHEMAS[1]]
    p, snap = plan(write(tmp_path / "s", registry_doc(changed)), recorded)
    assert operations(p) == ["UpdateSchema"]
    [step] = p.steps
    assert set(step.params) == {"RegistryName", "SchemaName", "Type", "Content", "ClientTokenId"}
    assert step.params["SchemaName"] == "ModelApproved"
    assert json.loads(step.params["Content"]) == with_changed_enum(MODEL_APPROVED)
    assert step.tag_arn == registry_arn() and set(step.tags or {}) == {tagmod.HASH}
    change = _change(p)
    assert (change.action, change.reason) == (Action.update, "schema ModelApproved changes")
    assert change.details[0] == "~ schema ModelApproved: content changes -> version 3"
    assert change.details[1].startswith("~ schema ModelApproved: properties.detail.properties.ModelApprovalStatus"
                                        ".enum")
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("pending",)


def test_the_update_token_is_the_same_for_the_same_content_over_the_same_version(tmp_path: Path) -> None:
    changed = [schema_item("ModelApproved", "JSONSchemaDraft4", with_changed_enum(MODEL_APPROVED),
                           "A model version was approved"), SCHEMAS[1]]
    root = write(tmp_path / "s", registry_doc(changed))
    tokens = []
    for version in ("2", "2", "5"):
        recorded, _ = _applied(tmp_path, versions={"ModelApproved": version})
        p, _ = plan(root, recorded)
        tokens.append(p.steps[0].params["ClientTokenId"])
    assert tokens[0] == tokens[1] != tokens[2]
    assert len(tokens[0]) == 36


def test_a_schema_description_change_updates_it_without_a_new_version(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path)
    changed = [schema_item("ModelApproved", "JSONSchemaDraft4", MODEL_APPROVED, "Approved in the registry"),
               SCHEMAS[1]]
    p, _ = plan(write(tmp_path / "s", registry_doc(changed)), recorded)
    [step] = p.steps
    assert thaw(step.params) == {"RegistryName": REGISTRY, "SchemaName": "ModelApproved",
                                 "Description": "Approved in the registry"}
    assert _change(p).details == ("~ schema ModelApproved: description changes",)


def test_the_registry_description_change_is_update_registry(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", registry_doc(description="Events of the ML platform")), recorded)
    [step] = p.steps
    assert (step.operation, thaw(step.params)) == ("UpdateRegistry", {"RegistryName": REGISTRY,
                                                                      "Description": "Events of the ML platform"})
    change = _change(p)
    assert change.reason == "description changes"
    assert change.details == ('~ description "ML platform events" -> "Events of the ML platform"',)


def test_a_schema_removed_from_the_spec_is_deleted_and_an_added_one_created(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path)
    added = schema_item("ModelRejected", "JSONSchemaDraft4", {**MODEL_APPROVED, "title": "ModelRejected"})
    p, _ = plan(write(tmp_path / "s", registry_doc([SCHEMAS[0], added])), recorded)
    assert operations(p) == ["CreateSchema", "DeleteSchema"]
    assert thaw(p.steps[1].params) == {"RegistryName": REGISTRY, "SchemaName": "EndpointDeployed"}
    change = _change(p)
    assert change.reason == "schema ModelRejected added; schema EndpointDeployed removed"
    assert change.details == ("+ schema ModelRejected (JSONSchemaDraft4)", "- schema EndpointDeployed (OpenApi3)")


def test_a_discoverer_added_is_created_with_our_ownership_tags(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path)
    root = write(tmp_path / "s", registry_doc(discoverer=BUS_ARN, tags="tags: {team: ml}"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateDiscoverer", "TagResource"]
    create, tag = p.steps
    assert thaw(create.params["Tags"]) == {tagmod.ADDRESS: SPEC, tagmod.STACK: "demo", "team": "ml"}
    assert thaw(tag.params["Tags"]) == {"team": "ml"}  # the hash rides on CreateDiscoverer
    assert _change(p).reason == "discoverer added"


def test_a_discoverer_removed_is_deleted_by_its_generated_id(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path, registry_doc(discoverer=BUS_ARN))
    p, _ = plan(write(tmp_path / "s", registry_doc()), recorded)
    [step] = p.steps
    assert (step.operation, thaw(step.params)) == ("DeleteDiscoverer", {"DiscovererId": discoverer_id()})
    assert _change(p).details == (f"- discoverer {discoverer_id()} of {BUS_ARN}",)


def test_a_discoverer_moved_to_another_bus_is_deleted_then_created(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path, registry_doc(discoverer=BUS_ARN))
    p, _ = plan(write(tmp_path / "s", registry_doc(discoverer=OTHER_BUS_ARN)), recorded)
    assert operations(p) == ["DeleteDiscoverer", "CreateDiscoverer"]
    assert p.steps[1].params["SourceArn"] == OTHER_BUS_ARN
    assert _change(p).reason == "discoverer changes"


def test_a_discoverer_made_by_hand_is_never_ours(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path, discoverers=[discoverer(BUS_ARN, 7, spec="")])
    p, _ = plan(write(tmp_path / "s", registry_doc(discoverer=BUS_ARN)), recorded)
    assert operations(p) == ["CreateDiscoverer"]
    assert any(f"already has discoverer {discoverer_id(7)}, not made by this document" in w for w in p.warnings)
    recorded, _ = _applied(tmp_path, discoverers=[discoverer(BUS_ARN, 7, spec="")])
    p, _ = plan(write(tmp_path / "s", registry_doc()), recorded)
    assert p.is_empty, p.dumps()  # not deleted either


def test_deleting_a_registry_deletes_its_discoverer_and_schemas_first(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path, registry_doc(discoverer=BUS_ARN))
    p, _ = plan(write(tmp_path / "s"), recorded)
    assert operations(p) == ["DeleteDiscoverer", "DeleteSchema", "DeleteSchema", "DeleteRegistry"]
    assert [s.params.get("SchemaName") for s in p.steps[1:3]] == ["EndpointDeployed", "ModelApproved"]
    assert _change(p).action == Action.delete


def test_a_user_tag_change_is_tag_resource_in_map_form(tmp_path: Path) -> None:
    recorded, _ = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", registry_doc(tags="tags: {team: ml}")), recorded)
    [step] = p.steps
    assert step.operation == "TagResource" and step.params["ResourceArn"] == registry_arn()
    assert thaw(step.params["Tags"]) == {"team": "ml", tagmod.HASH: one(desired_of(tmp_path / "s"), TYPE).state_hash}


def test_content_changed_outside_git_is_drift(tmp_path: Path) -> None:
    d = one(desired_of(write(tmp_path / "applied", registry_doc())), TYPE)
    recorded = Recorded()
    changed = [{**thaw(d.extra["schemas"][0]), "content": content_text(with_changed_enum(MODEL_APPROVED))},
               thaw(d.extra["schemas"][1])]
    record_applied_schemas(recorded, [d], schemas=changed)
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["UpdateSchema"]
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_a_document_named_after_an_aws_registry_is_refused_at_its_name(tmp_path: Path) -> None:
    root = write(tmp_path / "s", registry_doc(name="aws.events"))
    with pytest.raises(SpecError) as caught:
        desired_of(root)
    [message] = [str(e) for e in caught.value.diagnostics.errors]
    assert message.startswith(f"{root / 'docs.yaml'}:3:7: aws.events is a registry EventBridge owns")


def test_an_aws_registry_is_never_read_planned_or_deleted(tmp_path: Path) -> None:
    handler = SchemaRegistryHandler()
    recorded = Recorded()
    assert handler.find(recorded, "discovered-schemas") is None and recorded.calls[1:] == []
    live = Live(Address(TYPE, "aws.events"), registry_arn("aws.events"), {tagmod.STACK: "demo",
                                                                           tagmod.ADDRESS: "SchemaRegistry/x"}, {})
    d = one(desired_of(write(tmp_path / "applied", registry_doc())), TYPE)
    recorded = Recorded()
    tagged(recorded, [(live.arn, live.tags), (registry_arn(), applied_tags(d))])
    recorded.add("schemas", "DescribeRegistry", {"RegistryName": "aws.events"},
                 {"RegistryArn": live.arn, "RegistryName": "aws.events"})
    recorded.add("schemas", "ListSchemas", {"RegistryName": "aws.events"}, {"Schemas": []})
    record_registry(recorded, d)
    record_discoverers(recorded)
    with pytest.raises(PlanError) as caught:
        plan(tmp_path / "applied", recorded)
    assert caught.value.messages == [f"{TYPE}/aws.events is a registry EventBridge owns; reconciler never "
                                     "deletes it"]
