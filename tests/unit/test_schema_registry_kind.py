"""The SchemaRegistry kind on its own: its checks, each one line at the file:line:col of the value (inline or
in a contentFile), and the expansion into `schema-registry/<name>` with its schemas and discoverer."""

from __future__ import annotations

import contextlib
import io
import json
import textwrap
from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.errors import SpecError
from reconciler.frozen import thaw
from reconciler.handlers.registry import handlers
from reconciler.handlers.schema_registry import SchemaRegistryHandler, content_text
from reconciler.kinds import expand, load_stack, registry
from reconciler.plan.ordering import ranks
from reconciler.resources import Desired
from tests.unit.planner_support import ACCOUNT, REGION

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1}\n"
BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/ml"

REGISTRY = """\
apiVersion: reconciler/v1
kind: SchemaRegistry
name: ml-events
spec:
  description: ML platform events
  schemas:
    - name: ModelApproved
      type: JSONSchemaDraft4
      description: A model version was approved
      content:
        type: object
        required: [detail]
        properties:
          detail:
            type: object
            properties:
              ModelApprovalStatus: {type: string, enum: [Approved, Rejected]}
"""
# Line 17, column 43 of REGISTRY: `string` of ModelApprovalStatus's type.

OPENAPI = """\
    - name: EndpointDeployed
      type: OpenApi3
      content:
        openapi: 3.0.0
        info: {title: EndpointDeployed, version: 1.0.0}
        paths: {}
        components:
          schemas:
            AWSEvent:
              type: object
              properties:
                detail: {$ref: "#/components/schemas/EndpointDeployed"}
            EndpointDeployed:
              type: object
              properties:
                EndpointName: {type: string}
"""
# Appended to REGISTRY: its lines are 18 to 33.


def _root(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "stack"
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / "registry.yaml").write_text(text)
    for name, body in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _errors(root: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_stack(root)
    return [str(e) for e in caught.value.diagnostics.errors]


def _one_error(root: Path) -> str:
    [message] = _errors(root)
    return message


def _expand(root: Path) -> list[Desired]:
    return expand(load_stack(root), REGION, ACCOUNT)


# --------------------------------------------------------------------------- expansion


def test_a_document_is_one_registry_holding_its_schemas_as_the_json_sent(tmp_path: Path) -> None:
    [d] = _expand(_root(tmp_path, REGISTRY + OPENAPI))
    assert d.address == Address("schema-registry", "ml-events") and d.spec == "SchemaRegistry/ml-events"
    assert thaw(d.request) == {"RegistryName": "ml-events", "Description": "ML platform events"}
    approved, deployed = thaw(d.extra["schemas"])
    assert approved == {"name": "ModelApproved", "type": "JSONSchemaDraft4", "description": "A model version was "
                        "approved", "content": content_text({"type": "object", "required": ["detail"], "properties": {
                            "detail": {"type": "object", "properties": {"ModelApprovalStatus": {
                                "type": "string", "enum": ["Approved", "Rejected"]}}}}})}
    assert approved["content"].startswith('{"properties":')  # sorted keys, compact
    assert deployed["type"] == "OpenApi3" and "description" not in deployed
    assert d.extra["discoverer"] is None
    comparable = thaw(d.comparable)
    assert set(comparable) == {"description", "schemas", "tags"}
    assert comparable["schemas"]["ModelApproved"]["content"] == json.loads(approved["content"])
    assert d.extra["positions"]["EndpointDeployed"].endswith("registry.yaml:18:13")


def test_a_content_file_expands_like_the_same_content_inline(tmp_path: Path) -> None:
    inline = _expand(_root(tmp_path / "a", REGISTRY))[0]
    as_file = REGISTRY.split("      content:")[0] + "      contentFile: schemas/approved.json\n"
    content = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "object", "properties": {
        "ModelApprovalStatus": {"type": "string", "enum": ["Approved", "Rejected"]}}}}}
    [from_file] = _expand(_root(tmp_path / "b", as_file, {"schemas/approved.json": json.dumps(content, indent=2)}))
    assert thaw(from_file.extra["schemas"]) == thaw(inline.extra["schemas"])
    assert from_file.state_hash == inline.state_hash


def test_a_yaml_content_file_with_a_reference_resolves_it(tmp_path: Path) -> None:
    text = REGISTRY.split("  schemas:")[0] + "  schemas:\n    - {name: Deployed, type: JSONSchemaDraft4, " \
                                              "contentFile: schemas/deployed.yaml}\n"
    bus = "apiVersion: reconciler/v1\nkind: EventBus\nname: ml\nspec: {}\n"
    body = """\
        type: object
        properties:
          bus: {type: string, enum: ["${EventBus.ml.name}"]}
        """
    root = _root(tmp_path, text, {"schemas/deployed.yaml": body})
    (root / "bus.yaml").write_text(bus)
    [registry_d] = [d for d in _expand(root) if d.address.type == "schema-registry"]
    [schema] = thaw(registry_d.extra["schemas"])
    assert json.loads(schema["content"])["properties"]["bus"]["enum"] == ["ml"]


def test_a_discoverer_on_an_event_bus_document_reads_that_bus_which_goes_first(tmp_path: Path) -> None:
    text = REGISTRY + '  discoverer: {sourceArn: "${EventBus.ml.arn}"}\n'
    root = _root(tmp_path, text)
    (root / "bus.yaml").write_text("apiVersion: reconciler/v1\nkind: EventBus\nname: ml\nspec: {}\n")
    ds = _expand(root)
    [d] = [x for x in ds if x.address.type == "schema-registry"]
    assert thaw(d.extra["discoverer"]) == {"sourceArn": BUS_ARN}
    assert thaw(d.comparable)["discoverer"] == {"sourceArn": BUS_ARN}
    assert SchemaRegistryHandler().uses(None, d, None) == {Address("event-bus", "ml")}
    order = ranks(handlers())
    assert order["event-bus"][0] < order["schema-registry"][0]  # created before
    assert order["event-bus"][1] > order["schema-registry"][1]  # deleted after


def test_a_literal_discoverer_arn_must_be_an_event_bus_arn(tmp_path: Path) -> None:
    text = REGISTRY + "  discoverer: {sourceArn: 'arn:aws:sqs:us-east-1:123456789012:queue-one'}\n"
    message = _one_error(_root(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'stack' / 'registry.yaml'}:18:")
    assert "sourceArn" in message


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["aws.events", "discovered-schemas", "Discovered-Schemas"])
def test_a_document_named_after_a_registry_aws_owns_is_an_error(tmp_path: Path, name: str) -> None:
    message = _one_error(_root(tmp_path, REGISTRY.replace("name: ml-events", f"name: {name}")))
    assert message == (f"{tmp_path / 'stack' / 'registry.yaml'}:3:7: {name} is a registry EventBridge owns "
                       "(aws.events, discovered-schemas); reconciler never changes it: name the document after a "
                       "registry of your own")


def test_registry_names_are_at_most_64_referenceable_characters(tmp_path: Path) -> None:
    rule = registry()["SchemaRegistry"].naming
    assert rule.name_max == 64 and not rule.content_addressed
    for good in ("ml-events", "ml.events_2", "a"):
        assert rule.name_pattern.match(good)
    for bad in ("ml events", "ml/events", "-ml", "ml@events"):
        assert not rule.name_pattern.match(bad)
    assert "limit is 64" in _one_error(_root(tmp_path, REGISTRY.replace("name: ml-events", f"name: {'x' * 65}")))


def test_duplicate_schema_names_are_an_error_at_the_second(tmp_path: Path) -> None:
    text = REGISTRY + OPENAPI.replace("EndpointDeployed\n      type", "ModelApproved\n      type", 1)
    assert _one_error(_root(tmp_path, text)) == (
        f"{tmp_path / 'stack' / 'registry.yaml'}:18:13: duplicate schema name 'ModelApproved' (first at "
        f"{tmp_path / 'stack' / 'registry.yaml'}:7:13)")


# --------------------------------------------------------------------------- content


def test_invalid_draft4_content_is_one_line_at_the_value_exit_1_and_no_aws_call(tmp_path: Path) -> None:
    from reconciler.cli import main

    root = _root(tmp_path, REGISTRY.replace("{type: string,", "{type: strnig,"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(root)])
    assert code == 1
    lines = [line for line in (out.getvalue() + err.getvalue()).splitlines() if "registry.yaml" in line]
    assert lines == [f"{root / 'registry.yaml'}:17:43: schema ModelApproved: not a valid JSON Schema draft 4: "
                     '"strnig" is not a JSON Schema type (array, boolean, integer, null, number, object, string)']


def test_a_draft4_meta_schema_error_inside_a_content_file_is_at_the_file_line(tmp_path: Path) -> None:
    text = REGISTRY.split("      content:")[0] + "      contentFile: approved.json\n"
    body = '{\n  "type": "object",\n  "required": [],\n  "properties": {}\n}\n'
    root = _root(tmp_path, text, {"approved.json": body})
    assert _one_error(root) == (f"{root / 'approved.json'}:3:15: schema ModelApproved: not a valid JSON Schema "
                                "draft 4: [] should be non-empty")


def test_invalid_json_in_a_content_file_is_at_its_line(tmp_path: Path) -> None:
    text = REGISTRY.split("      content:")[0] + "      contentFile: approved.json\n"
    root = _root(tmp_path, text, {"approved.json": '{\n  "type": "object",\n}\n'})
    message = _one_error(root)
    assert message.startswith(f"{root / 'approved.json'}:3:1: invalid JSON")


def test_a_missing_content_file_and_a_schema_without_content_are_errors(tmp_path: Path) -> None:
    text = REGISTRY.split("      content:")[0] + "      contentFile: nope.json\n" \
        "    - {name: Other, type: OpenApi3}\n"
    first, second = _errors(_root(tmp_path, text))
    assert first.startswith(f"{tmp_path / 'stack' / 'registry.yaml'}:10:20: contentFile nope.json: no such file")
    assert second.endswith("schema Other needs its content: give exactly one of content (inline YAML) or "
                           "contentFile")


def test_a_draft4_schema_naming_another_draft_is_an_error(tmp_path: Path) -> None:
    text = REGISTRY.replace("        type: object\n        required",
                            "        $schema: http://json-schema.org/draft-07/schema#\n        type: object\n"
                            "        required", 1)
    message = _one_error(_root(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'stack' / 'registry.yaml'}:11:18: schema ModelApproved: $schema "
                              '"http://json-schema.org/draft-07/schema#" is not draft 4')


@pytest.mark.parametrize(("old", "new", "line_col", "says"), [
    ("openapi: 3.0.0", "openapi: 2.0.0", "21:18", 'openapi must be a 3.x.y version string such as "3.0.0", not '
                                                  '"2.0.0"'),
    ("        openapi: 3.0.0\n", "", "21:9", "an OpenApi3 schema needs openapi"),
    ("version: 1.0.0}", "version: 1.0}", "22:50", "info.version must be a string (quote it)"),
    ("        paths: {}\n", "", "21:9", "an OpenApi3 schema needs paths"),
    ("          schemas:\n", "          schemas: {}\n          other:\n", "25:20",
     "an OpenApi3 schema needs components.schemas"),
    ("#/components/schemas/EndpointDeployed", "#/components/schemas/Nope", "29:32",
     "$ref #/components/schemas/Nope points at nothing in the schema"),
    ("              type: object\n              properties:\n                detail",
     "              type: obj\n              properties:\n                detail", "27:21",
     'components.schemas.AWSEvent is not a valid schema object: "obj" is not a JSON Schema type'),
])
def test_an_openapi3_schema_needs_what_eventbridge_needs(tmp_path: Path, old: str, new: str, line_col: str,
                                                          says: str) -> None:
    text = REGISTRY + OPENAPI.replace(old, new, 1)
    message = _one_error(_root(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'stack' / 'registry.yaml'}:{line_col}: schema EndpointDeployed: {says}")


def test_content_over_100000_characters_as_sent_is_an_error(tmp_path: Path) -> None:
    enum = json.dumps([f"{i:04d}" + "v" * 94 for i in range(1000)])  # 101 characters each as JSON: too many
    text = REGISTRY.replace("enum: [Approved, Rejected]", f"enum: {enum}")
    message = _one_error(_root(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'stack' / 'registry.yaml'}:11:9: schema ModelApproved: its content is ")
    assert message.endswith("characters as JSON; EventBridge takes at most 100,000")


def test_a_valid_document_validates_clean(tmp_path: Path) -> None:
    stack = load_stack(_root(tmp_path, REGISTRY + OPENAPI))
    assert [d.address for d in stack.docs] == ["SchemaRegistry/ml-events"]
