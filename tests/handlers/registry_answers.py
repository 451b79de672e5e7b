"""What SageMaker answers about pipelines, model package groups and model package versions, for the scenario
tests of the pipeline and model-package-group handlers and of a Model deploying from the registry.

Documents of a small stack (a group `churn` and a pipeline `churn-train` that registers into it), the
describe answers of each as applied (a pipeline definition as SageMaker returns it: whatever layout
and key order, with the SDK's nulls), executions and their steps, and model package versions.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from reconciler.frozen import thaw
from reconciler.resources import Desired
from tests.handlers.answers import CREATED, ROLE, TOP_LEVEL, UPDATED, applied_tags, resource_arn
from tests.handlers.recorded import Recorded, arn, tagged

GROUP = "churn"
PIPELINE = "churn-train"
APPROVED_AT = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.timezone.utc)
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"

DEFINITION: dict[str, Any] = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "TrainInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"}],
    "Steps": [
        {"Name": "Preprocess", "Type": "Processing", "Arguments": {
            "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                                      "VolumeSizeInGB": 30}},
            "AppSpecification": {"ImageUri": IMAGE}, "RoleArn": ROLE}},
        {"Name": "Train", "Type": "Training", "Arguments": {
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "OutputDataConfig": {"S3OutputPath": "s3://b/models"}, "RoleArn": ROLE,
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}, "DependsOn": ["Preprocess"]},
        {"Name": "Register", "Type": "RegisterModel", "Arguments": {
            "ModelPackageGroupName": "${ModelPackageGroup.churn.name}", "ModelApprovalStatus": "PendingManualApproval",
            "InferenceSpecification": {"Containers": [{"Image": IMAGE, "ModelDataUrl": {
                "Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}}], "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"]}}},
    ],
}


def group_doc(extra: str = "") -> str:
    return f"""
apiVersion: reconciler/v1
kind: ModelPackageGroup
name: {GROUP}
spec:
  modelPackageGroupDescription: Churn classifiers
{extra}"""


POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ProdReads", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
    "Resource": f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/*"}]}
POLICY_YAML = "  resourcePolicy: " + json.dumps(POLICY) + "\n"


def pipeline_doc(definition: dict[str, Any] | None = None, extra: str = "") -> str:
    return f"""
apiVersion: reconciler/v1
kind: Pipeline
name: {PIPELINE}
spec:
  roleArn: {ROLE}
  pipelineDescription: Train and register the churn model
  pipelineDefinition: {json.dumps(definition or DEFINITION)}
{extra}"""


def model_doc(version: str = "latestApproved") -> str:
    return f"""
apiVersion: reconciler/v1
kind: Model
name: churn
spec:
  executionRoleArn: {ROLE}
  modelPackage: {{group: "${{ModelPackageGroup.churn.name}}", version: {version}}}
"""


def reformatted(definition_text: str) -> str:
    """The definition as SageMaker may return it: keys in another order, indented, with the SDK's nulls."""
    data = json.loads(definition_text)

    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        return value

    return json.dumps({**reverse(data), "MlflowConfig": None}, indent=2)


def pipeline(d: Desired, **fields: Any) -> dict[str, Any]:
    """DescribePipeline of `d` as applied (its definition reformatted)."""
    request = thaw(d.request)
    out = {"PipelineArn": arn("pipeline", d.address.name), "PipelineName": d.address.name,
           "PipelineDisplayName": d.address.name, "PipelineDefinition": reformatted(request["PipelineDefinition"]),
           "RoleArn": request["RoleArn"], "PipelineStatus": "Active", "CreationTime": CREATED,
           "LastModifiedTime": UPDATED}
    for key in ("PipelineDescription", "ParallelismConfiguration"):
        if key in request:
            out[key] = request[key]
    out.update(fields)
    return out


def group(d: Desired, **fields: Any) -> dict[str, Any]:
    request = thaw(d.request)
    return {"ModelPackageGroupName": d.address.name, "ModelPackageGroupArn": arn("model-package-group", d.address.name),
            "CreationTime": CREATED, "CreatedBy": {}, "ModelPackageGroupStatus": "Completed",
            **{k: v for k, v in request.items() if k != "ModelPackageGroupName"}, **fields}


def execution_arn(pipeline_name: str = PIPELINE, execution_id: str = "e1a2b3c4d5f6") -> str:
    return f"{arn('pipeline', pipeline_name)}/execution/{execution_id}"


def record_executions(recorded: Recorded, name: str = PIPELINE, *, status: str | None = "Succeeded",
                      steps: list[dict[str, Any]] | None = None) -> None:
    """The last execution the pipeline note reads (none when `status` is None) and, if given, its steps."""
    summaries = [] if status is None else [{
        "PipelineExecutionArn": execution_arn(name), "StartTime": UPDATED, "PipelineExecutionStatus": status,
        "PipelineExecutionDisplayName": "execution-1"}]
    recorded.add("sagemaker", "ListPipelineExecutions", {"PipelineName": name, "SortBy": "CreationTime",
                                                         "SortOrder": "Descending", "MaxResults": 1},
                 {"PipelineExecutionSummaries": summaries})
    if steps is not None:
        recorded.add("sagemaker", "ListPipelineExecutionSteps", {"PipelineExecutionArn": execution_arn(name)},
                     {"PipelineExecutionSteps": steps})


def record_policy(recorded: Recorded, name: str = GROUP, policy: str | None = None) -> None:
    if policy is None:
        recorded.error("sagemaker", "GetModelPackageGroupPolicy", {"ModelPackageGroupName": name},
                       "ValidationException", f"Cannot find resource policy for {arn('model-package-group', name)}")
    else:
        recorded.add("sagemaker", "GetModelPackageGroupPolicy", {"ModelPackageGroupName": name},
                     {"ResourcePolicy": policy})


def record_applied_registry(recorded: Recorded, desired: Iterable[Desired], *, policy: str | None = None,
                            extra_tags: dict[str, str] | None = None) -> None:
    """Record groups and pipelines of `desired` as applied: each describe, and the stack's tag query with
    every top-level resource of `desired` in it (models and endpoints too: `answers.record_applied` records
    their describes)."""
    desired = list(desired)
    ds = [d for d in desired if d.address.type in ("pipeline", "model-package-group")]
    others = [(resource_arn(d), applied_tags(d)) for d in desired if d.address.type in TOP_LEVEL]
    tagged(recorded, [*others, *((arn(d.address.type, d.address.name), {**applied_tags(d), **(extra_tags or {})})
                                 for d in ds)])
    for d in ds:
        if d.address.type == "pipeline":
            recorded.add("sagemaker", "DescribePipeline", {"PipelineName": d.address.name}, pipeline(d))
            record_executions(recorded, d.address.name)
        else:
            recorded.add("sagemaker", "DescribeModelPackageGroup", {"ModelPackageGroupName": d.address.name},
                         group(d))
            record_policy(recorded, d.address.name, policy)


def absent_registry(recorded: Recorded, *desired: Desired) -> None:
    """SageMaker has no pipeline / group of these names."""
    for d in desired:
        if d.address.type == "pipeline":
            recorded.error("sagemaker", "DescribePipeline", {"PipelineName": d.address.name}, "ResourceNotFound",
                           f"Pipeline '{arn('pipeline', d.address.name)}' does not exist.")
        else:
            recorded.error("sagemaker", "DescribeModelPackageGroup", {"ModelPackageGroupName": d.address.name},
                           "ValidationException", f"ModelPackageGroup {d.address.name} does not exist.")


def package_arn(version: int, name: str = GROUP) -> str:
    return f"{arn('model-package', name)}/{version}"


def package(version: int, status: str = "Approved", *, name: str = GROUP,
            approved: dt.datetime = APPROVED_AT) -> dict[str, Any]:
    """DescribeModelPackage of version `version` of group `name`."""
    return {"ModelPackageName": name, "ModelPackageGroupName": name, "ModelPackageVersion": version,
            "ModelPackageArn": package_arn(version, name), "CreationTime": CREATED, "LastModifiedTime": approved,
            "ModelPackageStatus": "Completed", "ModelApprovalStatus": status,
            "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
            "InferenceSpecification": {"Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://b/models/{version}/"
                                                                                       "model.tar.gz"}],
                                       "SupportedContentTypes": ["text/csv"],
                                       "SupportedResponseMIMETypes": ["text/csv"]}}


def record_latest_approved(recorded: Recorded, version: int | None, name: str = GROUP, **fields: Any) -> None:
    """The ListModelPackages a latestApproved Model makes (newest approved first) and the version's describe."""
    summaries = [] if version is None else [{
        "ModelPackageArn": package_arn(version, name), "ModelPackageGroupName": name, "ModelPackageVersion": version,
        "CreationTime": CREATED, "ModelPackageStatus": "Completed", "ModelApprovalStatus": "Approved"}]
    recorded.add("sagemaker", "ListModelPackages", {"ModelPackageGroupName": name, "ModelApprovalStatus": "Approved",
                                                    "SortBy": "CreationTime", "SortOrder": "Descending",
                                                    "MaxResults": 1}, {"ModelPackageSummaryList": summaries})
    if version is not None:
        record_package(recorded, version, name=name, **fields)


def record_package(recorded: Recorded, version: int, status: str = "Approved", *, name: str = GROUP,
                   **fields: Any) -> None:
    recorded.add("sagemaker", "DescribeModelPackage", {"ModelPackageName": package_arn(version, name)},
                 package(version, status, name=name, **fields))


def record_versions(recorded: Recorded, versions: Iterable[int], name: str = GROUP) -> None:
    """The ListModelPackages of every version in the group (a delete reads it)."""
    recorded.add("sagemaker", "ListModelPackages", {"ModelPackageGroupName": name, "SortBy": "CreationTime",
                                                    "SortOrder": "Descending"},
                 {"ModelPackageSummaryList": [{
                     "ModelPackageArn": package_arn(v, name), "ModelPackageGroupName": name,
                     "ModelPackageVersion": v, "CreationTime": CREATED, "ModelPackageStatus": "Completed",
                     "ModelApprovalStatus": "Approved"} for v in sorted(versions, reverse=True)]})


def changed_instance(definition: dict[str, Any], instance: str = "ml.m5.2xlarge") -> dict[str, Any]:
    out = copy.deepcopy(definition)
    out["Steps"][1]["Arguments"]["ResourceConfig"]["InstanceType"] = instance
    return out
