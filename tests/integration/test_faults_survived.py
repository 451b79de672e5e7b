"""Faults survived, through the CLI against the sandbox: an unreliable AWS (throttling, 5xx, lost
responses) and an apply killed right after any mutating call both end in the same converged state,
with nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import boto3

from reconciler.sandbox import control
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import edit


def _inventory() -> dict[str, Any]:
    """What the sandbox holds, by kind, with whether each resource is the stack's."""
    sm = boto3.client("sagemaker")

    def owned(arn: str) -> bool:
        return any(t["Key"] == "reconciler:stack" for t in sm.list_tags(ResourceArn=arn)["Tags"])

    out: dict[str, Any] = {
        "models": sorted((m["ModelName"], owned(m["ModelArn"])) for m in sm.list_models()["Models"]),
        "configs": sorted((c["EndpointConfigName"], owned(c["EndpointConfigArn"]))
                          for c in sm.list_endpoint_configs()["EndpointConfigs"]),
        "endpoints": sorted((e["EndpointName"], sm.describe_endpoint(EndpointName=e["EndpointName"])[
            "EndpointConfigName"], e["EndpointStatus"]) for e in sm.list_endpoints()["Endpoints"]),
    }
    aas = boto3.client("application-autoscaling")
    out["targets"] = sorted((t["ResourceId"], t["MinCapacity"], t["MaxCapacity"])
                            for t in aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"])
    out["policies"] = sorted(p["PolicyName"] for p in aas.describe_scaling_policies(
        ServiceNamespace="sagemaker")["ScalingPolicies"])
    out["alarms"] = sorted(a["AlarmName"] for a in boto3.client("cloudwatch").describe_alarms()["MetricAlarms"])
    return out


def _converge(cli: Cli) -> None:
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    plan = cli("plan", cli.root, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    drift = cli("drift", cli.root)
    assert drift.code == 0, drift.text


def test_an_unreliable_aws_gives_the_same_result_as_a_reliable_one(full_cli: Cli) -> None:
    cli = full_cli
    _converge(cli)
    clean = _inventory()
    control.reset(cli.sandbox.url)
    control.set_faults(cli.sandbox.url, rate=0.17, seed=20261201)  # 10% throttled, 5% 5xx, 2% lost responses
    try:
        _converge(cli)
        edit(cli.root / "autoscaled.yaml", "instanceType: ml.c5.xlarge", "instanceType: ml.c5.2xlarge")
        _converge(cli)
        counts = control.get_faults(cli.sandbox.url)
    finally:
        control.set_faults(cli.sandbox.url, rate=0.0)
    assert counts["dropped"] > 0 and counts["throttled"] > 0 and counts["server_errors"] > 0, counts
    edit(cli.root / "autoscaled.yaml", "instanceType: ml.c5.2xlarge", "instanceType: ml.c5.xlarge")
    _converge(cli)
    assert _normalized(_inventory()) == _normalized(clean)


def _normalized(inventory: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in inventory.items() if k != "endpoints"} | {
        "endpoints": sorted((name, status) for name, _, status in inventory["endpoints"])}


def _apply_in_background(cli: Cli) -> subprocess.Popen[str]:
    env = {**os.environ, **cli.sandbox.client_env(), "RECONCILER_POLL_INTERVAL": "0.02", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "reconciler", "apply", str(cli.root), "--auto-approve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _killed_after(cli: Cli, k: int) -> bool:
    """Run an apply and SIGKILL it right after its k-th mutating call took effect; False when the apply
    made fewer than k mutating calls (it finished)."""
    control.hold_after_mutating(cli.sandbox.url, k)
    process = _apply_in_background(cli)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if control.get_calls(cli.sandbox.url)["held"]:
                process.kill()
                process.wait(timeout=30)
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.02)
        raise AssertionError(f"apply neither reached mutating call {k} nor finished")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        control.hold_after_mutating(cli.sandbox.url, None)
        control.release_held(cli.sandbox.url)


def _every_kill_converges(cli: Cli, prepare: Any) -> int:
    """For k = 1, 2, ...: prepare, kill an apply after its k-th mutating call, then plan (it must describe the
    state without error), apply and check convergence with nothing left behind. The number of kills."""
    k = 0
    while True:
        k += 1
        prepare()
        if not _killed_after(cli, k):
            return k - 1
        plan = cli("plan", cli.root)
        assert plan.code == 0, f"after a kill at mutating call {k}: {plan.text}"
        _converge(cli)
        leftovers = [(kind, name) for kind in ("models", "configs") for name, owned in _inventory()[kind]
                     if not owned]
        assert leftovers == [], f"after a kill at mutating call {k}: {leftovers}"


def test_an_apply_killed_after_any_mutating_call_converges_on_the_next_apply(full_cli: Cli) -> None:
    cli = full_cli
    (cli.root / "serverless.yaml").unlink()  # keep each round short: the alarm, two endpoints, autoscaling

    def fresh() -> None:
        control.reset(cli.sandbox.url)

    fresh()
    assert cli("apply", cli.root, "--auto-approve").code == 0
    calls = control.get_calls(cli.sandbox.url)["mutating"]  # of a whole first apply, uninterrupted
    kills = _every_kill_converges(cli, fresh)
    assert kills == calls, (kills, calls)  # every mutating call of the first apply was a kill point


def test_an_update_killed_after_any_mutating_call_converges_on_the_next_apply(full_cli: Cli) -> None:
    cli = full_cli
    (cli.root / "serverless.yaml").unlink()
    control.reset(cli.sandbox.url)
    _converge(cli)
    state = {"type": "ml.c5.xlarge"}

    def flip() -> None:  # each round changes the instance type: deregister, update, register, collect
        new = "ml.c5.2xlarge" if state["type"] == "ml.c5.xlarge" else "ml.c5.xlarge"
        edit(cli.root / "autoscaled.yaml", f"instanceType: {state['type']}", f"instanceType: {new}")
        state["type"] = new

    kills = _every_kill_converges(cli, flip)
    assert kills >= 8, kills  # deregistrations, config, update, registrations, tags, collection
