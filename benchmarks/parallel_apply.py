"""Parallel apply benchmark: N independent endpoints created by one apply, against the sandbox.

Each endpoint waits for SageMaker (the sandbox's clock makes a create take `--create-s` seconds
of wall time). Printed per N: the apply's wall time, the sum of the waits (N times the apply of
one endpoint alone: the cost of applying one after the other) and the longest wait (one
endpoint alone: the floor of applying them all at once), and how far the apply is from that floor.

Run: `python -m benchmarks.parallel_apply [--sizes 1 3 12] [--latency-ms 20] [--create-s 1.0]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.fleet import run, sandbox_process, write_fleet

CREATE_SECONDS = 240.0  # sandbox time an endpoint takes to create (reconciler.sandbox.lifecycle)


def apply_seconds(n: int, latency_ms: float, time_scale: float) -> float:
    """Wall time of one apply creating n independent endpoints (with their models and configs)."""
    with tempfile.TemporaryDirectory() as tmp, sandbox_process(latency_ms=latency_ms, time_scale=time_scale):
        root = Path(tmp) / "specs"
        write_fleet(root, n)
        started = time.perf_counter()
        code, text = run(["apply", str(root), "--auto-approve"])
        assert code == 0, text[-2000:]
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 12])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--create-s", type=float, default=1.0, help="wall seconds an endpoint takes to create")
    args = parser.parse_args()
    scale = CREATE_SECONDS / args.create_s
    one = apply_seconds(1, args.latency_ms, scale)
    print(f"parallel apply benchmark: an endpoint takes {args.create_s:g} s to create, {args.latency_ms:g} ms per call")
    print(f"{'endpoints':>9} {'apply s':>8} {'sum of waits s':>14} {'longest s':>9} {'apply / longest':>15}")
    for n in args.sizes:
        wall = one if n == 1 else apply_seconds(n, args.latency_ms, scale)
        print(f"{n:>9} {wall:>8.2f} {n * one:>14.2f} {one:>9.2f} {wall / one:>15.2f}")


if __name__ == "__main__":
    main()
