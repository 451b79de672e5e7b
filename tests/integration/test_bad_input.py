"""Bad input: one clear line per problem with file:line:col, exit 1, no traceback, no AWS call."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.conftest import REPO, Cli

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1}\n"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point AWS at a closed port: any AWS call would fail with a connection error."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


def _pipeline(steps: str) -> str:
    """A Pipeline document whose definition holds `steps` (YAML list items at the steps' indentation)."""
    return textwrap.dedent("""\
        apiVersion: reconciler/v1
        kind: Pipeline
        name: p
        spec:
          roleArn: arn:aws:iam::123456789012:role/x
          pipelineDefinition:
            Version: "2020-12-01"
            Parameters: [{Name: Count, Type: Integer}]
            Steps:
        """) + (f"      {steps}\n" if steps else "      []\n")


def _rule(line: str, targets: int = 1) -> str:
    """An EventRule document with `line` in its spec and `targets` SQS targets."""
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    items = "".join(f"\n            - {{id: t{i}, arn: '{queue}'}}" for i in range(targets))
    return textwrap.dedent(f"""\
        apiVersion: reconciler/v1
        kind: EventRule
        name: r
        spec:
          {line}
          targets:{items}
        """)


CASES = {
    "malformed yaml": ("a.yaml", "apiVersion: reconciler/v1\nkind: Model\nname: [oops\n", "a.yaml:4:1: invalid YAML"),
    "unknown field": ("m.yaml", """\
        apiVersion: reconciler/v1
        kind: Model
        name: m
        spec:
          primaryContainer: {image: x}
          executionRoleArm: arn:aws:iam::1:role/x
        """, "m.yaml:6:3: unknown field 'executionRoleArm' in spec (did you mean 'executionRoleArn'?)"),
    "wrong type": ("e.yaml", """\
        apiVersion: reconciler/v1
        kind: Endpoint
        name: e
        spec:
          productionVariants:
            - {variantName: a, modelName: m, instanceType: ml.m5.large, initialInstanceCount: "2"}
        """, "e.yaml:6:87: spec.productionVariants[0].initialInstanceCount: expected integer"),
    "bad enum": ("e.yaml", """\
        apiVersion: reconciler/v1
        kind: Endpoint
        name: e
        spec:
          productionVariants:
            - {variantName: a, modelName: m, instanceType: ml.m5.larg, initialInstanceCount: 1}
        """, "e.yaml:6:52: spec.productionVariants[0].instanceType: 'ml.m5.larg' is not a valid value "
             "(did you mean 'ml.m5.large'?)"),
    "dangling reference": ("e.yaml", """\
        apiVersion: reconciler/v1
        kind: Endpoint
        name: e
        spec:
          productionVariants:
            - variantName: a
              modelName: ${Model.missing.name}
              instanceType: ml.m5.large
              initialInstanceCount: 1
        """, "e.yaml:7:18: reference ${Model.missing.name} points at Model/missing, which is not defined"),
    "misspelled reference attribute": ("e.yaml", """\
        apiVersion: reconciler/v1
        kind: Endpoint
        name: e
        spec:
          productionVariants:
            - {variantName: a, modelName: "${Model.m.nme}", instanceType: ml.m5.large, initialInstanceCount: 1}
        """, "e.yaml:6:35: '${Model.m.nme}': unknown attribute 'nme' (did you mean 'name'?); a reference ends in "
             ".name or .arn"),
    "missing kind": ("k.yaml", "apiVersion: reconciler/v1\nname: x\nspec: {}\n",
                     "k.yaml:1:1: missing required field 'kind'"),
    "over-long name": ("m.yaml", f"""\
        apiVersion: reconciler/v1
        kind: Model
        name: {"m" * 60}
        spec: {{primaryContainer: {{image: x}}}}
        """, "m.yaml:3:7: Model name '" + "m" * 60 + "' is 60 characters long; the limit is 54"),
}


def _monitor(monitoring_type: str = "DataQuality", schedule: str = "scheduleExpression: cron(0 * ? * * *)",
             job_input: str = "endpointInput: {endpointName: churn, localPath: /in}", app: str = "",
             runtime: int = 1800, outputs: int = 1, extra_input: str = "", prefix: str = "") -> str:
    """A MonitoringSchedule document reading endpoint churn (outside the stack), with one thing to break."""
    lower = monitoring_type[0].lower() + monitoring_type[1:]
    output = "{s3Output: {s3Uri: s3://b/out, localPath: /out}}"
    return prefix.rstrip(" ") + f"""\
        apiVersion: reconciler/v1
        kind: MonitoringSchedule
        name: churn-monitor
        spec:
          monitoringType: {monitoring_type}
          jobDefinition:
            {lower}AppSpecification: {{imageUri: 1.dkr.ecr.us-east-1.amazonaws.com/monitor{app}}}
            {lower}JobInput: {{{job_input}{extra_input}}}
            {lower}JobOutputConfig: {{monitoringOutputs: [{", ".join([output] * outputs)}]}}
            jobResources: {{clusterConfig: {{instanceCount: 1, instanceType: ml.m5.xlarge, volumeSizeInGB: 20}}}}
            roleArn: arn:aws:iam::123456789012:role/r
            stoppingCondition: {{maxRuntimeInSeconds: {runtime}}}
          scheduleConfig: {{{schedule}}}
        """


CAPTURELESS_ENDPOINT = """\
        apiVersion: reconciler/v1
        kind: Endpoint
        name: churn
        spec:
          productionVariants:
            - {variantName: a, modelName: m, instanceType: ml.m5.large, initialInstanceCount: 1}
        ---
        """

CASES.update({
    "monitoring: an unsupported cron form": ("mon.yaml", _monitor(schedule="scheduleExpression: cron(0 */2 * * ? *)"),
                                             "mon.yaml:13:40: scheduleConfig.scheduleExpression 'cron(0 */2 * * ? *)' "
                                             "is not a schedule Model Monitor runs: use hourly cron(0 * ? * * *)"),
    "monitoring: NOW without its window": ("mon.yaml", _monitor(schedule="scheduleExpression: NOW"),
                                           "mon.yaml:13:40: scheduleExpression NOW needs dataAnalysisStartTime and "
                                           "dataAnalysisEndTime"),
    "monitoring: a window over 24 hours": (
        "mon.yaml", _monitor(schedule="scheduleExpression: NOW, dataAnalysisStartTime: -PT30H, "
                                      "dataAnalysisEndTime: -PT1H"),
        "spans 29 hours; Model Monitor analyses at most 24"),
    "monitoring: runtime beyond an hourly model-quality run": (
        "mon.yaml", _monitor("ModelQuality", runtime=3000, extra_input=", groundTruthS3Input: {s3Uri: s3://b/gt}"),
        "mon.yaml:12:46: stoppingCondition.maxRuntimeInSeconds 3000 exceeds what an hourly schedule allows: at most "
        "1800 s"),
    "monitoring: ground truth missing": ("mon.yaml", _monitor("ModelQuality"),
                                         "missing required field 'groundTruthS3Input' in "
                                         "spec.jobDefinition.modelQualityJobInput"),
    "monitoring: configUri missing": ("mon.yaml", _monitor("ModelBias",
                                                           extra_input=", groundTruthS3Input: {s3Uri: s3://b/gt}"),
                                      "missing required field 'configUri' in "
                                      "spec.jobDefinition.modelBiasAppSpecification"),
    "monitoring: two outputs": ("mon.yaml", _monitor(outputs=2),
                                "spec.jobDefinition.dataQualityJobOutputConfig.monitoringOutputs: has 2 items (must "
                                "have at most 1)"),
    "monitoring: endpoint and batch input": (
        "mon.yaml", _monitor(extra_input=", batchTransformInput: {dataCapturedDestinationS3Uri: s3://b/c, "
                                         "datasetFormat: {csv: {header: true}}, localPath: /b}"),
        "give endpointInput or batchTransformInput, not both"),
    "monitoring: another type's member": (
        "mon.yaml", _monitor().replace("dataQualityJobInput", "modelQualityJobInput"),
        "unknown field 'modelQualityJobInput' in spec.jobDefinition (did you mean 'dataQualityJobInput'?)"),
    "monitoring: an endpoint of the stack without capture": (
        "mon.yaml", _monitor(job_input="endpointInput: {endpointName: '${Endpoint.churn.name}', localPath: /in}",
                             prefix=CAPTURELESS_ENDPOINT),
        "endpoint churn does not capture data, so this data quality job definition would have nothing to read"),
    "capture mode twice": ("e.yaml", """\
        apiVersion: reconciler/v1
        kind: Endpoint
        name: e
        spec:
          productionVariants:
            - {variantName: a, modelName: m, instanceType: ml.m5.large, initialInstanceCount: 1}
          dataCaptureConfig:
            initialSamplingPercentage: 10
            destinationS3Uri: s3://b/capture
            captureOptions: [{captureMode: Input}, {captureMode: Input}]
        """, "e.yaml:10:58: dataCaptureConfig.captureOptions lists captureMode Input twice"),
    "pipeline: a misspelt step type": ("p.yaml", _pipeline("- {Name: Prep, Type: Processsing, Arguments: {}}"),
                                       "p.yaml:10:28: step Prep: Type 'Processsing' is not a SageMaker pipeline "
                                       "step type"),
    "pipeline: an undeclared parameter": (
        "p.yaml", _pipeline("- {Name: Prep, Type: Processing, Arguments: {X: {Get: Parameters.Size}}}"),
        "p.yaml:10:61: step Prep: Get: Parameters.Size names a parameter the definition does not declare"),
    "pipeline: a dependency cycle": (
        "p.yaml", _pipeline("- {Name: A, Type: Processing, DependsOn: [B]}\n      - {Name: B, Type: Processing, "
                            "DependsOn: [A]}"),
        "p.yaml:10:9: the steps depend on each other in a cycle: A -> B -> A"),
    "pipeline: a duplicate step": (
        "p.yaml", _pipeline("- {Name: A, Type: Fail}\n      - {Name: A, Type: Fail}"),
        "p.yaml:11:16: duplicate step name 'A' (first at"),
    "pipeline: two definitions": (
        "p.yaml", _pipeline("- {Name: A, Type: Fail}") + "  definitionFile: train.json\n",
        "has its definition 2 ways (pipelineDefinition, definitionFile)"),
    "pipeline: a missing definition file": (
        "p.yaml", _pipeline("").split("  pipelineDefinition:")[0] + "  definitionFile: pipelines/train.json\n",
        "p.yaml:6:19: definitionFile pipelines/train.json: no such file"),
    "model: an image framework version that does not exist": ("m.yaml", """\
        apiVersion: reconciler/v1
        kind: Model
        name: m
        spec:
          executionRoleArn: arn:aws:iam::123456789012:role/x
          primaryContainer: {image: {framework: xgboost, version: "1.7-9"}}
        """, "m.yaml:6:29: image framework 'xgboost' has no version '1.7-9' (did you mean"),
    "model: a registry version and containers": ("m.yaml", """\
        apiVersion: reconciler/v1
        kind: Model
        name: m
        spec:
          executionRoleArn: arn:aws:iam::123456789012:role/x
          modelPackage: {group: churn, version: latestApproved}
          primaryContainer: {image: x}
        """, "m.yaml:6:17: a Model deploys either a modelPackage or its own containers"),
    "event rule: an operator with the wrong argument": ("r.yaml", _rule("eventPattern: {detail: {v: [{prefix: 1}]}}"),
                                                         "r.yaml:5:31: detail.v[0]: prefix takes a string"),
    "event rule: a pattern that is not JSON": ("r.yaml", _rule("eventPattern: {detail: {score: [.nan]}}"),
                                               "r.yaml:5:17: eventPattern cannot be sent as JSON"),
    "event rule: a scalar where a list goes": ("r.yaml", _rule("eventPattern: {source: aws.sagemaker}"),
                                               "r.yaml:5:26: source: values to match go in a list"),
    "event rule: a five-field cron": ("r.yaml", _rule("scheduleExpression: cron(0 3 * * *)"),
                                      "r.yaml:5:23: cron(0 3 * * *): a cron expression has 6 fields"),
    "event rule: both days given": ("r.yaml", _rule("scheduleExpression: cron(0 3 1 * MON *)"),
                                    "exactly one of day-of-month (1) and day-of-week (MON) must be '?'"),
    "event rule: rate with a plural for 1": ("r.yaml", _rule("scheduleExpression: rate(1 days)"),
                                             "r.yaml:5:23: rate(1 days): write rate(1 day)"),
    "event rule: six targets": ("r.yaml", _rule("eventPattern: {source: [x]}", targets=6),
                                "r.yaml:7:5: 6 targets; a rule has at most 5"),
    "event bus: the default bus with settings": ("b.yaml", """\
        apiVersion: reconciler/v1
        kind: EventBus
        name: default
        spec:
          description: mine
        """, "b.yaml:5:16: the default event bus exists in every account and only its policy can be set here"),
    "model package group: a policy without statements": ("g.yaml", """\
        apiVersion: reconciler/v1
        kind: ModelPackageGroup
        name: churn
        spec:
          resourcePolicy: {Version: "2012-10-17"}
        """, "g.yaml:5:19: resourcePolicy needs a Statement"),
})


def _write(root: Path, name: str, body: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / name).write_text(textwrap.dedent(body))


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
def test_bad_specs_fail_with_a_position_and_no_aws_call(case: str, command: str, tmp_path: Path, offline: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    name, body, expected = CASES[case]
    root = tmp_path / "specs"
    _write(root, name, body)
    monkeypatch.chdir(tmp_path)
    args = [command, "specs"] + (["--auto-approve"] if command == "apply" else [])
    result = Cli(None, root)(*args)  # type: ignore[arg-type]
    assert result.code == 1
    assert expected in result.err.replace("specs/", ""), result.err
    assert "Traceback" not in result.text
    assert "Could not connect" not in result.text and "EndpointConnectionError" not in result.text


def test_duplicate_names_point_at_both(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    doc = "apiVersion: reconciler/v1\nkind: Model\nname: m\nspec: {primaryContainer: {image: x}}\n"
    _write(root, "m.yaml", doc + "---\n" + doc)
    result = Cli(None, root)("validate", root)  # type: ignore[arg-type]
    assert result.code == 1
    assert "m.yaml:8:7: duplicate Model name 'm' (first defined at" in result.err and "m.yaml:3:7)" in result.err


def test_reference_cycle_is_an_error(tmp_path: Path) -> None:
    from reconciler.errors import SpecError
    from reconciler.kinds import load_stack

    root = tmp_path / "specs"
    a = """\
        apiVersion: reconciler/v1
        kind: Model
        name: a
        spec: {primaryContainer: {image: x, environment: {OTHER: "${Model.b.name}"}}}
        ---
        apiVersion: reconciler/v1
        kind: Model
        name: b
        spec: {primaryContainer: {image: x, environment: {OTHER: "${Model.a.name}"}}}
        """
    _write(root, "m.yaml", a)
    with pytest.raises(SpecError) as err:
        load_stack(root)
    assert any("reference cycle: Model/a -> Model/b -> Model/a" in str(d) for d in err.value.diagnostics)


def test_console_script_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    _write(root, "a.yaml", "kind: [\n")
    proc = subprocess.run([sys.executable, "-m", "reconciler", "validate", str(root)], capture_output=True,
                          text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 1
    assert "invalid YAML" in proc.stderr and "Traceback" not in proc.stderr


def test_mutated_specs_never_crash(tmp_path: Path) -> None:
    """Fuzz: random edits of the example specs give exit 0 or 1, never an exception."""
    from reconciler.cli import main

    sources = {p.name: p.read_text() for p in (REPO / "specs").glob("*.yaml")}
    rng = random.Random(20261124)
    alphabet = list(":{}[]-'\"#&*!|>%@` \n\t0123456789abcxyz${}.")
    root = tmp_path / "specs"
    root.mkdir()
    for _ in range(150):
        for name, text in sources.items():
            chars = list(text)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(chars))
                op = rng.random()
                if op < 0.4:
                    del chars[i]
                elif op < 0.8:
                    chars[i] = rng.choice(alphabet)
                else:
                    chars.insert(i, rng.choice(alphabet))
            (root / name).write_text("".join(chars))
        assert main(["validate", str(root)]) in (0, 1)


def test_schema_command_prints_each_kind(tmp_path: Path) -> None:
    import json

    from reconciler.kinds import REGISTRY

    for kind in REGISTRY.names:
        result = Cli(None, tmp_path)("schema", kind)  # type: ignore[arg-type]
        assert result.code == 0
        schema = json.loads(result.out)
        assert schema["$schema"].startswith("https://json-schema.org/")
    unknown = Cli(None, tmp_path)("schema", "Endpont")  # type: ignore[arg-type]
    assert unknown.code == 1 and "unknown kind 'Endpont'" in unknown.err and "did you mean 'Endpoint'?" in unknown.err


@pytest.mark.parametrize("args", [["drift", "--frmat", "json"], ["plan", "--format", "yaml"], ["bogus"],
                                  ["apply", "a", "b", "c"]])
def test_usage_errors_exit_1_never_the_changes_code(args: list[str], tmp_path: Path) -> None:
    result = Cli(None, tmp_path)(*args)  # type: ignore[arg-type]
    assert result.code == 1, result.text
    assert "usage: reconciler" in result.err and "error:" in result.err


def test_usage_errors_exit_1_from_the_console_script(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "reconciler", "drift", "--frmat", "json"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 1 and "unrecognized arguments: --frmat" in done.stderr


def test_an_unknown_option_is_reported_by_its_command_with_a_suggestion(tmp_path: Path) -> None:
    result = Cli(None, tmp_path)("apply", "--auto-aprove")  # type: ignore[arg-type]
    assert result.code == 1
    assert "usage: reconciler apply" in result.err
    assert "unrecognized arguments: --auto-aprove (did you mean --auto-approve?)" in result.err


def test_no_command_is_a_usage_error_and_lock_timeout_needs_lock(tmp_path: Path) -> None:
    assert Cli(None, tmp_path)().code == 1  # type: ignore[arg-type]
    alone = Cli(None, tmp_path)("plan", str(tmp_path), "--lock-timeout", "5")  # type: ignore[arg-type]
    assert alone.code == 1 and "--lock-timeout only applies with --lock" in alone.err


def test_a_problem_without_a_place_still_says_error(tmp_path: Path) -> None:
    result = Cli(None, tmp_path)("validate", str(tmp_path / "nope"))  # type: ignore[arg-type]
    assert result.code == 1 and result.err.startswith("error: no such spec directory")


def test_a_malformed_reference_is_one_error_not_also_a_pattern_error(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    _write(root, "e.yaml", CASES["misspelled reference attribute"][1])
    result = Cli(None, root)("validate", root)  # type: ignore[arg-type]
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err


def test_a_wrong_monitoring_type_is_one_error_at_monitoring_type(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    _write(root, "mon.yaml", _monitor("ModelExplainability", app=", configUri: s3://b/a.json").replace(
        "monitoringType: ModelExplainability", "monitoringType: ModelBias"))
    result = Cli(None, root)("validate", root)  # type: ignore[arg-type]
    assert result.code == 1
    [line] = result.err.strip().splitlines()
    assert line.endswith("mon.yaml:5:19: monitoringType is 'ModelBias', but jobDefinition has the members of "
                         "ModelExplainability (modelExplainabilityAppSpecification, modelExplainabilityJobInput, "
                         "modelExplainabilityJobOutputConfig): set monitoringType: ModelExplainability, or write "
                         "jobDefinition for ModelBias")


def test_an_endpoint_arn_where_its_name_is_read_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    endpoint = CAPTURELESS_ENDPOINT.replace("          productionVariants:", "          dataCaptureConfig: {"
                                            "initialSamplingPercentage: 5, destinationS3Uri: s3://b/c, "
                                            "captureOptions: [{captureMode: Input}]}\n          productionVariants:")
    _write(root, "mon.yaml", _monitor(job_input="endpointInput: {endpointName: '${Endpoint.churn.arn}', "
                                                "localPath: /in}", prefix=endpoint))
    result = Cli(None, root)("validate", root)  # type: ignore[arg-type]
    assert result.code == 1 and "endpointInput.endpointName takes the endpoint's name: write " \
        "${Endpoint.churn.name}" in result.err
