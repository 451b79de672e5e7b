"""`reconciler import` of EventBus, EventRule and SchemaRegistry through the CLI against the sandbox: resources
made by hand (boto3, as with the AWS CLI) are written as documents, adopted with tags only, and then plan clean;
a rule on an imported bus names it by reference; missing, owned and AWS-owned resources are one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.integration.conftest import Cli

ACCOUNT = "123456789012"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:events-dlq"
AUDIT = f"arn:aws:sqs:us-east-1:{ACCOUNT}:approvals-audit"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/events-deliver"
DRAFT4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
          "properties": {"ModelPackageGroupName": {"type": "string"}}, "required": ["ModelPackageGroupName"]}
OPENAPI = {"openapi": "3.0.0", "info": {"title": "Approved", "version": "1.0.0"}, "paths": {},
           "components": {"schemas": {"Approved": {"type": "object", "properties": {"stage": {"type": "string"}}}}}}


def _events() -> Any:
    return boto3.client("events")


def _documents(root: Path) -> dict[str, dict[str, Any]]:
    """Every document of the files in `root` by `Kind/name`."""
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted(root.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            docs[f"{doc['kind']}/{doc['name']}"] = doc
    return docs


def _import(cli: Cli, into: Path, *args: str) -> None:
    result = cli("import", *args, "--into", into, "--adopt")
    assert result.code == 0, result.text
    assert "Adopted:" in result.out, result.text


def _plans_clean(cli: Cli, into: Path) -> None:
    result = cli("plan", into, "--detailed-exitcode")
    assert result.code == 0, result.text


def _ml_bus() -> None:
    events = _events()
    events.create_event_bus(Name="ml", Description="Events between the ML accounts",
                            DeadLetterConfig={"Arn": QUEUE}, Tags=[{"Key": "team", "Value": "ml"}])
    events.put_permission(EventBusName="ml", Action="events:PutEvents", Principal="111122223333",
                          StatementId="PartnerAccount")


def _approval_rule(bus: str = "ml") -> None:
    events = _events()
    pattern = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
               "detail": {"ModelApprovalStatus": ["Approved"]}}
    events.put_rule(Name="approved", EventBusName=bus, EventPattern=json.dumps(pattern),
                    Description="A model version was approved", Tags=[{"Key": "team", "Value": "ml"}])
    events.put_targets(Rule="approved", EventBusName=bus, Targets=[
        {"Id": "audit", "Arn": AUDIT, "Input": '{"kind": "approval"}',
         "RetryPolicy": {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600},
         "DeadLetterConfig": {"Arn": QUEUE}},
        {"Id": "shaped", "Arn": AUDIT,
         "InputTransformer": {"InputPathsMap": {"group": "$.detail.ModelPackageGroupName"},
                              "InputTemplate": '{"group": <group>}'}},
    ])


def test_a_bus_is_written_as_a_person_would_adopted_and_plans_clean(cli: Cli, tmp_path: Path) -> None:
    _ml_bus()
    into = tmp_path / "imported"
    _import(cli, into, "EventBus", "ml")
    doc = _documents(into)["EventBus/ml"]
    assert doc["tags"] == {"team": "ml"}
    spec = doc["spec"]
    assert set(spec) == {"description", "deadLetterConfig", "policy"}, spec  # no ARN, name or timestamps
    assert spec["deadLetterConfig"] == {"arn": QUEUE}
    assert [s["Sid"] for s in spec["policy"]["Statement"]] == ["PartnerAccount"]
    tags = _events().list_tags_for_resource(ResourceARN=f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/ml")["Tags"]
    assert {t["Key"]: t["Value"] for t in tags}["reconciler:address"] == "EventBus/ml"
    _plans_clean(cli, into)


def test_a_bus_encrypted_with_a_kms_key_keeps_the_key_and_plans_clean(cli: Cli, tmp_path: Path) -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    _events().create_event_bus(Name="sealed", KmsKeyIdentifier=key)
    into = tmp_path / "imported"
    _import(cli, into, "EventBus", "sealed")
    doc = _documents(into)["EventBus/sealed"]
    assert doc["spec"] == {"kmsKeyIdentifier": key} and "tags" not in doc
    _plans_clean(cli, into)


def test_a_rule_on_an_imported_bus_names_it_by_reference_and_plans_clean(cli: Cli, tmp_path: Path) -> None:
    _ml_bus()
    _approval_rule()
    into = tmp_path / "imported"
    _import(cli, into, "EventBus", "ml")
    _import(cli, into, "EventRule", "ml/approved")
    assert "eventBusName: ${EventBus.ml.name}" in (into / "eventrule-approved.yaml").read_text(encoding="utf-8")
    doc = _documents(into)["EventRule/approved"]
    assert doc["tags"] == {"team": "ml"}
    spec = doc["spec"]
    assert "state" not in spec and "arn" not in spec  # ENABLED is the default; the ARN is read-only
    assert spec["eventPattern"]["detail"] == {"ModelApprovalStatus": ["Approved"]}
    audit, shaped = spec["targets"]
    assert audit == {"id": "audit", "arn": AUDIT, "input": '{"kind": "approval"}', "deadLetterConfig": {"arn": QUEUE},
                     "retryPolicy": {"maximumRetryAttempts": 4, "maximumEventAgeInSeconds": 3600}}
    assert shaped["inputTransformer"]["inputPathsMap"] == {"group": "$.detail.ModelPackageGroupName"}
    _plans_clean(cli, into)


def test_a_rule_on_a_bus_that_is_no_document_names_the_bus_and_says_so(cli: Cli, tmp_path: Path) -> None:
    _ml_bus()
    _approval_rule()
    into = tmp_path / "imported"
    result = cli("import", "EventRule", "ml/approved", "--into", into, "--adopt")
    assert result.code == 0, result.text
    assert "note: EventRule/approved: its bus ml is not a document of this stack" in result.out
    assert _documents(into)["EventRule/approved"]["spec"]["eventBusName"] == "ml"
    _plans_clean(cli, into)


def test_a_disabled_schedule_on_the_default_bus_with_a_role_plans_clean(cli: Cli, tmp_path: Path) -> None:
    events = _events()
    events.put_rule(Name="nightly", ScheduleExpression="cron(0 3 * * ? *)", State="DISABLED", RoleArn=ROLE)
    events.put_targets(Rule="nightly", Targets=[{"Id": "kick", "Arn": AUDIT, "InputPath": "$.detail"}])
    into = tmp_path / "imported"
    _import(cli, into, "EventRule", "nightly")
    spec = _documents(into)["EventRule/nightly"]["spec"]
    assert spec == {"scheduleExpression": "cron(0 3 * * ? *)", "state": "DISABLED", "roleArn": ROLE,
                    "targets": [{"id": "kick", "arn": AUDIT, "inputPath": "$.detail"}]}
    _plans_clean(cli, into)


def test_the_default_bus_is_imported_only_with_a_policy_and_only_its_policy(cli: Cli, tmp_path: Path) -> None:
    refused = cli("import", "EventBus", "default")
    assert refused.code == 1 and "has no resource policy" in refused.err, refused.text
    _events().put_permission(EventBusName="default", Action="events:PutEvents", Principal="111122223333",
                             StatementId="PartnerAccount")
    into = tmp_path / "imported"
    _import(cli, into, "EventBus", "default")
    doc = _documents(into)["EventBus/default"]
    assert list(doc["spec"]) == ["policy"]
    _plans_clean(cli, into)


def test_a_schema_registry_with_its_schemas_inline_plans_clean(cli: Cli, tmp_path: Path) -> None:
    schemas = boto3.client("schemas")
    schemas.create_registry(RegistryName="ml-events", Description="The ML platform's events",
                            Tags={"team": "ml"})
    schemas.create_schema(RegistryName="ml-events", SchemaName="ModelApproved", Type="JSONSchemaDraft4",
                          Content=json.dumps({"type": "object"}), Description="An approval")
    schemas.update_schema(RegistryName="ml-events", SchemaName="ModelApproved", Type="JSONSchemaDraft4",
                          Content=json.dumps(DRAFT4))  # version 2: its latest content is what is written
    schemas.create_schema(RegistryName="ml-events", SchemaName="Approved", Type="OpenApi3",
                          Content=json.dumps(OPENAPI), Tags={"owner": "data"})
    into = tmp_path / "imported"
    result = cli("import", "SchemaRegistry", "ml-events", "--into", into, "--adopt")
    assert result.code == 0, result.text
    assert "schema Approved has tags of its own (owner)" in result.out
    doc = _documents(into)["SchemaRegistry/ml-events"]
    assert doc["tags"] == {"team": "ml"}
    assert doc["spec"]["description"] == "The ML platform's events"
    by_name = {s["name"]: s for s in doc["spec"]["schemas"]}
    assert by_name["ModelApproved"] == {"name": "ModelApproved", "type": "JSONSchemaDraft4",
                                        "description": "An approval", "content": DRAFT4}
    assert by_name["Approved"] == {"name": "Approved", "type": "OpenApi3", "content": OPENAPI}
    _plans_clean(cli, into)


@pytest.mark.parametrize(("kind", "name", "expected"), [
    ("EventBus", "ml", "kind: EventBus\nname: ml\n"),
    ("EventRule", "ml/approved", "kind: EventRule\nname: approved\n"),
    ("SchemaRegistry", "ml-events", "kind: SchemaRegistry\nname: ml-events\n"),
])
def test_without_into_the_document_is_printed(cli: Cli, kind: str, name: str, expected: str) -> None:
    _ml_bus()
    _approval_rule()
    boto3.client("schemas").create_registry(RegistryName="ml-events", Description="The ML platform's events")
    result = cli("import", kind, name)
    assert result.code == 0, result.text
    assert expected in result.out and "\nspec:\n" in result.out, result.out
    assert "# Imported from arn:aws:" in result.out


@pytest.mark.parametrize(("kind", "name"), [("EventBus", "nowhere"), ("EventRule", "nowhere"),
                                            ("EventRule", "ml/nowhere"), ("SchemaRegistry", "nowhere")])
def test_a_missing_resource_is_a_one_line_error(cli: Cli, kind: str, name: str) -> None:
    _ml_bus()
    result = cli("import", kind, name)
    assert result.code == 1, result.text
    assert result.out == "" and len(result.err.strip().splitlines()) == 1, result.text
    assert "was not found" in result.err


@pytest.mark.parametrize(("kind", "name"), [("EventBus", "ml"), ("EventRule", "ml/approved"),
                                            ("SchemaRegistry", "ml-events")])
def test_a_resource_a_stack_owns_is_a_one_line_error(cli: Cli, tmp_path: Path, kind: str, name: str) -> None:
    _ml_bus()
    _approval_rule()
    boto3.client("schemas").create_registry(RegistryName="ml-events")
    _import(cli, tmp_path / "first", kind, name)
    result = cli("import", kind, name)
    assert result.code == 1, result.text
    assert len(result.err.strip().splitlines()) == 1 and "is already managed by stack 'first'" in result.err


@pytest.mark.parametrize("name", ["aws.events", "discovered-schemas"])
def test_the_registries_eventbridge_owns_are_refused(cli: Cli, name: str) -> None:
    result = cli("import", "SchemaRegistry", name)
    assert result.code == 1 and "a registry EventBridge owns" in result.err, result.text


def test_import_all_writes_buses_before_the_rules_that_name_them_and_plans_clean(cli: Cli, tmp_path: Path) -> None:
    _ml_bus()
    _approval_rule()
    _events().put_rule(Name="hourly", ScheduleExpression="rate(1 hour)")
    boto3.client("schemas").create_registry(RegistryName="ml-events", Description="The ML platform's events")
    into = tmp_path / "imported"
    result = cli("import", "--all", "--into", into, "--adopt")
    assert result.code == 0, result.text
    docs = _documents(into)
    events_docs = {a for a in docs if a.split("/")[0] in ("EventBus", "EventRule", "SchemaRegistry")}
    # the default bus has no policy, and AWS's own registries are left out
    assert events_docs == {"EventBus/ml", "EventRule/approved", "EventRule/hourly", "SchemaRegistry/ml-events"}
    assert docs["EventRule/approved"]["spec"]["eventBusName"] == "${EventBus.ml.name}"
    assert "eventBusName" not in docs["EventRule/hourly"]["spec"]
    _plans_clean(cli, into)


def test_import_all_skips_a_rule_named_like_one_on_another_bus(cli: Cli, tmp_path: Path) -> None:
    _ml_bus()
    _approval_rule("default")
    _approval_rule("ml")
    into = tmp_path / "imported"
    result = cli("import", "--all", "--into", into)
    assert result.code == 0, result.text
    assert "skipped: EventRule 'ml/approved': document EventRule/approved is rule 'approved' already" in result.err
    assert "eventBusName" not in _documents(into)["EventRule/approved"]["spec"]  # the default bus's rule
