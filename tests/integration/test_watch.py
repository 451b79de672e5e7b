"""`reconciler watch` through the CLI against the sandbox: self-heal repairs drift and leaves pending changes,
sync windows and the lock hold it back, the metrics endpoint serves the text format during a run, and SIGTERM
stops a running watch cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3

from reconciler.apply.lock import StackLock
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import create, edit, wait_in_service
from tests.integration.test_lock import TABLE, _item, _table, _with_lock

FAST = ("--interval", "0.2s")


def _by_hand(weight: float = 0.1) -> None:
    """Someone changes the champion's weight outside git (UpdateEndpointWeightsAndCapacities by hand)."""
    boto3.client("sagemaker").update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "champion", "DesiredWeight": weight}])
    wait_in_service()


def _weights() -> dict[str, float]:
    endpoint = boto3.client("sagemaker").describe_endpoint(EndpointName="churn")
    return {v["VariantName"]: v["CurrentWeight"] for v in endpoint["ProductionVariants"]}


def _threshold() -> float:
    return float(boto3.client("cloudwatch").describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"][0]["Threshold"])


def test_self_heal_repairs_drift_within_one_interval_and_leaves_a_pending_change(cli: Cli) -> None:
    create(cli)
    _by_hand(0.1)
    edit(cli.root / "alarms.yaml", "threshold: 5", "threshold: 7")  # a spec change not applied yet
    result = cli("watch", cli.root, "--self-heal", "--max-cycles", "2", *FAST)
    assert result.code == 0, result.text
    assert _weights() == {"champion": 0.8, "challenger": 0.2}  # git's weights again
    assert _threshold() == 5.0  # the pending change is left for a reviewed apply
    lines = result.out.splitlines()
    assert "  endpoint/churn (Endpoint/churn): drift" in lines
    assert "  alarm/churn-5xx (Alarm/churn-5xx): pending" in lines
    assert re.search(r"cycle 1: 1 drifted, 1 pending, 5 resources .*; self-heal: applied endpoint/churn \(1 step\(s\)",
                     result.out), result.out
    assert "1. UpdateEndpointWeightsAndCapacities  endpoint/churn" in result.out  # the narrowed plan, as apply shows
    assert "partial plan (watch --self-heal): only endpoint/churn" in result.out
    assert "  endpoint/churn (Endpoint/churn): drift -> in-sync" in lines
    assert re.search(r"cycle 2: 0 drifted, 1 pending, .*nothing to apply; pending, left for a reviewed apply: "
                     r"alarm/churn-5xx", result.out), result.out
    assert "has no lock" in result.err and "Traceback" not in result.text
    drift = json.loads(cli("drift", cli.root, "--format", "json").out)
    assert drift["drift"] == 0 and drift["pending"] == 1


def test_a_change_both_drifted_and_pending_waits_for_apply_pending(cli: Cli) -> None:
    create(cli)
    _by_hand(0.1)
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.8", "initialVariantWeight: 0.7")
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.3")
    held = cli("watch", cli.root, "--self-heal", "--max-cycles", "1")
    assert held.code == 0, held.text
    assert "held back endpoint/churn (drifted and also pending" in held.out
    assert _weights()["champion"] == 0.1
    applied = cli("watch", cli.root, "--self-heal", "--apply-pending", "--max-cycles", "1")
    assert applied.code == 0, applied.text
    assert "self-heal: applied endpoint/churn" in applied.out
    assert _weights() == {"champion": 0.7, "challenger": 0.3}


def test_a_deny_window_stops_self_heal(cli: Cli) -> None:
    edit(cli.root / "stack.yaml", "  prune: true", "  prune: true\n  syncWindows:\n    - kind: deny\n"
         "      schedule: '* * * * *'\n      duration: 1h\n      timezone: Europe/Berlin")
    create(cli)
    _by_hand(0.1)
    result = cli("watch", cli.root, "--self-heal", "--max-cycles", "2", *FAST)
    assert result.code == 0, result.text
    assert "sync windows: 1" in result.out
    assert "self-heal: not now: deny window deny '* * * * *' Europe/Berlin for 1h is open until " in result.out
    assert "endpoint/churn reported only" in result.out
    assert _weights()["champion"] == 0.1  # reported, not repaired


def test_invalid_sync_windows_stop_watch_before_it_starts(cli: Cli) -> None:
    edit(cli.root / "stack.yaml", "  prune: true", "  prune: true\n  syncWindows:\n    - kind: allow\n"
         "      schedule: '0 25 * * *'\n      duration: 1h")
    result = cli("watch", cli.root, "--self-heal", "--max-cycles", "1")
    assert result.code == 1
    assert re.search(r"stack\.yaml:\d+:\d+: syncWindows\[0\]: schedule '0 25 \* \* \*': hour 25 is out of range",
                     result.err), result.err
    assert "Watching" not in result.out
    assert cli("validate", cli.root).code == 1


def test_usage_errors_exit_1(cli: Cli) -> None:
    assert cli("watch", cli.root, "--interval", "soon").code == 1
    assert cli("watch", cli.root, "--interval", "0").code == 1
    assert cli("watch", cli.root, "--max-cycles", "0").code == 1
    pending = cli("watch", cli.root, "--apply-pending", "--max-cycles", "1")
    assert pending.code == 1 and "--apply-pending widens --self-heal" in pending.err


def test_self_heal_takes_the_stack_lock(cli: Cli) -> None:
    _with_lock(cli)
    _table()
    create(cli)
    _by_hand(0.1)
    other = StackLock(boto3.client("dynamodb"), TABLE, "churn-prod", "reconciler apply specs", region="us-east-1")
    other.acquire()
    try:
        locked = cli("watch", cli.root, "--self-heal", "--max-cycles", "1")
    finally:
        other.release()
    assert locked.code == 0, locked.text
    assert "self-heal: deferred (endpoint/churn): stack churn-prod is locked by " in locked.out
    assert _weights()["champion"] == 0.1
    healed = cli("watch", cli.root, "--self-heal", "--max-cycles", "1")
    assert healed.code == 0 and "self-heal: applied endpoint/churn" in healed.out, healed.text
    assert "has no lock" not in healed.err
    assert _item() is None  # given back
    assert _weights()["champion"] == 0.8


# --- a running watch, in its own process ------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(cli: Cli, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, **cli.sandbox.client_env(), "RECONCILER_POLL_INTERVAL": "0.05", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "reconciler", "watch", str(cli.root), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        return str(answer.read().decode("utf-8"))


def _sample(text: str, name: str, address: str | None = None) -> float | None:
    labels = rf'\{{stack="churn-prod",address="{re.escape(address)}",spec="[^"]*"\}}' if address else ""
    found = re.search(rf"^{name}{labels} (\S+)$", text, flags=re.M)
    return float(found.group(1)) if found else None


def _until(port: int, test: object, process: subprocess.Popen[str], seconds: float = 60) -> str:
    """Scrape until `test(text)` holds (bounded); the text scraped."""
    deadline = time.monotonic() + seconds
    text = ""
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            text = _scrape(port)
        except OSError:  # not listening yet
            text = ""
        if text and test(text):  # type: ignore[operator]
            return text
        time.sleep(0.1)
    raise AssertionError(f"the metrics never showed it; last scrape:\n{text}")


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    try:
        out, errors = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError("watch did not stop on SIGTERM") from None
    return out, errors


def test_metrics_during_a_run_keep_the_last_good_state_through_an_error(cli: Cli) -> None:
    create(cli)
    _by_hand(0.1)
    port = _free_port()
    process = _start(cli, "--metrics-port", str(port), "--max-cycles", "3000", *FAST)
    try:
        text = _until(port, lambda t: _sample(t, "reconciler_resource_drift", "endpoint/churn") == 1, process)
        assert _sample(text, "reconciler_resource_in_sync", "endpoint/churn") == 0
        assert _sample(text, "reconciler_resource_pending", "endpoint/churn") == 0
        assert _sample(text, "reconciler_resource_in_sync", "alarm/churn-5xx") == 1
        assert _sample(text, "reconciler_resource_drift", "alarm/churn-5xx") == 0
        assert "# TYPE reconciler_resource_in_sync gauge" in text
        stamp = _sample(text, "reconciler_last_cycle_timestamp_seconds")
        assert stamp is not None and abs(stamp - time.time()) < 120
        duration = _sample(text, "reconciler_cycle_duration_seconds")
        assert duration is not None and 0 < duration < 60
        assert _sample(text, "reconciler_self_heal_applies_total") == 0
        assert _sample(text, "reconciler_cycle_errors_total") == 0
        (cli.root / "broken.yaml").write_text("apiVersion: reconciler/v1\nkind: Model\nname: [\n")  # a bad git sync
        text = _until(port, lambda t: (_sample(t, "reconciler_cycle_errors_total") or 0) >= 1, process)
        assert _sample(text, "reconciler_resource_drift", "endpoint/churn") == 1  # the last good state
        assert _sample(text, "reconciler_last_cycle_success") == 0
        (cli.root / "broken.yaml").unlink()
        _until(port, lambda t: _sample(t, "reconciler_last_cycle_success") == 1, process)
    finally:
        out, errors = _stop(process)
    assert process.returncode == 0, out + errors
    assert f"metrics at http://127.0.0.1:{port}/metrics" in out
    assert "broken.yaml:4:1: invalid YAML" in errors and "Traceback" not in errors
    assert "failed in" in out and out.rstrip().endswith("cycle(s).") and "Stopped by SIGTERM" in out
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # the metrics server is closed
    assert _weights()["champion"] == 0.1  # without --self-heal nothing was changed


def test_sigterm_stops_a_watch_during_its_sleep(cli: Cli) -> None:
    create(cli)
    port = _free_port()
    process = _start(cli, "--metrics-port", str(port), "--interval", "1h", "--self-heal")
    try:
        _until(port, lambda t: _sample(t, "reconciler_cycles_total") == 1, process)
        began = time.monotonic()
    finally:
        out, errors = _stop(process)
    assert time.monotonic() - began < 15
    assert process.returncode == 0, out + errors
    assert "cycle 1: in sync, 5 resources" in out and "Stopped by SIGTERM after 1 cycle(s)." in out


def test_watch_reads_the_specs_again_every_cycle(cli: Cli, tmp_path: Path) -> None:
    create(cli)
    port = _free_port()
    process = _start(cli, "--metrics-port", str(port), "--max-cycles", "3000", *FAST)
    try:
        _until(port, lambda t: _sample(t, "reconciler_resource_in_sync", "alarm/churn-5xx") == 1, process)
        edit(cli.root / "alarms.yaml", "threshold: 5", "threshold: 9")  # what a git sync brings
        _until(port, lambda t: _sample(t, "reconciler_resource_pending", "alarm/churn-5xx") == 1, process)
    finally:
        out, errors = _stop(process)
    assert process.returncode == 0, out + errors
    assert "  alarm/churn-5xx (Alarm/churn-5xx): in-sync -> pending" in out
