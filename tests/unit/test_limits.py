"""AWS limits checked at validate time: each error names the limit and the value at file:line:col."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.kinds import load_stack

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1}\n"
MODEL = """\
---
apiVersion: reconciler/v1
kind: Model
name: m
spec:
  primaryContainer: {image: x}
"""


def errors(tmp_path: Path, endpoint: str, model: str = MODEL) -> list[str]:
    root = tmp_path / "specs"
    root.mkdir(exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / "e.yaml").write_text(textwrap.dedent(endpoint) + model)
    try:
        load_stack(root)
    except SpecError as exc:
        return [str(d).split("specs/", 1)[-1] for d in exc.diagnostics.errors]
    return []


def endpoint(variants: str, extra: str = "") -> str:
    return ("apiVersion: reconciler/v1\nkind: Endpoint\nname: e\nspec:\n  productionVariants:\n"
            + textwrap.indent(textwrap.dedent(variants), "    ") + textwrap.indent(textwrap.dedent(extra), "  "))


INSTANCE = """\
- variantName: a
  modelName: ${Model.m.name}
  instanceType: ml.m5.large
  initialInstanceCount: 2
"""
SERVERLESS = """\
- variantName: a
  modelName: ${Model.m.name}
  serverlessConfig: {memorySizeInMB: MEM, maxConcurrency: 10, provisionedConcurrency: PC}
"""


def serverless(memory: int = 2048, pc: int = 2, more: str = "") -> str:
    return SERVERLESS.replace("MEM", str(memory)).replace("PC", str(pc)) + more


def test_valid_instance_and_serverless_endpoints(tmp_path: Path) -> None:
    assert errors(tmp_path, endpoint(INSTANCE)) == []
    assert errors(tmp_path, endpoint(serverless())) == []


@pytest.mark.parametrize(("variants", "extra", "expected"), [
    (serverless(memory=1500), "", "e.yaml:8:42: serverlessConfig.memorySizeInMB 1500 is not allowed: use 1024 to 6144"),
    (serverless(memory=8192), "", "e.yaml:8:42: spec.productionVariants[0].serverlessConfig.memorySizeInMB: 8192 is "
                                  "out of range (must be at most 6144)"),
    (serverless(pc=20), "", "e.yaml:8:92: serverlessConfig.provisionedConcurrency 20 exceeds maxConcurrency 10"),
    (serverless(), "dataCaptureConfig: {initialSamplingPercentage: 5, destinationS3Uri: 's3://b/c', "
                   "captureOptions: [{captureMode: Input}]}\n",
     "e.yaml:9:22: serverless endpoints do not support data capture (dataCaptureConfig)"),
    (serverless(), "kmsKeyId: alias/k\n", "e.yaml:9:13: serverless endpoints do not support a KMS key (kmsKeyId)"),
    (serverless(), "enableNetworkIsolation: true\n",
     "e.yaml:9:27: serverless endpoints do not support network isolation"),
    (serverless() + INSTANCE.replace("variantName: a", "variantName: b"), "",
     "e.yaml:6:5: a serverless endpoint has exactly one production variant (found 2)"),
    (INSTANCE, "kmsKeyId: alias/k\n", None),
    (INSTANCE.replace("ml.m5.large", "ml.g5.xlarge"), "kmsKeyId: alias/k\n",
     "e.yaml:8:21: kmsKeyId cannot be used with ml.g5.xlarge"),
    (INSTANCE + INSTANCE.replace("variantName: a", "variantName: b"),
     "shadowProductionVariants:\n  - {variantName: s, modelName: x, instanceType: ml.m5.large,"
     " initialInstanceCount: 1}\n",
     "shadow variants need exactly one production and one shadow variant (found 2 production, 1 shadow)"),
    (INSTANCE.replace("initialInstanceCount: 2", "initialInstanceCount: 2\n  initialVariantWeight: 0"), "",
     "every production variant has initialVariantWeight 0"),
])
def test_endpoint_limits(tmp_path: Path, variants: str, extra: str, expected: str | None) -> None:
    found = errors(tmp_path, endpoint(variants, extra))
    if expected is None:
        assert found == []
    else:
        assert any(expected in e for e in found), found


def test_serverless_excludes_model_features(tmp_path: Path) -> None:
    model = MODEL.replace("primaryContainer: {image: x}", "primaryContainer: {image: x}\n  vpcConfig: "
                          "{securityGroupIds: [sg-1], subnets: [subnet-1]}\n  enableNetworkIsolation: true")
    found = errors(tmp_path, endpoint(serverless()), model)
    assert any("e.yaml:7:18: serverless variant 'a' serves Model/m, which uses a VPC" in e for e in found), found
    assert any("network isolation" in e for e in found)


AUTOSCALED = INSTANCE + "  autoscaling: {minCapacity: MIN, maxCapacity: MAX, targetInvocationsPerInstance: 100}\n"


@pytest.mark.parametrize(("variants", "extra", "expected"), [
    (AUTOSCALED.replace("MIN", "5").replace("MAX", "3"), "", "autoscaling.minCapacity 5 is greater than maxCapacity 3"),
    (AUTOSCALED.replace("MIN", "0").replace("MAX", "3"), "",
     "e.yaml:10:34: autoscaling.minCapacity 0 is below 1: only asynchronous endpoints and serverless"),
    (AUTOSCALED.replace("MIN", "0").replace("MAX", "3"), "asyncInferenceConfig: {outputConfig: {s3OutputPath: "
                                                         "'s3://b/o'}}\n", None),
    (serverless(more="  autoscaling: {minCapacity: 0, maxCapacity: 50,"
                     " targetProvisionedConcurrencyUtilization: 0.7}\n"),
     "", "autoscaling.maxCapacity 50 exceeds serverlessConfig.maxConcurrency 10"),
    (serverless(more="  autoscaling: {minCapacity: 1, maxCapacity: 5, targetInvocationsPerInstance: 10}\n"), "",
     "targetInvocationsPerInstance applies to instance variants"),
    (AUTOSCALED.replace("MIN", "1").replace("MAX", "3") .replace("targetInvocationsPerInstance: 100",
                                                                 "targetProvisionedConcurrencyUtilization: 0.5"),
     "", "targetProvisionedConcurrencyUtilization applies to serverless variants"),
    (INSTANCE + "  autoscaling:\n    minCapacity: 1\n    maxCapacity: 3\n    targetInvocationsPerInstance: 5\n"
                "    policies:\n      - {policyName: invocations-per-instance, policyType: StepScaling,"
                " stepScalingPolicyConfiguration: {adjustmentType: ChangeInCapacity}}\n", "",
     "duplicate scaling policy name 'invocations-per-instance' on variant 'a' (the shorthand policy uses it)"),
    (INSTANCE + "  autoscaling:\n    minCapacity: 1\n    maxCapacity: 3\n    policies:\n"
                "      - {policyName: p, policyType: TargetTrackingScaling}\n", "",
     "a TargetTrackingScaling policy needs targetTrackingScalingPolicyConfiguration"),
])
def test_autoscaling_limits(tmp_path: Path, variants: str, extra: str, expected: str | None) -> None:
    found = errors(tmp_path, endpoint(variants, extra))
    if expected is None:
        assert found == []
    else:
        assert any(expected in e for e in found), found


POOLS = """\
- variantName: a
  modelName: ${Model.m.name}
  instancePools:
    - {instanceType: ml.g5.xlarge, priority: 1}
    - {instanceType: ml.g6.xlarge, priority: 2}
  initialInstanceCount: 2
"""


def test_instance_pools_stand_in_for_an_instance_type(tmp_path: Path) -> None:
    assert errors(tmp_path, endpoint(POOLS)) == []
    both = POOLS.replace("  instancePools:", "  instanceType: ml.m5.large\n  instancePools:")
    assert errors(tmp_path, endpoint(both)) == [
        "e.yaml:8:21: variant 'a' sets both instanceType and instancePools; give the instance types as pools only"]


SHADOW = """\
apiVersion: reconciler/v1
kind: ShadowTest
name: t
spec:
  endpointName: e
  roleArn: arn:aws:iam::123456789012:role/r
  modelVariants:
    - {modelName: m1, variantName: a, infrastructureConfig: {infrastructureType: RealTimeInference,
       realTimeInferenceConfig: {instanceType: ml.m5.large, instanceCount: 1}}}
    - {modelName: m2, variantName: b, infrastructureConfig: {infrastructureType: RealTimeInference,
       realTimeInferenceConfig: {instanceType: ml.m5.large, instanceCount: 1}}}
  shadowModeConfig: {sourceModelVariantName: a, shadowModelVariants: [{shadowModelVariantName: b,
                                                                       samplingPercentage: 10}]}
  SCHEDULE
"""


def shadow_errors(tmp_path: Path, schedule: str) -> list[str]:
    root = tmp_path / "specs"
    root.mkdir(exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / "t.yaml").write_text(SHADOW.replace("SCHEDULE", schedule))
    try:
        load_stack(root)
    except SpecError as exc:
        return [str(d).split("specs/", 1)[-1] for d in exc.diagnostics.errors]
    return []


def test_a_shadow_test_runs_at_most_30_days(tmp_path: Path) -> None:
    window = "schedule: {startTime: '2026-12-01T00:00:00Z', endTime: 'END'}"
    assert shadow_errors(tmp_path, window.replace("END", "2026-12-31T00:00:00Z")) == []
    assert shadow_errors(tmp_path, window.replace("END", "2027-01-01T00:00:00Z")) == [
        "t.yaml:14:58: schedule runs 31 days (2026-12-01T00:00:00Z to 2027-01-01T00:00:00Z); SageMaker runs a shadow "
        "test at most 30 days"]
    backwards = "schedule: {startTime: '2026-12-02T00:00:00Z', endTime: '2026-12-01T00:00:00Z'}"
    assert shadow_errors(tmp_path, backwards) == [
        "t.yaml:14:58: schedule.endTime 2026-12-01T00:00:00Z is not after startTime 2026-12-02T00:00:00Z"]
    [far] = shadow_errors(tmp_path, "schedule: {endTime: '2099-01-01T00:00:00Z'}")
    assert far.startswith("t.yaml:14:23: schedule.endTime 2099-01-01T00:00:00Z is ") and "days from now" in far
