"""One cheap stack's whole lifecycle, on real AWS when `RECONCILER_AWS_TESTS=1` (see conftest.py) and on the
sandbox otherwise: a serverless endpoint (billed per request, none made), an alarm, and a pipeline that is
never started. Apply, plan clean, a change in place, drift clean, destroy."""

from __future__ import annotations

import json
import textwrap

from tests.aws.conftest import Target


def _write(t: Target, memory: int = 2048, threshold: int = 5) -> None:
    (t.cli.root / "stack.yaml").write_text(textwrap.dedent(f"""\
        apiVersion: reconciler/v1
        kind: Stack
        name: {t.stack}
        spec: {{region: {t.region}, prune: true, tags: {{purpose: reconciler-aws-tests}}}}
        ---
        apiVersion: reconciler/v1
        kind: Model
        name: {t.stack}-xgb
        spec:
          executionRoleArn: {t.role_arn}
          primaryContainer:
            image: {{framework: xgboost, version: "1.7-1"}}
            modelDataUrl: {t.model_data}
        ---
        apiVersion: reconciler/v1
        kind: Endpoint
        name: {t.stack}
        spec:
          productionVariants:
            - variantName: main
              modelName: ${{Model.{t.stack}-xgb.name}}
              serverlessConfig: {{memorySizeInMB: {memory}, maxConcurrency: 1}}
        ---
        apiVersion: reconciler/v1
        kind: Alarm
        name: {t.stack}-5xx
        spec:
          namespace: AWS/SageMaker
          metricName: Invocation5XXErrors
          dimensions: [{{name: EndpointName, value: {t.stack}}}, {{name: VariantName, value: main}}]
          statistic: Sum
          period: 60
          evaluationPeriods: 1
          threshold: {threshold}
          comparisonOperator: GreaterThanThreshold
          treatMissingData: notBreaching
        ---
        apiVersion: reconciler/v1
        kind: Pipeline
        name: {t.stack}-noop
        spec:
          roleArn: {t.role_arn}
          pipelineDefinition:
            Version: "2020-12-01"
            Parameters: [{{Name: Reason, Type: String, DefaultValue: never run}}]
            Steps:
              - {{Name: Never, Type: Fail, Arguments: {{ErrorMessage: {{Get: Parameters.Reason}}}}}}
        """))


def _converged(t: Target) -> None:
    result = t.cli("plan", t.cli.root, "--detailed-exitcode")
    assert result.code == 0, result.text


def test_a_cheap_stack_applies_plans_clean_changes_in_place_and_is_destroyed(target: Target) -> None:
    t = target
    _write(t)
    assert t.cli("validate", t.cli.root).code == 0
    applied = t.cli("apply", t.cli.root, "--auto-approve", "--format", "json")
    assert applied.code == 0, applied.text
    assert json.loads(applied.out)["status"] == "applied"
    _converged(t)
    _write(t, threshold=7)  # an alarm change: one PutMetricAlarm, nothing redeployed
    plan = json.loads(t.cli("plan", t.cli.root, "--format", "json").out)
    assert [s["operation"] for s in plan["steps"]] == ["PutMetricAlarm"]
    assert t.cli("apply", t.cli.root, "--auto-approve").code == 0
    _converged(t)
    drift = t.cli("drift", t.cli.root)
    assert drift.code == 0, drift.text
    outputs = {o["spec"]: o for o in json.loads(t.cli("output", t.cli.root, "--format", "json").out)}
    assert outputs[f"Endpoint/{t.stack}"]["status"] == "applied"
    destroyed = t.cli("destroy", t.cli.root, "--auto-approve")
    assert destroyed.code == 0, destroyed.text
    gone = json.loads(t.cli("output", t.cli.root, "--format", "json").out)
    assert {o["status"] for o in gone} == {"not applied"}
