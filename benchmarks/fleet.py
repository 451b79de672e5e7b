"""Fleet benchmark: validate, plan, apply and drift for N endpoints against the sandbox.

The sandbox runs in its own process, so what is measured here is the client: wall time, and
its own CPU time (`process_time`), which is the client's cost whatever the latency. Printed
per fleet size:

- the first apply, a no-change plan and drift (wall time, no injected latency);
- validate time, and the client's CPU per resource for a no-change plan;
- API calls per resource, in all and by operation;
- peak Python memory of planning (measured on a separate plan run: tracing slows Python down);
- with `--latency-ms L`: the no-change plan with L ms per call, next to its bound
  `1.5 * (calls * L / 16) + no-latency plan` (16 reads in flight at once).

Run: `python -m benchmarks.fleet [--sizes 10 50 200] [--latency-ms 50]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
READ_CONCURRENCY = 16


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


@contextlib.contextmanager
def sandbox_process(latency_ms: float = 0.0, time_scale: float = 100000.0) -> Iterator[str]:
    """A sandbox in its own process on 127.0.0.1; yields its URL and sets the AWS variables to it."""
    process = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "--port", "0", "--time-scale",
                                str(time_scale), "--latency-ms", str(latency_ms)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not url:
            line = process.stdout.readline()
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if match:
                url = match.group(1)
        if not url:
            raise RuntimeError("the sandbox did not start")
        os.environ.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": "us-east-1", "RECONCILER_POLL_INTERVAL": "0.01"})
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _plan(stack: Any) -> tuple[Any, Any, Any, float, float]:
    from reconciler.aws.clients import AwsTarget, ClientFactory, ReadClients
    from reconciler.plan.planner import make_plan

    clients = ReadClients(ClientFactory(AwsTarget("us-east-1")))
    wall, cpu = time.perf_counter(), time.process_time()
    plan, snap = make_plan(stack, clients)
    return plan, snap, clients, time.perf_counter() - wall, time.process_time() - cpu


def measure(n: int, latency_ms: float) -> dict[str, Any]:
    from reconciler.drift import drift_report
    from reconciler.kinds import load_stack

    out: dict[str, Any] = {"n": n}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "specs"
        write_fleet(root, n)
        with sandbox_process():
            t = time.perf_counter()
            code, text = run(["apply", str(root), "--auto-approve"])
            assert code == 0, text[-2000:]
            out["apply_s"] = time.perf_counter() - t
            t = time.perf_counter()
            stack = load_stack(root)
            out["validate_s"] = time.perf_counter() - t
            _plan(stack)  # warm: botocore's models, connections
            plan, snap, clients, out["plan_s"], cpu = _plan(stack)
            assert plan.is_empty, plan.dumps()[:2000]
            out["resources"] = len(snap.desired)
            out["client_ms_per_resource"] = 1000 * cpu / out["resources"]
            out["calls"] = clients.factory.counter.total
            out["by_operation"] = clients.factory.counter.snapshot()
            tracemalloc.start()
            _plan(stack)
            out["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            t = time.perf_counter()
            plan, snap, *_ = _plan(stack)
            assert drift_report(plan, snap).in_sync
            out["drift_s"] = time.perf_counter() - t
        if latency_ms:
            with sandbox_process(latency_ms=latency_ms):
                _plan(stack)  # warm, as for the no-latency plan
                plan, _, clients, out["plan_latency_s"], _ = _plan(stack)
                calls = clients.factory.counter.total
                out["bound_s"] = 1.5 * (calls * latency_ms / 1000 / READ_CONCURRENCY) + out["plan_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"fleet benchmark (sandbox in its own process; latency runs at {args.latency_ms:g} ms per call)")
    print(f"{'endpoints':>9} {'resources':>9} {'apply s':>8} {'valid s':>8} {'plan s':>7} {'drift s':>8} "
          f"{'client ms/res':>13} {'calls':>6} {'calls/res':>9} {'peak MiB':>8} {'plan@lat s':>10} {'bound s':>8}")
    for n in args.sizes:
        r = measure(n, args.latency_ms)
        print(f"{r['n']:>9} {r['resources']:>9} {r['apply_s']:>8.2f} {r['validate_s']:>8.2f} {r['plan_s']:>7.2f} "
              f"{r['drift_s']:>8.2f} {r['client_ms_per_resource']:>13.2f} {r['calls']:>6} "
              f"{r['calls'] / r['resources']:>9.2f} {r['peak_mib']:>8.1f} {r.get('plan_latency_s', 0):>10.2f} "
              f"{r.get('bound_s', 0):>8.2f}")
        per_op = ", ".join(f"{op.split(':', 1)[1]} {count / r['resources']:.3f}"
                           for op, count in sorted(r["by_operation"].items()))
        print(f"{'':>9} calls per resource by operation: {per_op}")


if __name__ == "__main__":
    main()
