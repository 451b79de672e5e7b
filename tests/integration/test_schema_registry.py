"""EventBridge schema registries through the CLI against the sandbox: a SchemaRegistry document with a schema
inline and one in a contentFile, and a discoverer on the stack's own event bus; its lifecycle (a content
change is one new version, a removed schema and discoverer are deleted, the registry goes with its document),
and bad content refused before any AWS call."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import boto3
import pytest

from reconciler.sandbox import control
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import edit
from tests.integration.test_guardrails import apply_ok

FILE = "schema-registry.yaml"
REGISTRY = "ml-events"

DOCUMENTS = """\
apiVersion: reconciler/v1
kind: EventBus
name: ml
spec:
  description: Events of the ML platform
---
apiVersion: reconciler/v1
kind: SchemaRegistry
name: ml-events
tags: {team: ml}
spec:
  description: ML platform events
  schemas:
    - name: ModelApproved
      type: JSONSchemaDraft4
      description: A model version was approved
      content:
        $schema: http://json-schema.org/draft-04/schema#
        type: object
        required: [detail]
        properties:
          detail:
            type: object
            properties:
              ModelApprovalStatus: {type: string, enum: [Approved, Rejected]}
    - name: EndpointDeployed
      type: OpenApi3
      contentFile: schemas/endpoint-deployed.json
  discoverer: {sourceArn: "${EventBus.ml.arn}"}
"""

ENDPOINT_DEPLOYED = {
    "openapi": "3.0.0",
    "info": {"version": "1.0.0", "title": "EndpointDeployed"},
    "paths": {},
    "components": {"schemas": {
        "AWSEvent": {"type": "object", "x-amazon-events-source": "ml.platform",
                     "properties": {"detail": {"$ref": "#/components/schemas/EndpointDeployed"}}},
        "EndpointDeployed": {"type": "object", "properties": {"EndpointName": {"type": "string"}}},
    }},
}


@pytest.fixture()
def schemas_cli(cli: Cli) -> Cli:
    """The A/B churn endpoint with the `ml` event bus and the `ml-events` schema registry."""
    (cli.root / FILE).write_text(DOCUMENTS)
    (cli.root / "schemas").mkdir()
    (cli.root / "schemas" / "endpoint-deployed.json").write_text(json.dumps(ENDPOINT_DEPLOYED, indent=2))
    return cli


def _schemas() -> Any:
    return boto3.client("schemas")


def _plan(cli: Cli) -> dict[str, Any]:
    result = cli("plan", cli.root, "--format", "json")
    assert result.code == 0, result.text
    return json.loads(result.out)  # type: ignore[no-any-return]


def _ours(address: str) -> list[dict[str, Any]]:
    return [d for d in _schemas().list_discoverers()["Discoverers"]
            if d.get("Tags", {}).get("reconciler:address") == address]


def test_the_registry_applies_with_its_schemas_and_discoverer_then_plans_clean(schemas_cli: Cli) -> None:
    plan = _plan(schemas_cli)
    ours = [s["operation"] for s in plan["steps"] if s["address"] == f"schema-registry/{REGISTRY}"]
    assert ours == ["CreateRegistry", "CreateSchema", "CreateSchema", "CreateDiscoverer"]
    operations = [s["operation"] for s in plan["steps"]]
    assert operations.index("CreateEventBus") < operations.index("CreateDiscoverer")
    apply_ok(schemas_cli)
    client = _schemas()
    registry = client.describe_registry(RegistryName=REGISTRY)
    assert registry["Description"] == "ML platform events"
    assert client.list_tags_for_resource(ResourceArn=registry["RegistryArn"])["Tags"]["team"] == "ml"
    approved = client.describe_schema(RegistryName=REGISTRY, SchemaName="ModelApproved")
    assert (approved["SchemaVersion"], approved["Type"]) == ("1", "JSONSchemaDraft4")
    assert json.loads(client.describe_schema(RegistryName=REGISTRY, SchemaName="EndpointDeployed")["Content"]) \
        == ENDPOINT_DEPLOYED
    [found] = _ours(f"SchemaRegistry/{REGISTRY}")
    assert found["SourceArn"].endswith(":event-bus/ml")


def test_a_content_change_is_one_new_version_and_nothing_else(schemas_cli: Cli) -> None:
    apply_ok(schemas_cli)
    edit(schemas_cli.root / FILE, "enum: [Approved, Rejected]", "enum: [Approved, Rejected, PendingManualApproval]")
    text = schemas_cli("plan", schemas_cli.root)
    assert "~ schema ModelApproved: content changes -> version 2" in text.out, text.text
    plan = _plan(schemas_cli)
    assert [s["operation"] for s in plan["steps"]] == ["UpdateSchema"]
    apply_ok(schemas_cli)
    approved = _schemas().describe_schema(RegistryName=REGISTRY, SchemaName="ModelApproved")
    assert approved["SchemaVersion"] == "2"
    assert "PendingManualApproval" in approved["Content"]
    versions = _schemas().list_schema_versions(RegistryName=REGISTRY, SchemaName="EndpointDeployed")
    assert [v["SchemaVersion"] for v in versions["SchemaVersions"]] == ["1"]  # unchanged content: untouched


def test_a_removed_schema_and_discoverer_are_deleted(schemas_cli: Cli) -> None:
    apply_ok(schemas_cli)
    text = (schemas_cli.root / FILE).read_text()
    cut = text[text.index("    - name: EndpointDeployed"):]
    (schemas_cli.root / FILE).write_text(text.replace(cut, ""))
    plan = _plan(schemas_cli)
    assert [s["operation"] for s in plan["steps"]] == ["DeleteSchema", "DeleteDiscoverer"]
    apply_ok(schemas_cli)
    names = [s["SchemaName"] for s in _schemas().list_schemas(RegistryName=REGISTRY)["Schemas"]]
    assert names == ["ModelApproved"]
    assert _ours(f"SchemaRegistry/{REGISTRY}") == []


def test_removing_the_document_deletes_the_registry_and_leaves_aws_registries_alone(schemas_cli: Cli) -> None:
    apply_ok(schemas_cli)
    (schemas_cli.root / FILE).write_text(DOCUMENTS.split("---\n")[0])
    plan = _plan(schemas_cli)
    assert [s["operation"] for s in plan["steps"]] == ["DeleteDiscoverer", "DeleteSchema", "DeleteSchema",
                                                       "DeleteRegistry"]
    apply_ok(schemas_cli)
    client = _schemas()
    with pytest.raises(client.exceptions.NotFoundException):
        client.describe_registry(RegistryName=REGISTRY)
    assert client.describe_registry(RegistryName="aws.events")["RegistryName"] == "aws.events"


def test_invalid_content_is_one_line_exit_1_and_no_aws_call(schemas_cli: Cli) -> None:
    edit(schemas_cli.root / FILE, "{type: string, enum", "{type: strnig, enum")
    before = control.get_calls(schemas_cli.sandbox.url)["total"]
    result = schemas_cli("plan", schemas_cli.root)
    assert result.code == 1
    lines = [line for line in result.text.splitlines() if FILE in line]
    assert lines == [f"{schemas_cli.root / FILE}:25:43: schema ModelApproved: not a valid JSON Schema draft 4: "
                     '"strnig" is not a JSON Schema type (array, boolean, integer, null, number, object, string)']
    assert control.get_calls(schemas_cli.sandbox.url)["total"] == before


def test_a_problem_in_a_content_file_is_at_the_file_line(schemas_cli: Cli) -> None:
    broken = {**ENDPOINT_DEPLOYED, "openapi": "2.0.0"}
    path = schemas_cli.root / "schemas" / "endpoint-deployed.json"
    path.write_text(json.dumps(broken, indent=2))
    result = schemas_cli("validate", schemas_cli.root)
    assert result.code == 1
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"openapi"' in text)
    assert f"{path}:{line}:14: schema EndpointDeployed: openapi must be a 3.x.y version string" in result.text, \
        textwrap.shorten(result.text, 400)


def test_a_schema_changed_outside_git_is_drift_and_apply_restores_it(schemas_cli: Cli) -> None:
    apply_ok(schemas_cli)
    client = _schemas()
    live = json.loads(client.describe_schema(RegistryName=REGISTRY, SchemaName="EndpointDeployed")["Content"])
    live["info"]["version"] = "2.0.0"
    client.update_schema(RegistryName=REGISTRY, SchemaName="EndpointDeployed", Type="OpenApi3",
                         Content=json.dumps(live))
    drift = json.loads(schemas_cli("drift", schemas_cli.root, "--format", "json").out)
    assert [(e["address"], e["labels"]) for e in drift["entries"]] == [(f"schema-registry/{REGISTRY}", ["drift"])]
    assert [s["operation"] for s in _plan(schemas_cli)["steps"]] == ["UpdateSchema"]
    apply_ok(schemas_cli)
    restored = client.describe_schema(RegistryName=REGISTRY, SchemaName="EndpointDeployed")
    assert (restored["SchemaVersion"], json.loads(restored["Content"])) == ("3", ENDPOINT_DEPLOYED)
