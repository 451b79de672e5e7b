"""Spec schemas and shape conversion: committed schemas are current, validation accepts and
rejects what it should (including the Endpoint variant ``autoscaling`` extension, the Alarm and
ShadowTest kinds and the ``protect`` envelope member), references are strings only, and spec <-> API
conversion round-trips (including autoscaling policies and scheduled actions in the Application
Auto Scaling request shapes, CloudWatch alarms and timestamps).

After an intended change (schemagen, fragments, a botocore upgrade) regenerate the schemas with
`reconciler schema --write schemas` and review the diff.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from jsonschema import Draft202012Validator

from reconciler.aws.shapes import (
    UnknownFieldError,
    from_api,
    member_shape,
    operation_input,
    service_model,
    spec_name,
    to_api,
)
from reconciler.cli import main as cli_main
from reconciler.frozen import freeze
from reconciler.kinds import REGISTRY, schemas, spec_omitted, spec_shape
from reconciler.kinds.endpoint.schema import (
    deployment_config_shape,
    join_variant_extensions,
    policy_from_api,
    policy_to_api,
    scaling_policy_shape,
    scheduled_action_from_api,
    scheduled_action_shape,
    scheduled_action_to_api,
    split_variant_extensions,
)
from reconciler.spec import fragments, naming, references, schemagen
from reconciler.spec.schemagen import convert_pattern, first_sentence

_SCHEMAS = schemas()
KINDS = REGISTRY.names
any_document_schema = _SCHEMAS.any_document_schema
def_name = _SCHEMAS.def_name
document_schema = _SCHEMAS.document_schema
dropped_patterns = _SCHEMAS.dropped_patterns
generate_all = _SCHEMAS.generate_all
hand_written_defs = _SCHEMAS.hand_written_defs
spec_schema = _SCHEMAS.spec_schema

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"

ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution"

MODEL_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "Model",
    "name": "churn-xgb",
    "tags": {"team": "ml-platform"},
    "spec": {
        "executionRoleArn": ROLE,
        "primaryContainer": {
            "image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "modelDataUrl": "s3://models/churn/model.tar.gz",
            "environment": {"SAGEMAKER_PROGRAM": "inference.py", "logLevel": "debug"},
        },
        "vpcConfig": {"securityGroupIds": ["sg-0123456789abcdef0"], "subnets": ["subnet-0123abcd"]},
        "enableNetworkIsolation": True,
    },
}

ENDPOINT_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "Endpoint",
    "name": "churn",
    "spec": {
        "productionVariants": [
            {
                "variantName": "blue",
                "modelName": "${Model.churn-xgb.name}",
                "instanceType": "ml.m5.large",
                "initialInstanceCount": 2,
                "initialVariantWeight": 0.9,
            },
            {
                "variantName": "serverless",
                "modelName": "${Model.churn-xgb.name}",
                "serverlessConfig": {"memorySizeInMB": 2048, "maxConcurrency": 20},
                "initialVariantWeight": 0.1,
            },
        ],
        "dataCaptureConfig": {
            "enableCapture": True,
            "initialSamplingPercentage": 20,
            "destinationS3Uri": "s3://capture/churn",
            "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
            "captureContentTypeHeader": {"jsonContentTypes": ["application/json"]},
        },
        "deploymentConfig": {
            "blueGreenUpdatePolicy": {
                "trafficRoutingConfiguration": {
                    "type": "CANARY",
                    "waitIntervalInSeconds": 300,
                    "canarySize": {"type": "CAPACITY_PERCENT", "value": 10},
                },
                "terminationWaitInSeconds": 120,
                "maximumExecutionTimeoutInSeconds": 3600,
            },
            "autoRollbackConfiguration": {"alarms": [{"alarmName": "${Alarm.churn-5xx.name}"}]},
        },
    },
}

TARGET_TRACKING_POLICY: dict[str, Any] = {
    "policyName": "churn-blue-cpu",
    "policyType": "TargetTrackingScaling",
    "targetTrackingScalingPolicyConfiguration": {
        "targetValue": 70.0,
        "customizedMetricSpecification": {
            "metricName": "CPUUtilization",
            "namespace": "/aws/sagemaker/Endpoints",
            "dimensions": [
                {"name": "EndpointName", "value": "churn"},
                {"name": "VariantName", "value": "blue"},
            ],
            "statistic": "Average",
        },
        "scaleInCooldown": 600,
        "disableScaleIn": False,
    },
}

STEP_POLICY: dict[str, Any] = {
    "policyName": "churn-blue-backlog",
    "policyType": "StepScaling",
    "stepScalingPolicyConfiguration": {
        "adjustmentType": "ChangeInCapacity",
        "stepAdjustments": [
            {"metricIntervalLowerBound": 0.0, "metricIntervalUpperBound": 100.0, "scalingAdjustment": 1},
            {"metricIntervalLowerBound": 100.0, "scalingAdjustment": 3},
        ],
        "cooldown": 120,
        "metricAggregationType": "Average",
    },
}

SCHEDULED_ACTION: dict[str, Any] = {
    "scheduledActionName": "business-hours",
    "schedule": "cron(0 8 ? * MON-FRI *)",
    "timezone": "Europe/Berlin",
    "startTime": "2025-01-01T00:00:00Z",
    "scalableTargetAction": {"minCapacity": 4, "maxCapacity": 12},
}

AUTOSCALED_DOC: dict[str, Any] = copy.deepcopy(ENDPOINT_DOC)
AUTOSCALED_DOC["spec"]["productionVariants"][0]["autoscaling"] = {
    "minCapacity": 2,
    "maxCapacity": 10,
    "targetInvocationsPerInstance": 1000,
    "scaleInCooldown": 300,
    "scaleOutCooldown": 60,
    "policies": [TARGET_TRACKING_POLICY, STEP_POLICY],
    "scheduledActions": [SCHEDULED_ACTION],
}
AUTOSCALED_DOC["spec"]["productionVariants"][1]["serverlessConfig"]["provisionedConcurrency"] = 5
AUTOSCALED_DOC["spec"]["productionVariants"][1]["autoscaling"] = {
    "minCapacity": 1,
    "maxCapacity": 5,
    "targetProvisionedConcurrencyUtilization": 0.7,
}

ALARM_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "Alarm",
    "name": "churn_5xx",  # alarm names may use '_' and '.', and can still be referenced
    "protect": True,
    "tags": {"team": "ml-platform"},
    "spec": {
        "alarmDescription": "5xx errors of the churn endpoint",
        "metricName": "Invocation5XXErrors",
        "namespace": "AWS/SageMaker",
        "statistic": "Sum",
        "period": 60,
        "evaluationPeriods": 3,
        "datapointsToAlarm": 2,
        "threshold": 5,
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "dimensions": [
            {"name": "EndpointName", "value": "churn"},
            {"name": "VariantName", "value": "blue"},
        ],
        "treatMissingData": "notBreaching",
        "oKActions": ["arn:aws:sns:us-east-1:123456789012:ml-alerts"],  # OKActions, first letter lowered
    },
}

SHADOW_TEST_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "ShadowTest",
    "name": "churn-shadow",
    "protect": False,
    "spec": {
        "endpointName": "${Endpoint.churn.name}",
        "roleArn": ROLE,
        "description": "xgb v2 shadows v1",
        "schedule": {"startTime": "2026-12-01T00:00:00Z", "endTime": "2026-12-08T00:00:00Z"},
        "modelVariants": [
            {
                "modelName": "${Model.churn-xgb.name}",
                "variantName": "blue",
                "infrastructureConfig": {
                    "infrastructureType": "RealTimeInference",
                    "realTimeInferenceConfig": {"instanceType": "ml.m5.large", "instanceCount": 2},
                },
            },
            {
                "modelName": "${Model.churn-xgb-v2.name}",
                "variantName": "challenger",
                "infrastructureConfig": {
                    "infrastructureType": "RealTimeInference",
                    "realTimeInferenceConfig": {"instanceType": "ml.m5.large", "instanceCount": 1},
                },
            },
        ],
        "shadowModeConfig": {
            "sourceModelVariantName": "blue",
            "shadowModelVariants": [{"shadowModelVariantName": "challenger", "samplingPercentage": 50}],
        },
        "dataStorageConfig": {
            "destination": "s3://capture/churn-shadow",
            "contentType": {"jsonContentTypes": ["application/json"]},
        },
    },
}

STACK_DOC: dict[str, Any] = {
    "apiVersion": "reconciler/v1",
    "kind": "Stack",
    "name": "ml-prod",
    "spec": {
        "region": "us-east-1",
        "accountId": "123456789012",
        "tags": {"cost-center": "42"},
        "prune": False,
    },
}


def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(document_schema(kind))


def _errors(doc: dict[str, Any], *, any_kind: bool = False) -> list[Any]:
    schema = any_document_schema() if any_kind else document_schema(doc["kind"])
    return list(Draft202012Validator(schema).iter_errors(doc))


def _with(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with ``value`` set at ``path`` (parents must exist)."""
    out = copy.deepcopy(doc)
    target: Any = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


_NAMED_SCHEMAS = ("properties", "$defs", "patternProperties", "dependentSchemas")


def _walk(value: Any, *, named: bool = False) -> Iterator[tuple[str, Any]]:
    """Every (keyword, value) in a schema. The keys of ``properties`` and ``$defs`` name schemas
    rather than being keywords (a ShadowTest spec has a ``description`` member), so are skipped."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not named:
                yield key, item
            yield from _walk(item, named=not named and key in _NAMED_SCHEMAS)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


# --------------------------------------------------------------------------- generated files


def test_committed_schemas_are_up_to_date() -> None:
    generated = generate_all()
    assert sorted(generated) == [
        "alarm.schema.json",
        "document.schema.json",
        "endpoint.schema.json",
        "environment.schema.json",
        "eventbus.schema.json",
        "eventrule.schema.json",
        "model.schema.json",
        "modelpackagegroup.schema.json",
        "monitoringschedule.schema.json",
        "pipeline.schema.json",
        "recommendationjob.schema.json",
        "schemaregistry.schema.json",
        "shadowtest.schema.json",
        "stack.schema.json",
    ]
    stale = [
        name
        for name, text in generated.items()
        if not (SCHEMAS / name).exists() or (SCHEMAS / name).read_text(encoding="utf-8") != text
    ]
    assert not stale, (
        f"schemas/{', schemas/'.join(stale)} differ from what botocore and the fragments generate; "
        "run `reconciler schema --write schemas` and commit the result"
    )


def test_generation_is_deterministic_and_well_formed() -> None:
    first = generate_all()
    second = schemagen.SchemaGenerator(REGISTRY).generate_all()  # a fresh generator, nothing cached
    assert first == second
    for name, text in first.items():
        assert text.endswith("}\n")
        schema = json.loads(text)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://reconciler.dev/schemas/{name}"
        assert json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text


def test_every_ref_resolves_and_every_pattern_is_anchored() -> None:
    for kind in KINDS:
        schema = document_schema(kind)
        for key, value in _walk(schema):
            if key == "$ref":
                assert value.startswith("#/$defs/") and value.removeprefix("#/$defs/") in schema["$defs"]
            if key == "pattern":
                assert value.startswith("^") and value.endswith("$")
                re.compile(value)


def test_spec_properties_are_lower_camel_case_and_closed() -> None:
    defs = document_schema("Endpoint")["$defs"]
    props = defs["ProductionVariant"]["properties"]
    assert {"initialInstanceCount", "instanceType", "variantName", "serverlessConfig"} <= set(props)
    assert defs["ProductionVariant"]["additionalProperties"] is False
    for name, definition in defs.items():
        for key in definition.get("properties", {}):
            assert key[:1].islower(), f"{name}.{key}"
    assert defs["EndpointSpec"]["required"] == ["productionVariants"]
    assert "endpointConfigName" not in defs["EndpointSpec"]["properties"]
    assert "tags" not in defs["EndpointSpec"]["properties"]
    assert defs["EndpointSpec"]["properties"]["deploymentConfig"]["$ref"] == "#/$defs/DeploymentConfig"
    model_spec = document_schema("Model")["$defs"]["ModelSpec"]
    assert "modelName" not in model_spec["properties"] and "required" not in model_spec
    for kind in KINDS:
        for name, definition in document_schema(kind)["$defs"].items():
            for key in definition.get("properties", {}):
                assert key[:1].islower(), f"{kind}: {name}.{key}"


def test_alarm_and_shadow_test_specs() -> None:
    alarm = document_schema("Alarm")["$defs"]["AlarmSpec"]
    put_alarm = operation_input("cloudwatch", "PutMetricAlarm")
    assert list(alarm["properties"]) == [spec_name(n) for n in put_alarm.members if n not in ("AlarmName", "Tags")]
    assert "required" not in alarm  # PutMetricAlarm requires only AlarmName, the document name
    assert alarm["additionalProperties"] is False
    assert "oKActions" in alarm["properties"] and "alarmName" not in alarm["properties"]
    shadow = document_schema("ShadowTest")["$defs"]["ShadowTestSpec"]
    assert shadow["required"] == ["roleArn", "endpointName", "modelVariants", "shadowModeConfig"]
    assert not {"name", "type", "tags"} & set(shadow["properties"])
    assert shadow["properties"]["schedule"]["$ref"] == "#/$defs/InferenceExperimentSchedule"
    timestamp = document_schema("ShadowTest")["$defs"]["Timestamp"]
    assert timestamp["type"] == "string" and timestamp["format"] == "date-time"


def test_protect_is_an_envelope_member_of_resource_kinds() -> None:
    described = fragments.RESOURCE_ENVELOPE["protect"]["description"]
    assert described == (
        "When true, plan refuses to delete or replace the AWS resources of this document; "
        "set it to false (and apply) before removing or replacing them."
    )
    for kind in KINDS:
        properties = document_schema(kind)["properties"]
        if kind in ("Stack", "Environment"):
            assert "protect" not in properties
        else:
            assert properties["protect"] == {"type": "boolean", "default": False, "description": described}
    document = any_document_schema()
    assert "additionalProperties" not in document  # each kind's branch closes the document
    assert document["properties"]["protect"]["type"] == "boolean"
    for branch in document["allOf"]:
        kind = branch["if"]["properties"]["kind"]["const"]
        then = branch["then"]
        assert then["additionalProperties"] is False
        assert set(then["properties"]) == set(document_schema(kind)["properties"])


def test_autoscaling_extends_production_variants_only() -> None:
    defs = copy.deepcopy(document_schema("Endpoint")["$defs"])  # the cached schema is shared
    endpoint = defs["EndpointSpec"]["properties"]
    assert endpoint["productionVariants"]["type"] == "array"
    assert endpoint["productionVariants"]["items"]["$ref"] == "#/$defs/ProductionVariantSpec"
    assert (endpoint["productionVariants"]["minItems"], endpoint["productionVariants"]["maxItems"]) == (1, 10)
    assert endpoint["shadowProductionVariants"]["$ref"] == "#/$defs/ProductionVariantList"
    assert defs["ProductionVariantList"]["items"]["$ref"] == "#/$defs/ProductionVariant"
    extended, plain = defs["ProductionVariantSpec"], defs["ProductionVariant"]
    assert extended["properties"].pop("autoscaling")["$ref"] == "#/$defs/AutoscalingSpec"
    assert extended["properties"] == plain["properties"]
    assert extended["required"] == plain["required"] and extended["additionalProperties"] is False
    scaling = defs["AutoscalingSpec"]
    assert scaling["required"] == ["minCapacity", "maxCapacity"] and scaling["additionalProperties"] is False
    assert scaling["properties"]["policies"]["items"]["$ref"] == "#/$defs/ScalingPolicySpec"
    assert scaling["properties"]["scheduledActions"]["items"]["$ref"] == "#/$defs/ScheduledActionSpec"
    assert all(member.get("description") for member in scaling["properties"].values())


@pytest.mark.parametrize(
    ("def_key", "shape"), [("ScalingPolicySpec", scaling_policy_shape), ("ScheduledActionSpec", scheduled_action_shape)]
)
def test_autoscaling_request_defs_omit_the_scalable_target(def_key: str, shape: Any) -> None:
    definition = document_schema("Endpoint")["$defs"][def_key]
    omitted = {"ServiceNamespace", "ResourceId", "ScalableDimension"}
    if def_key == "ScalingPolicySpec":
        omitted.add("PredictiveScalingPolicyConfiguration")  # ECS only
    expected = [spec_name(name) for name in shape().members if name not in omitted]
    assert list(definition["properties"]) == expected
    assert definition["required"] == [spec_name(name) for name in shape().required_members if name not in omitted]
    assert definition["additionalProperties"] is False


def test_def_names_of_colliding_shapes_are_namespaced() -> None:
    assert def_name("sagemaker", "MetricName") == "MetricName"
    assert def_name("application-autoscaling", "PolicyType") == "PolicyType"
    assert def_name("application-autoscaling", "MetricName") == "ApplicationAutoScaling.MetricName"
    assert def_name("application-autoscaling", "TagMap") == "ApplicationAutoScaling.TagMap"  # hand-written
    assert def_name("cloudwatch", "MetricName") == "CloudWatch.MetricName"  # SageMaker has one
    assert def_name("cloudwatch", "Statistic") == "CloudWatch.Statistic"
    assert def_name("cloudwatch", "ComparisonOperator") == "ComparisonOperator"
    assert def_name("cloudwatch", "AlarmSpec") == "CloudWatch.AlarmSpec"  # hand-written
    assert def_name("events", "RoleArn") == "EventBridge.RoleArn"  # SageMaker has one
    with pytest.raises(ValueError):
        def_name("s3", "Bucket")  # no kind uses S3
    services = {
        "": ("sagemaker", _shape_names("sagemaker")),
        "ApplicationAutoScaling.": ("application-autoscaling", _shape_names("application-autoscaling")),
        "CloudWatch.": ("cloudwatch", _shape_names("cloudwatch")),
        "EventBridge.": ("events", _shape_names("events")),
        "Schemas.": ("schemas", _shape_names("schemas")),
    }
    defs = any_document_schema()["$defs"]
    namespaced = {key for key in defs if "." in key}
    assert namespaced == {
        "ApplicationAutoScaling.CustomizedMetricSpecification",
        "ApplicationAutoScaling.MetricName",
        "ApplicationAutoScaling.PredefinedMetricSpecification",
        "ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration",
        "CloudWatch.AccountId",
        "CloudWatch.Dimension",
        "CloudWatch.MetricName",
        "CloudWatch.ReturnData",
        "CloudWatch.Statistic",
    } | {f"EventBridge.{name}" for name in ("Arn", "Boolean", "Database", "Integer", "MaximumRetryAttempts",
                                            "ResourceArn", "RoleArn", "ScheduleExpression", "String", "Tag",
                                            "TagKey", "TagList", "TagValue")}
    for key in defs:
        if key in hand_written_defs():
            continue
        prefix = key[: key.index(".") + 1] if "." in key else ""
        bare = key.removeprefix(prefix)
        if prefix:
            service, names = services[prefix]
            assert bare in names and def_name(service, bare) == key, key
        else:
            assert any(bare in names and def_name(service, bare) == key for service, names in services.values()), key
    tracking = defs["ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration"]["properties"]
    assert tracking["predefinedMetricSpecification"]["$ref"] == (
        "#/$defs/ApplicationAutoScaling.PredefinedMetricSpecification"
    )
    predefined = defs["ApplicationAutoScaling.PredefinedMetricSpecification"]["properties"]
    metric_type = defs[predefined["predefinedMetricType"]["$ref"].removeprefix("#/$defs/")]
    assert "SageMakerVariantInvocationsPerInstance" in metric_type["else"]["enum"]


def test_descriptions_are_short_plain_text() -> None:
    for kind in KINDS:
        for key, value in _walk(document_schema(kind)):
            if key == "description":
                assert isinstance(value, str) and 0 < len(value) <= 200, value
                assert "<" not in value or "${" in value, value
    described = document_schema("Endpoint")["$defs"]["ProductionVariant"]["properties"]["instanceType"]
    assert described["description"] == "The ML compute instance type."


def test_first_sentence() -> None:
    doc = "<p>Sets the size, e.g. <code>10</code> . See <a href='x'>docs</a>.</p> <p>More.</p>"
    assert first_sentence(doc) == "Sets the size, e.g. 10."
    assert first_sentence(None) == ""
    long = "<p>" + "word " * 100 + "end.</p>"
    short = first_sentence(long)
    assert len(short) <= 200 and short.endswith("...")


def test_import_is_cheap() -> None:
    code = ("import sys, reconciler.spec.schemagen, reconciler.aws.shapes, reconciler.kinds; "
            "print('botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_check_command_reports_stale_files(tmp_path: Path) -> None:
    assert cli_main(["schema", "--write", str(tmp_path)]) == 0
    assert cli_main(["schema", "--check", str(tmp_path)]) == 0
    (tmp_path / "model.schema.json").write_text("{}\n", encoding="utf-8")
    assert cli_main(["schema", "--check", str(tmp_path)]) == 1


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "doc",
    [
        MODEL_DOC,
        {**MODEL_DOC, "protect": True},
        ENDPOINT_DOC,
        {**ENDPOINT_DOC, "protect": False},
        AUTOSCALED_DOC,
        ALARM_DOC,
        {**ALARM_DOC, "name": "p99 latency / churn (prod)"},  # any alarm name; not every one is referenceable
        SHADOW_TEST_DOC,
        STACK_DOC,
    ],
    ids=["Model", "protected", "Endpoint", "unprotected", "autoscaled", "Alarm", "alarm-name", "ShadowTest", "Stack"],
)
def test_valid_documents(doc: dict[str, Any]) -> None:
    assert _errors(doc) == []
    assert _errors(doc, any_kind=True) == []


def test_spec_schema_validates_a_spec_alone() -> None:
    validator = Draft202012Validator(spec_schema("Endpoint"))
    assert list(validator.iter_errors(ENDPOINT_DOC["spec"])) == []
    assert not validator.is_valid({"productionVariants": [], "bogus": 1})
    assert Draft202012Validator(spec_schema("Stack")).is_valid(STACK_DOC["spec"])


VARIANT = ("spec", "productionVariants", 0)
SERVERLESS = ("spec", "productionVariants", 1, "serverlessConfig")
SCALING = (*VARIANT, "autoscaling")
SERVERLESS_SCALING = ("spec", "productionVariants", 1, "autoscaling")
POLICY = (*SCALING, "policies", 0)
STEP = (*SCALING, "policies", 1, "stepScalingPolicyConfiguration")
ACTION = (*SCALING, "scheduledActions", 0)
SHADOW = ("spec", "shadowModeConfig", "shadowModelVariants", 0)
INFRASTRUCTURE = ("spec", "modelVariants", 0, "infrastructureConfig")
PREDICTIVE = {"metricSpecifications": [{"targetValue": 50}]}


@pytest.mark.parametrize(
    ("doc", "path", "value", "validator"),
    [
        (ENDPOINT_DOC, (*VARIANT, "instanceTyp"), "ml.m5.large", "additionalProperties"),
        (ENDPOINT_DOC, (*VARIANT, "InstanceType"), "ml.m5.large", "additionalProperties"),
        (ENDPOINT_DOC, ("spec", "deploymentConfig", "bogus"), 1, "additionalProperties"),
        (ENDPOINT_DOC, (*VARIANT, "initialInstanceCount"), "2", "type"),
        (ENDPOINT_DOC, (*VARIANT, "initialVariantWeight"), "heavy", "type"),
        (ENDPOINT_DOC, ("spec", "productionVariants"), {"variantName": "x"}, "type"),
        (ENDPOINT_DOC, (*VARIANT, "instanceType"), "ml.bogus", "enum"),
        (ENDPOINT_DOC, ("spec", "dataCaptureConfig", "captureOptions", 0, "captureMode"), "Both", "enum"),
        (ENDPOINT_DOC, (*SERVERLESS, "maxConcurrency"), 500, "maximum"),
        (ENDPOINT_DOC, (*SERVERLESS, "memorySizeInMB"), 512, "minimum"),
        (ENDPOINT_DOC, (*VARIANT, "initialVariantWeight"), -1, "minimum"),
        (ENDPOINT_DOC, ("spec", "kmsKeyId"), "k" * 2049, "maxLength"),
        (MODEL_DOC, ("spec", "primaryContainer", "modelDataUrl"), "s3://b/" + "k" * 1100, "maxLength"),
        (ENDPOINT_DOC, (*VARIANT, "variantName"), "blue_green", "pattern"),
        (ENDPOINT_DOC, ("spec", "dataCaptureConfig", "captureOptions"), [], "minItems"),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "1BAD"), "x", "pattern"),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "OK"), "x" * 1025, "maxLength"),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "OK"), 5, "type"),
        (MODEL_DOC, ("spec", "executionRoleArn"), "arn:aws:iam::123:role/x", "pattern"),
        (MODEL_DOC, ("spec", "enableNetworkIsolation"), "yes", "type"),
        (MODEL_DOC, ("spec", "modelName"), "churn", "additionalProperties"),
        (MODEL_DOC, ("spec", "tags"), [{"Key": "a", "Value": "b"}], "additionalProperties"),
        (MODEL_DOC, ("tags", "team"), 42, "type"),
        (MODEL_DOC, ("apiVersion",), "reconciler/v2", "const"),
        (MODEL_DOC, ("name",), "", "minLength"),
        (MODEL_DOC, ("metadata",), {}, "additionalProperties"),
        (STACK_DOC, ("spec", "region"), "US East", "pattern"),
        (STACK_DOC, ("spec", "accountId"), "1234", "pattern"),
        (STACK_DOC, ("spec", "prune"), "yes", "type"),
        (STACK_DOC, ("spec", "locking"), True, "additionalProperties"),
        (STACK_DOC, ("spec", "lock"), True, "type"),  # lock: {table: NAME}
        (AUTOSCALED_DOC, (*SCALING, "bogus"), 1, "additionalProperties"),
        (AUTOSCALED_DOC, (*SCALING, "MinCapacity"), 1, "additionalProperties"),
        (AUTOSCALED_DOC, (*SCALING, "minCapacity"), -1, "minimum"),
        (AUTOSCALED_DOC, (*SCALING, "minCapacity"), "2", "type"),
        (AUTOSCALED_DOC, (*SCALING, "minCapacity"), 1.5, "type"),
        (AUTOSCALED_DOC, (*SCALING, "maxCapacity"), 0, "minimum"),
        (AUTOSCALED_DOC, (*SCALING, "targetInvocationsPerInstance"), 0, "exclusiveMinimum"),
        (AUTOSCALED_DOC, (*SCALING, "scaleInCooldown"), -5, "minimum"),
        (AUTOSCALED_DOC, (*SCALING, "policies"), {"policyName": "x"}, "type"),
        (AUTOSCALED_DOC, (*SERVERLESS_SCALING, "targetProvisionedConcurrencyUtilization"), 1.5, "maximum"),
        (AUTOSCALED_DOC, (*SERVERLESS_SCALING, "targetProvisionedConcurrencyUtilization"), 0, "exclusiveMinimum"),
        (AUTOSCALED_DOC, (*POLICY, "policyType"), "Bogus", "enum"),
        (AUTOSCALED_DOC, (*POLICY, "serviceNamespace"), "sagemaker", "additionalProperties"),
        (AUTOSCALED_DOC, (*POLICY, "resourceId"), "endpoint/churn/variant/blue", "additionalProperties"),
        (AUTOSCALED_DOC, (*POLICY, "targetTrackingScalingPolicyConfiguration", "bogus"), 1, "additionalProperties"),
        (AUTOSCALED_DOC, (*POLICY, "targetTrackingScalingPolicyConfiguration", "targetValue"), "70", "type"),
        (AUTOSCALED_DOC, (*STEP, "adjustmentType"), "ChangeALot", "enum"),
        (AUTOSCALED_DOC, (*STEP, "stepAdjustments", 0, "scalingAdjustment"), 1.5, "type"),
        (AUTOSCALED_DOC, (*ACTION, "scalableDimension"), "sagemaker:variant:X", "additionalProperties"),
        (AUTOSCALED_DOC, (*ACTION, "scalableTargetAction", "minCapacity"), "4", "type"),
        (AUTOSCALED_DOC, (*ACTION, "scheduledActionName"), "a:b", "pattern"),
        (AUTOSCALED_DOC, (*ACTION, "schedule"), "x" * 1601, "maxLength"),
        (AUTOSCALED_DOC, (*POLICY, "predictiveScalingPolicyConfiguration"), PREDICTIVE, "additionalProperties"),
        (ALARM_DOC, ("spec", "comparisonOperator"), "GreaterThenThreshold", "enum"),
        (ALARM_DOC, ("spec", "comparisonOperator"), "greaterThanThreshold", "enum"),
        (ALARM_DOC, ("spec", "statistic"), "Avg", "enum"),
        (ALARM_DOC, ("spec", "unit"), "Percentage", "enum"),
        (ALARM_DOC, ("spec", "period"), 0, "minimum"),
        (ALARM_DOC, ("spec", "period"), "60", "type"),
        (ALARM_DOC, ("spec", "evaluationPeriods"), 1.5, "type"),
        (ALARM_DOC, ("spec", "threshold"), "5", "type"),
        (ALARM_DOC, ("spec", "namespace"), ":AWS/SageMaker", "pattern"),
        (ALARM_DOC, ("spec", "treatMissingData"), "", "minLength"),
        (ALARM_DOC, ("spec", "dimensions", 0, "nme"), "EndpointName", "additionalProperties"),
        (ALARM_DOC, ("spec", "dimensions", 0, "value"), "", "minLength"),
        (ALARM_DOC, ("spec", "oKActions"), ["arn:aws:sns:us-east-1:123456789012:t"] * 6, "maxItems"),
        (ALARM_DOC, ("spec", "OKActions"), [], "additionalProperties"),
        (ALARM_DOC, ("spec", "alarmName"), "churn_5xx", "additionalProperties"),
        (ALARM_DOC, ("spec", "tags"), [{"key": "a", "value": "b"}], "additionalProperties"),
        (ALARM_DOC, ("protect",), "yes", "type"),
        (SHADOW_TEST_DOC, (*SHADOW, "samplingPercentage"), 150, "maximum"),
        (SHADOW_TEST_DOC, (*SHADOW, "samplingPercentage"), 12.5, "type"),
        (SHADOW_TEST_DOC, ("spec", "type"), "ShadowMode", "additionalProperties"),
        (SHADOW_TEST_DOC, ("spec", "name"), "churn-shadow", "additionalProperties"),
        (SHADOW_TEST_DOC, ("spec", "shadowModeConfig", "shadowModelVariants"), [], "minItems"),
        (SHADOW_TEST_DOC, ("spec", "modelVariants", 1, "variantName"), "challenger_2", "pattern"),
        (SHADOW_TEST_DOC, (*INFRASTRUCTURE, "infrastructureType"), "Serverless", "enum"),
        (SHADOW_TEST_DOC, (*INFRASTRUCTURE, "realTimeInferenceConfig", "instanceType"), "ml.bogus", "enum"),
        (SHADOW_TEST_DOC, (*INFRASTRUCTURE, "realTimeInferenceConfig", "instanceCount"), "1", "type"),
        (SHADOW_TEST_DOC, ("spec", "schedule", "startTime"), 1796083200, "type"),
        (SHADOW_TEST_DOC, ("spec", "roleArn"), "arn:aws:iam::123:role/x", "pattern"),
        (SHADOW_TEST_DOC, ("spec", "dataStorageConfig", "destination"), "capture/churn", "pattern"),
        (SHADOW_TEST_DOC, ("protect",), "yes", "type"),
        (MODEL_DOC, ("protect",), "true", "type"),
        (ENDPOINT_DOC, ("protect",), 1, "type"),
        (STACK_DOC, ("protect",), True, "additionalProperties"),
    ],
)
def test_invalid_values_are_rejected(
    doc: dict[str, Any], path: tuple[str | int, ...], value: Any, validator: str
) -> None:
    bad = _with(doc, path, value)
    for any_kind in (False, True):
        errors = _errors(bad, any_kind=any_kind)
        assert [e.validator for e in errors] == [validator], [e.message for e in errors]
    # The failing keyword is reported directly (not as an opaque anyOf failure), at the right path.
    (error,) = _errors(bad)
    on_parent = validator == "additionalProperties" or path[-1] == "1BAD"  # unknown key / bad map key
    assert list(error.absolute_path) == list(path[:-1] if on_parent else path)


def test_autoscaling_is_only_allowed_on_production_variants() -> None:
    scaling = AUTOSCALED_DOC["spec"]["productionVariants"][0]["autoscaling"]
    shadow = {
        "variantName": "shadow",
        "modelName": "${Model.churn-xgb.name}",
        "instanceType": "ml.m5.large",
        "initialInstanceCount": 1,
    }
    doc = _with(ENDPOINT_DOC, ("spec", "shadowProductionVariants"), [shadow])
    assert _errors(doc) == []
    bad = _with(doc, ("spec", "shadowProductionVariants", 0, "autoscaling"), scaling)
    for any_kind in (False, True):
        (error,) = _errors(bad, any_kind=any_kind)
        assert error.validator == "additionalProperties"
        assert list(error.absolute_path) == ["spec", "shadowProductionVariants", 0]
    (error,) = _errors(_with(ENDPOINT_DOC, ("spec", "autoscaling"), scaling))
    assert error.validator == "additionalProperties"


@pytest.mark.parametrize("field", ["minCapacity", "maxCapacity"])
def test_autoscaling_requires_the_capacity_range(field: str) -> None:
    scaling = {k: v for k, v in AUTOSCALED_DOC["spec"]["productionVariants"][0]["autoscaling"].items() if k != field}
    (error,) = _errors(_with(AUTOSCALED_DOC, SCALING, scaling))
    assert error.message == f"'{field}' is a required property"
    (error,) = _errors(_with(AUTOSCALED_DOC, POLICY, {"policyType": "StepScaling"}))
    assert error.message == "'policyName' is a required property"


@pytest.mark.parametrize("field", ["roleArn", "endpointName", "modelVariants", "shadowModeConfig"])
def test_shadow_test_requires_its_members(field: str) -> None:
    doc = _with(SHADOW_TEST_DOC, ("spec",), {k: v for k, v in SHADOW_TEST_DOC["spec"].items() if k != field})
    for any_kind in (False, True):
        assert [e.message for e in _errors(doc, any_kind=any_kind)] == [f"'{field}' is a required property"]


@pytest.mark.parametrize(
    ("doc", "path", "value", "missing"),
    [
        (SHADOW_TEST_DOC, SHADOW, {"shadowModelVariantName": "challenger"}, "samplingPercentage"),
        (SHADOW_TEST_DOC, ("spec", "shadowModeConfig"), {"sourceModelVariantName": "blue"}, "shadowModelVariants"),
        (SHADOW_TEST_DOC, (*INFRASTRUCTURE, "realTimeInferenceConfig"), {"instanceCount": 1}, "instanceType"),
        (SHADOW_TEST_DOC, ("spec", "modelVariants", 0), {"modelName": "m", "variantName": "v"}, "infrastructureConfig"),
        (SHADOW_TEST_DOC, ("spec", "dataStorageConfig"), {"kmsKey": "alias/x"}, "destination"),
        (ALARM_DOC, ("spec", "dimensions", 0), {"name": "EndpointName"}, "value"),
        (ALARM_DOC, ("spec", "metrics"), [{"returnData": True}], "id"),
        (AUTOSCALED_DOC, (*POLICY, "targetTrackingScalingPolicyConfiguration"), {"scaleInCooldown": 60}, "targetValue"),
    ],
)
def test_missing_nested_members(doc: dict[str, Any], path: tuple[str | int, ...], value: Any, missing: str) -> None:
    (error,) = _errors(_with(doc, path, value))
    assert error.message == f"'{missing}' is a required property"
    assert list(error.absolute_path) == list(path) + ([0] if isinstance(value, list) else [])


def test_predictive_scaling_is_left_out_but_its_policy_type_stays() -> None:
    defs = document_schema("Endpoint")["$defs"]
    assert "predictiveScalingPolicyConfiguration" not in defs["ScalingPolicySpec"]["properties"]
    assert not any(key.startswith("PredictiveScaling") for key in defs)
    policy_type = defs[defs["ScalingPolicySpec"]["properties"]["policyType"]["$ref"].removeprefix("#/$defs/")]
    assert policy_type["else"]["enum"] == ["StepScaling", "TargetTrackingScaling", "PredictiveScaling"]
    # The value passes the schema; semantic validation rejects it for SageMaker variants.
    assert _errors(_with(AUTOSCALED_DOC, (*POLICY, "policyType"), "PredictiveScaling")) == []


def test_kind_must_match_the_schema() -> None:
    errors = list(_validator("Model").iter_errors({**MODEL_DOC, "kind": "Endpoint"}))
    assert [e.validator for e in errors] == ["const"]


def test_missing_required_fields() -> None:
    for field in ("apiVersion", "kind", "name", "spec"):
        doc = {k: v for k, v in MODEL_DOC.items() if k != field}
        assert "required" in [e.validator for e in _errors(doc, any_kind=True)]
    no_variants = _with(ENDPOINT_DOC, ("spec",), {"kmsKeyId": "alias/x"})
    assert [e.message for e in _errors(no_variants)] == ["'productionVariants' is a required property"]
    no_name = _with(ENDPOINT_DOC, ("spec", "productionVariants", 0), {"instanceType": "ml.m5.large"})
    assert [e.message for e in _errors(no_name)] == ["'variantName' is a required property"]


def test_enum_error_message_is_readable() -> None:
    (error,) = _errors(_with(ENDPOINT_DOC, (*VARIANT, "instanceType"), "ml.bogus"))
    assert error.message.startswith("'ml.bogus' is not one of ['ml.t2.medium'")


def test_any_document_schema_rejects_unknown_kind() -> None:
    errors = _errors({**MODEL_DOC, "kind": "Modle"}, any_kind=True)
    assert [e.validator for e in errors] == ["enum"]


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (ENDPOINT_DOC, (*VARIANT, "modelName")),
        (ENDPOINT_DOC, (*VARIANT, "instanceType")),  # enum-constrained strings too
        (ENDPOINT_DOC, (*VARIANT, "variantName")),  # pattern-constrained strings too
        (ENDPOINT_DOC, ("spec", "kmsKeyId")),
        (MODEL_DOC, ("spec", "executionRoleArn")),
        (MODEL_DOC, ("spec", "primaryContainer", "environment", "MODEL_ARN")),  # map values
        (MODEL_DOC, ("spec", "vpcConfig", "subnets", 0)),  # list items
        (AUTOSCALED_DOC, (*POLICY, "policyName")),  # Application Auto Scaling shapes too
        (AUTOSCALED_DOC, (*POLICY, "policyType")),
        (
            AUTOSCALED_DOC,
            (
                *POLICY,
                "targetTrackingScalingPolicyConfiguration",
                "customizedMetricSpecification",
                "dimensions",
                0,
                "value",
            ),
        ),
        (AUTOSCALED_DOC, (*ACTION, "scheduledActionName")),
        (AUTOSCALED_DOC, (*ACTION, "schedule")),
    ],
)
def test_references_are_accepted_in_string_fields(doc: dict[str, Any], path: tuple[str | int, ...]) -> None:
    for ref in ("${Model.churn.name}", "${Model.churn-xgb-2.arn}", "${ModelPackageGroup.g1.arn}"):
        assert _errors(_with(doc, path, ref)) == []


@pytest.mark.parametrize(
    "ref",
    [
        "${Alarm.churn_5xx.name}",
        "${Alarm.churn_5xx.arn}",
        "${Alarm.p99.latency.name}",  # dots in the name
        "${Alarm.x.name.y.arn}",
        "${Alarm.a.name}",
        "${Alarm.9-lives_v1.2.name}",
        "${ShadowTest.churn-shadow.arn}",
        "${Endpoint.churn.name}",
    ],
)
def test_references_to_names_with_dots_and_underscores(ref: str) -> None:
    rollback = ("spec", "deploymentConfig", "autoRollbackConfiguration", "alarms", 0, "alarmName")
    assert _errors(_with(ENDPOINT_DOC, rollback, ref)) == []
    assert _errors(_with(SHADOW_TEST_DOC, ("spec", "endpointName"), ref)) == []
    assert _errors(_with(ALARM_DOC, ("spec", "dimensions", 0, "value"), ref)) == []
    # reconciler.spec.references finds the same kind, name and attribute the schema accepts.
    match = references.REFERENCE.fullmatch(ref)
    assert match is not None
    kind, _, rest = ref[2:-1].partition(".")
    name, _, attr = rest.rpartition(".")
    assert match.groups() == (kind, name, attr)
    assert [(r.kind, r.name, r.attr) for r in references.find_references({"x": ref})] == [(kind, name, attr)]


@pytest.mark.parametrize("name", ["churn", "churn_5xx", "p99.latency", "a", "x.name.y", "churn-xgb-2", "A.B_C-9"])
def test_referenceable_names(name: str) -> None:
    assert re.fullmatch(fragments.REFERENCE_NAME_PATTERN, name)
    for kind in REGISTRY.resource_kinds:
        for attr in ("name", "arn"):
            assert re.search(fragments.REFERENCE_PATTERN, f"${{{kind}.{name}.{attr}}}")


@pytest.mark.parametrize("name", ["churn 5xx", "churn/5xx", "churn:5xx", "_churn", "churn_", "churn.", "-x", ""])
def test_unreferenceable_names(name: str) -> None:
    assert not re.fullmatch(fragments.REFERENCE_NAME_PATTERN, name)
    assert not re.search(fragments.REFERENCE_PATTERN, f"${{Alarm.{name}.name}}")


@pytest.mark.parametrize(
    "path",
    [
        (*VARIANT, "initialInstanceCount"),
        (*VARIANT, "initialVariantWeight"),
        (*SERVERLESS, "maxConcurrency"),
        ("spec", "enableNetworkIsolation"),
        (*SCALING, "minCapacity"),
        (*SCALING, "targetInvocationsPerInstance"),
        (*ACTION, "scalableTargetAction", "maxCapacity"),
    ],
)
def test_references_are_rejected_in_non_string_fields(path: tuple[str | int, ...]) -> None:
    doc = _with(AUTOSCALED_DOC, ("spec", "enableNetworkIsolation"), True)
    (error,) = _errors(_with(doc, path, "${Model.churn.name}"))
    assert error.validator == "type"


@pytest.mark.parametrize(
    "ref",
    [
        "${model.churn.name}",  # kind must be capitalised
        "${Model.churn.id}",  # attr is name or arn
        "${Model.churn-.name}",
        "${Alarm.churn_.name}",  # names start and end with a letter or digit
        "${Alarm._churn.name}",
        "${Alarm.churn 5xx.name}",  # spaces are not in referenceable names
        "${Alarm.churn/5xx.name}",
        "prefix-${Model.churn.name}",  # a reference is the whole string
        "${Model.churn.name}-suffix",
    ],
)
def test_malformed_references_get_the_field_error(ref: str) -> None:
    (error,) = _errors(_with(ENDPOINT_DOC, (*VARIANT, "instanceType"), ref))
    assert error.validator == "enum"
    (error,) = _errors(_with(ENDPOINT_DOC, (*VARIANT, "variantName"), ref))
    assert error.validator == "pattern"


# --------------------------------------------------------------------------- patterns


def test_dropped_patterns() -> None:
    # Tags (\p{...} patterns) are omitted from the specs. The one SageMaker \p{...} pattern left,
    # EntityDescription (a model package group's description), is dropped. Application Auto Scaling's
    # PolicyName (\p{Print}+) and its "valid XML characters" pattern, written with UTF-16
    # surrogate ranges, cannot be expressed portably and are dropped (AWS validates them).
    dropped = dropped_patterns()
    assert dropped == tuple(sorted(dropped))
    aas = _shape_names("application-autoscaling")
    allowed = (aas - _shape_names("sagemaker")) | {"EntityDescription", "RunCommandTargetKey"}
    assert {d.shape for d in dropped} <= allowed
    assert {"PolicyName", "ResourceIdMaxLen1600", "XmlString"} <= {d.shape for d in dropped}
    assert {d.reason for d in dropped} == {
        "Unicode property class \\p{...}",
        "UTF-16 surrogate escape (Java pairs surrogates into code points, Python does not)",
    }
    assert "pattern" not in document_schema("Endpoint")["$defs"]["PolicyName"]["else"]
    assert "pattern" in document_schema("Endpoint")["$defs"]["ScheduledActionName"]["else"]


def _shape_names(service: str) -> set[str]:
    return set(service_model(service).shape_names)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "^(?:[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$"),
        ("^arn:aws:.*$", "^(?:arn:aws:.*)$"),
        (r"price\$", r"^(?:price\$)$"),
        ("a|b", "^(?:a|b)$"),
        (r"[a-zA-Z0-9\_\-]+", r"^(?:[a-zA-Z0-9_\-]+)$"),  # identity escapes ECMAScript rejects
        (r"[a-z]+\-[0-9]+", r"^(?:[a-z]+-[0-9]+)$"),
        (r"x(?<!-)(\/[0-9]{1,9})?", r"^(?:x(?<!-)(\/[0-9]{1,9})?)$"),  # lookbehind is portable
    ],
)
def test_patterns_kept(pattern: str, expected: str) -> None:
    assert convert_pattern(pattern) == (expected, None)


@pytest.mark.parametrize(
    "pattern",
    [
        r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)",  # SageMaker TagKey / TagValue
        r"\p{Print}+",
        r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*",  # UTF-16 surrogate ranges
        "a++",
        "(?>a)",
        "(?i)abc",
        "(?<name>a)",
        "[a-z&&[^aeiou]]",
        r"\Qa.b\E",
        r"\h+",
        "a{,3}",
    ],
)
def test_patterns_dropped(pattern: str) -> None:
    anchored, reason = convert_pattern(pattern)
    assert anchored is None and reason


def test_anchored_patterns_match_whole_values() -> None:
    anchored, _ = convert_pattern("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
    assert anchored is not None
    assert re.search(anchored, "churn-blue")
    assert not re.search(anchored, "churn blue")  # unanchored, search() would find "churn"
    assert not re.search(anchored, "a" * 64)


# --------------------------------------------------------------------------- shapes


def test_shape_lookups() -> None:
    assert spec_shape("Model").name == "CreateModelInput"
    assert spec_shape("Endpoint").name == "CreateEndpointConfigInput"
    assert spec_shape("Alarm") is operation_input("cloudwatch", "PutMetricAlarm")
    assert spec_shape("ShadowTest") is operation_input("sagemaker", "CreateInferenceExperiment")
    assert spec_omitted("Alarm") == ("AlarmName", "Tags")
    assert spec_omitted("ShadowTest") == ("Name", "Type", "Tags")
    with pytest.raises(KeyError):
        spec_omitted("Stack")
    assert deployment_config_shape().name == "DeploymentConfig"
    assert operation_input("sagemaker", "CreateModel") is spec_shape("Model")
    with pytest.raises(KeyError):
        spec_shape("Stack")
    variant = member_shape(spec_shape("Endpoint"), "productionVariants")
    assert variant is not None and variant.type_name == "list"
    source = member_shape(member_shape(spec_shape("Model"), "primaryContainer"), "modelDataSource")  # type: ignore[arg-type]
    s3 = member_shape(source, "s3DataSource")  # type: ignore[arg-type]
    assert s3 is not None and member_shape(s3, "s3Uri") is not None
    assert member_shape(s3, "S3Uri") is None
    assert member_shape(s3, "nope") is None


def _endpoint_api_request(spec: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in spec.items() if k != "deploymentConfig"}
    return {"EndpointConfigName": "churn-0123abcd", **to_api(body, spec_shape("Endpoint"))}


def test_to_api_produces_a_valid_request_and_round_trips() -> None:
    spec = copy.deepcopy(ENDPOINT_DOC["spec"])
    spec["productionVariants"][0]["modelName"] = "churn-xgb-0123abcd"
    spec["productionVariants"][1]["modelName"] = "churn-xgb-0123abcd"
    spec["asyncInferenceConfig"] = {
        "outputConfig": {"s3OutputPath": "s3://async/out", "s3FailurePath": "s3://async/fail"},
        "clientConfig": {"maxConcurrentInvocationsPerInstance": 4},
    }
    request = _endpoint_api_request(spec)
    variant = request["ProductionVariants"][0]
    assert variant["InitialInstanceCount"] == 2 and variant["InstanceType"] == "ml.m5.large"
    assert request["ProductionVariants"][1]["ServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 20,
    }
    assert request["DataCaptureConfig"]["DestinationS3Uri"] == "s3://capture/churn"
    assert request["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"] == "s3://async/out"
    report = ParamValidator().validate(request, operation_input("sagemaker", "CreateEndpointConfig"))
    assert not report.has_errors(), report.generate_report()

    deployment = to_api(spec["deploymentConfig"], deployment_config_shape())
    policy = deployment["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["CanarySize"] == {"Type": "CAPACITY_PERCENT", "Value": 10}
    assert deployment["AutoRollbackConfiguration"]["Alarms"] == [{"AlarmName": "${Alarm.churn-5xx.name}"}]
    assert from_api(deployment, deployment_config_shape()) == spec["deploymentConfig"]

    back = from_api(request, spec_shape("Endpoint"))
    assert back.pop("endpointConfigName") == "churn-0123abcd"
    assert back == {k: v for k, v in spec.items() if k != "deploymentConfig"}


def test_map_keys_are_user_data() -> None:
    spec = MODEL_DOC["spec"]
    request = to_api(spec, spec_shape("Model"))
    assert request["PrimaryContainer"]["Environment"] == {
        "SAGEMAKER_PROGRAM": "inference.py",
        "logLevel": "debug",
    }
    assert request["VpcConfig"] == {
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "Subnets": ["subnet-0123abcd"],
    }
    assert request["EnableNetworkIsolation"] is True
    assert from_api(request, spec_shape("Model")) == spec
    report = ParamValidator().validate({"ModelName": "m", **request}, spec_shape("Model"))
    assert not report.has_errors(), report.generate_report()


def test_to_api_accepts_frozen_values_and_returns_plain_ones() -> None:
    request = to_api(freeze(MODEL_DOC["spec"]), spec_shape("Model"))
    assert request == to_api(MODEL_DOC["spec"], spec_shape("Model"))
    assert type(request["VpcConfig"]["Subnets"]) is list
    assert type(request["PrimaryContainer"]["Environment"]) is dict


def test_unknown_keys_raise_key_error_with_a_path() -> None:
    spec = _with(ENDPOINT_DOC, (*VARIANT, "instanceTyp"), "ml.m5.large")["spec"]
    with pytest.raises(KeyError) as caught:
        to_api(spec, spec_shape("Endpoint"))
    error = caught.value
    assert isinstance(error, UnknownFieldError)
    assert error.path == ("productionVariants", 0, "instanceTyp")
    assert error.shape_name == "ProductionVariant"
    assert "productionVariants[0].instanceTyp" in str(error)
    with pytest.raises(KeyError):
        to_api({"ExecutionRoleArn": ROLE}, spec_shape("Model"))  # API casing is not spec casing
    with pytest.raises(KeyError):
        to_api(ENDPOINT_DOC["spec"], spec_shape("Endpoint"))  # deploymentConfig is the caller's
    with pytest.raises(KeyError):
        from_api({"executionRoleArn": ROLE}, spec_shape("Model"))
    with pytest.raises(TypeError):
        to_api({"vpcConfig": ["sg-1"]}, spec_shape("Model"))


def test_from_api_can_read_a_describe_response_through_the_create_shape() -> None:
    described = {
        "ModelName": "churn-xgb-0123abcd",
        "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/churn-xgb-0123abcd",
        "CreationTime": "2024-01-01T00:00:00Z",
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": "img", "Mode": "SingleModel", "Environment": {"A_B": "1"}},
    }
    assert from_api(described, spec_shape("Model"), drop_unknown=True) == {
        "modelName": "churn-xgb-0123abcd",
        "executionRoleArn": ROLE,
        "primaryContainer": {"image": "img", "mode": "SingleModel", "environment": {"A_B": "1"}},
    }


# --------------------------------------------------------------------------- autoscaling conversion

TARGET = {
    "ServiceNamespace": "sagemaker",
    "ResourceId": "endpoint/churn/variant/blue",
    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
}


def test_split_variant_extensions_round_trips() -> None:
    spec = AUTOSCALED_DOC["spec"]
    variants, scaling = split_variant_extensions(spec["productionVariants"])
    assert scaling == {
        "blue": spec["productionVariants"][0]["autoscaling"],
        "serverless": spec["productionVariants"][1]["autoscaling"],
    }
    assert variants == [
        {k: v for k, v in variant.items() if k != "autoscaling"} for variant in spec["productionVariants"]
    ]
    assert join_variant_extensions(variants, scaling) == spec["productionVariants"]
    request = _endpoint_api_request({**spec, "productionVariants": variants})
    assert "Autoscaling" not in request["ProductionVariants"][0]

    plain_variants, none = split_variant_extensions(ENDPOINT_DOC["spec"]["productionVariants"])
    assert none == {"blue": None, "serverless": None}
    assert plain_variants == ENDPOINT_DOC["spec"]["productionVariants"]
    assert join_variant_extensions(plain_variants, none) == plain_variants

    frozen_variants, frozen_scaling = split_variant_extensions(freeze(spec["productionVariants"]))
    assert frozen_variants == variants and frozen_scaling == scaling
    assert type(frozen_scaling["blue"]["policies"]) is list and type(frozen_variants[1]) is dict  # type: ignore[index]


def test_split_variant_extensions_rejects_ambiguous_variants() -> None:
    with pytest.raises(ValueError, match="used twice"):
        split_variant_extensions([{"variantName": "a"}, {"variantName": "a"}])
    with pytest.raises(ValueError, match="no variantName"):
        split_variant_extensions([{"modelName": "m"}])
    with pytest.raises(TypeError):
        split_variant_extensions(["a"])  # type: ignore[list-item]


def test_to_api_points_at_the_split_helper() -> None:
    with pytest.raises(UnknownFieldError) as caught:
        to_api(AUTOSCALED_DOC["spec"]["productionVariants"], spec_shape("Endpoint").members["ProductionVariants"])
    assert caught.value.path == (0, "autoscaling")
    assert "split_variant_extensions()" in str(caught.value)


@pytest.mark.parametrize("policy", [TARGET_TRACKING_POLICY, STEP_POLICY], ids=["target-tracking", "step"])
def test_policy_conversion_round_trips(policy: dict[str, Any]) -> None:
    api = policy_to_api(policy)
    assert api["PolicyName"] == policy["policyName"] and api["PolicyType"] == policy["policyType"]
    assert not set(TARGET) & set(api)
    report = ParamValidator().validate({**TARGET, **api}, scaling_policy_shape())
    assert not report.has_errors(), report.generate_report()
    assert policy_from_api(api) == policy
    assert policy_from_api(api, drop_unknown=False) == policy
    assert policy_to_api(freeze(policy)) == api


def test_policy_api_casing() -> None:
    api = policy_to_api(STEP_POLICY)
    assert api["StepScalingPolicyConfiguration"]["StepAdjustments"][0] == {
        "MetricIntervalLowerBound": 0.0,
        "MetricIntervalUpperBound": 100.0,
        "ScalingAdjustment": 1,
    }
    tracking = policy_to_api(TARGET_TRACKING_POLICY)["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["CustomizedMetricSpecification"]["Dimensions"][1] == {"Name": "VariantName", "Value": "blue"}
    assert tracking["ScaleInCooldown"] == 600 and tracking["DisableScaleIn"] is False


def test_policy_from_a_describe_response() -> None:
    described = {
        "PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/sagemaker/x:policyName/p",
        **TARGET,
        **policy_to_api(TARGET_TRACKING_POLICY),
        "Alarms": [{"AlarmName": "TargetTracking-endpoint/churn-AlarmHigh", "AlarmARN": "arn:x"}],
        "CreationTime": datetime(2025, 1, 1, tzinfo=timezone.utc),
    }
    assert policy_from_api(described) == TARGET_TRACKING_POLICY
    with pytest.raises(UnknownFieldError):
        policy_from_api(described, drop_unknown=False)


def test_scheduled_action_conversion_round_trips() -> None:
    api = scheduled_action_to_api(SCHEDULED_ACTION)
    assert api == {
        "ScheduledActionName": "business-hours",
        "Schedule": "cron(0 8 ? * MON-FRI *)",
        "Timezone": "Europe/Berlin",
        "StartTime": "2025-01-01T00:00:00Z",
        "ScalableTargetAction": {"MinCapacity": 4, "MaxCapacity": 12},
    }
    report = ParamValidator().validate({**TARGET, **api}, scheduled_action_shape())
    assert not report.has_errors(), report.generate_report()
    assert scheduled_action_from_api(api) == SCHEDULED_ACTION
    described = {
        **TARGET,
        **api,
        "ScheduledActionARN": "arn:aws:autoscaling:us-east-1:123456789012:scheduledAction:1",
        "StartTime": datetime(2025, 1, 1, tzinfo=timezone.utc),
        "CreationTime": datetime(2024, 12, 1, tzinfo=timezone.utc),
    }
    assert scheduled_action_from_api(described) == SCHEDULED_ACTION  # timestamps come back as ...Z
    with pytest.raises(UnknownFieldError):
        scheduled_action_from_api(described, drop_unknown=False)


@pytest.mark.parametrize(
    ("convert", "value"),
    [
        (policy_to_api, {**STEP_POLICY, "serviceNamespace": "sagemaker"}),
        (policy_to_api, {**STEP_POLICY, "PolicyType": "StepScaling"}),
        (policy_to_api, {**STEP_POLICY, "stepScalingPolicyConfiguration": {"bogus": 1}}),
        (scheduled_action_to_api, {**SCHEDULED_ACTION, "resourceId": "endpoint/churn/variant/blue"}),
        (scheduled_action_to_api, {**SCHEDULED_ACTION, "scalableDimension": "x"}),
    ],
)
def test_autoscaling_converters_reject_unknown_and_target_fields(convert: Any, value: dict[str, Any]) -> None:
    with pytest.raises(UnknownFieldError) as caught:
        convert(value)
    assert caught.value.shape_name in ("ScalingPolicySpec", "ScheduledActionSpec", "StepScalingPolicyConfiguration")
    assert caught.value.path in ((key,) for key in value) or caught.value.path[-1] == "bogus"


def test_policy_converters_reject_predictive_scaling() -> None:
    with pytest.raises(UnknownFieldError) as caught:
        policy_to_api({**TARGET_TRACKING_POLICY, "predictiveScalingPolicyConfiguration": PREDICTIVE})
    assert caught.value.shape_name == "ScalingPolicySpec"
    predictive = {"MetricSpecifications": [{"TargetValue": 50.0}]}
    api = {**policy_to_api(TARGET_TRACKING_POLICY), "PredictiveScalingPolicyConfiguration": predictive}
    assert policy_from_api(api) == TARGET_TRACKING_POLICY
    with pytest.raises(UnknownFieldError):
        policy_from_api(api, drop_unknown=False)


# --------------------------------------------------------------------------- Alarm and ShadowTest conversion


def test_alarm_conversion_round_trips() -> None:
    spec = ALARM_DOC["spec"]
    request = {"AlarmName": ALARM_DOC["name"], **to_api(spec, spec_shape("Alarm"))}
    assert request["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert request["OKActions"] == spec["oKActions"]
    assert request["Dimensions"][0] == {"Name": "EndpointName", "Value": "churn"}
    assert request["TreatMissingData"] == "notBreaching" and request["Threshold"] == 5
    report = ParamValidator().validate(request, spec_shape("Alarm"))
    assert not report.has_errors(), report.generate_report()
    back = from_api(request, spec_shape("Alarm"))
    assert back.pop("alarmName") == "churn_5xx"
    assert back == spec
    described = {**request, "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:churn_5xx", "StateValue": "OK"}
    assert from_api(described, spec_shape("Alarm"), drop_unknown=True) == {"alarmName": "churn_5xx", **spec}


def _shadow_spec() -> dict[str, Any]:
    spec = copy.deepcopy(SHADOW_TEST_DOC["spec"])
    spec["endpointName"] = "churn"
    spec["modelVariants"][0]["modelName"] = "churn-xgb-0123abcd"
    spec["modelVariants"][1]["modelName"] = "churn-xgb-v2-4567cdef"
    return spec


def test_shadow_test_conversion_passes_timestamps_as_strings() -> None:
    spec = _shadow_spec()
    body = to_api(spec, spec_shape("ShadowTest"))
    assert body["Schedule"] == {"StartTime": "2026-12-01T00:00:00Z", "EndTime": "2026-12-08T00:00:00Z"}
    assert body["ShadowModeConfig"]["ShadowModelVariants"] == [
        {"ShadowModelVariantName": "challenger", "SamplingPercentage": 50}
    ]
    infrastructure = body["ModelVariants"][0]["InfrastructureConfig"]
    assert infrastructure["RealTimeInferenceConfig"] == {"InstanceType": "ml.m5.large", "InstanceCount": 2}
    request = {"Name": "churn-shadow", "Type": "ShadowMode", **body}
    report = ParamValidator().validate(request, spec_shape("ShadowTest"))
    assert not report.has_errors(), report.generate_report()
    # botocore serializes the strings as the timestamps they denote.
    model = service_model("sagemaker")
    wire = create_serializer(model.protocol).serialize_to_request(
        request, model.operation_model("CreateInferenceExperiment")
    )
    sent = json.loads(wire["body"])["Schedule"]
    assert sent["StartTime"] == datetime(2026, 12, 1, tzinfo=timezone.utc).timestamp()
    assert sent["EndTime"] == datetime(2026, 12, 8, tzinfo=timezone.utc).timestamp()
    back = from_api(request, spec_shape("ShadowTest"))
    assert (back.pop("name"), back.pop("type")) == ("churn-shadow", "ShadowMode")
    assert back == spec


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        (datetime(2026, 12, 1, tzinfo=timezone.utc), "2026-12-01T00:00:00Z"),
        (datetime(2026, 12, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))), "2026-12-01T00:00:00Z"),  # botocore: tzlocal
        (datetime(2026, 11, 30, 19, 0, tzinfo=timezone(timedelta(hours=-5))), "2026-12-01T00:00:00Z"),
        (datetime(2026, 12, 1), "2026-12-01T00:00:00Z"),  # naive: taken as UTC
        (datetime(2026, 12, 1, 0, 0, 0, 250000, tzinfo=timezone.utc), "2026-12-01T00:00:00.250000Z"),
    ],
)
def test_timestamps_from_a_describe_response(stamp: datetime, expected: str) -> None:
    described = {
        "Name": "churn-shadow",
        "Arn": "arn:aws:sagemaker:us-east-1:123456789012:inference-experiment/churn-shadow",
        "Type": "ShadowMode",
        "Schedule": {"StartTime": stamp, "EndTime": stamp + timedelta(days=7)},
        "Status": "Running",
    }
    back = from_api(described, spec_shape("ShadowTest"), drop_unknown=True)
    assert back["schedule"]["startTime"] == expected
    assert back["schedule"]["endTime"] == expected.replace("2026-12-01", "2026-12-08")
    again = to_api(back, spec_shape("ShadowTest"))
    report = ParamValidator().validate({**again, "RoleArn": ROLE, "EndpointName": "e", **_required_shadow()},
                                       spec_shape("ShadowTest"))
    assert not report.has_errors(), report.generate_report()


def _required_shadow() -> dict[str, Any]:
    body = to_api(_shadow_spec(), spec_shape("ShadowTest"))
    return {key: body[key] for key in ("ModelVariants", "ShadowModeConfig")}


# --------------------------------------------------------------------------- kinds


def test_schema_kinds_are_the_spec_kinds() -> None:
    resource_kinds = ("Model", "Endpoint", "Alarm", "ShadowTest", "EventBus", "EventRule", "ModelPackageGroup",
                      "MonitoringSchedule", "Pipeline", "RecommendationJob", "SchemaRegistry")
    assert KINDS == tuple(REGISTRY.names) == ("Stack", "Environment", *resource_kinds)
    assert REGISTRY.resource_kinds == resource_kinds
    assert {name for name, _ in REGISTRY.sources()} == set(REGISTRY.resource_kinds)
    for kind in KINDS:
        assert (SCHEMAS / schemagen.schema_file_name(kind)).exists()


def test_alarm_and_shadow_test_name_rules() -> None:
    alarm, shadow = REGISTRY["Alarm"].naming, REGISTRY["ShadowTest"].naming
    assert (alarm.content_addressed, alarm.name_max) == (False, 255)
    assert (shadow.content_addressed, shadow.name_max) == (False, 120)
    assert shadow.name_pattern is naming.SAGEMAKER_NAME
    for good in ("churn_5xx", "p99.latency", "a", "Churn 5xx / prod (p99)", "ünïcode-alarm", "x" * 255):
        assert alarm.name_pattern.match(good), good
    for bad in ("", " churn", "churn ", "churn\n", "ch\turn", "\x7f", "a\x00b"):
        assert not alarm.name_pattern.match(bad), repr(bad)
    assert shadow.name_pattern.match("churn-shadow-2") and not shadow.name_pattern.match("churn_shadow")
    assert alarm.name_help == "any characters except control characters, not starting or ending with whitespace"
    assert shadow.name_help == "letters, digits and hyphens, starting and ending with a letter or digit"
    op = service_model("sagemaker").operation_model("CreateInferenceExperiment")
    assert op.input_shape.members["Name"].metadata["max"] == shadow.name_max
    assert operation_input("cloudwatch", "PutMetricAlarm").members["AlarmName"].metadata["max"] == alarm.name_max
