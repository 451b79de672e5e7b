"""Pipeline benchmark: definitions of N steps, validated, applied, planned and changed against the sandbox.

Printed per number of steps (a chain of Processing and Training steps, every one reading the
previous one's output, with a Condition and a RegisterModel at the end):

- the definition's size (characters of canonical JSON) and its validate time;
- the first apply, and a no-change plan: wall time and API calls (by operation);
- a one-step change: plan wall time and the lines of its step-by-step diff;
- the time to canonicalize and diff two definitions alone.

Also printed once: building the SDK example (docs/examples/pipeline-sdk) with definitionPython
(cold, in a fresh process, SDK import included), and resolving a framework image.

Run: `python -m benchmarks.pipelines [--sizes 10 50 200]`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.fleet import _plan, run, sandbox_process

REPO = Path(__file__).resolve().parents[1]
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def definition(steps: int, instance: str = "ml.m5.xlarge") -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for i in range(steps - 2):
        args: dict[str, Any] = {"RoleArn": ROLE, "AppSpecification": {"ImageUri": IMAGE}, "ProcessingResources": {
            "ClusterConfig": {"InstanceType": instance if i == 0 else "ml.m5.xlarge", "InstanceCount": 1,
                              "VolumeSizeInGB": 30}},
            "ProcessingOutputConfig": {"Outputs": [{"OutputName": "out", "S3Output": {
                "S3Uri": f"s3://b/step{i}", "LocalPath": "/opt/ml/processing/out", "S3UploadMode": "EndOfJob"}}]}}
        if i:
            args["ProcessingInputs"] = [{"InputName": "in", "S3Input": {
                "S3Uri": {"Get": f"Steps.Step{i - 1}.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"},
                "LocalPath": "/opt/ml/processing/in", "S3DataType": "S3Prefix", "S3InputMode": "File"}}]
        out.append({"Name": f"Step{i}", "Type": "Processing", "Arguments": args})
    last = f"Step{steps - 3}"
    out.append({"Name": "Check", "Type": "Condition", "DependsOn": [last], "Arguments": {
        "Conditions": [{"Type": "GreaterThanOrEqualTo", "LeftValue": {"Get": "Parameters.Threshold"},
                        "RightValue": 0.5}],
        "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {
            "ModelPackageGroupName": "${ModelPackageGroup.bench.name}", "InferenceSpecification": {
                "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://b/model.tar.gz"}],
                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}}}],
        "ElseSteps": []}})
    return {"Version": "2020-12-01", "Parameters": [{"Name": "Threshold", "Type": "Float", "DefaultValue": 0.8}],
            "Steps": out}


def write_stack(root: Path, steps: int, instance: str = "ml.m5.xlarge") -> None:
    root.mkdir(parents=True, exist_ok=True)
    docs = [{"apiVersion": "reconciler/v1", "kind": "Stack", "name": "bench", "spec": {"region": "us-east-1"}},
            {"apiVersion": "reconciler/v1", "kind": "ModelPackageGroup", "name": "bench", "spec": {}},
            {"apiVersion": "reconciler/v1", "kind": "Pipeline", "name": "bench",
             "spec": {"roleArn": ROLE, "pipelineDefinition": definition(steps, instance)}}]
    (root / "stack.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))


def measure(steps: int) -> dict[str, Any]:
    from reconciler.handlers.pipeline_definition import canonical, diff_lines
    from reconciler.kinds import load_stack

    out: dict[str, Any] = {"steps": steps}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "specs"
        write_stack(root, steps)
        out["chars"] = len(json.dumps(canonical(definition(steps)), separators=(",", ":")))
        t = time.perf_counter()
        stack = load_stack(root)
        out["validate_s"] = time.perf_counter() - t
        with sandbox_process():
            t = time.perf_counter()
            code, text = run(["apply", str(root), "--auto-approve"])
            assert code == 0, text[-2000:]
            out["apply_s"] = time.perf_counter() - t
            _plan(stack)  # warm
            plan, _, clients, out["plan_s"], _ = _plan(stack)
            assert plan.is_empty, plan.dumps()[:2000]
            out["calls"] = clients.factory.counter.total
            out["by_operation"] = clients.factory.counter.snapshot()
            write_stack(root, steps, "ml.m5.2xlarge")
            changed = load_stack(root)
            plan, _, _, out["change_plan_s"], _ = _plan(changed)
            [change] = plan.changes
            out["diff_lines"] = len(change.details)
        before, after = definition(steps), definition(steps, "ml.m5.2xlarge")
        t = time.perf_counter()
        for _ in range(10):
            diff_lines(canonical(json.dumps(before, indent=2)), after)
        out["diff_ms"] = (time.perf_counter() - t) * 100
    return out


def sdk_build_s() -> float | None:
    """A fresh process validating the SDK example: SDK import and the offline build included."""
    if subprocess.run([sys.executable, "-c", "import importlib.util,sys; sys.exit(importlib.util.find_spec("
                       "'sagemaker') is None)"]).returncode:
        return None
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reconciler", "validate", str(REPO / "docs/examples/pipeline-sdk")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return time.perf_counter() - t


def image_ms() -> float:
    from reconciler import images

    images.resolve({"framework": "pytorch", "version": "2.3", "processor": "gpu"}, "us-east-1")  # warm the cache
    images._framework_config.cache_clear()
    t = time.perf_counter()
    images.resolve({"framework": "pytorch", "version": "2.3", "processor": "gpu"}, "eu-west-1")
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    args = parser.parse_args()
    print(f"{'steps':>6} {'chars':>9} {'validate':>9} {'apply':>7} {'plan':>7} {'calls':>6} {'change':>7} "
          f"{'lines':>6} {'diff':>8}")
    for n in args.sizes:
        r = measure(n)
        print(f"{r['steps']:>6} {r['chars']:>9,} {r['validate_s']:>8.3f}s {r['apply_s']:>6.2f}s {r['plan_s']:>6.3f}s "
              f"{r['calls']:>6} {r['change_plan_s']:>6.3f}s {r['diff_lines']:>6} {r['diff_ms']:>6.1f}ms")
        print(f"{'':>6} no-change plan calls: {r['by_operation']}")
    built = sdk_build_s()
    print("definitionPython (SDK example, fresh process, validate): "
          + (f"{built:.2f} s" if built is not None else "skipped: the sdk extra is not installed"))
    print(f"framework image, first resolution (one JSON file read): {image_ms():.2f} ms")


if __name__ == "__main__":
    main()
