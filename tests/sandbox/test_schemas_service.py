"""Contract tests for EventBridge Schemas in the sandbox (over HTTP, boto3): registries, schemas and their
versions, content checks, discoverers, tags, policies and the tagging API.

moto has no Schemas service; the sandbox serves it (``schemas_model``, ``schemas_api``). Answers are
checked against botocore's output shapes (``call``) and errors by botocore's codes (``expect_error``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.schemas_model import MAX_CONTENT_CHARS
from tests.sandbox.test_experiments import expect_error
from tests.sandbox.test_sagemaker import ACCOUNT, REGION, _client, sandbox, tagging, unique

__all__ = ["sandbox", "tagging"]  # fixtures used by name below

OPENAPI = {"openapi": "3.0.0", "info": {"version": "1.0.0", "title": "Event"}, "paths": {},
           "components": {"schemas": {"Event": {"type": "object", "properties": {"name": {"type": "string"}}}}}}
DRAFT4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
          "properties": {"ModelApprovalStatus": {"type": "string"}}}


@pytest.fixture(scope="module")
def schemas(sandbox: Sandbox) -> BaseClient:
    return _client(sandbox, "schemas")


@pytest.fixture(scope="module")
def events(sandbox: Sandbox) -> BaseClient:
    return _client(sandbox, "events")


def call(client: BaseClient, operation: str, **kwargs: Any) -> dict[str, Any]:
    """Call ``operation`` and check the answer against botocore's output shape (when it has one)."""
    method = "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")
    answer: dict[str, Any] = getattr(client, method)(**kwargs)
    shape = client.meta.service_model.operation_model(operation).output_shape
    if shape is not None:
        body = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
        report = ParamValidator().validate(body, shape)
        assert not report.has_errors(), report.generate_report()
    return answer


def registry_arn(name: str) -> str:
    return f"arn:aws:schemas:{REGION}:{ACCOUNT}:registry/{name}"


def make_registry(schemas: BaseClient, **extra: Any) -> str:
    name = extra.pop("RegistryName", None) or unique("registry")
    answer = call(schemas, "CreateRegistry", RegistryName=name, **extra)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert answer["RegistryArn"] == registry_arn(name)
    return name


def make_schema(schemas: BaseClient, registry: str, content: dict[str, Any] | None = None, **extra: Any) -> str:
    name = extra.pop("SchemaName", None) or unique("Schema")
    kind = extra.pop("Type", "OpenApi3")
    text = json.dumps(content if content is not None else OPENAPI)
    answer = call(schemas, "CreateSchema", RegistryName=registry, SchemaName=name, Type=kind, Content=text, **extra)
    assert answer["SchemaVersion"] == "1"
    return name


# --- registries ----------------------------------------------------------------------------------------------


def test_registry_lifecycle(schemas: BaseClient) -> None:
    name = make_registry(schemas, Description="ML platform events")
    expect_error(lambda: schemas.create_registry(RegistryName=name), "ConflictException", "already exists")
    described = call(schemas, "DescribeRegistry", RegistryName=name)
    assert (described["RegistryName"], described["Description"], described["Tags"]) == (
        name, "ML platform events", {})
    updated = call(schemas, "UpdateRegistry", RegistryName=name, Description="changed")
    assert updated["Description"] == "changed"
    assert call(schemas, "DescribeRegistry", RegistryName=name)["Description"] == "changed"
    other = make_registry(schemas, RegistryName=f"{name}-other")
    listed = call(schemas, "ListRegistries", RegistryNamePrefix=name)["Registries"]
    assert [r["RegistryName"] for r in listed] == [name, other]
    first = call(schemas, "ListRegistries", RegistryNamePrefix=name, Limit=1)
    assert [r["RegistryName"] for r in first["Registries"]] == [name]
    rest = call(schemas, "ListRegistries", RegistryNamePrefix=name, Limit=1, NextToken=first["NextToken"])
    assert [r["RegistryName"] for r in rest["Registries"]] == [other]
    assert "NextToken" not in rest
    answer = call(schemas, "DeleteRegistry", RegistryName=other)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error(lambda: schemas.describe_registry(RegistryName=other), "NotFoundException", other)
    expect_error(lambda: schemas.delete_registry(RegistryName=other), "NotFoundException", other)
    expect_error(lambda: schemas.update_registry(RegistryName=other, Description="x"), "NotFoundException", other)
    expect_error(lambda: schemas.create_registry(RegistryName="bad name!"), "BadRequestException", "bad name!")
    expect_error(lambda: schemas.create_registry(RegistryName=unique("r"), Description="x" * 257),
                 "BadRequestException", "Description")


def test_aws_registries_exist_and_are_read_only(schemas: BaseClient) -> None:
    mine = make_registry(schemas)
    for name in ("aws.events", "discovered-schemas"):
        assert call(schemas, "DescribeRegistry", RegistryName=name)["RegistryArn"] == registry_arn(name)
        expect_error(lambda n=name: schemas.update_registry(RegistryName=n, Description="x"), "ForbiddenException")
        expect_error(lambda n=name: schemas.delete_registry(RegistryName=n), "ForbiddenException")
        expect_error(lambda n=name: schemas.create_schema(RegistryName=n, SchemaName="S", Type="OpenApi3",
                                                          Content=json.dumps(OPENAPI)), "ForbiddenException")
        expect_error(lambda n=name: schemas.tag_resource(ResourceArn=registry_arn(n), Tags={"a": "b"}),
                     "ForbiddenException")
        expect_error(lambda n=name: schemas.create_registry(RegistryName=n), "ConflictException")
    aws = [r["RegistryName"] for r in call(schemas, "ListRegistries", Scope="AWS")["Registries"]]
    assert aws == ["aws.events", "discovered-schemas"]
    local = [r["RegistryName"] for r in call(schemas, "ListRegistries", Scope="LOCAL")["Registries"]]
    assert mine in local and "aws.events" not in local
    expect_error(lambda: schemas.list_registries(Scope="Everywhere"), "BadRequestException", "Scope")


# --- schemas and versions -------------------------------------------------------------------------------------


def test_versions(sandbox: Sandbox, schemas: BaseClient) -> None:
    registry = make_registry(schemas)
    name = make_schema(schemas, registry, Description="first", Tags={"team": "ml"})
    arn = f"arn:aws:schemas:{REGION}:{ACCOUNT}:schema/{registry}/{name}"
    first = call(schemas, "DescribeSchema", RegistryName=registry, SchemaName=name)
    assert (first["SchemaArn"], first["SchemaVersion"], first["Type"], first["Description"], first["Tags"]) == (
        arn, "1", "OpenApi3", "first", {"team": "ml"})
    assert json.loads(first["Content"]) == OPENAPI
    control.advance_clock(sandbox.url, 60)
    changed = {**OPENAPI, "info": {"version": "2.0.0", "title": "Event"}}
    second = call(schemas, "UpdateSchema", RegistryName=registry, SchemaName=name, Content=json.dumps(changed))
    assert second["SchemaVersion"] == "2"
    assert second["VersionCreatedDate"] > first["VersionCreatedDate"]
    # a description alone changes the schema, not its versions
    third = call(schemas, "UpdateSchema", RegistryName=registry, SchemaName=name, Description="second")
    assert (third["SchemaVersion"], third["Description"]) == ("2", "second")
    # a new type is a new version
    typed = call(schemas, "UpdateSchema", RegistryName=registry, SchemaName=name, Type="JSONSchemaDraft4",
                 Content=json.dumps(DRAFT4))
    assert (typed["SchemaVersion"], typed["Type"]) == ("3", "JSONSchemaDraft4")
    # nothing to change: HTTP 304, as AWS documents; the same ClientTokenId answers as the first call did
    with pytest.raises(ClientError) as raised:
        schemas.update_schema(RegistryName=registry, SchemaName=name, Content=json.dumps(DRAFT4))
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    token = "c0ffee00-0000-4000-8000-000000000001"
    again = {"RegistryName": registry, "SchemaName": name, "Content": json.dumps(OPENAPI), "Type": "OpenApi3",
             "ClientTokenId": token}
    assert call(schemas, "UpdateSchema", **again)["SchemaVersion"] == "4"
    assert call(schemas, "UpdateSchema", **again)["SchemaVersion"] == "4"  # a retry: no fifth version
    old = call(schemas, "DescribeSchema", RegistryName=registry, SchemaName=name, SchemaVersion="1")
    assert (old["SchemaVersion"], old["Type"], json.loads(old["Content"])) == ("1", "OpenApi3", OPENAPI)
    versions = call(schemas, "ListSchemaVersions", RegistryName=registry, SchemaName=name)["SchemaVersions"]
    assert [(v["SchemaVersion"], v["Type"]) for v in versions] == [
        ("1", "OpenApi3"), ("2", "OpenApi3"), ("3", "JSONSchemaDraft4"), ("4", "OpenApi3")]
    [summary] = call(schemas, "ListSchemas", RegistryName=registry)["Schemas"]
    assert (summary["SchemaName"], summary["VersionCount"], summary["Tags"]) == (name, 4, {"team": "ml"})
    # deleting versions; numbers are not reused, the only version cannot go
    call(schemas, "DeleteSchemaVersion", RegistryName=registry, SchemaName=name, SchemaVersion="1")
    expect_error(lambda: schemas.describe_schema(RegistryName=registry, SchemaName=name, SchemaVersion="1"),
                 "NotFoundException", "version 1")
    for version in ("2", "3"):
        call(schemas, "DeleteSchemaVersion", RegistryName=registry, SchemaName=name, SchemaVersion=version)
    expect_error(lambda: schemas.delete_schema_version(RegistryName=registry, SchemaName=name, SchemaVersion="4"),
                 "BadRequestException", "only version")
    fifth = call(schemas, "UpdateSchema", RegistryName=registry, SchemaName=name, Content=json.dumps(changed))
    assert fifth["SchemaVersion"] == "5"
    call(schemas, "DeleteSchema", RegistryName=registry, SchemaName=name)
    expect_error(lambda: schemas.describe_schema(RegistryName=registry, SchemaName=name), "NotFoundException", name)
    assert call(schemas, "ListSchemas", RegistryName=registry)["Schemas"] == []


def test_schemas_list_by_prefix_and_go_with_their_registry(schemas: BaseClient) -> None:
    registry = make_registry(schemas)
    names = [make_schema(schemas, registry, SchemaName=n) for n in ("ml.ModelApproved", "ml.ModelRejected", "Other")]
    listed = call(schemas, "ListSchemas", RegistryName=registry, SchemaNamePrefix="ml.")["Schemas"]
    assert [s["SchemaName"] for s in listed] == names[:2]
    expect_error(lambda: make_schema(schemas, registry, SchemaName="Other"), "ConflictException", "Other")
    call(schemas, "DeleteRegistry", RegistryName=registry)
    make_registry(schemas, RegistryName=registry)
    assert call(schemas, "ListSchemas", RegistryName=registry)["Schemas"] == []
    expect_error(lambda: schemas.list_schemas(RegistryName=unique("none")), "NotFoundException")


@pytest.mark.parametrize(
    ("kind", "content", "fragment"),
    [
        ("OpenApi3", "{not json", "not valid JSON"),
        ("OpenApi3", "[1, 2]", "a schema is a JSON object"),
        ("OpenApi3", json.dumps({"info": {}}), "openapi"),
        ("OpenApi3", json.dumps({**OPENAPI, "openapi": "2.0"}), "openapi"),
        ("JSONSchemaDraft4", '"a string"', "a schema is a JSON object"),
        ("Avro", json.dumps(OPENAPI), "Type"),
        ("OpenApi3", json.dumps({**OPENAPI, "x": "y" * MAX_CONTENT_CHARS}), "100000"),
    ],
)
def test_bad_content_is_refused(schemas: BaseClient, kind: str, content: str, fragment: str) -> None:
    registry = make_registry(schemas)
    expect_error(lambda: schemas.create_schema(RegistryName=registry, SchemaName="S", Type=kind, Content=content),
                 "BadRequestException", fragment)
    expect_error(lambda: schemas.describe_schema(RegistryName=registry, SchemaName="S"), "NotFoundException")
    good = make_schema(schemas, registry)
    expect_error(lambda: schemas.update_schema(RegistryName=registry, SchemaName=good, Type=kind, Content=content),
                 "BadRequestException", fragment)
    assert call(schemas, "DescribeSchema", RegistryName=registry, SchemaName=good)["SchemaVersion"] == "1"


def test_schema_errors(schemas: BaseClient) -> None:
    registry = make_registry(schemas)
    missing = unique("missing")
    expect_error(lambda: make_schema(schemas, missing), "NotFoundException", missing)
    expect_error(lambda: schemas.update_schema(RegistryName=registry, SchemaName="nope", Description="x"),
                 "NotFoundException", "nope")
    expect_error(lambda: schemas.delete_schema(RegistryName=registry, SchemaName="nope"), "NotFoundException")
    expect_error(lambda: make_schema(schemas, registry, SchemaName="bad name"), "BadRequestException", "bad name")
    expect_error(lambda: schemas.search_schemas(RegistryName=registry, Keywords="x"), "BadRequestException",
                 "does not emulate")


# --- discoverers ----------------------------------------------------------------------------------------------


def test_discoverers(schemas: BaseClient, events: BaseClient) -> None:
    bus = unique("bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    created = call(schemas, "CreateDiscoverer", SourceArn=bus_arn, Description="find them", Tags={"team": "ml"})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    discoverer_id = f"events-event-bus-{bus}"
    assert (created["DiscovererId"], created["State"], created["CrossAccount"], created["SourceArn"]) == (
        discoverer_id, "STARTED", True, bus_arn)
    assert created["DiscovererArn"] == f"arn:aws:schemas:{REGION}:{ACCOUNT}:discoverer/{discoverer_id}"
    expect_error(lambda: schemas.create_discoverer(SourceArn=bus_arn), "ConflictException", bus_arn)
    missing_bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{unique('nobus')}"
    expect_error(lambda: schemas.create_discoverer(SourceArn=missing_bus), "BadRequestException", "does not exist")
    expect_error(lambda: schemas.create_discoverer(SourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue-name"),
                 "BadRequestException", "not the ARN of an event bus")
    described = call(schemas, "DescribeDiscoverer", DiscovererId=discoverer_id)
    assert (described["Description"], described["Tags"]) == ("find them", {"team": "ml"})
    default = call(schemas, "CreateDiscoverer", SourceArn=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
                   CrossAccount=False)
    assert default["CrossAccount"] is False
    by_source = call(schemas, "ListDiscoverers", SourceArnPrefix=bus_arn)["Discoverers"]
    assert [d["DiscovererId"] for d in by_source] == [discoverer_id]
    by_id = call(schemas, "ListDiscoverers", DiscovererIdPrefix="events-event-bus-default")["Discoverers"]
    assert [d["DiscovererId"] for d in by_id] == ["events-event-bus-default"]
    updated = call(schemas, "UpdateDiscoverer", DiscovererId=discoverer_id, Description="changed", CrossAccount=False)
    assert (updated["Description"], updated["CrossAccount"]) == ("changed", False)
    assert call(schemas, "StopDiscoverer", DiscovererId=discoverer_id)["State"] == "STOPPED"
    assert call(schemas, "DescribeDiscoverer", DiscovererId=discoverer_id)["State"] == "STOPPED"
    assert call(schemas, "StartDiscoverer", DiscovererId=discoverer_id)["State"] == "STARTED"
    for discoverer in (discoverer_id, "events-event-bus-default"):
        call(schemas, "DeleteDiscoverer", DiscovererId=discoverer)
        expect_error(lambda d=discoverer: schemas.describe_discoverer(DiscovererId=d), "NotFoundException", discoverer)
    expect_error(lambda: schemas.start_discoverer(DiscovererId=discoverer_id), "NotFoundException")


# --- tags, policies and the tagging API ------------------------------------------------------------------------


def test_tags_and_the_tagging_api(schemas: BaseClient, events: BaseClient, tagging: BaseClient) -> None:
    marker = unique("marker")
    registry = make_registry(schemas, Tags={"marker": marker, "team": "ml"})
    arn = registry_arn(registry)
    assert call(schemas, "ListTagsForResource", ResourceArn=arn)["Tags"] == {"marker": marker, "team": "ml"}
    call(schemas, "TagResource", ResourceArn=arn, Tags={"team": "platform", "env": "dev"})
    call(schemas, "UntagResource", ResourceArn=arn, TagKeys=["env"])
    assert call(schemas, "ListTagsForResource", ResourceArn=arn)["Tags"] == {"marker": marker, "team": "platform"}
    assert call(schemas, "DescribeRegistry", RegistryName=registry)["Tags"] == {"marker": marker, "team": "platform"}
    schema = make_schema(schemas, registry, Tags={"marker": marker})
    schema_arn = f"arn:aws:schemas:{REGION}:{ACCOUNT}:schema/{registry}/{schema}"
    bus_arn = events.create_event_bus(Name=unique("bus"))["EventBusArn"]
    discoverer_arn = call(schemas, "CreateDiscoverer", SourceArn=bus_arn, Tags={"marker": marker})["DiscovererArn"]
    untagged = make_registry(schemas)
    expect_error(lambda: schemas.list_tags_for_resource(ResourceArn=registry_arn(unique("none"))), "NotFoundException")

    def found(*types: str) -> dict[str, list[dict[str, str]]]:
        pages = tagging.get_paginator("get_resources").paginate(
            ResourceTypeFilters=list(types), TagFilters=[{"Key": "marker", "Values": [marker]}])
        return {r["ResourceARN"]: r["Tags"] for page in pages for r in page["ResourceTagMappingList"]}

    assert list(found("schemas:registry")) == [arn]
    assert found("schemas:registry")[arn] == [{"Key": "marker", "Value": marker}, {"Key": "team", "Value": "platform"}]
    assert set(found("schemas")) == {arn, schema_arn, discoverer_arn}
    assert set(found("schemas:schema", "schemas:discoverer")) == {schema_arn, discoverer_arn}
    everything = tagging.get_resources(ResourceTypeFilters=["schemas:registry"])["ResourceTagMappingList"]
    assert registry_arn(untagged) not in {r["ResourceARN"] for r in everything}  # only tagged resources appear


def test_registry_policies(schemas: BaseClient) -> None:
    registry = make_registry(schemas)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": ["schemas:DescribeSchema"], "Resource": f"arn:aws:schemas:{REGION}:{ACCOUNT}:schema/{registry}/*"}]}
    expect_error(lambda: schemas.get_resource_policy(RegistryName=registry), "NotFoundException")
    # Policy is a JSON value: botocore parses it into a document (so the answers are not checked as strings)
    put = schemas.put_resource_policy(RegistryName=registry, Policy=json.dumps(policy))
    got = schemas.get_resource_policy(RegistryName=registry)
    assert got["RevisionId"] == put["RevisionId"]
    assert got["Policy"] == put["Policy"] == policy
    expect_error(lambda: schemas.put_resource_policy(RegistryName=registry, Policy=json.dumps(policy),
                                                     RevisionId="stale"), "PreconditionFailedException", "stale")
    again = schemas.put_resource_policy(RegistryName=registry, Policy=json.dumps(policy), RevisionId=put["RevisionId"])
    assert again["RevisionId"] != put["RevisionId"]
    call(schemas, "DeleteResourcePolicy", RegistryName=registry)
    expect_error(lambda: schemas.delete_resource_policy(RegistryName=registry), "NotFoundException")


def test_reset_forgets_schemas(sandbox: Sandbox, schemas: BaseClient) -> None:
    registry = make_registry(schemas)
    control.reset(sandbox.url)
    expect_error(lambda: schemas.describe_registry(RegistryName=registry), "NotFoundException")
    assert call(schemas, "DescribeRegistry", RegistryName="aws.events")["RegistryName"] == "aws.events"
