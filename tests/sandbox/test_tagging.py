"""The sandbox's tagging API returns tagged inference experiments, like AWS's GetResources."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from reconciler.sandbox import Sandbox, control


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with Sandbox(time_scale=6000.0) as sb:
        yield sb.url


def _client(url: str, service: str) -> object:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def test_get_resources_returns_tagged_experiments(url: str) -> None:
    control.reset(url)
    sm = _client(url, "sagemaker")
    sm.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",  # type: ignore[attr-defined]
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"})
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[  # type: ignore[attr-defined]
        {"VariantName": "a", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")  # type: ignore[attr-defined]
    for _ in range(200):
        if sm.describe_endpoint(EndpointName="e")["EndpointStatus"] == "InService":  # type: ignore[attr-defined]
            break
    variant = {"InfrastructureType": "RealTimeInference",
               "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}
    sm.create_inference_experiment(  # type: ignore[attr-defined]
        Name="x", Type="ShadowMode", RoleArn="arn:aws:iam::123456789012:role/r", EndpointName="e",
        ModelVariants=[{"ModelName": "m", "VariantName": "a", "InfrastructureConfig": variant},
                       {"ModelName": "m", "VariantName": "s", "InfrastructureConfig": variant}],
        ShadowModeConfig={"SourceModelVariantName": "a",
                          "ShadowModelVariants": [{"ShadowModelVariantName": "s", "SamplingPercentage": 10}]},
        Tags=[{"Key": "reconciler:stack", "Value": "demo"}])
    tagging = _client(url, "resourcegroupstaggingapi")
    found = tagging.get_resources(  # type: ignore[attr-defined]
        TagFilters=[{"Key": "reconciler:stack", "Values": ["demo"]}],
        ResourceTypeFilters=["sagemaker:inference-experiment"])["ResourceTagMappingList"]
    assert [r["ResourceARN"].rsplit("/", 1)[-1] for r in found] == ["x"]
    other = tagging.get_resources(  # type: ignore[attr-defined]
        TagFilters=[{"Key": "reconciler:stack", "Values": ["other"]}])["ResourceTagMappingList"]
    assert other == []


def test_resources_per_page_is_not_also_cut_by_tags(url: str) -> None:
    """AWS: TagsPerPage and ResourcesPerPage are not used together; 100 resources with 4 tags fit one page."""
    control.reset(url)
    sm = _client(url, "sagemaker")
    for i in range(30):
        sm.create_model(ModelName=f"paged-{i}", ExecutionRoleArn="arn:aws:iam::123456789012:role/x",  # type: ignore[attr-defined]
                        PrimaryContainer={"Image": "x"},
                        Tags=[{"Key": k, "Value": "v"} for k in ("paging", "a", "b", "c")])
    page = _client(url, "resourcegroupstaggingapi").get_resources(  # type: ignore[attr-defined]
        TagFilters=[{"Key": "paging", "Values": ["v"]}], ResourceTypeFilters=["sagemaker:model"], ResourcesPerPage=100)
    assert len(page["ResourceTagMappingList"]) == 30 and not page.get("PaginationToken")
