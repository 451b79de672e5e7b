"""Import benchmark: N endpoints made by hand (every other one autoscaled, each with its model and config),
imported with `import --all --adopt` against the sandbox (in its own process), then planned.

Printed per N: the import (reading and writing the documents), the adoption check (a plan as if
owned) and the adoption (tag writes): wall time and API calls, per endpoint; then the first plan
after adoption (it must have no changes) and peak memory of the whole run.

Run: `python -m benchmarks.importing [--sizes 5 20 50] [--latency-ms 0]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks.fleet import sandbox_process

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def make_by_hand(n: int) -> None:
    import boto3

    sm = boto3.client("sagemaker")
    scaling = boto3.client("application-autoscaling")
    for i in range(n):
        name = f"hand-{i:03d}"
        sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE,
                        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": f"s3://ml/{name}/model.tar.gz"})
        sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[
            {"VariantName": "main", "ModelName": f"{name}-model", "InstanceType": "ml.m5.large",
             "InitialInstanceCount": 2}])
        sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")
    for i in range(n):
        sm.get_waiter("endpoint_in_service").wait(EndpointName=f"hand-{i:03d}",
                                                   WaiterConfig={"Delay": 0.05, "MaxAttempts": 400})
        if i % 2 == 0:
            key = {"ServiceNamespace": "sagemaker", "ResourceId": f"endpoint/hand-{i:03d}/variant/main",
                   "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}
            scaling.register_scalable_target(**key, MinCapacity=2, MaxCapacity=6)
            scaling.put_scaling_policy(**key, PolicyName="invocations-per-instance", PolicyType="TargetTrackingScaling",
                                       TargetTrackingScalingPolicyConfiguration={
                                           "TargetValue": 500.0, "PredefinedMetricSpecification": {
                                               "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})


def _calls(factory: Any) -> int:
    return sum(factory.counter.snapshot().values())


def measure(n: int) -> dict[str, Any]:
    from reconciler import importing
    from reconciler.aws.clients import AwsTarget, ClientFactory, ReadClients, WriteClients
    from reconciler.kinds import load_stack
    from reconciler.plan.planner import caller_account, make_plan

    make_by_hand(n)
    out: dict[str, Any] = {"n": n}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "brownfield"
        factory = ClientFactory(AwsTarget("us-east-1"))
        reader, writer = ReadClients(factory), WriteClients(factory)
        account = caller_account(reader)
        started = time.perf_counter()
        ctx = importing.context(reader, "us-east-1", account)
        groups, _ = importing.import_all(ctx, ["hand-*"])
        importing.write_stack(root, "us-east-1")
        for group in groups:
            importing.write(root, group)
        out["import_s"], out["import_calls"] = time.perf_counter() - started, _calls(factory)
        out["documents"] = sum(len(g) for g in groups)
        stack = load_stack(root)
        before, started = _calls(factory), time.perf_counter()
        adoption = importing.check_adoption(stack, writer, [d for g in groups for d in g])
        out["check_s"], out["check_calls"] = time.perf_counter() - started, _calls(factory) - before
        before, started = _calls(factory), time.perf_counter()
        out["tagged"] = importing.adopt(adoption, writer, account, stack.stack.name)
        out["adopt_s"], out["adopt_calls"] = time.perf_counter() - started, _calls(factory) - before
        before, started = _calls(factory), time.perf_counter()
        plan, _ = make_plan(stack, reader)
        out["plan_s"], out["plan_calls"] = time.perf_counter() - started, _calls(factory) - before
        out["plan_changes"] = len(plan.changes)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    print("| endpoints | documents | import | API calls (per endpoint) | adoption check | calls | tag writes | "
          "calls | next plan | changes | peak memory |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in args.sizes:
        with sandbox_process(args.latency_ms):
            tracemalloc.start()
            r = measure(n)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(f"| {n} | {r['documents']} | {r['import_s']:.2f} s | {r['import_calls']} ({r['import_calls'] / n:.1f}) "
              f"| {r['check_s']:.2f} s | {r['check_calls']} | {r['adopt_s']:.2f} s ({r['tagged']} resources) "
              f"| {r['adopt_calls']} | {r['plan_s']:.2f} s | {r['plan_changes']} | {peak / 1e6:.1f} MB |")


if __name__ == "__main__":
    main()
