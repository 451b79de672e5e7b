"""What AWS answers about an applied stack, for the per-handler scenario tests.

Each builder returns the response AWS gives for one resource right after reconciler applied
its desired state, server-filled fields included (ARNs, creation times, defaults, statuses),
in the form botocore returns (so `Recorded` validates it against the output shape).
`record_applied` records a whole stack that way: the tag query, the describes the planner
makes and the Application Auto Scaling discovery; a scenario then overrides single answers
(`Recorded.add` replaces the answer to the same request) or records a missing resource with
`absent`.

Shared stack documents (a model and an endpoint of two variants) live here too.
"""

from __future__ import annotations

import copy
import datetime as dt
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.endpoint.handler import ROLLOUT_TAG, rollout_hash
from reconciler.handlers.variants import initial_values
from reconciler.hashing import content_hash
from reconciler.kinds import expand, load_stack
from reconciler.resources import Desired
from tests.handlers.recorded import Recorded, arn, tagged
from tests.unit.planner_support import ACCOUNT, REGION

CREATED = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.timezone.utc)  # botocore returns aware datetimes
UPDATED = dt.datetime(2026, 11, 1, 10, 9, 30, tzinfo=dt.timezone.utc)
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1"
RESOLVED = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb@sha256:" + "ab" * 32
ROLE = "arn:aws:iam::123456789012:role/Exec"
AAS_ROLE = (f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
            "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")

MODEL_DOC = f"""
apiVersion: reconciler/v1
kind: Model
name: churn
spec:
  executionRoleArn: {ROLE}
  primaryContainer: {{image: "{IMAGE}", modelDataUrl: s3://b/m1.tar.gz}}
"""


SHADOW_DOC = f"""
apiVersion: reconciler/v1
kind: ShadowTest
name: churn-shadow
spec:
  endpointName: ${{Endpoint.churn.name}}
  roleArn: {ROLE}
  modelVariants:
    - {{modelName: "${{Model.churn.name}}", variantName: a,
       infrastructureConfig: {{infrastructureType: RealTimeInference,
                              realTimeInferenceConfig: {{instanceType: ml.m5.large, instanceCount: 1}}}}}}
    - {{modelName: "${{Model.churn.name}}", variantName: shadow,
       infrastructureConfig: {{infrastructureType: RealTimeInference,
                              realTimeInferenceConfig: {{instanceType: ml.m5.large, instanceCount: 1}}}}}}
  shadowModeConfig:
    sourceModelVariantName: a
    shadowModelVariants: [{{shadowModelVariantName: shadow, samplingPercentage: SAMPLING}}]
"""


def shadow_doc(sampling: int = 20, extra: str = "") -> str:
    """A ShadowTest `churn-shadow` mirroring `sampling`% of variant a of Endpoint/churn to a shadow variant;
    `extra` is appended under `spec`."""
    return SHADOW_DOC.replace("SAMPLING", str(sampling)) + extra


def endpoint_doc(*, instance: str = "ml.m5.large", weights: tuple[float, float] = (0.5, 0.5),
                 counts: tuple[int, int] = (2, 1), autoscaling: str = "", extra: str = "", tags: str = "") -> str:
    """An Endpoint `churn` serving Model/churn on variants a and b; `autoscaling` is variant a's (YAML flow);
    `extra` is appended under `spec` (indented two spaces)."""
    scaling = f", autoscaling: {autoscaling}" if autoscaling else ""
    head = "apiVersion: reconciler/v1\nkind: Endpoint\nname: churn\n" + (f"tags: {tags}\n" if tags else "")
    body = textwrap.dedent(f"""\
        spec:
          productionVariants:
            - {{variantName: a, modelName: "${{Model.churn.name}}", instanceType: {instance},
               initialInstanceCount: {counts[0]}, initialVariantWeight: {weights[0]}{scaling}}}
            - {{variantName: b, modelName: "${{Model.churn.name}}", instanceType: ml.m5.large,
               initialInstanceCount: {counts[1]}, initialVariantWeight: {weights[1]}}}
        """)
    return head + body + extra


ALARM_DOC = """
apiVersion: reconciler/v1
kind: Alarm
name: churn-5xx
spec:
  namespace: AWS/SageMaker
  metricName: Invocation5XXErrors
  dimensions: [{name: VariantName, value: a}, {name: EndpointName, value: churn}]
  statistic: Sum
  period: 60
  evaluationPeriods: 1
  threshold: THRESHOLD
  comparisonOperator: GreaterThanThreshold
"""


def alarm_doc(threshold: float = 5, extra: str = "", tags: str = "") -> str:
    """An Alarm `churn-5xx` on the 5XX errors of variant a; `extra` is appended under `spec`."""
    text = ALARM_DOC.replace("THRESHOLD", str(threshold)) + extra
    return text.replace("name: churn-5xx\n", f"name: churn-5xx\ntags: {tags}\n", 1) if tags else text


GUARD = """\
  deploymentConfig:
    blueGreenUpdatePolicy:
      trafficRoutingConfiguration:
        type: CANARY
        canarySize: {type: CAPACITY_PERCENT, value: 20}
        waitIntervalInSeconds: 600
      maximumExecutionTimeoutInSeconds: 3600
    autoRollbackConfiguration:
      alarms: [{alarmName: ALARM}]
"""


def guard(alarm: str = "${Alarm.churn-5xx.name}") -> str:
    """An Endpoint's deploymentConfig: a 20% canary baked 600 s, rolled back by `alarm`."""
    return GUARD.replace("ALARM", f'"{alarm}"')


def desired_of(root: Path) -> list[Desired]:
    return expand(load_stack(root), REGION, ACCOUNT)


def one(desired: Iterable[Desired], type_: str) -> Desired:
    [d] = [x for x in desired if x.address.type == type_]
    return d


def of_type(desired: Iterable[Desired], type_: str) -> list[Desired]:
    return [x for x in desired if x.address.type == type_]


def _datetime(value: Any) -> Any:
    """A spec timestamp (ISO 8601 string) as botocore returns it: an aware datetime."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


# --- SageMaker ---------------------------------------------------------------------------------


def model(d: Desired) -> dict[str, Any]:
    """DescribeModel: the create request with the container mode filled in, network isolation reported off."""
    data = copy.deepcopy(thaw(d.request))
    container = data.get("PrimaryContainer")
    if container is not None:
        container.setdefault("Mode", "SingleModel")
        container.setdefault("Environment", {})
    return {**data, "ModelArn": arn("model", d.address.name), "CreationTime": CREATED,
            "EnableNetworkIsolation": bool(data.get("EnableNetworkIsolation", False))}


def endpoint_config(d: Desired) -> dict[str, Any]:
    """DescribeEndpointConfig: the create request, variant weights defaulted to 1.0, serverless volume reported."""
    data = copy.deepcopy(thaw(d.request))
    for variant in data.get("ProductionVariants", []):
        variant.setdefault("InitialVariantWeight", 1.0)
        variant["InitialVariantWeight"] = float(variant["InitialVariantWeight"])
        if "ServerlessConfig" in variant:
            variant.setdefault("VolumeSizeInGB", 5)
    if "DataCaptureConfig" in data:
        data["DataCaptureConfig"].setdefault("EnableCapture", True)
    return {**data, "EndpointConfigArn": arn("endpoint-config", d.address.name), "CreationTime": CREATED,
            "EnableNetworkIsolation": bool(data.get("EnableNetworkIsolation", False))}


def endpoint_variant(name: str, weight: float, count: int | None = None,
                     serverless: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One ProductionVariantSummary of a settled endpoint."""
    entry: dict[str, Any] = {"VariantName": name,
                             "DeployedImages": [{"SpecifiedImage": IMAGE, "ResolvedImage": RESOLVED,
                                                 "ResolutionTime": CREATED}],
                             "CurrentWeight": float(weight), "DesiredWeight": float(weight)}
    if serverless is not None:
        entry["CurrentServerlessConfig"] = dict(serverless)
        entry["DesiredServerlessConfig"] = dict(serverless)
    elif count is not None:
        entry["CurrentInstanceCount"] = entry["DesiredInstanceCount"] = count
    return entry


def endpoint(d: Desired, config: Desired, *, status: str = "InService", **fields: Any) -> dict[str, Any]:
    """DescribeEndpoint of `d` serving `config`: the variants as CreateEndpoint started them (the config's
    initial weights and counts), settled, plus `fields`."""
    request = thaw(config.request)
    start = initial_values(request)
    variants = []
    for v in request["ProductionVariants"]:
        values = start[v["VariantName"]]
        variants.append(endpoint_variant(v["VariantName"], values["weight"], values.get("instanceCount"),
                                         v.get("ServerlessConfig")))
    return {"EndpointName": d.address.name, "EndpointArn": arn("endpoint", d.address.name),
            "EndpointConfigName": config.address.name, "ProductionVariants": variants, "EndpointStatus": status,
            "CreationTime": CREATED, "LastModifiedTime": UPDATED, **fields}


def experiment(d: Desired, *, status: str = "Running", **fields: Any) -> dict[str, Any]:
    """DescribeInferenceExperiment: the create request as SageMaker reports it (endpoint as metadata, each
    model variant with its status, a schedule filled in), plus `fields`."""
    request = copy.deepcopy(thaw(d.request))
    endpoint_name = request.pop("EndpointName")
    variants = [{**v, "Status": "InService"} for v in request.pop("ModelVariants")]
    schedule = {k: _datetime(v) for k, v in (request.pop("Schedule", None) or {}).items()} or {
        "StartTime": CREATED, "EndTime": CREATED + dt.timedelta(days=7)}
    data = {**request, "Arn": arn("inference-experiment", d.address.name), "Schedule": schedule, "Status": status,
            "CreationTime": CREATED, "LastModifiedTime": UPDATED,
            "EndpointMetadata": {"EndpointName": endpoint_name, "EndpointConfigName": "sagemaker-shadow-config",
                                 "EndpointStatus": "InService"},
            "ModelVariants": variants, **fields}
    if status in ("Completed", "Cancelled"):
        data.setdefault("CompletionTime", UPDATED + dt.timedelta(days=1))
    return data


# --- CloudWatch --------------------------------------------------------------------------------


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def alarm(d: Desired, *, state: str = "OK", **fields: Any) -> dict[str, Any]:
    """One MetricAlarms entry of DescribeAlarms: CloudWatch's defaults filled in (actions enabled, empty
    action lists, missing data treated as `missing`), the threshold a double, and the alarm's state."""
    request = copy.deepcopy(thaw(d.request))
    if "Threshold" in request:
        request["Threshold"] = float(request["Threshold"])
    return {"ActionsEnabled": True, "OKActions": [], "AlarmActions": [], "InsufficientDataActions": [],
            "TreatMissingData": "missing", **request, "AlarmArn": alarm_arn(d.address.name),
            "AlarmConfigurationUpdatedTimestamp": CREATED, "StateValue": state,
            "StateReason": "Threshold Crossed: 1 datapoint [0.0 (01/11/26 10:00:00)] was not greater than the "
                           "threshold", "StateUpdatedTimestamp": UPDATED, "StateTransitionedTimestamp": UPDATED,
            **fields}


# --- Application Auto Scaling -------------------------------------------------------------------


def target(d: Desired, **fields: Any) -> dict[str, Any]:
    """One ScalableTargets entry of DescribeScalableTargets for a registered target."""
    return {**copy.deepcopy(thaw(d.request)), "RoleARN": AAS_ROLE, "CreationTime": CREATED,
            "SuspendedState": {"DynamicScalingInSuspended": False, "DynamicScalingOutSuspended": False,
                               "ScheduledScalingSuspended": False},
            "ScalableTargetARN": f"arn:aws:application-autoscaling:{REGION}:{ACCOUNT}:scalable-target/"
                                 f"056f{content_hash(d.address.name, 28)}", **fields}


def policy(d: Desired, **fields: Any) -> dict[str, Any]:
    """One ScalingPolicies entry of DescribeScalingPolicies: ARN, the alarms AAS made for it, creation time."""
    rid, name = aas.split_child_name(d.address.name)
    data = copy.deepcopy(thaw(d.request))
    prefix = f"TargetTracking-{rid}"
    alarms = [{"AlarmName": f"{prefix}-AlarmHigh-1a2b", "AlarmARN": alarm_arn(f"{prefix}-AlarmHigh-1a2b")},
              {"AlarmName": f"{prefix}-AlarmLow-3c4d", "AlarmARN": alarm_arn(f"{prefix}-AlarmLow-3c4d")}]
    return {**data, "PolicyARN": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:6b5e6c2a-0000-4000-8000-"
                                 f"000000000001:resource/sagemaker/{rid}:policyName/{name}",
            "Alarms": alarms, "CreationTime": CREATED, **fields}


def scheduled_action(d: Desired, **fields: Any) -> dict[str, Any]:
    """One ScheduledActions entry of DescribeScheduledActions: times as datetimes, the time zone reported."""
    rid, name = aas.split_child_name(d.address.name)
    data = copy.deepcopy(thaw(d.request))
    for key in ("StartTime", "EndTime"):
        if key in data:
            data[key] = _datetime(data[key])
    data.setdefault("Timezone", "UTC")
    return {**data, "ScheduledActionARN": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scheduledAction:7c6f7d3b-0000-"
                                          f"4000-8000-000000000002:resource/sagemaker/{rid}:scheduledActionName/"
                                          f"{name}", "CreationTime": CREATED, **fields}


def discovery(recorded: Recorded, endpoint_variants: Mapping[str, Iterable[str]],
              targets: Iterable[Mapping[str, Any]] = ()) -> None:
    """The DescribeScalableTargets call target discovery makes for these endpoints' variants, answered with
    `targets`."""
    ids = sorted(aas.resource_id(e, v) for e, vs in endpoint_variants.items() for v in vs)
    recorded.add("aas", "DescribeScalableTargets", {"ServiceNamespace": "sagemaker", "ResourceIds": ids},
                 {"ScalableTargets": list(targets)})


def children(recorded: Recorded, rid: str, policies: Iterable[Mapping[str, Any]] = (),
             actions: Iterable[Mapping[str, Any]] = ()) -> None:
    """The DescribeScalingPolicies and DescribeScheduledActions calls discovery makes for one target."""
    recorded.add("aas", "DescribeScalingPolicies", {"ServiceNamespace": "sagemaker", "ResourceId": rid},
                 {"ScalingPolicies": list(policies)})
    recorded.add("aas", "DescribeScheduledActions", {"ServiceNamespace": "sagemaker", "ResourceId": rid},
                 {"ScheduledActions": list(actions)})


# --- whole stacks --------------------------------------------------------------------------------


def applied_tags(d: Desired, stack: str = "demo") -> dict[str, str]:
    """The tags an applied resource carries: its desired tags; on an endpoint the hash of the rollout policy
    CreateEndpoint was given and, when autoscaled, the `reconciler:scaling` hash the last autoscaling step
    recorded."""
    tags = d.tags(stack)
    if d.address.type == "endpoint":
        tags[ROLLOUT_TAG] = rollout_hash(thaw(d.extra.get("deploymentConfig")) or None)
        if d.extra.get("autoscaled"):
            tags[aas.SCALING_TAG] = str(d.extra.get("scaling_hash"))
    return tags


def resource_arn(d: Desired) -> str:
    if d.address.type == "alarm":
        return alarm_arn(d.address.name)
    return arn(d.address.type, d.address.name)


def record_applied(recorded: Recorded, desired: Iterable[Desired], stack: str = "demo", *,
                   experiment_status: str = "Running") -> None:
    """Record `desired` as applied: the stack's tag query, every describe the planner may make, and the
    autoscaling discovery of each endpoint's variants."""
    ds = list(desired)
    by_address = {d.address: d for d in ds}
    owned = [(resource_arn(d), applied_tags(d, stack)) for d in ds if d.address.type in TOP_LEVEL]
    tagged(recorded, owned, stack)
    variants: dict[str, list[str]] = {}
    targets: list[dict[str, Any]] = []
    for d in ds:
        kind = d.address.type
        name = d.address.name
        if kind == "model":
            recorded.add("sagemaker", "DescribeModel", {"ModelName": name}, model(d))
        elif kind == "endpoint-config":
            recorded.add("sagemaker", "DescribeEndpointConfig", {"EndpointConfigName": name}, endpoint_config(d))
        elif kind == "endpoint":
            config = by_address[Address("endpoint-config", d.request["EndpointConfigName"])]
            deployment = thaw(d.extra.get("deploymentConfig"))
            fields = {"LastDeploymentConfig": deployment} if deployment else {}
            recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": name}, endpoint(d, config, **fields))
            variants[name] = [v["VariantName"] for v in config.request["ProductionVariants"]]
        elif kind == "alarm":
            recorded.add("cloudwatch", "DescribeAlarms", {"AlarmNames": [name], "AlarmTypes": ["MetricAlarm"]},
                         {"MetricAlarms": [alarm(d)], "CompositeAlarms": []})
        elif kind == "inference-experiment":
            recorded.add("sagemaker", "DescribeInferenceExperiment", {"Name": name},
                         experiment(d, status=experiment_status))
        elif kind == "scalable-target":
            targets.append(target(d))
            children(recorded, name,
                     [policy(p) for p in ds if p.address.type == "scaling-policy"
                      and aas.split_child_name(p.address.name)[0] == name],
                     [scheduled_action(a) for a in ds if a.address.type == "scheduled-action"
                      and aas.split_child_name(a.address.name)[0] == name])
    if variants:
        discovery(recorded, variants, targets)


TOP_LEVEL = ("model", "endpoint-config", "endpoint", "alarm", "inference-experiment")

NOT_FOUND = {
    "model": ("DescribeModel", "ModelName", "ValidationException", "Could not find model \"{arn}\"."),
    "endpoint-config": ("DescribeEndpointConfig", "EndpointConfigName", "ValidationException",
                        "Could not find endpoint configuration \"{arn}\"."),
    "endpoint": ("DescribeEndpoint", "EndpointName", "ValidationException", "Could not find endpoint \"{arn}\"."),
    "inference-experiment": ("DescribeInferenceExperiment", "Name", "ResourceNotFound",
                             "Inference experiment \"{arn}\" does not exist."),
}


def absent(recorded: Recorded, *desired: Desired) -> None:
    """Record that AWS has no resource of these names (the answers to the planner's probes by name)."""
    for d in desired:
        if d.address.type == "alarm":
            recorded.add("cloudwatch", "DescribeAlarms", {"AlarmNames": [d.address.name],
                                                          "AlarmTypes": ["MetricAlarm"]},
                         {"MetricAlarms": [], "CompositeAlarms": []})
            continue
        operation, param, code, message = NOT_FOUND[d.address.type]
        recorded.error("sagemaker", operation, {param: d.address.name}, code,
                       message.format(arn=resource_arn(d)))
