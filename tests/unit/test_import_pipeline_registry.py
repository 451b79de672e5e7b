"""The Pipeline and ModelPackageGroup importers on describe outputs as SageMaker gives them (a fake client, no
sandbox): server fields and defaults left out, references to the stack's documents, what cannot be written
refused, and the listers' pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.imported import ImportContext, ImportRefused
from reconciler.kinds.model_package_group import import_model_package_group, list_model_package_groups
from reconciler.kinds.pipeline.importer import import_pipeline, list_pipelines

REGION, ACCOUNT = "us-east-1", "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def not_found(message: str) -> ClientError:
    """What a boto3 client raises for a missing SageMaker resource."""
    return ClientError({"Error": {"Code": "ValidationException", "Message": message}}, "Describe")


class Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **params: Any) -> list[dict[str, Any]]:
        return self.pages


class FakeSageMaker:
    """DescribePipeline, DescribeModelPackageGroup, its policy, ListTags and paginators over fixed answers."""

    def __init__(self, pipeline: dict[str, Any] | None = None, group: dict[str, Any] | None = None,
                 policy: str | None = None, tags: dict[str, str] | None = None,
                 pages: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.pipeline, self.group, self.policy = pipeline, group, policy
        self.tags = tags or {}
        self.pages = pages or {}

    def describe_pipeline(self, PipelineName: str) -> dict[str, Any]:
        if self.pipeline is None:
            raise not_found(f"Pipeline '{PipelineName}' does not exist.")
        return {**self.pipeline, "ResponseMetadata": {}}

    def describe_model_package_group(self, ModelPackageGroupName: str) -> dict[str, Any]:
        if self.group is None:
            raise not_found(f"ModelPackageGroup {ModelPackageGroupName} does not exist.")
        return {**self.group, "ResponseMetadata": {}}

    def get_model_package_group_policy(self, ModelPackageGroupName: str) -> dict[str, Any]:
        if self.policy is None:
            raise not_found("Cannot find resource policy")
        return {"ResourcePolicy": self.policy}

    def list_tags(self, ResourceArn: str, MaxResults: int) -> dict[str, Any]:
        return {"Tags": [{"Key": k, "Value": v} for k, v in self.tags.items()]}

    def get_paginator(self, operation: str) -> Pages:
        return Pages(self.pages.get(operation, [{}]))


class Clients:
    def __init__(self, sagemaker: FakeSageMaker) -> None:
        self.sagemaker = sagemaker


def context(sagemaker: FakeSageMaker, *, names: dict[tuple[str, str], str] | None = None,
            arns: dict[str, str] | None = None, prefix: str = "") -> ImportContext:
    return ImportContext(Clients(sagemaker), REGION, ACCOUNT, name_prefix=prefix, names=names, arns=arns)


def described_pipeline(name: str = "train", definition: dict[str, Any] | None = None,
                       **fields: Any) -> dict[str, Any]:
    """DescribePipeline's answer, with every server-only field it carries."""
    body = definition or {"Version": "2020-12-01", "Steps": [{"Name": "Fail", "Type": "Fail", "Arguments": {}}]}
    return {"PipelineArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{name}", "PipelineName": name,
            "PipelineDisplayName": name, "PipelineDefinition": json.dumps(body), "RoleArn": ROLE,
            "PipelineStatus": "Active", "CreationTime": WHEN, "LastModifiedTime": WHEN, "LastRunTime": WHEN,
            "CreatedBy": {"UserProfileName": "someone"}, "LastModifiedBy": {}, **fields}


def described_group(name: str = "churn", **fields: Any) -> dict[str, Any]:
    return {"ModelPackageGroupName": name, "ModelPackageGroupArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
            f"model-package-group/{name}", "ModelPackageGroupDescription": "Churn classifiers",
            "CreationTime": WHEN, "CreatedBy": {}, "ModelPackageGroupStatus": "Completed", **fields}


# --- Pipeline -------------------------------------------------------------------------------------------------


def test_a_pipeline_spec_holds_only_what_a_person_writes() -> None:
    [doc] = import_pipeline(context(FakeSageMaker(described_pipeline(), tags={"team": "ml"})), "train")
    assert doc.spec == {"roleArn": ROLE, "pipelineDefinition": {
        "Version": "2020-12-01", "Steps": [{"Name": "Fail", "Type": "Fail"}]}}  # the display name is the default
    assert doc.tags == {"team": "ml"}
    assert [str(a) for a in doc.owned] == ["pipeline/train"]
    assert doc.source.endswith(":pipeline/train")
    assert any("definitionPython" in n for n in doc.notes) and any("startOnChange" in n for n in doc.notes)


def test_a_pipeline_keeps_its_settings_in_the_order_a_person_writes_them() -> None:
    live = described_pipeline(PipelineDisplayName="Churn-training", PipelineDescription="Trains",
                              ParallelismConfiguration={"MaxParallelExecutionSteps": 4})
    [doc] = import_pipeline(context(FakeSageMaker(live)), "train")
    assert list(doc.spec) == ["roleArn", "pipelineDisplayName", "pipelineDescription", "parallelismConfiguration",
                              "pipelineDefinition"]
    assert doc.spec["parallelismConfiguration"] == {"maxParallelExecutionSteps": 4}


def test_a_pipeline_names_the_stack_s_documents_by_reference_and_loses_the_prefix() -> None:
    definition = {"Version": "2020-12-01", "Steps": [
        {"Name": "Register", "Type": "RegisterModel", "Arguments": {"ModelPackageGroupName": "dev-churn"}},
        {"Name": "Elsewhere", "Type": "RegisterModel", "Arguments": {"ModelPackageGroupName": "not-ours"}},
        {"Name": "Check", "Type": "Lambda", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}]}
    model_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/dev-m-1234abcd"
    definition["Steps"][2]["Arguments"] = {"model": model_arn}
    ctx = context(FakeSageMaker(described_pipeline("dev-train", definition)), prefix="dev-",
                  names={("ModelPackageGroup", "dev-churn"): "churn"}, arns={model_arn: "${Model.m.arn}"})
    [doc] = import_pipeline(ctx, "dev-train")
    assert doc.name == "train"
    steps = doc.spec["pipelineDefinition"]["Steps"]
    assert steps[0]["Arguments"]["ModelPackageGroupName"] == "${ModelPackageGroup.churn.name}"
    assert steps[1]["Arguments"]["ModelPackageGroupName"] == "not-ours"
    assert steps[2]["Arguments"] == {"model": "${Model.m.arn}"}


def test_a_pipeline_with_version_aliases_notes_them() -> None:
    live = described_pipeline(PipelineVersionAliases=["prod"])
    [doc] = import_pipeline(context(FakeSageMaker(live)), "train")
    assert "pipelineVersionAliases" not in doc.spec
    assert any("aliases" in n for n in doc.notes)


OWNED = {"reconciler:stack": "other", "reconciler:address": "Pipeline/train"}


@pytest.mark.parametrize(("live", "tags", "words"), [
    (None, {}, ("'train'", "not found")),
    (described_pipeline(), OWNED, ("already managed by stack 'other'",)),
    (described_pipeline(PipelineStatus="Deleting"), {}, ("Deleting",)),
    (described_pipeline(PipelineDefinition="{not json"), {}, ("not valid JSON",)),
    (described_pipeline(PipelineDefinition="{}"), {}, ("no definition",)),
])
def test_a_pipeline_that_cannot_be_a_document_is_refused(live: dict[str, Any] | None, tags: dict[str, str],
                                                          words: tuple[str, ...]) -> None:
    with pytest.raises(ImportRefused) as raised:
        import_pipeline(context(FakeSageMaker(live, tags=tags)), "train")
    message = str(raised.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_text_that_reads_as_a_reference_or_variable_is_written_escaped() -> None:
    live = described_pipeline(PipelineDescription="costs ${var.x}", definition={"Version": "2020-12-01", "Steps": [
        {"Name": "S", "Type": "Fail", "Arguments": {"ErrorMessage": "in ${Model.m.name}"}}]})
    [doc] = import_pipeline(context(FakeSageMaker(live)), "train")
    assert doc.spec["pipelineDescription"] == "costs $${var.x}"
    assert doc.spec["pipelineDefinition"]["Steps"][0]["Arguments"]["ErrorMessage"] == "in $${Model.m.name}"


def test_the_pipeline_lister_reads_every_page() -> None:
    pages = [{"PipelineSummaries": [{"PipelineName": "a"}, {"PipelineName": "b"}]},
             {"PipelineSummaries": [{"PipelineName": "c"}]}]
    assert list_pipelines(Clients(FakeSageMaker(pages={"list_pipelines": pages}))) == ["a", "b", "c"]
    assert list_pipelines(Clients(FakeSageMaker())) == []


# --- ModelPackageGroup ------------------------------------------------------------------------------------------


def test_a_group_spec_holds_its_description_and_parsed_policy() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "210987654321"},
                                                      "Action": "sagemaker:DescribeModelPackage", "Resource": "*"}]}
    sm = FakeSageMaker(group=described_group(ManagedConfiguration={"ManagedStorageType": "Standard"}),
                       policy=json.dumps(policy), tags={"team": "ml", "reconciler:delete-versions": "true"})
    [doc] = import_model_package_group(context(sm), "churn")
    assert doc.spec == {"modelPackageGroupDescription": "Churn classifiers",
                        "managedConfiguration": {"managedStorageType": "Standard"}, "resourcePolicy": policy}
    assert doc.tags == {"team": "ml"}
    assert [str(a) for a in doc.owned] == ["model-package-group/churn"]
    assert doc.notes == []


def test_a_group_without_a_policy_has_no_resource_policy_and_notes_its_versions() -> None:
    versions = [{"ModelPackageSummaryList": [{"ModelPackageArn": "arn:1"}, {"ModelPackageArn": "arn:2"}]}]
    sm = FakeSageMaker(group=described_group(), pages={"list_model_packages": versions})
    [doc] = import_model_package_group(context(sm), "churn")
    assert doc.spec == {"modelPackageGroupDescription": "Churn classifiers"}
    assert "deleteVersions" not in doc.spec
    assert len(doc.notes) == 1 and "holds 2 model package version(s)" in doc.notes[0]


@pytest.mark.parametrize(("group", "policy", "tags", "words"), [
    (None, None, {}, ("'churn'", "not found")),
    (described_group(), None, {"reconciler:stack": "prod"}, ("already managed by stack 'prod'",)),
    (described_group(), "{oops", {}, ("not valid JSON",)),
])
def test_a_group_that_cannot_be_a_document_is_refused(group: dict[str, Any] | None, policy: str | None,
                                                       tags: dict[str, str], words: tuple[str, ...]) -> None:
    with pytest.raises(ImportRefused) as raised:
        import_model_package_group(context(FakeSageMaker(group=group, policy=policy, tags=tags)), "churn")
    for word in words:
        assert word in str(raised.value)


def test_a_policy_variable_is_written_escaped() -> None:
    policy = json.dumps({"Statement": [{"Resource": "arn:x:${aws:username}"}]})
    group = described_group(ModelPackageGroupDescription="for ${env.name}")
    [doc] = import_model_package_group(context(FakeSageMaker(group=group, policy=policy)), "churn")
    assert doc.spec["resourcePolicy"]["Statement"][0]["Resource"] == "arn:x:$${aws:username}"
    assert doc.spec["modelPackageGroupDescription"] == "for $${env.name}"


def test_the_group_lister_reads_every_page() -> None:
    pages = [{"ModelPackageGroupSummaryList": [{"ModelPackageGroupName": "a"}]},
             {"ModelPackageGroupSummaryList": [{"ModelPackageGroupName": "b"}]}]
    assert list_model_package_groups(Clients(FakeSageMaker(pages={"list_model_package_groups": pages}))) == ["a", "b"]
