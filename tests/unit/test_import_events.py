"""The EventBus, EventRule and SchemaRegistry importers and listers on their own, over fake read-only clients:
what the sandbox cannot make (a managed rule, logging settings, partner buses, a second page of buses) and
live text a document cannot hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.imported import ImportContext, ImportRefused
from reconciler.kinds.event_bus import import_event_bus, list_event_buses
from reconciler.kinds.event_rule.importer import import_event_rule, list_event_rules, rule_address_name
from reconciler.kinds.schema_registry.importer import import_schema_registry, list_schema_registries

REGION, ACCOUNT = "us-east-1", "123456789012"
BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/"
PIPELINE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/churn-train"


class Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **params: Any) -> Iterator[dict[str, Any]]:
        yield from self.pages


class FakeEvents:
    """The EventBridge reads the importers make, from fixed data."""

    def __init__(self, buses: list[dict[str, Any]], rules: dict[str, list[dict[str, Any]]] | None = None,
                 targets: dict[str, list[dict[str, Any]]] | None = None, bus_pages: int = 1) -> None:
        self.buses = buses
        self.rules = rules or {}
        self.targets = targets or {}
        self.bus_pages = bus_pages

    def describe_event_bus(self, Name: str) -> dict[str, Any]:
        return dict(next(b for b in self.buses if b["Name"] == Name))

    def list_tags_for_resource(self, ResourceARN: str) -> dict[str, Any]:
        return {"Tags": [{"Key": "team", "Value": "ml"}]}

    def describe_rule(self, Name: str, EventBusName: str) -> dict[str, Any]:
        return dict(next(r for r in self.rules[EventBusName] if r["Name"] == Name))

    def list_targets_by_rule(self, Rule: str, EventBusName: str, NextToken: str | None = None
                             ) -> dict[str, Any]:
        return {"Targets": self.targets.get(f"{EventBusName}/{Rule}", [])}

    def list_event_buses(self, NextToken: str | None = None) -> dict[str, Any]:
        """The buses split over `bus_pages` pages."""
        page = int(NextToken or 0)
        size = -(-len(self.buses) // self.bus_pages)
        more = (page + 1) * size < len(self.buses)
        return {"EventBuses": self.buses[page * size:(page + 1) * size], **({"NextToken": str(page + 1)} if more
                                                                            else {})}

    def get_paginator(self, name: str) -> Any:
        assert name == "list_rules"
        return RulePages(self.rules)


class RulePages:
    def __init__(self, rules: dict[str, list[dict[str, Any]]]) -> None:
        self.rules = rules

    def paginate(self, EventBusName: str) -> Iterator[dict[str, Any]]:
        yield {"Rules": self.rules.get(EventBusName, [])}


class FakeSchemas:
    def __init__(self, registries: dict[str, dict[str, Any]], tags: dict[str, str] | None = None,
                 discoverers: list[dict[str, Any]] | None = None) -> None:
        self.registries = registries  # name -> {"Description", "Schemas": {name: DescribeSchema output}}
        self.tags = tags or {}
        self.discoverers = discoverers or []

    def describe_registry(self, RegistryName: str) -> dict[str, Any]:
        found = self.registries[RegistryName]
        return {"RegistryName": RegistryName, "RegistryArn": f"arn:aws:schemas:{REGION}:{ACCOUNT}:registry/"
                f"{RegistryName}", **({"Description": found["Description"]} if "Description" in found else {})}

    def list_tags_for_resource(self, ResourceArn: str) -> dict[str, Any]:
        return {"Tags": dict(self.tags)}

    def describe_schema(self, RegistryName: str, SchemaName: str) -> dict[str, Any]:
        return dict(self.registries[RegistryName]["Schemas"][SchemaName])

    def get_paginator(self, name: str) -> Any:
        if name == "list_registries":
            return Pages([{"Registries": [{"RegistryName": n} for n in self.registries]}])
        if name == "list_discoverers":
            return Pages([{"Discoverers": self.discoverers}])
        assert name == "list_schemas"
        return SchemaPages(self.registries)


class SchemaPages:
    def __init__(self, registries: dict[str, dict[str, Any]]) -> None:
        self.registries = registries

    def paginate(self, RegistryName: str) -> Iterator[dict[str, Any]]:
        yield {"Schemas": [{"SchemaName": n} for n in self.registries[RegistryName]["Schemas"]]}


class FakeClients:
    region = REGION

    def __init__(self, events: FakeEvents | None = None, schemas: FakeSchemas | None = None) -> None:
        self.services = {"events": events, "schemas": schemas}

    def get(self, service: str) -> Any:
        return self.services[service]


def _bus(name: str, **extra: Any) -> dict[str, Any]:
    return {"Name": name, "Arn": BUS_ARN + name, **extra}


def _rule(name: str, bus: str = "default", **extra: Any) -> dict[str, Any]:
    path = name if bus == "default" else f"{bus}/{name}"
    return {"Name": name, "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{path}", "EventBusName": bus,
            "State": "ENABLED", **extra}


def _ctx(clients: FakeClients, **kwargs: Any) -> ImportContext:
    return ImportContext(clients, REGION, ACCOUNT, **kwargs)


def test_logging_is_written_unless_it_is_off() -> None:
    events = FakeEvents([_bus("loud", LogConfig={"Level": "ERROR", "IncludeDetail": "FULL"}),
                         _bus("quiet", LogConfig={"Level": "OFF", "IncludeDetail": "NONE"})])
    ctx = _ctx(FakeClients(events))
    loud = import_event_bus(ctx, "loud")[0]
    assert loud.spec == {"logConfig": {"level": "ERROR", "includeDetail": "FULL"}}
    assert import_event_bus(ctx, "quiet")[0].spec == {}


def test_a_partner_bus_is_refused_and_not_listed() -> None:
    partner = "aws.partner/saas.com/123/orders"
    events = FakeEvents([_bus("default"), _bus(partner), _bus("ml")])
    with pytest.raises(ImportRefused, match="partner event bus"):
        import_event_bus(_ctx(FakeClients(events)), partner)
    assert list_event_buses(FakeClients(events)) == ["ml"]


def test_the_bus_lister_reads_every_page_and_keeps_the_default_bus_only_with_a_policy() -> None:
    buses = [_bus("default", Policy="{}")] + [_bus(f"bus-{i}") for i in range(5)]
    assert list_event_buses(FakeClients(FakeEvents(buses, bus_pages=3))) == ["default"] + [f"bus-{i}"
                                                                                            for i in range(5)]
    assert list_event_buses(FakeClients(FakeEvents([_bus("default"), _bus("ml")]))) == ["ml"]


def test_a_policy_variable_is_written_escaped() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "events:*",
                                                      "Resource": "${aws:SourceArn}"}]}
    events = FakeEvents([_bus("ml", Policy=json.dumps(policy))])
    [doc] = import_event_bus(_ctx(FakeClients(events)), "ml")
    assert doc.spec["policy"]["Statement"][0]["Resource"] == "$${aws:SourceArn}"


def test_a_managed_rule_is_refused_and_not_listed() -> None:
    managed = _rule("AutoScalingManagedRule", ManagedBy="autoscaling.amazonaws.com")
    events = FakeEvents([_bus("default"), _bus("ml")], {"default": [managed, _rule("mine")],
                                                        "ml": [_rule("on-ml", "ml")]})
    with pytest.raises(ImportRefused, match=r"managed by autoscaling\.amazonaws\.com"):
        import_event_rule(_ctx(FakeClients(events)), "AutoScalingManagedRule")
    assert list_event_rules(FakeClients(events)) == ["mine", "ml/on-ml"]


@pytest.mark.parametrize(("given", "address"), [
    ("nightly", "nightly"), ("default/nightly", "nightly"), ("ml/approved", "ml/approved"),
    (f"arn:aws:events:{REGION}:{ACCOUNT}:rule/ml/approved", "ml/approved"),
    (f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly", "nightly"),
])
def test_a_rule_is_named_bus_slash_rule_or_by_its_arn(given: str, address: str) -> None:
    assert rule_address_name(given) == address


def test_a_rule_names_documents_by_reference_and_keeps_a_non_default_state() -> None:
    rule = _rule("approved", "ml", State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
                 EventPattern=json.dumps({"source": ["aws.sagemaker"]}))
    target = {"Id": "retrain", "Arn": PIPELINE_ARN, "RoleArn": "arn:aws:iam::123456789012:role/start",
              "SageMakerPipelineParameters": {"PipelineParameterList": [{"Name": "Input", "Value": "$.detail"}]}}
    events = FakeEvents([_bus("ml")], {"ml": [rule]}, {"ml/approved": [target]})
    ctx = _ctx(FakeClients(events), names={("EventBus", "ml"): "platform"},
               arns={PIPELINE_ARN: "${Pipeline.churn-train.arn}"})
    doc = import_event_rule(ctx, "ml/approved")[0]
    assert doc.name == "approved" and [str(a) for a in doc.owned] == ["event-rule/ml/approved"]
    assert doc.spec == {
        "eventBusName": "${EventBus.platform.name}", "eventPattern": {"source": ["aws.sagemaker"]},
        "state": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        "targets": [{"id": "retrain", "arn": "${Pipeline.churn-train.arn}",
                     "roleArn": "arn:aws:iam::123456789012:role/start",
                     "sageMakerPipelineParameters": {"pipelineParameterList": [{"name": "Input",
                                                                                 "value": "$.detail"}]}}]}
    assert doc.notes == []


def test_a_rule_named_like_one_imported_from_another_bus_is_refused() -> None:
    events = FakeEvents([_bus("default"), _bus("ml")], {"default": [_rule("approved")],
                                                        "ml": [_rule("approved", "ml")]})
    ctx = _ctx(FakeClients(events))
    ctx.add(import_event_rule(ctx, "approved")[0])
    assert import_event_rule(ctx, "approved")[0].name == "approved"  # the same rule again is no conflict
    with pytest.raises(ImportRefused, match="document EventRule/approved is rule 'approved' already"):
        import_event_rule(ctx, "ml/approved")


def test_a_registry_whose_schema_is_not_a_json_object_is_refused() -> None:
    schemas = FakeSchemas({"odd": {"Schemas": {"List": {"Type": "JSONSchemaDraft4", "Content": "[1, 2]"}}}})
    with pytest.raises(ImportRefused, match="schema List's content is not a JSON object"):
        import_schema_registry(_ctx(FakeClients(schemas=schemas)), "odd")


def test_an_empty_registry_is_an_empty_spec_and_aws_registries_are_not_listed() -> None:
    schemas = FakeSchemas({"aws.events": {"Schemas": {}}, "discovered-schemas": {"Schemas": {}},
                           "bare": {"Schemas": {}}})
    assert import_schema_registry(_ctx(FakeClients(schemas=schemas)), "bare")[0].spec == {}
    assert list_schema_registries(FakeClients(schemas=schemas)) == ["bare"]


def test_the_discoverer_a_registry_s_document_made_is_written_as_a_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read back for its own stack (as `drift --accept` reads an owned registry), the discoverer carrying the
    registry's ownership tags is its `discoverer`; a hand-made one on another bus is not."""
    from reconciler.kinds.schema_registry import importer

    ours = {"reconciler:stack": "s", "reconciler:address": "SchemaRegistry/ml-events"}
    schemas = FakeSchemas({"ml-events": {"Schemas": {}}}, tags=ours, discoverers=[
        {"DiscovererId": "d1", "SourceArn": BUS_ARN + "ml", "Tags": ours},
        {"DiscovererId": "d2", "SourceArn": BUS_ARN + "other", "Tags": {}},
    ])
    monkeypatch.setattr(importer, "unowned", lambda live, kind, name: live)
    ctx = _ctx(FakeClients(schemas=schemas), arns={BUS_ARN + "ml": "${EventBus.ml.arn}"})
    assert import_schema_registry(ctx, "ml-events")[0].spec == {"discoverer": {"sourceArn": "${EventBus.ml.arn}"}}
