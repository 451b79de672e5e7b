"""Fleet benchmark: plan, apply and drift for N endpoints against the sandbox.

Prints, per fleet size: wall time of the first apply, of a no-change plan and of drift;
API calls per resource for the no-change plan; and peak Python memory of planning
(measured on a separate plan run, as tracing memory slows Python down).
Run: `python -m benchmarks.fleet [--sizes 10 50 200] [--latency-ms 20]`. With
`--latency-ms`, every sandbox call sleeps that long, approximating AWS round trips, which
shows what the bounded concurrency of the reader buys.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: fleet\nspec: {region: us-east-1, prune: true}\n"
DOCS = """\
---
apiVersion: reconciler/v1
kind: Model
name: m{i}
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/Exec
  primaryContainer: {{image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:{i}", modelDataUrl: "s3://b/m{i}.tar.gz"}}
---
apiVersion: reconciler/v1
kind: Endpoint
name: e{i}
spec:
  productionVariants:
    - {{variantName: a, modelName: "${{Model.m{i}.name}}", instanceType: ml.m5.large, initialInstanceCount: 1}}
"""


def write_fleet(root: Path, n: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / "fleet.yaml").write_text("".join(DOCS.format(i=i) for i in range(n)))


def run(args: list[str]) -> tuple[int, str]:
    from reconciler.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        code = main(args)
    return code, buf.getvalue()


def measure(n: int, latency_ms: float) -> dict[str, float]:
    from reconciler.aws.clients import AwsTarget, ClientFactory, ReadClients
    from reconciler.drift import drift_report
    from reconciler.kinds import load_stack
    from reconciler.plan.planner import make_plan
    from reconciler.sandbox import Sandbox

    with Sandbox(time_scale=100000.0, latency_ms=latency_ms) as sb, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(sb.client_env())
        os.environ["RECONCILER_POLL_INTERVAL"] = "0.01"
        root = Path(tmp) / "specs"
        write_fleet(root, n)
        t = time.perf_counter()
        code, out = run(["apply", str(root), "--auto-approve"])
        assert code == 0, out[-2000:]
        apply_s = time.perf_counter() - t
        stack = load_stack(root)
        clients = ReadClients(ClientFactory(AwsTarget("us-east-1")))
        t = time.perf_counter()
        plan, snap = make_plan(stack, clients)
        plan_s = time.perf_counter() - t
        assert plan.is_empty, plan.dumps()[:2000]
        calls = clients.factory.counter.total
        tracemalloc.start()  # a second plan, for memory only (tracing slows Python down)
        make_plan(stack, ReadClients(ClientFactory(AwsTarget("us-east-1"))))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        t = time.perf_counter()
        report = drift_report(*make_plan(stack, clients))
        drift_s = time.perf_counter() - t
        assert report.in_sync
        resources = len(snap.desired)
        return {"n": n, "resources": resources, "apply_s": apply_s, "plan_s": plan_s, "drift_s": drift_s,
                "calls": calls, "calls_per_resource": calls / resources, "peak_mib": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    print(f"fleet benchmark, sandbox latency {args.latency_ms:g} ms per call")
    print(f"{'endpoints':>9} {'resources':>9} {'apply s':>8} {'plan s':>7} {'drift s':>8} {'calls':>6} "
          f"{'calls/res':>9} {'peak MiB':>8}")
    for n in args.sizes:
        r = measure(n, args.latency_ms)
        print(f"{r['n']:>9} {r['resources']:>9} {r['apply_s']:>8.2f} {r['plan_s']:>7.2f} {r['drift_s']:>8.2f} "
              f"{r['calls']:>6} {r['calls_per_resource']:>9.2f} {r['peak_mib']:>8.1f}")


if __name__ == "__main__":
    main()
