"""Contract tests for the SageMaker model registry in the sandbox (over HTTP, boto3): groups, versions, approval.

Versions come from RegisterModel steps of ``test_pipelines.definition()`` run on the clock
(``frozen`` + ``advance_to``) and from CreateModelPackage. Responses are validated against
botocore's output shapes (``call``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from botocore.client import BaseClient

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.control import SandboxControlError
from tests.sandbox.test_experiments import expect_error
from tests.sandbox.test_guardrails import advance_to, frozen
from tests.sandbox.test_monitoring import call
from tests.sandbox.test_pipelines import DONE, IMAGE, REGISTER, definition, make_pipeline, seconds, start, steps
from tests.sandbox.test_sagemaker import ACCOUNT, REGION, sandbox, sm, tagging, unique

__all__ = ["sandbox", "sm", "tagging"]  # fixtures used by name below

POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Share", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                   "Action": ["sagemaker:DescribeModelPackage"], "Resource": "*"}],
}, indent=2)
SPEC = {"Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://bucket/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}


def make_group(sm: BaseClient, **extra: Any) -> str:
    name = extra.pop("ModelPackageGroupName", None) or unique("group")
    answer = call(sm, "CreateModelPackageGroup", ModelPackageGroupName=name, **extra)
    assert answer["ModelPackageGroupArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{name}"
    return name


def package_arn(group: str, version: int) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group.lower()}/{version}"


def make_version(sm: BaseClient, group: str, **extra: Any) -> str:
    arn: str = call(sm, "CreateModelPackage", ModelPackageGroupName=group, InferenceSpecification=SPEC,
                    **extra)["ModelPackageArn"]
    return arn


def packages(sm: BaseClient, **filters: Any) -> list[dict[str, Any]]:
    return list(call(sm, "ListModelPackages", **filters)["ModelPackageSummaryList"])


def run_to_end(sb: Sandbox, sm: BaseClient, pipeline: str, **extra: Any) -> tuple[str, datetime]:
    """An execution of ``pipeline`` run to its end (call inside ``frozen``)."""
    arn, started = start(sm, pipeline, **extra)
    advance_to(sb, started, DONE + 1)
    return arn, started


# --- RegisterModel steps ------------------------------------------------------------------------------


def test_register_steps_make_versions_one_then_two(sandbox: Sandbox, sm: BaseClient) -> None:
    group = make_group(sm, ModelPackageGroupDescription="churn models")
    with frozen(sandbox):
        pipeline = make_pipeline(sm, definition(group))
        first, first_started = start(sm, pipeline)
        second, second_started = start(sm, pipeline, PipelineParameters=[{"Name": "Approval", "Value": "Approved"}])
        advance_to(sandbox, first_started, REGISTER[1] - 1)
        assert packages(sm, ModelPackageGroupName=group) == []  # not before the step ends
        advance_to(sandbox, second_started, DONE + 1)
    one, two = package_arn(group, 1), package_arn(group, 2)
    assert steps(sm, first)["Register"]["Metadata"] == {"RegisterModel": {"Arn": one}}
    assert steps(sm, second)["Register"]["Metadata"] == {"RegisterModel": {"Arn": two}}
    described = call(sm, "DescribeModelPackage", ModelPackageName=one)
    assert (described["ModelPackageGroupName"], described["ModelPackageName"], described["ModelPackageVersion"]) == (
        group, group, 1)
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
    assert described["ModelPackageStatus"] == "Completed"
    assert seconds(described["CreationTime"], first_started) == REGISTER[1]
    job = first.rsplit("/", 1)[1]
    assert described["InferenceSpecification"] == {
        "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://bucket/models/pipelines-{job}-Train/output/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    }
    assert call(sm, "DescribeModelPackage", ModelPackageName=two)["ModelApprovalStatus"] == "Approved"  # a parameter
    listed = packages(sm, ModelPackageGroupName=group)
    assert [(p["ModelPackageVersion"], p["ModelPackageArn"]) for p in listed] == [(1, one), (2, two)]
    # CreateModelPackage makes the next version
    assert make_version(sm, group) == package_arn(group, 3)


def test_a_register_step_creates_a_missing_group(sandbox: Sandbox, sm: BaseClient) -> None:
    group = unique("made-by-pipeline")
    with frozen(sandbox):
        run_to_end(sandbox, sm, make_pipeline(sm, definition(group)))
    assert call(sm, "DescribeModelPackageGroup", ModelPackageGroupName=group)["ModelPackageGroupStatus"] == "Completed"
    assert [p["ModelPackageVersion"] for p in packages(sm, ModelPackageGroupName=group)] == [1]


def test_a_register_step_that_cannot_register_fails(sandbox: Sandbox, sm: BaseClient) -> None:
    with frozen(sandbox):
        pipeline = make_pipeline(sm, definition(make_group(sm)))
        arn, _ = run_to_end(sandbox, sm, pipeline, PipelineParameters=[{"Name": "Approval", "Value": "Maybe"}])
    register = steps(sm, arn)["Register"]
    assert register["StepStatus"] == "Failed"
    assert "modelApprovalStatus" in register["FailureReason"]


# --- approval -----------------------------------------------------------------------------------------------


def test_approval_by_update_model_package(sandbox: Sandbox, sm: BaseClient) -> None:
    group = make_group(sm)
    with frozen(sandbox):
        arn = make_version(sm, group, ModelPackageDescription="v1", CustomerMetadataProperties={"a": "1"})
        created = call(sm, "DescribeModelPackage", ModelPackageName=arn)
        assert created["LastModifiedTime"] == created["CreationTime"]
        control.advance_clock(sandbox.url, 120)
        answer = call(sm, "UpdateModelPackage", ModelPackageArn=arn, ModelApprovalStatus="Approved",
                      ApprovalDescription="looks good", CustomerMetadataProperties={"b": "2"},
                      CustomerMetadataPropertiesToRemove=["a"])
    assert answer["ModelPackageArn"] == arn
    described = call(sm, "DescribeModelPackage", ModelPackageName=arn)
    assert (described["ModelApprovalStatus"], described["ApprovalDescription"]) == ("Approved", "looks good")
    assert described["CustomerMetadataProperties"] == {"b": "2"}
    assert described["ModelPackageDescription"] == "v1"
    assert seconds(described["LastModifiedTime"], created["CreationTime"]) >= 120
    assert described["CreationTime"] == created["CreationTime"]
    expect_error(lambda: sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Fine"),
                 "ValidationException", "modelApprovalStatus")
    missing = package_arn(group, 9)
    expect_error(lambda: sm.update_model_package(ModelPackageArn=missing, ModelApprovalStatus="Approved"),
                 "ValidationException", "does not exist")


def test_approval_by_the_control_route(sandbox: Sandbox, sm: BaseClient) -> None:
    group = make_group(sm)
    first, second = make_version(sm, group), make_version(sm, group)
    answer = control.approve_model_package(sandbox.url, group, 1)
    assert (answer["arn"], answer["version"], answer["status"]) == (first, 1, "Approved")
    assert call(sm, "DescribeModelPackage", ModelPackageName=first)["ModelApprovalStatus"] == "Approved"
    control.approve_model_package(sandbox.url, arn=second, status="Rejected", description="worse")
    rejected = call(sm, "DescribeModelPackage", ModelPackageName=second)
    assert (rejected["ModelApprovalStatus"], rejected["ApprovalDescription"]) == ("Rejected", "worse")
    for bad in ({"group": group, "version": 7}, {"group": "no-such-group", "version": 1},
                {"arn": package_arn(group, 7)}, {"group": group, "version": 1, "status": "Fine"}, {"group": group}):
        with pytest.raises(SandboxControlError) as raised:
            control._call(sandbox.url, "POST", "model-packages/approve", bad)
        assert raised.value.status == 400, bad
    with pytest.raises(SandboxControlError) as raised:
        control.approve_model_package(sandbox.url, group, 7)
    assert "has no version 7 (its versions: 1, 2)" in raised.value.message


# --- reading packages ------------------------------------------------------------------------------------


def test_list_model_packages_filters_sorts_and_pages(sandbox: Sandbox, sm: BaseClient) -> None:
    group, other = make_group(sm), make_group(sm)
    with frozen(sandbox):
        arns = []
        for _ in range(4):
            arns.append(make_version(sm, group))
            control.advance_clock(sandbox.url, 10)
        make_version(sm, other, ModelApprovalStatus="Approved")
    for version in (1, 3):
        sm.update_model_package(ModelPackageArn=arns[version - 1], ModelApprovalStatus="Approved")
    assert [p["ModelPackageVersion"] for p in packages(sm, ModelPackageGroupName=group)] == [1, 2, 3, 4]
    latest = packages(sm, ModelPackageGroupName=group, ModelApprovalStatus="Approved", SortBy="CreationTime",
                      SortOrder="Descending", MaxResults=1)
    assert [p["ModelPackageArn"] for p in latest] == [arns[2]]  # the latest approved version
    pending = packages(sm, ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval")
    assert [p["ModelPackageVersion"] for p in pending] == [2, 4]
    assert all(p["ModelApprovalStatus"] == "PendingManualApproval" for p in pending)
    page = call(sm, "ListModelPackages", ModelPackageGroupName=group, MaxResults=3, SortOrder="Descending")
    assert [p["ModelPackageVersion"] for p in page["ModelPackageSummaryList"]] == [4, 3, 2]
    rest = call(sm, "ListModelPackages", ModelPackageGroupName=group, MaxResults=3, SortOrder="Descending",
                NextToken=page["NextToken"])
    assert [p["ModelPackageVersion"] for p in rest["ModelPackageSummaryList"]] == [1]
    assert "NextToken" not in rest
    group_arn = call(sm, "DescribeModelPackageGroup", ModelPackageGroupName=group)["ModelPackageGroupArn"]
    assert len(packages(sm, ModelPackageGroupName=group_arn)) == 4  # by ARN too
    by_name = packages(sm, ModelPackageType="Versioned", SortBy="Name", NameContains=other, MaxResults=100)
    assert [p["ModelPackageGroupName"] for p in by_name] == [other]
    after = call(sm, "DescribeModelPackage", ModelPackageName=arns[1])["CreationTime"]
    assert [p["ModelPackageVersion"] for p in packages(sm, ModelPackageGroupName=group, CreationTimeAfter=after)] == [
        3, 4]
    expect_error(lambda: sm.list_model_packages(ModelPackageGroupName="no-such-group"), "ValidationException",
                 "does not exist")
    expect_error(lambda: sm.list_model_packages(ModelPackageGroupName=group, SortBy="Version"),
                 "ValidationException", "sortBy")


def test_describe_model_package_by_arn_or_name(sm: BaseClient) -> None:
    group = make_group(sm, ModelPackageGroupName=unique("Churn-Models"))
    arn = make_version(sm, group)
    assert arn == package_arn(group, 1)  # the group's name is lower-cased in a version's ARN
    exact = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group}/1"
    for reference in (arn, exact, f"{group}/1"):
        assert call(sm, "DescribeModelPackage", ModelPackageName=reference)["ModelPackageArn"] == arn
    expect_error(lambda: sm.describe_model_package(ModelPackageName=f"{group}/2"), "ValidationException",
                 "does not exist")
    unversioned = call(sm, "CreateModelPackage", ModelPackageName=unique("standalone"), InferenceSpecification=SPEC,
                       Tags=[{"Key": "k", "Value": "v"}])["ModelPackageArn"]
    described = call(sm, "DescribeModelPackage", ModelPackageName=unversioned)
    assert "ModelPackageVersion" not in described and "ModelApprovalStatus" not in described
    assert unversioned in {p["ModelPackageArn"] for p in packages(sm, MaxResults=100)}  # Unversioned: the default
    assert sm.list_tags(ResourceArn=unversioned)["Tags"] == [{"Key": "k", "Value": "v"}]


def test_create_model_package_checks(sm: BaseClient) -> None:
    group = make_group(sm)
    expect_error(lambda: sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=SPEC,
                                                 Tags=[{"Key": "k", "Value": "v"}]),
                 "ValidationException", "Tags cannot be given for a versioned model package")
    expect_error(lambda: sm.create_model_package(ModelPackageGroupName="no-such-group", InferenceSpecification=SPEC),
                 "ValidationException", "does not exist")
    expect_error(lambda: sm.create_model_package(ModelPackageGroupName=group, ModelPackageName="x",
                                                 InferenceSpecification=SPEC),
                 "ValidationException", "Both ModelPackageName and ModelPackageGroupName")
    token = unique("token")
    first = sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=SPEC, ClientToken=token)
    again = sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=SPEC, ClientToken=token)
    assert first["ModelPackageArn"] == again["ModelPackageArn"] == package_arn(group, 1)


# --- groups ---------------------------------------------------------------------------------------------------


def test_groups_describe_list_and_duplicates(sandbox: Sandbox, sm: BaseClient) -> None:
    prefix = unique("listed")
    with frozen(sandbox):
        names = []
        for suffix in ("b", "a", "c"):
            name = make_group(sm, ModelPackageGroupName=f"{prefix}-{suffix}", ModelPackageGroupDescription=suffix)
            names.append(name)
            control.advance_clock(sandbox.url, 1)
    described = call(sm, "DescribeModelPackageGroup", ModelPackageGroupName=names[0])
    assert (described["ModelPackageGroupDescription"], described["ModelPackageGroupStatus"]) == ("b", "Completed")
    assert call(sm, "DescribeModelPackageGroup", ModelPackageGroupName=described["ModelPackageGroupArn"])[
        "ModelPackageGroupName"] == names[0]
    by_time = call(sm, "ListModelPackageGroups", NameContains=prefix)["ModelPackageGroupSummaryList"]
    assert [g["ModelPackageGroupName"] for g in by_time] == names  # CreationTime, Ascending
    by_name = call(sm, "ListModelPackageGroups", NameContains=prefix, SortBy="Name", SortOrder="Descending",
                   MaxResults=2)
    assert [g["ModelPackageGroupName"] for g in by_name["ModelPackageGroupSummaryList"]] == [
        f"{prefix}-c", f"{prefix}-b"]
    assert "NextToken" in by_name
    expect_error(lambda: sm.create_model_package_group(ModelPackageGroupName=names[0]), "ValidationException",
                 f"Model Package Group already exists: {described['ModelPackageGroupArn']}")
    expect_error(lambda: sm.describe_model_package_group(ModelPackageGroupName="no-such-group"),
                 "ValidationException", "ModelPackageGroup arn:aws:sagemaker:")


def test_delete_group_with_versions_is_a_conflict(sm: BaseClient) -> None:
    group = make_group(sm)
    first, second = make_version(sm, group), make_version(sm, group)
    expect_error(lambda: sm.delete_model_package_group(ModelPackageGroupName=group), "ConflictException",
                 "delete them with DeleteModelPackage")
    sm.delete_model_package(ModelPackageName=second)
    expect_error(lambda: sm.describe_model_package(ModelPackageName=second), "ValidationException", "does not exist")
    assert make_version(sm, group) == package_arn(group, 3)  # a deleted version's number is not reused
    for arn in (first, package_arn(group, 3)):
        sm.delete_model_package(ModelPackageName=arn)
    sm.delete_model_package_group(ModelPackageGroupName=group)
    expect_error(lambda: sm.describe_model_package_group(ModelPackageGroupName=group), "ValidationException",
                 "does not exist")
    expect_error(lambda: sm.delete_model_package_group(ModelPackageGroupName=group), "ValidationException",
                 "does not exist")


def test_group_policies(sm: BaseClient) -> None:
    group = make_group(sm)
    arn = call(sm, "DescribeModelPackageGroup", ModelPackageGroupName=group)["ModelPackageGroupArn"]
    expect_error(lambda: sm.get_model_package_group_policy(ModelPackageGroupName=group), "ValidationException",
                 f"Cannot find resource policy for: {arn}")
    expect_error(lambda: sm.delete_model_package_group_policy(ModelPackageGroupName=group), "ValidationException",
                 "Cannot find resource policy")
    for bad in ("{not json", "[1]"):
        expect_error(lambda bad=bad: sm.put_model_package_group_policy(ModelPackageGroupName=group, ResourcePolicy=bad),
                     "ValidationException", "resource policy")
    assert call(sm, "PutModelPackageGroupPolicy", ModelPackageGroupName=group, ResourcePolicy=POLICY)[
        "ModelPackageGroupArn"] == arn
    assert call(sm, "GetModelPackageGroupPolicy", ModelPackageGroupName=group)["ResourcePolicy"] == POLICY
    sm.delete_model_package_group_policy(ModelPackageGroupName=group)
    expect_error(lambda: sm.get_model_package_group_policy(ModelPackageGroupName=group), "ValidationException",
                 "Cannot find resource policy")
    expect_error(lambda: sm.get_model_package_group_policy(ModelPackageGroupName="no-such-group"),
                 "ValidationException", "Cannot find Model Package Group")


def test_group_tags_and_get_resources(sm: BaseClient, tagging: BaseClient) -> None:
    group = make_group(sm, Tags=[{"Key": "team", "Value": "ml"}])
    arn = call(sm, "DescribeModelPackageGroup", ModelPackageGroupName=group)["ModelPackageGroupArn"]
    pipeline = make_pipeline(sm, definition(group), Tags=[{"Key": "team", "Value": "ml"}])
    pipeline_arn = call(sm, "DescribePipeline", PipelineName=pipeline)["PipelineArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}])
    assert sorted((t["Key"], t["Value"]) for t in sm.list_tags(ResourceArn=arn)["Tags"]) == [
        ("env", "dev"), ("team", "data")]
    sm.delete_tags(ResourceArn=arn, TagKeys=["env"])
    found = tagging.get_resources(ResourceTypeFilters=["sagemaker:pipeline", "sagemaker:model-package-group"],
                                  ResourcesPerPage=100)["ResourceTagMappingList"]
    by_arn = {r["ResourceARN"]: r["Tags"] for r in found}
    assert by_arn[arn] == [{"Key": "team", "Value": "data"}]
    assert by_arn[pipeline_arn] == [{"Key": "team", "Value": "ml"}]
    only_groups = tagging.get_resources(ResourceTypeFilters=["sagemaker:model-package-group"],
                                        TagFilters=[{"Key": "team", "Values": ["data"]}])["ResourceTagMappingList"]
    assert [r["ResourceARN"] for r in only_groups if r["ResourceARN"] in (arn, pipeline_arn)] == [arn]
    expect_error(lambda: sm.list_tags(ResourceArn=arn + "-missing"), "ValidationException", "Could not find")


def test_reset_forgets_the_registry(sandbox: Sandbox, sm: BaseClient) -> None:
    group = make_group(sm)
    make_version(sm, group)
    sm.put_model_package_group_policy(ModelPackageGroupName=group, ResourcePolicy=POLICY)
    control.reset(sandbox.url)
    expect_error(lambda: sm.describe_model_package_group(ModelPackageGroupName=group), "ValidationException",
                 "does not exist")
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    make_group(sm, ModelPackageGroupName=group)
    assert make_version(sm, group) == package_arn(group, 1)  # numbering starts again
    expect_error(lambda: sm.get_model_package_group_policy(ModelPackageGroupName=group), "ValidationException",
                 "Cannot find resource policy")
