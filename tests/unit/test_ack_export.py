"""`reconciler.export.ack`: a stack as ACK custom resources, kind by kind, each manifest valid for its CRD.

The CRDs are the copies in tests/data/ack-crds; `ack_fields.FIELDS` must be their field trees. The export of
the repository's specs/ (every kind it has) validates with zero errors; each mapping is checked on a small
stack of its own: field names, names, references, tags, metadata and the warnings for what ACK cannot express.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.export import ack
from reconciler.export.ack_fields import FIELDS
from reconciler.frozen import thaw
from reconciler.kinds import expand, load_stack
from reconciler.spec.documents import StackSpec
from tests.unit.ack_support import crds, field_trees, fields_module, json_schema, validate

REPO = Path(__file__).resolve().parents[2]
REGION, ACCOUNT = "us-east-1", "123456789012"
STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1, tags: {team: ml}}\n"
ROLE = "arn:aws:iam::123456789012:role/r"
MODEL = f"""\
apiVersion: reconciler/v1
kind: Model
name: m
spec:
  executionRoleArn: {ROLE}
  primaryContainer:
    image: 1.dkr.ecr.us-east-1.amazonaws.com/i:1
    modelDataUrl: s3://b/model.tar.gz
    environment: {{SAGEMAKER_PROGRAM: inference.py, Mixed_Case: "1"}}
"""
ENDPOINT = """\
apiVersion: reconciler/v1
kind: Endpoint
name: ep
spec:
  productionVariants:
    - {variantName: main, modelName: "${Model.m.name}", instanceType: ml.m5.large, initialInstanceCount: 2,
       initialVariantWeight: 1}
"""


def stack_of(tmp_path: Path, *docs: str, stack: str = STACK) -> StackSpec:
    root = tmp_path / "specs"
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.yaml").write_text(stack)
    (root / "docs.yaml").write_text("---\n".join(textwrap.dedent(d) for d in docs))
    return load_stack(root)


def export_of(stack: StackSpec, **options: Any) -> ack.Export:
    return ack.export(stack, expand(stack, REGION, ACCOUNT, **options.pop("expand", {})), region=REGION, **options)


def by_kind(result: ack.Export, kind: str) -> list[dict[str, Any]]:
    return [thaw(m.body) for m in result.manifests if m.kind.kind == kind]


def one(result: ack.Export, kind: str) -> dict[str, Any]:
    [found] = by_kind(result, kind)
    return found


def assert_valid(result: ack.Export) -> None:
    problems = [p for m in result.manifests for p in validate(m.body)]
    assert problems == []


# --- the CRDs ---------------------------------------------------------------------------------------------------
def test_the_field_trees_are_generated_from_the_crds() -> None:
    assert field_trees() == FIELDS, "regenerate: python -m tests.unit.ack_support"
    assert (REPO / "reconciler" / "export" / "ack_fields.py").read_text(encoding="utf-8") == fields_module()


def test_every_kind_the_export_writes_has_its_crd_and_every_crd_a_kind() -> None:
    written = {(k.api_version, k.kind) for k in ack.KINDS.values()}
    assert written == set(crds())
    assert {k.group for k in ack.KINDS.values()} == {ack.SAGEMAKER, ack.AUTOSCALING, ack.CLOUDWATCH, ack.EVENTBRIDGE}


def test_every_resource_type_is_exported_or_says_why_not() -> None:
    from reconciler.handlers.registry import handlers

    assert set(handlers()) == set(ack.KINDS) | set(ack.NOT_EXPRESSIBLE)
    assert not set(ack.KINDS) & set(ack.NOT_EXPRESSIBLE)


def test_the_schema_conversion_drops_kubernetes_keys_and_makes_nullable_and_unknown_fields_explicit() -> None:
    schema = json_schema({"type": "object", "x-kubernetes-validations": [{"rule": "x"}], "properties": {
        "a": {"type": "string", "nullable": True}, "b": {"x-kubernetes-int-or-string": True},
        "c": {"type": "object", "additionalProperties": {"type": "string"}},
        "d": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
              "properties": {"e": {"type": "integer"}}}}})
    assert schema == {"type": "object", "additionalProperties": False, "properties": {
        "a": {"type": ["string", "null"]}, "b": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "c": {"type": "object", "additionalProperties": {"type": "string"}},
        "d": {"type": "object", "properties": {"e": {"type": "integer"}}}}}


def test_the_validator_reports_unknown_fields_wrong_types_and_bad_names() -> None:
    manifest = {"apiVersion": f"{ack.SAGEMAKER}/v1alpha1", "kind": "Model",
                "metadata": {"name": "Bad_Name", "labels": {"reconciler/stack": "not valid!"}},
                "spec": {"modelName": "m", "modelDataUrl": "s3://x", "enableNetworkIsolation": "yes"}}
    problems = validate(manifest)
    assert any("'modelDataUrl' was unexpected" in p for p in problems)
    assert any("spec.enableNetworkIsolation: 'yes' is not of type 'boolean'" in p for p in problems)
    assert any("metadata.name 'Bad_Name' is not a DNS-1123 subdomain" in p for p in problems)
    assert any("label reconciler/stack='not valid!' is not valid" in p for p in problems)


# --- the repository's specs ---------------------------------------------------------------------------------------
def test_the_export_of_specs_validates_against_the_crds_with_every_kind_it_has(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    shutil.copytree(REPO / "specs", root)
    stack = load_stack(root)
    result = export_of(stack)
    assert_valid(result)
    assert {m.kind.kind for m in result.manifests} == {
        "Model", "EndpointConfig", "Endpoint", "ScalableTarget", "ScalingPolicy", "MetricAlarm", "ModelPackageGroup",
        "Pipeline", "EventBus", "Rule", "DataQualityJobDefinition", "ModelQualityJobDefinition", "MonitoringSchedule"}
    missing = {d.address for d in stack.docs if d.kind != "Stack"} - {m.spec for m in result.manifests}
    assert "ShadowTest/fraud-challenger" in missing
    for address in missing:  # a document with nothing exported says why
        assert any(w.startswith(f"{address}: ") and "is not exported" in w for w in result.warnings), address
    tiers = [m.kind.tier for m in result.manifests]
    assert tiers == sorted(tiers)
    assert [m.kind.tier for m in sorted(result.manifests, key=lambda m: m.file_name)] == sorted(tiers)
    assert len({m.file_name for m in result.manifests}) == len(result.manifests)
    text = "\n".join(result.warnings)
    assert "ShadowTest/fraud-challenger: inference-experiment/fraud-challenger is not exported" in text
    assert "Endpoint/fraud: scheduled-action/endpoint/fraud/variant/main/business-hours is not exported" in text
    assert "EventBus/ml-platform: policy is not exported" in text
    assert "EventBus/ml-platform: spec.description has no field in the ACK EventBus CRD: left out" in text
    assert "Endpoint/churn: ACK updates endpoints with RetainAllVariantProperties=true" in text
    assert "Endpoint/fraud: variant main is autoscaled" in text
    # the same export again is the same text (nothing depends on the time or the working directory)
    assert ack.render_all(export_of(load_stack(root))) == ack.render_all(result)


def test_the_rendered_stream_is_yaml_of_the_same_manifests(tmp_path: Path) -> None:
    result = export_of(stack_of(tmp_path, MODEL, ENDPOINT))
    text = ack.render_all(result)
    assert text.startswith("---\n# reconciler export ack: stack s\napiVersion: sagemaker.services.k8s.aws/v1alpha1\n")
    assert list(yaml.safe_load_all(text)) == [thaw(m.body) for m in result.manifests]
    for manifest in result.manifests:
        single = ack.render(manifest, result.stack)
        assert single.splitlines()[0] == "# reconciler export ack: stack s"
        assert yaml.safe_load(single) == thaw(manifest.body)


# --- Model, EndpointConfig, Endpoint --------------------------------------------------------------------------------
def test_a_model_keeps_its_content_addressed_name_and_its_environment_keys(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, MODEL)
    [desired] = expand(stack, REGION, ACCOUNT)
    result = ack.export(stack, [desired], region=REGION)
    model = one(result, "Model")
    assert_valid(result)
    assert model["apiVersion"] == "sagemaker.services.k8s.aws/v1alpha1"
    assert model["metadata"]["name"] == desired.address.name == model["spec"]["modelName"]
    assert model["spec"] == {
        "modelName": desired.address.name, "executionRoleARN": ROLE,
        "primaryContainer": {"image": "1.dkr.ecr.us-east-1.amazonaws.com/i:1", "modelDataURL": "s3://b/model.tar.gz",
                             "environment": {"SAGEMAKER_PROGRAM": "inference.py", "Mixed_Case": "1"}},
        "tags": [{"key": "team", "value": "ml"}]}
    assert model["metadata"]["labels"] == {"reconciler/stack": "s", "reconciler/kind": "Model",
                                           "reconciler/document": "m"}
    assert model["metadata"]["annotations"] == {"reconciler/spec": "Model/m", "reconciler/file": "docs.yaml",
                                                "services.k8s.aws/region": "us-east-1"}
    assert "tags of SageMaker resources are set when ACK creates them" in result.warnings[-1]


def test_an_endpoint_config_is_named_by_its_whole_content_and_the_endpoint_follows(tmp_path: Path) -> None:
    first = stack_of(tmp_path / "a", MODEL, ENDPOINT)
    second = stack_of(tmp_path / "b", MODEL, ENDPOINT.replace("initialVariantWeight: 1", "initialVariantWeight: 0.5"))
    configs = [next(d for d in expand(s, REGION, ACCOUNT) if d.address.type == "endpoint-config")
               for s in (first, second)]
    assert configs[0].address == configs[1].address  # the reconciler updates weights in place
    names = []
    for stack in (first, second):
        result = export_of(stack)
        assert_valid(result)
        config, endpoint = one(result, "EndpointConfig"), one(result, "Endpoint")
        assert config["metadata"]["name"] == config["spec"]["endpointConfigName"] \
            == endpoint["spec"]["endpointConfigName"]
        assert endpoint["metadata"]["name"] == endpoint["spec"]["endpointName"] == "ep"
        names.append(config["metadata"]["name"])
    assert names[0] != names[1] and all(n.startswith("ep-") and len(n) == len("ep-") + 8 for n in names)
    variant = one(export_of(second), "EndpointConfig")["spec"]["productionVariants"][0]
    assert variant == {"variantName": "main", "modelName": configs[1].request["ProductionVariants"][0]["ModelName"],
                       "instanceType": "ml.m5.large", "initialInstanceCount": 2, "initialVariantWeight": 0.5}


def test_an_endpoint_carries_its_rollout_guardrails_and_protect_is_a_retain_deletion_policy(tmp_path: Path) -> None:
    alarm = """\
        apiVersion: reconciler/v1
        kind: Alarm
        name: ep-5xx
        spec: {namespace: AWS/SageMaker, metricName: Invocation5XXErrors, statistic: Sum, period: 60,
               evaluationPeriods: 1, threshold: 5, comparisonOperator: GreaterThanThreshold}
        """
    endpoint = ENDPOINT.replace("kind: Endpoint\n", "kind: Endpoint\nprotect: true\n") + (
        "  deploymentConfig:\n"
        "    blueGreenUpdatePolicy:\n"
        "      trafficRoutingConfiguration: {type: LINEAR, linearStepSize: {type: CAPACITY_PERCENT, value: 50},\n"
        "                                    waitIntervalInSeconds: 300}\n"
        "      maximumExecutionTimeoutInSeconds: 3600\n"
        "    autoRollbackConfiguration: {alarms: [{alarmName: \"${Alarm.ep-5xx.name}\"}]}\n")
    result = export_of(stack_of(tmp_path, MODEL, alarm, endpoint))
    assert_valid(result)
    spec = one(result, "Endpoint")["spec"]
    assert spec["deploymentConfig"] == {
        "blueGreenUpdatePolicy": {"trafficRoutingConfiguration": {
            "type_": "LINEAR", "linearStepSize": {"type_": "CAPACITY_PERCENT", "value": 50},
            "waitIntervalInSeconds": 300}, "maximumExecutionTimeoutInSeconds": 3600},
        "autoRollbackConfiguration": {"alarms": [{"alarmName": "ep-5xx"}]}}
    for kind in ("Endpoint", "EndpointConfig"):
        assert one(result, kind)["metadata"]["annotations"]["services.k8s.aws/deletion-policy"] == "retain"
    assert "services.k8s.aws/deletion-policy" not in one(result, "Model")["metadata"]["annotations"]
    assert one(result, "MetricAlarm")["spec"]["name"] == "ep-5xx"
    assert [m.kind.kind for m in result.manifests] == ["Model", "MetricAlarm", "EndpointConfig", "Endpoint"]


def test_a_field_the_crd_lacks_is_left_out_with_a_warning_naming_it(tmp_path: Path) -> None:
    endpoint = ENDPOINT.replace("initialVariantWeight: 1}", "initialVariantWeight: 1,\n"
                                "       inferenceAmiVersion: al2-ami-sagemaker-inference-gpu-2}")
    result = export_of(stack_of(tmp_path, MODEL, endpoint))
    assert_valid(result)
    assert "inferenceAMIVersion" not in json.dumps(one(result, "EndpointConfig"))
    assert "Endpoint/ep: spec.productionVariants[0].inferenceAmiVersion has no field in the ACK EndpointConfig " \
           "CRD: left out" in result.warnings


def test_autoscaling_is_a_scalable_target_and_its_policies_and_scheduled_actions_are_warned_about(
        tmp_path: Path) -> None:
    endpoint = ENDPOINT.replace("initialVariantWeight: 1}", textwrap.dedent("""\
        initialVariantWeight: 1,
               autoscaling: {minCapacity: 2, maxCapacity: 6, targetInvocationsPerInstance: 100, scaleInCooldown: 300,
                             policies: [{policyName: steps, policyType: StepScaling, stepScalingPolicyConfiguration: {
                               adjustmentType: ChangeInCapacity, cooldown: 60,
                               stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]}}],
                             scheduledActions: [{scheduledActionName: nights, schedule: "cron(0 20 * * ? *)",
                                                 scalableTargetAction: {minCapacity: 1, maxCapacity: 2}}]}}"""))
    result = export_of(stack_of(tmp_path, MODEL, endpoint))
    assert_valid(result)
    target = one(result, "ScalableTarget")
    assert target["apiVersion"] == "applicationautoscaling.services.k8s.aws/v1alpha1"
    assert target["metadata"]["name"] == "ep-main"
    assert target["spec"] == {"serviceNamespace": "sagemaker", "resourceID": "endpoint/ep/variant/main",
                              "scalableDimension": "sagemaker:variant:DesiredInstanceCount", "minCapacity": 2,
                              "maxCapacity": 6}
    policies = {p["metadata"]["name"]: p["spec"] for p in by_kind(result, "ScalingPolicy")}
    assert set(policies) == {"ep-main-invocations-per-instance", "ep-main-steps"}
    assert policies["ep-main-invocations-per-instance"]["targetTrackingScalingPolicyConfiguration"] == {
        "targetValue": 100.0, "predefinedMetricSpecification": {
            "predefinedMetricType": "SageMakerVariantInvocationsPerInstance"}, "scaleInCooldown": 300}
    assert policies["ep-main-steps"]["stepScalingPolicyConfiguration"]["stepAdjustments"] == [
        {"metricIntervalLowerBound": 0, "scalingAdjustment": 1}]
    assert all("tags" not in p for p in policies.values()) and "tags" not in target["spec"]
    assert "Endpoint/ep: scheduled-action/endpoint/ep/variant/main/nights is not exported: the ACK Application " \
           "Auto Scaling controller has no ScheduledAction resource" in result.warnings[0]
    assert any(w.startswith("Endpoint/ep: variant main is autoscaled: ACK does not deregister a scalable target")
               for w in result.warnings)
    assert [m.kind.tier for m in result.manifests] == [10, 20, 30, 40, 50, 50]


# --- Alarm ------------------------------------------------------------------------------------------------------------
def test_an_alarm_is_a_metric_alarm_named_for_kubernetes_and_for_cloudwatch_as_written(tmp_path: Path) -> None:
    alarm = """\
        apiVersion: reconciler/v1
        kind: Alarm
        name: "Churn 5XX (prod)"
        spec:
          alarmDescription: errors
          oKActions: [arn:aws:sns:us-east-1:123456789012:ok]
          alarmActions: [arn:aws:sns:us-east-1:123456789012:page]
          metrics:
            - id: e
              expression: m1 * 2
              returnData: true
            - id: m1
              returnData: false
              metricStat:
                metric: {namespace: AWS/SageMaker, metricName: Invocation5XXErrors,
                         dimensions: [{name: EndpointName, value: churn}]}
                period: 60
                stat: Sum
          evaluationPeriods: 1
          threshold: 5
          comparisonOperator: GreaterThanThreshold
        """
    result = export_of(stack_of(tmp_path, alarm))
    assert_valid(result)
    manifest = one(result, "MetricAlarm")
    assert manifest["apiVersion"] == "cloudwatch.services.k8s.aws/v1alpha1"
    name = manifest["metadata"]["name"]
    assert name.startswith("churn-5xx-prod-") and ack.DNS_LABEL.match(name)
    spec = manifest["spec"]
    assert spec["name"] == "Churn 5XX (prod)"
    assert spec["oKActions"] == ["arn:aws:sns:us-east-1:123456789012:ok"]
    assert spec["metrics"][1]["metricStat"]["metric"]["dimensions"] == [{"name": "EndpointName", "value": "churn"}]
    assert manifest["metadata"]["labels"]["reconciler/document"] == "Churn-5XX-prod"
    assert manifest["metadata"]["annotations"]["reconciler/spec"] == "Alarm/Churn 5XX (prod)"


# --- ModelPackageGroup, Pipeline --------------------------------------------------------------------------------------
def test_a_model_package_group_and_what_its_crd_cannot_hold(tmp_path: Path) -> None:
    group = """\
        apiVersion: reconciler/v1
        kind: ModelPackageGroup
        name: churn
        spec:
          modelPackageGroupDescription: churn models
          deleteVersions: true
          resourcePolicy:
            Version: "2012-10-17"
            Statement: [{Sid: Read, Effect: Allow, Principal: {AWS: "arn:aws:iam::210987654321:root"},
                         Action: ["sagemaker:DescribeModelPackageGroup"],
                         Resource: "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn"}]
        """
    result = export_of(stack_of(tmp_path, group))
    assert_valid(result)
    assert one(result, "ModelPackageGroup")["spec"] == {
        "modelPackageGroupName": "churn", "modelPackageGroupDescription": "churn models",
        "tags": [{"key": "team", "value": "ml"}]}
    assert result.warnings[:2] == (
        "ModelPackageGroup/churn: resourcePolicy is not exported: the ACK ModelPackageGroup has no policy field "
        "(PutModelPackageGroupPolicy)",
        "ModelPackageGroup/churn: deleteVersions is not exported: ACK deletes only an empty group (delete its model "
        "packages first)")


def test_a_pipeline_keeps_its_definition_as_json_and_start_on_change_is_warned_about(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    shutil.copytree(REPO / "specs", root)
    registry = (root / "registry.yaml").read_text()
    (root / "registry.yaml").write_text(registry.replace(
        "  parallelismConfiguration: {maxParallelExecutionSteps: 2}\n",
        "  parallelismConfiguration: {maxParallelExecutionSteps: 2}\n"
        "  startOnChange: {parameters: {MinAccuracy: 0.9}}\n"))
    stack = load_stack(root)
    desired = [d for d in expand(stack, REGION, ACCOUNT) if d.spec in ("Pipeline/churn-train",
                                                                       "ModelPackageGroup/churn")]
    result = ack.export(stack, desired, region=REGION)
    assert_valid(result)
    spec = one(result, "Pipeline")["spec"]
    [pipeline] = [d for d in desired if d.address.type == "pipeline"]
    assert json.loads(spec["pipelineDefinition"]) == json.loads(pipeline.request["PipelineDefinition"])
    assert spec["roleARN"] == "arn:aws:iam::123456789012:role/SageMakerExecution"
    assert spec["parallelismConfiguration"] == {"maxParallelExecutionSteps": 2}
    assert "pipelineDefinition: |\n    {\n" in ack.render(result.manifests[-1], result.stack)
    assert "Pipeline/churn-train: startOnChange is not exported: ACK starts no execution when the definition " \
           "changes (PipelineExecution is a resource of its own)" in result.warnings


# --- EventBus, EventRule ----------------------------------------------------------------------------------------------
BUS = """\
    apiVersion: reconciler/v1
    kind: EventBus
    name: ml.Platform
    spec: {description: the bus}
    """
RULE = """\
    apiVersion: reconciler/v1
    kind: EventRule
    name: approved
    spec:
      eventBusName: ${EventBus.ml.Platform.name}
      eventPattern: {source: [aws.sagemaker]}
      state: DISABLED
      targets:
        - id: pipe
          arn: arn:aws:sagemaker:us-east-1:123456789012:pipeline/p
          roleArn: arn:aws:iam::123456789012:role/events
          sageMakerPipelineParameters: {pipelineParameterList: [{name: Source, value: events}]}
        - id: queue
          arn: arn:aws:sqs:us-east-1:123456789012:q
          inputTransformer: {inputPathsMap: {Group_Name: $.detail.ModelPackageGroupName},
                             inputTemplate: '"<Group_Name>"'}
          sqsParameters: {messageGroupId: g}
    """


def test_a_rule_on_a_bus_of_the_stack_references_it_and_keeps_its_targets(tmp_path: Path) -> None:
    result = export_of(stack_of(tmp_path, BUS, RULE))
    assert_valid(result)
    bus = one(result, "EventBus")
    assert bus["apiVersion"] == "eventbridge.services.k8s.aws/v1alpha1"
    assert bus["metadata"]["name"].startswith("ml-platform-") and bus["spec"]["name"] == "ml.Platform"
    rule = one(result, "Rule")["spec"]
    assert rule["eventBusRef"] == {"from": {"name": bus["metadata"]["name"]}} and "eventBusName" not in rule
    assert rule["name"] == "approved" and rule["state"] == "DISABLED"
    assert json.loads(rule["eventPattern"]) == {"source": ["aws.sagemaker"]}
    assert rule["targets"][0] == {"id": "pipe", "arn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p",
                                  "roleARN": "arn:aws:iam::123456789012:role/events", "sageMakerPipelineParameters": {
                                      "pipelineParameterList": [{"name": "Source", "value": "events"}]}}
    assert rule["targets"][1]["inputTransformer"]["inputPathsMap"] == {"Group_Name": "$.detail.ModelPackageGroupName"}
    assert rule["targets"][1]["sqsParameters"] == {"messageGroupID": "g"}
    assert "EventBus/ml.Platform: spec.description has no field in the ACK EventBus CRD: left out" in result.warnings


def test_a_rule_on_another_bus_names_it_and_the_default_bus_is_not_exported(tmp_path: Path) -> None:
    default = """\
        apiVersion: reconciler/v1
        kind: EventBus
        name: default
        spec:
          policy:
            Version: "2012-10-17"
            Statement: [{Sid: Org, Effect: Allow, Principal: "*", Action: "events:PutEvents",
                         Resource: "arn:aws:events:us-east-1:123456789012:event-bus/default"}]
        """
    rule = RULE.replace("${EventBus.ml.Platform.name}", "elsewhere")
    result = export_of(stack_of(tmp_path, default, rule))
    assert_valid(result)
    assert [m.kind.kind for m in result.manifests] == ["Rule"]
    assert one(result, "Rule")["spec"]["eventBusName"] == "elsewhere"
    assert result.warnings[0].startswith("EventBus/default: the default event bus is not exported")


# --- MonitoringSchedule -----------------------------------------------------------------------------------------------
def monitor(monitoring_type: str, status: str = "") -> str:
    lower = monitoring_type[0].lower() + monitoring_type[1:]
    truth = ", groundTruthS3Input: {s3Uri: s3://b/gt}" if monitoring_type in ("ModelQuality", "ModelBias") else ""
    config = ", configUri: s3://b/analysis.json" if monitoring_type in ("ModelBias", "ModelExplainability") else ""
    problem = ", problemType: BinaryClassification" if monitoring_type == "ModelQuality" else ""
    return textwrap.dedent(f"""\
        apiVersion: reconciler/v1
        kind: MonitoringSchedule
        name: mon-{lower.lower()}
        spec:
          monitoringType: {monitoring_type}
          jobDefinition:
            {lower}AppSpecification: {{imageUri: 1.dkr.ecr.us-east-1.amazonaws.com/m{config}{problem}}}
            {lower}JobInput: {{endpointInput: {{endpointName: outside, localPath: /in}}{truth}}}
            {lower}JobOutputConfig: {{monitoringOutputs: [{{s3Output: {{s3Uri: s3://b/o, localPath: /o}}}}]}}
            jobResources: {{clusterConfig: {{instanceCount: 1, instanceType: ml.m5.xlarge, volumeSizeInGB: 20}}}}
            roleArn: {ROLE}
            stoppingCondition: {{maxRuntimeInSeconds: 1800}}
          scheduleConfig: {{scheduleExpression: "cron(0 * ? * * *)"}}
        """) + (f"  status: {status}\n" if status else "")


@pytest.mark.parametrize("monitoring_type", ["DataQuality", "ModelQuality", "ModelBias", "ModelExplainability"])
def test_each_monitoring_type_is_its_job_definition_and_a_schedule_naming_it(tmp_path: Path,
                                                                             monitoring_type: str) -> None:
    result = export_of(stack_of(tmp_path, monitor(monitoring_type)))
    assert_valid(result)
    definition = one(result, f"{monitoring_type}JobDefinition")
    schedule = one(result, "MonitoringSchedule")
    lower = monitoring_type[0].lower() + monitoring_type[1:]
    assert definition["spec"]["jobDefinitionName"] == definition["metadata"]["name"]
    assert definition["spec"]["roleARN"] == ROLE
    assert definition["spec"][f"{lower}AppSpecification"]["imageURI"] == "1.dkr.ecr.us-east-1.amazonaws.com/m"
    assert definition["spec"][f"{lower}JobOutputConfig"]["monitoringOutputs"] == [
        {"s3Output": {"s3URI": "s3://b/o", "localPath": "/o"}}]
    assert schedule["spec"]["monitoringScheduleConfig"] == {
        "monitoringJobDefinitionName": definition["metadata"]["name"], "monitoringType": monitoring_type,
        "scheduleConfig": {"scheduleExpression": "cron(0 * ? * * *)"}}
    assert [m.kind.tier for m in result.manifests] == [40, 50]


def test_a_stopped_schedule_is_warned_about(tmp_path: Path) -> None:
    result = export_of(stack_of(tmp_path, monitor("DataQuality", "Stopped")))
    assert "MonitoringSchedule/mon-dataquality: status Stopped is not exported: ACK cannot stop a schedule; it " \
           "runs" in result.warnings


# --- what has no ACK resource, documents, options ---------------------------------------------------------------------
def test_shadow_tests_and_schema_registries_are_not_exported_but_warned_about(tmp_path: Path) -> None:
    shadow = f"""\
        apiVersion: reconciler/v1
        kind: ShadowTest
        name: st
        spec:
          endpointName: ${{Endpoint.ep.name}}
          roleArn: {ROLE}
          modelVariants:
            - modelName: ${{Model.m.name}}
              variantName: main
              infrastructureConfig:
                infrastructureType: RealTimeInference
                realTimeInferenceConfig: {{instanceType: ml.m5.large, instanceCount: 1}}
            - modelName: ${{Model.m.name}}
              variantName: shadow
              infrastructureConfig:
                infrastructureType: RealTimeInference
                realTimeInferenceConfig: {{instanceType: ml.m5.large, instanceCount: 1}}
          shadowModeConfig:
            sourceModelVariantName: main
            shadowModelVariants: [{{shadowModelVariantName: shadow, samplingPercentage: 10}}]
        """
    registry = """\
        apiVersion: reconciler/v1
        kind: SchemaRegistry
        name: ml-events
        spec:
          description: ML platform events
          schemas:
            - {name: Approved, type: JSONSchemaDraft4, content: {type: object}}
        """
    result = export_of(stack_of(tmp_path, MODEL, ENDPOINT, shadow, registry))
    assert_valid(result)
    assert {m.spec for m in result.manifests} == {"Model/m", "Endpoint/ep"}
    assert "ShadowTest/st: inference-experiment/st is not exported: ACK has no resource for SageMaker inference " \
           "experiments (shadow tests); run the shadow test with the reconciler or by hand against the endpoint ACK " \
           "creates" in result.warnings
    assert "SchemaRegistry/ml-events: schema-registry/ml-events is not exported: ACK has no EventBridge Schemas " \
           "controller (registries, schemas, discoverers)" in result.warnings


class _Registry:
    """Read-only clients answering the latest approved version of one model package group."""

    def __init__(self, arn: str) -> None:
        self.arn = arn
        self.sagemaker = self
        self.region = REGION

    def list_model_packages(self, **params: Any) -> dict[str, Any]:
        assert params["ModelApprovalStatus"] == "Approved"
        return {"ModelPackageSummaryList": [{"ModelPackageArn": self.arn}]}

    def describe_model_package(self, **params: Any) -> dict[str, Any]:
        return {"ModelPackageArn": params["ModelPackageName"], "ModelPackageVersion": 3,
                "ModelApprovalStatus": "Approved"}


def test_a_model_on_latest_approved_is_the_version_resolved_and_a_warning_that_it_is_pinned(tmp_path: Path) -> None:
    model = f"""\
        apiVersion: reconciler/v1
        kind: Model
        name: reg
        spec:
          executionRoleArn: {ROLE}
          modelPackage: {{group: churn}}
        """
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    result = export_of(stack_of(tmp_path, model), expand={"clients": _Registry(arn)})
    assert_valid(result)
    assert one(result, "Model")["spec"]["primaryContainer"] == {"modelPackageName": arn}
    assert "Model/reg: modelPackage churn latestApproved is pinned to the version approved at export: ACK does " \
           "not follow later approvals; export again after one" in result.warnings


def test_sensitive_values_are_written_with_a_warning(tmp_path: Path) -> None:
    model = MODEL.replace("kind: Model\n", "kind: Model\nsensitive: [spec.primaryContainer.environment.Mixed_Case]\n")
    result = export_of(stack_of(tmp_path, model))
    assert one(result, "Model")["spec"]["primaryContainer"]["environment"]["Mixed_Case"] == "1"
    assert "Model/m: its sensitive values are written in clear text (these ACK fields take no secret reference): " \
           "keep the export out of git, or encrypt it" in result.warnings
    default = export_of(stack_of(tmp_path / "b", MODEL.replace("Mixed_Case", "DB_PASSWORD")))
    assert any(w.startswith("Model/m: its sensitive values are written in clear text") for w in default.warnings)
    assert not any("sensitive" in w for w in export_of(stack_of(tmp_path / "c", MODEL)).warnings)


def test_a_namespace_and_an_environment_are_in_the_metadata(tmp_path: Path) -> None:
    environment = "apiVersion: reconciler/v1\nkind: Environment\nname: prod\nspec: {namePrefix: prod-}\n"
    root = tmp_path / "specs"
    root.mkdir()
    (root / "stack.yaml").write_text(STACK)
    (root / "env.yaml").write_text(environment)
    (root / "docs.yaml").write_text(MODEL)
    stack = load_stack(root, "prod")
    result = export_of(stack, namespace="ml")
    assert_valid(result)
    metadata = one(result, "Model")["metadata"]
    assert metadata["namespace"] == "ml" and metadata["name"].startswith("prod-m-")
    assert metadata["labels"]["reconciler/stack"] == "s-prod"
    assert result.stack == "s-prod"


# --- names ------------------------------------------------------------------------------------------------------------
def test_names_are_dns_labels_distinct_for_distinct_aws_names() -> None:
    assert ack.k8s_name("churn-xgb-df3d082c") == "churn-xgb-df3d082c"
    for text in ("Churn", "a.b", "a_b", "-x-", "x" * 64, "ÄÖ", "???"):
        name = ack.k8s_name(text)
        assert ack.DNS_LABEL.match(name) and len(name) <= ack.NAME_MAX, (text, name)
    assert ack.k8s_name("Churn") != ack.k8s_name("churn") == "churn"
    assert ack.k8s_name("a.b") != ack.k8s_name("a_b")
    assert ack.label_value("Alarm/x y") == "Alarm-x-y" and ack.label_value("-x-") == "x"
    assert ack.label_value("a" * 70) == "a" * 63


def test_two_resources_of_one_kind_that_would_share_a_name_both_get_their_hash(tmp_path: Path) -> None:
    def autoscaled(endpoint: str, variant: str) -> str:
        text = ENDPOINT.replace("name: ep", f"name: {endpoint}").replace("variantName: main", f"variantName: {variant}")
        scaled = "initialVariantWeight: 1,\n       autoscaling: {minCapacity: 2, maxCapacity: 4}}"
        return text.replace("initialVariantWeight: 1}", scaled)

    result = export_of(stack_of(tmp_path, MODEL, autoscaled("a-b", "c"), autoscaled("a", "b-c")))
    assert_valid(result)
    names = [t["metadata"]["name"] for t in by_kind(result, "ScalableTarget")]
    assert len(set(names)) == 2 and all(n.startswith("a-b-c-") and len(n) == len("a-b-c-") + 8 for n in names)
    alone = export_of(stack_of(tmp_path / "alone", MODEL, autoscaled("a-b", "c")))
    assert [t["metadata"]["name"] for t in by_kind(alone, "ScalableTarget")] == ["a-b-c"]
