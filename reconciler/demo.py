"""`reconciler demo`: the whole story on an in-process sandbox, through the real CLI.

It copies the example stack to a temporary directory, starts the sandbox on 127.0.0.1
with a compressed clock, and runs validate, plan and apply through create, a weight-only
change, an instance-type change, a model change, out-of-band drift, a stale plan, a
rollout SageMaker rolls back, a guarded canary, Model Monitor (capture, a schedule, a
definition change, a violation), the model registry (a training pipeline, a run that registers a
version, an approval the endpoint rolls out), the approval-to-deploy loop (SageMaker's approval
event delivered by an EventRule to the release), and prune, showing each plan and checking that every
apply converges (the next plan is empty). Nothing touches real AWS.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Out = Callable[[str], None]
RunCli = Callable[[list[str]], int]

STACK = """\
apiVersion: reconciler/v1
kind: Stack
name: demo
spec:
  region: us-east-1
  prune: true
  tags: {team: ml-platform}
"""
MODELS = """\
apiVersion: reconciler/v1
kind: Model
name: churn-xgb
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  primaryContainer:
    image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
    modelDataUrl: s3://ml-artifacts/churn/xgb/MODEL_VERSION/model.tar.gz
"""
ENDPOINT = """\
apiVersion: reconciler/v1
kind: Endpoint
name: churn
spec:
  productionVariants:
    - variantName: champion
      modelName: ${Model.churn-xgb.name}
      instanceType: INSTANCE_TYPE
      initialInstanceCount: 2
      initialVariantWeight: WEIGHT_A
    - variantName: challenger
      modelName: ${Model.churn-xgb.name}
      instanceType: ml.m5.large
      initialInstanceCount: 1
      initialVariantWeight: WEIGHT_B
CAPTUREGUARD"""
CAPTURE = """\
  dataCaptureConfig:
    initialSamplingPercentage: 20
    destinationS3Uri: s3://ml-artifacts/churn/capture
    captureOptions: [{captureMode: Input}, {captureMode: Output}]
"""
MONITOR = """\
apiVersion: reconciler/v1
kind: MonitoringSchedule
name: churn-data-quality
spec:
  monitoringType: DataQuality
  jobDefinition:
    dataQualityAppSpecification:
      imageUri: 156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer
    dataQualityJobInput:
      endpointInput: {endpointName: "${Endpoint.churn.name}", localPath: /opt/ml/processing/input}
    dataQualityJobOutputConfig:
      monitoringOutputs:
        - s3Output: {s3Uri: s3://ml-artifacts/churn/monitoring, localPath: /opt/ml/processing/output}
    jobResources:
      clusterConfig: {instanceCount: 1, instanceType: ml.m5.xlarge, volumeSizeInGB: 20}
    roleArn: arn:aws:iam::123456789012:role/SageMakerExecution
    stoppingCondition: {maxRuntimeInSeconds: MONITOR_RUNTIME}
  scheduleConfig: {scheduleExpression: "cron(0 * ? * * *)"}
"""
GUARD = """\
  deploymentConfig:
    blueGreenUpdatePolicy:
      trafficRoutingConfiguration:
        type: CANARY
        canarySize: {type: CAPACITY_PERCENT, value: 25}
        waitIntervalInSeconds: 600
      terminationWaitInSeconds: 300
      maximumExecutionTimeoutInSeconds: 3600
    autoRollbackConfiguration:
      alarms: [{alarmName: "${Alarm.churn-5xx.name}"}]
"""
ALARM = """\
apiVersion: reconciler/v1
kind: Alarm
name: churn-5xx
spec:
  namespace: AWS/SageMaker
  metricName: Invocation5XXErrors
  dimensions: [{name: EndpointName, value: churn}]
  statistic: Sum
  period: 60
  evaluationPeriods: 1
  threshold: 5
  comparisonOperator: GreaterThanThreshold
  treatMissingData: notBreaching
"""
AUTOSCALED = """\
apiVersion: reconciler/v1
kind: Endpoint
name: fraud
spec:
  productionVariants:
    - variantName: main
      modelName: ${Model.churn-xgb.name}
      instanceType: FRAUD_TYPE
      initialInstanceCount: 2
      autoscaling: {minCapacity: 2, maxCapacity: 8, targetInvocationsPerInstance: 750}
"""
REGISTRY = """\
apiVersion: reconciler/v1
kind: ModelPackageGroup
name: churn
spec:
  modelPackageGroupDescription: Churn classifiers trained by the churn-train pipeline
---
apiVersion: reconciler/v1
kind: Pipeline
name: churn-train
spec:
  roleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  pipelineDefinition:
    Version: "2020-12-01"
    Parameters:
      - {Name: MinAccuracy, Type: Float, DefaultValue: 0.8}
    Steps:
      - Name: Preprocess
        Type: Processing
        Arguments:
          ProcessingResources: {ClusterConfig: {InstanceType: ml.m5.xlarge, InstanceCount: 1, VolumeSizeInGB: 30}}
          AppSpecification:
            ImageUri: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3
          RoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
          ProcessingOutputConfig:
            Outputs:
              - {OutputName: train, S3Output: {S3Uri: "s3://ml-artifacts/churn/train",
                                              LocalPath: /opt/ml/processing/train, S3UploadMode: EndOfJob}}
      - Name: Train
        Type: Training
        Arguments:
          AlgorithmSpecification: {TrainingImage: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1,
                                   TrainingInputMode: File}
          InputDataConfig:
            - ChannelName: train
              DataSource: {S3DataSource: {S3DataType: S3Prefix, S3Uri: {
                Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}}}
          OutputDataConfig: {S3OutputPath: "s3://ml-artifacts/churn/models"}
          ResourceConfig: {InstanceType: TRAIN_TYPE, InstanceCount: 1, VolumeSizeInGB: 30}
          RoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
          StoppingCondition: {MaxRuntimeInSeconds: 3600}
      - Name: Evaluate
        Type: Processing
        Arguments:
          ProcessingResources: {ClusterConfig: {InstanceType: ml.m5.xlarge, InstanceCount: 1, VolumeSizeInGB: 30}}
          AppSpecification: {ImageUri: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1}
          RoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
          ProcessingInputs:
            - {InputName: model, S3Input: {S3Uri: {Get: Steps.Train.ModelArtifacts.S3ModelArtifacts},
                                          LocalPath: /opt/ml/processing/model, S3DataType: S3Prefix, S3InputMode: File}}
          ProcessingOutputConfig:
            Outputs:
              - {OutputName: evaluation, S3Output: {S3Uri: "s3://ml-artifacts/churn/evaluation",
                                                   LocalPath: /opt/ml/processing/evaluation, S3UploadMode: EndOfJob}}
        PropertyFiles: [{PropertyFileName: Report, OutputName: evaluation, FilePath: evaluation.json}]
      - Name: CheckAccuracy
        Type: Condition
        Arguments:
          Conditions:
            - Type: GreaterThanOrEqualTo
              LeftValue: {Std:JsonGet: {PropertyFile: {Get: Steps.Evaluate.PropertyFiles.Report},
                                        Path: metrics.accuracy.value}}
              RightValue: {Get: Parameters.MinAccuracy}
          IfSteps:
            - Name: Register
              Type: RegisterModel
              Arguments:
                ModelPackageGroupName: ${ModelPackageGroup.churn.name}
                ModelApprovalStatus: PendingManualApproval
                InferenceSpecification:
                  Containers:
                    - {Image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1,
                       ModelDataUrl: {Get: Steps.Train.ModelArtifacts.S3ModelArtifacts}}
                  SupportedContentTypes: [text/csv]
                  SupportedResponseMIMETypes: [text/csv]
          ElseSteps:
            - {Name: AccuracyTooLow, Type: Fail, Arguments: {ErrorMessage: accuracy below MinAccuracy}}
"""
EVENTS = """\
apiVersion: reconciler/v1
kind: EventRule
name: churn-approved
spec:
  description: A churn model version was approved; tell the release queue
  eventPattern:
    source: [aws.sagemaker]
    detail-type: [SageMaker Model Package State Change]
    detail:
      ModelPackageGroupName: ["${ModelPackageGroup.churn.name}"]
      ModelApprovalStatus: [Approved]
  targets:
    - {id: release-queue, arn: "QUEUE_ARN"}
    - id: release
      arn: arn:aws:codepipeline:us-east-1:123456789012:churn-release
      roleArn: arn:aws:iam::123456789012:role/events-start-churn-release
"""
FROM_REGISTRY = """\
apiVersion: reconciler/v1
kind: Model
name: churn-registry
spec:
  modelPackage: {group: "${ModelPackageGroup.churn.name}", version: latestApproved}
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
"""


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Story:
    def __init__(self, out: Out, root: Path, sandbox_url: str, run_cli: RunCli, html_dir: Path | None = None) -> None:
        self.out = out
        self.html_dir = html_dir
        self.pages = 0
        self.run_cli = run_cli
        self.root = root
        self.url = sandbox_url
        self.failures: list[str] = []
        self.state = {"MODEL_VERSION": "2026-11-01", "INSTANCE_TYPE": "ml.m5.large", "WEIGHT_A": "0.5",
                      "WEIGHT_B": "0.5"}
        self.endpoint = True
        self.autoscaled = False
        self.guarded = False
        self.monitored = False
        self.state["FRAUD_TYPE"] = "ml.c5.xlarge"
        self.state["MONITOR_RUNTIME"] = "1800"
        self.state["TRAIN_TYPE"] = "ml.m5.xlarge"
        self.registry = False
        self.from_registry = False
        self.events = False
        self.time_scale = 1.0

    def write(self) -> None:
        for f in self.root.glob("*.yaml"):
            f.unlink()
        (self.root / "stack.yaml").write_text(STACK)
        (self.root / "models.yaml").write_text(self._fill(MODELS))
        if self.registry:
            (self.root / "registry.yaml").write_text(self._fill(REGISTRY))
        if self.from_registry:
            (self.root / "registry-model.yaml").write_text(FROM_REGISTRY)
        if self.events:
            (self.root / "events.yaml").write_text(self._fill(EVENTS))
        if self.endpoint:
            text = self._fill(ENDPOINT).replace("CAPTURE", CAPTURE if self.monitored else "")
            if self.from_registry:
                text = text.replace("${Model.churn-xgb.name}", "${Model.churn-registry.name}")
            (self.root / "endpoint.yaml").write_text(text.replace("GUARD", GUARD if self.guarded else ""))
            if self.monitored:
                (self.root / "monitoring.yaml").write_text(self._fill(MONITOR))
        if self.guarded:
            (self.root / "alarm.yaml").write_text(ALARM)
        if self.autoscaled:
            (self.root / "autoscaled.yaml").write_text(self._fill(AUTOSCALED))

    def _fill(self, text: str) -> str:
        for k, v in self.state.items():
            text = text.replace(k, v)
        return text

    def heading(self, title: str) -> None:
        self.out("")
        self.out("=" * 78)
        self.out(title)
        self.out("=" * 78)

    def cli(self, *args: str, show: bool = True) -> tuple[int, str]:
        buf, ebuf = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(ebuf):
            code = self.run_cli(list(args))
        text = buf.getvalue() + ebuf.getvalue()
        if show:
            self.out(f"$ reconciler {' '.join(args)}")
            for line in text.rstrip("\n").splitlines():
                self.out("  " + line)
            self.out(f"  (exit {code})")
        if self.html_dir is not None and args[0] == "plan" and show and code != 1:
            page = io.StringIO()
            with contextlib.redirect_stdout(page), contextlib.redirect_stderr(io.StringIO()):
                self.run_cli(["plan", args[1], "--format", "html"])  # planning only reads
            self.pages += 1
            (self.html_dir / f"{self.pages:02d}-plan.html").write_text(page.getvalue(), encoding="utf-8")
        return code, text

    def expect(self, what: str, ok: bool) -> None:
        self.out(f"  {'ok' if ok else 'UNEXPECTED'}: {what}")
        if not ok:
            self.failures.append(what)

    def converged(self) -> None:
        code, text = self.cli("plan", str(self.root), "--detailed-exitcode", show=False)
        self.expect("the next plan is empty (apply converged)", code == 0 and "No changes" in text)

    def steps_of(self, text: str) -> list[str]:
        return re.findall(r"^\s+\d+\.\s+(\w+)", text, flags=re.M)


def run_demo(out: Out, run_cli: RunCli, time_scale: float = 3000.0, html_dir: str | None = None) -> int:
    """Run the story through `run_cli` (the CLI's `main`), writing what happens with `out`; the exit code.
    With `html_dir`, each plan shown is also written there as an HTML page."""
    try:
        from reconciler.sandbox import Sandbox, control
    except ImportError as exc:
        out(f"error: the demo needs the sandbox extra: pip install -e '.[sandbox]' ({exc})")
        return 1
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="reconciler-demo-"))
    sandbox = Sandbox(time_scale=time_scale)
    url = sandbox.start()
    env = {**sandbox.client_env(), "RECONCILER_POLL_INTERVAL": "0.05", "NO_COLOR": "1"}
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    try:
        with _env(env):
            pages = Path(html_dir) if html_dir else None
            if pages is not None:
                pages.mkdir(parents=True, exist_ok=True)
            story = Story(out, tmp / "specs", url, run_cli, pages)
            story.root.mkdir()
            story.time_scale = time_scale
            _run(story, control)
    finally:
        sandbox.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    out("")
    elapsed = time.monotonic() - started
    if story.failures:
        out(f"Demo finished with {len(story.failures)} unexpected result(s) in {elapsed:.1f} s:")
        for f in story.failures:
            out(f"  - {f}")
        return 1
    if html_dir:
        out(f"Wrote {story.pages} plan page(s) to {html_dir}.")
    out(f"Demo complete in {elapsed:.1f} s: every plan was as expected and every apply converged.")
    return 0


def _run(s: Story, control: object) -> None:
    import boto3

    sm = boto3.client("sagemaker")
    s.out(f"Sandbox (local AWS emulation) on {s.url}, clock {s.time_scale:g}x faster than real time; "
          f"stack files in {s.root}.")

    s.heading("1. Create: a model and an A/B endpoint from YAML")
    s.write()
    s.cli("validate", str(s.root))
    code, text = s.cli("plan", str(s.root))
    s.expect("plan creates model, endpoint config and endpoint",
             s.steps_of(text) == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()

    s.heading("2. Weight-only change: traffic 50/50 -> 80/20, no redeploy")
    s.state.update(WEIGHT_A="0.8", WEIGHT_B="0.2")
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("one UpdateEndpointWeightsAndCapacities and nothing else",
             s.steps_of(text) == ["UpdateEndpointWeightsAndCapacities"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()

    s.heading("3. Instance-type change: new endpoint config, blue/green UpdateEndpoint, old config collected")
    s.state.update(INSTANCE_TYPE="ml.c5.xlarge")
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("CreateEndpointConfig -> UpdateEndpoint -> DeleteEndpointConfig",
             s.steps_of(text) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()

    s.heading("4. Model change: new model artifact rolls through a new config")
    s.state.update(MODEL_VERSION="2026-11-20")
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("new model and config, UpdateEndpoint, then old config and model deleted",
             s.steps_of(text) == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig",
                                  "DeleteModel"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()

    s.heading("5. Autoscaling: the autoscaler owns capacity, and an instance-type change keeps it")
    s.autoscaled = True
    s.write()
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("endpoint created, then its scalable target and policy registered",
             s.steps_of(text)[-2:] == ["RegisterScalableTarget", "PutScalingPolicy"] and code == 0)
    control.scale_variant(s.url, "fraud", "main", 6)  # type: ignore[attr-defined]
    s.out("  the autoscaler scales fraud/main from 2 to 6 instances under load")
    code, text = s.cli("drift", str(s.root))
    s.expect("what the autoscaler did is not drift (exit 0)", code == 0)
    s.state.update(FRAUD_TYPE="ml.c5.2xlarge")
    s.write()
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("deregister -> UpdateEndpoint -> register again", code == 0 and s.steps_of(text) == [
        "DeleteScalingPolicy", "DeregisterScalableTarget", "CreateEndpointConfig", "UpdateEndpoint",
        "RegisterScalableTarget", "PutScalingPolicy", "DeleteEndpointConfig"])
    count = sm.describe_endpoint(EndpointName="fraud")["ProductionVariants"][0]["DesiredInstanceCount"]
    s.expect(f"capacity intact after the instance-type change: {count} instances (not reset to 2)", count == 6)
    s.converged()

    s.heading("6. Out-of-band drift: someone moves traffic by hand in the console")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "champion", "DesiredWeight": 0.1}])
    _wait_in_service(sm)
    code, text = s.cli("drift", str(s.root))
    s.expect("drift exits 2 and labels the endpoint [drift]", code == 2 and "[drift]" in text)
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply puts git's weights back", code == 0)
    code, _ = s.cli("drift", str(s.root))
    s.expect("drift is clean again (exit 0)", code == 0)

    s.heading("7. Stale plan: live changes between plan and apply")
    s.state.update(WEIGHT_A="0.6", WEIGHT_B="0.4")
    s.write()
    plan_file = s.root.parent / "reviewed.plan.json"
    s.cli("plan", str(s.root), "--out", str(plan_file), show=False)
    s.out(f"  saved a reviewed plan to {plan_file.name}; now someone changes the endpoint by hand")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "challenger", "DesiredWeight": 0.9}])
    _wait_in_service(sm)
    code, text = s.cli("apply", str(plan_file))
    s.expect("the saved plan is refused as stale (exit 1)", code == 1 and "stale" in text)
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("a fresh plan applies", code == 0)
    s.converged()

    s.heading("8. A rollout SageMaker rolls back: the apply fails loudly")
    control.fail_next_update(s.url, "churn", reason="Health check failed for variant champion")  # type: ignore[attr-defined]
    s.state.update(INSTANCE_TYPE="ml.m5.2xlarge")
    s.write()
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply exits 1 naming the FailureReason", code == 1 and "Health check failed" in text)
    serving = sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    s.expect(f"the endpoint still serves its old config ({serving}), which was kept", bool(
        sm.describe_endpoint_config(EndpointConfigName=serving)))
    code, text = s.cli("drift", str(s.root))
    s.expect("drift shows the change as [pending]", code == 2 and "[pending]" in text)
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("once the cause is fixed, the same apply succeeds", code == 0)
    s.converged()

    s.heading("9. Guardrails: a canary watched by an alarm, rehearsed in seconds")
    s.guarded = True
    s.write()
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("the alarm is created; adding a rollout policy is shown and recorded, with no redeploy",
             code == 0 and s.steps_of(text) == ["PutMetricAlarm", "AddTags"]
             and "rollout policy changes, takes effect at the next update" in text)
    control.set_time_scale(s.url, 600.0)  # type: ignore[attr-defined]
    s.out("  sandbox clock now 600x: the 10-minute canary bake takes a second")
    boto3.client("cloudwatch").set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM",
                                               StateReason="5XX errors on the new fleet")
    s.out("  churn-5xx goes into ALARM (the new model returns errors)")
    s.state.update(INSTANCE_TYPE="ml.c5.2xlarge")
    s.write()
    before = sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply exits 1 naming the alarm and the phase",
             code == 1 and "churn-5xx" in text and "rolled the update back" in text and "canary" in text)
    s.expect("the endpoint still serves the old config",
             sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == before)
    code, text = s.cli("drift", str(s.root))
    s.expect("drift reports the rollout as [pending]", code == 2 and "[pending]" in text)
    boto3.client("cloudwatch").set_alarm_state(AlarmName="churn-5xx", StateValue="OK", StateReason="fixed")
    s.out("  the cause is fixed and churn-5xx is OK again")
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("the same rollout succeeds, phase by phase",
             code == 0 and "Baking for 600 seconds (WaitIntervalInSeconds)" in text)
    s.converged()
    control.set_time_scale(s.url, s.time_scale)  # type: ignore[attr-defined]

    s.heading("10. Model Monitor: data capture and an hourly data-quality schedule")
    s.monitored = True
    s.write()
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    steps = s.steps_of(text)
    s.expect("capture rolls out with the endpoint's canary, then the job definition and the schedule",
             code == 0 and steps[:2] == ["CreateEndpointConfig", "UpdateEndpoint"]
             and steps[2:4] == ["CreateDataQualityJobDefinition", "CreateMonitoringSchedule"])
    s.converged()
    s.state.update(MONITOR_RUNTIME="1200")
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("a definition change: new definition, the schedule pointed at it, the old one deleted",
             s.steps_of(text) == ["CreateDataQualityJobDefinition", "UpdateMonitoringSchedule",
                                  "DeleteDataQualityJobDefinition"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()
    control.set_time_scale(s.url, 60.0)  # type: ignore[attr-defined]  # an hourly run a minute apart
    control.next_monitoring_execution(s.url, "churn-data-quality", "CompletedWithViolations",  # type: ignore[attr-defined]
                                      start_now=True)
    control.advance_clock(s.url, 600)  # type: ignore[attr-defined]
    s.out("  the next monitoring run finds violations (a feature drifted from its baseline)")
    code, text = s.cli("drift", str(s.root))
    s.expect("drift shows the violation as a note, not as drift (exit 0)",
             code == 0 and "CompletedWithViolations (scheduled" in text)
    control.set_time_scale(s.url, s.time_scale)  # type: ignore[attr-defined]

    _registry(s, sm)
    _events(s, sm, control)

    s.heading("13. Prune: the endpoint and its monitoring leave the specs (the Stack has prune: true)")
    s.endpoint = s.monitored = False
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("the schedule, then its definition, then the endpoint, then its config",
             s.steps_of(text)[:4] == ["DeleteMonitoringSchedule", "DeleteDataQualityJobDefinition", "DeleteEndpoint",
                                      "DeleteEndpointConfig"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()

    _brownfield(s, sm)
    _environments(s)


ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerExecution"
HAND_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SCALING = {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/ranker/variant/main",
           "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}


def _brownfield(s: Story, sm: Any) -> None:
    import boto3

    s.heading("14. Brownfield: an endpoint made by hand is imported, adopted without a redeploy, and a later change "
              "by hand is accepted back into git")
    sm.create_model(ModelName="ranker-v7", ExecutionRoleArn=ROLE_ARN,
                    PrimaryContainer={"Image": HAND_IMAGE, "ModelDataUrl": "s3://ml-artifacts/ranker/v7.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName="ranker-prod", ProductionVariants=[
        {"VariantName": "main", "ModelName": "ranker-v7", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": 2}])
    sm.create_endpoint(EndpointName="ranker", EndpointConfigName="ranker-prod")
    _wait_in_service(sm, "ranker")
    scaling = boto3.client("application-autoscaling")
    scaling.register_scalable_target(**SCALING, MinCapacity=2, MaxCapacity=6)
    s.out("  made by hand (as with the AWS CLI): model ranker-v7, config ranker-prod, endpoint ranker, autoscaled 2..6")
    root = s.root.parent / "brownfield"
    code, text = s.cli("import", "Endpoint", "ranker", "--into", str(root), "--adopt")
    s.expect("import wrote the Endpoint and Model documents and adopted them with tags only",
             code == 0 and "Endpoint/ranker, Model/ranker-v7" in text and "AddTags" in text
             and "CreateEndpoint" not in text)
    code, text = s.cli("plan", str(root), "--detailed-exitcode")
    s.expect("the next plan is empty: the endpoint keeps its hand-made config (no redeploy)",
             code == 0 and sm.describe_endpoint(EndpointName="ranker")["EndpointConfigName"] == "ranker-prod")
    scaling.register_scalable_target(**SCALING, MinCapacity=2, MaxCapacity=10)
    s.out("  someone raises the autoscaling maximum to 10 by hand during an incident")
    code, text = s.cli("drift", str(root))
    s.expect("drift reports it (exit 2)", code == 2 and "[drift] scalable-target/endpoint/ranker/variant/main" in text)
    code, text = s.cli("drift", str(root), "--accept", "Endpoint/ranker")
    s.expect("drift --accept prints the one-line patch that makes git match live",
             code == 2 and "+      maxCapacity: 10" in text)


ENV_STACK = """apiVersion: reconciler/v1
kind: Stack
name: search
spec:
  region: us-east-1
  variables: {instance_type: ml.m5.large, count: 1}
---
apiVersion: reconciler/v1
kind: Environment
name: staging
spec: {namePrefix: stg-}
---
apiVersion: reconciler/v1
kind: Environment
name: prod
spec:
  namePrefix: prod-
  variables: {instance_type: ml.m5.xlarge, count: 2}
"""

ENV_APP = f"""apiVersion: reconciler/v1
kind: Model
name: search
spec:
  executionRoleArn: {ROLE_ARN}
  primaryContainer: {{image: "{HAND_IMAGE}", modelDataUrl: "s3://ml-artifacts/search/model.tar.gz"}}
---
apiVersion: reconciler/v1
kind: Endpoint
name: search
spec:
  productionVariants:
    - variantName: main
      modelName: ${{Model.search.name}}
      instanceType: ${{var.instance_type}}
      initialInstanceCount: ${{var.count}}
"""


def _environments(s: Story) -> None:
    s.heading("15. Environments: the same documents as two stacks, staging and prod, side by side")
    root = s.root.parent / "environments"
    root.mkdir()
    (root / "stack.yaml").write_text(ENV_STACK)
    (root / "search.yaml").write_text(ENV_APP)
    code, text = s.cli("plan", str(root))
    s.expect("without --env the plan is refused at the Environment's line", code == 1 and "--env NAME" in text)
    for env, name in (("staging", "stg-search"), ("prod", "prod-search")):
        code, text = s.cli("apply", str(root), "--env", env, "--auto-approve")
        s.expect(f"--env {env} applied the stack search-{env} ({name})", code == 0 and f"endpoint/{name}" in text)
    for env in ("staging", "prod"):
        code, _ = s.cli("plan", str(root), "--env", env, "--detailed-exitcode", show=False)
        s.expect(f"the {env} plan is empty", code == 0)


def _registry(s: Story, sm: Any) -> None:
    s.heading("11. The model registry: a pipeline trains and registers, a person approves, the endpoint follows")
    s.registry = True
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("the group, then the pipeline, shown step by step",
             s.steps_of(text) == ["CreateModelPackageGroup", "CreatePipeline"] and "+ step Train (Training)" in text)
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()
    s.state.update(TRAIN_TYPE="ml.m5.2xlarge")
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("one changed instance type: one UpdatePipeline and a one-line step diff",
             s.steps_of(text) == ["UpdatePipeline"] and text.count("~ step ") == 1
             and '~ step Train: Arguments.ResourceConfig.InstanceType "ml.m5.xlarge" -> "ml.m5.2xlarge"' in text)
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()

    version = _run_pipeline(s, sm)
    s.expect("the run registered version 1, awaiting approval", version == (1, "PendingManualApproval"))
    s.from_registry = True
    s.write()
    s.out("  the churn endpoint now serves Model/churn-registry: modelPackage {group: churn, version: latestApproved}")
    code, text = s.cli("plan", str(s.root))
    s.expect("nothing is approved yet: a plan error naming the group (exit 1)",
             code == 1 and "model package group 'churn' has no approved version" in text)
    _approve(s, sm, 1)
    code, text = s.cli("plan", str(s.root))
    s.expect("the plan resolves latestApproved to version 1 and moves the endpoint to it through its canary",
             "latestApproved -> version 1" in text
             and s.steps_of(text)[:3] == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()

    version = _run_pipeline(s, sm)
    _approve(s, sm, version[0])
    code, text = s.cli("plan", str(s.root))
    s.expect("a new approval is a model change: the endpoint moves to version 2",
             "latestApproved -> version 2" in text and "UpdateEndpoint" in s.steps_of(text))
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply rolled it out", code == 0)
    s.converged()


def _events(s: Story, sm: Any, control: Any) -> None:
    import boto3

    s.heading("12. Approval to deploy: SageMaker's approval event reaches the release through an EventRule")
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="churn-release")["QueueUrl"]
    s.state["QUEUE_ARN"] = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    s.out(f"  a release queue outside the stack: {s.state['QUEUE_ARN']}")
    s.events = True
    s.write()
    code, text = s.cli("plan", str(s.root))
    s.expect("the rule, then its targets", s.steps_of(text) == ["PutRule", "PutTargets"])
    code, _ = s.cli("apply", str(s.root), "--auto-approve")
    s.expect("apply succeeded", code == 0)
    s.converged()
    version, _ = _run_pipeline(s, sm)
    _approve(s, sm, version)
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages") or []
    events = [json.loads(m["Body"]) for m in messages]
    for event in events:
        detail = event.get("detail", {})
        s.out(f"  the release queue received: {event.get('detail-type')}: {detail.get('ModelPackageGroupName')} "
              f"version {detail.get('ModelPackageVersion')} {detail.get('ModelApprovalStatus')}")
    s.expect("the approval event reached the rule's queue",
             any(e.get("detail", {}).get("ModelPackageVersion") == version for e in events))
    deliveries = [d for d in control.event_deliveries(s.url)["deliveries"] if d.get("target_id") == "release"]
    s.expect("and the release (a CodePipeline target) was started, as the sandbox records it", bool(deliveries))
    code, text = s.cli("apply", str(s.root), "--auto-approve")
    s.expect(f"the release's apply moves the endpoint to version {version}",
             code == 0 and f"latestApproved -> version {version}" in text and "UpdateEndpoint" in text)
    s.converged()


def _run_pipeline(s: Story, sm: Any) -> tuple[int, str]:
    """Start churn-train (as the team's schedule or CI would) and wait for it: the version it registered."""
    arn = sm.start_pipeline_execution(PipelineName="churn-train")["PipelineExecutionArn"]
    s.out(f"  started {arn}")
    status = "Executing"
    for _ in range(500):
        status = sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        if status != "Executing":
            break
        time.sleep(0.02)
    steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    s.out(f"  execution {status}: " + ", ".join(f"{x['StepName']} {x['StepStatus']}" for x in reversed(steps)))
    newest = sm.list_model_packages(ModelPackageGroupName="churn", SortBy="CreationTime", SortOrder="Descending",
                                    MaxResults=1)["ModelPackageSummaryList"][0]
    s.out(f"  registered version {newest['ModelPackageVersion']} ({newest['ModelApprovalStatus']})")
    return int(newest["ModelPackageVersion"]), str(newest["ModelApprovalStatus"])


def _approve(s: Story, sm: Any, version: int) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/{version}"
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved",
                            ApprovalDescription="reviewed the evaluation report")
    s.out(f"  a reviewer approves version {version} (UpdateModelPackage ModelApprovalStatus=Approved)")


def _wait_in_service(sm: object, name: str = "churn") -> None:
    for _ in range(400):
        if sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService":  # type: ignore[attr-defined]
            return
        time.sleep(0.02)
