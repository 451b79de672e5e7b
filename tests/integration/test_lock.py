"""The stack lock through the CLI against the sandbox's DynamoDB: one apply at a time."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from reconciler.sandbox import control
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import edit

TABLE = "reconciler-locks"


def _with_lock(cli: Cli, table: str = TABLE) -> None:
    stack = cli.root / "stack.yaml"
    stack.write_text(stack.read_text().replace("  prune: true", f"  prune: true\n  lock: {{table: {table}}}"))


def _table() -> None:
    boto3.client("dynamodb").create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                                          AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                                          KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}])


def _item() -> dict[str, object] | None:
    return boto3.client("dynamodb").get_item(TableName=TABLE, Key={"LockID": {"S": "reconciler/churn-prod"}}).get(
        "Item")


def test_a_missing_lock_table_is_a_clear_error(cli: Cli) -> None:
    _with_lock(cli)
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 1
    assert "the lock table 'reconciler-locks' does not exist in us-east-1: create it once with: aws dynamodb " \
           "create-table --table-name reconciler-locks" in result.err
    assert boto3.client("sagemaker").list_endpoints()["Endpoints"] == []  # nothing was changed
    unlock = cli("unlock", "churn-prod", "0123abcd", cli.root)
    assert unlock.code == 1 and "the lock table 'reconciler-locks' does not exist in us-east-1:" in unlock.err
    other = cli("unlock", "other-stack", "0123abcd", cli.root)
    assert other.code == 1 and "names stack 'churn-prod', not 'other-stack'" in other.err


def test_apply_takes_and_gives_back_the_lock(cli: Cli) -> None:
    _with_lock(cli)
    _table()
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert "has no lock" not in result.err
    assert _item() is None


def test_without_a_lock_apply_warns_once(cli: Cli) -> None:
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0 and result.err.count("has no lock") == 1


def _background_apply(cli: Cli) -> subprocess.Popen[str]:
    env = {**os.environ, **cli.sandbox.client_env(), "RECONCILER_POLL_INTERVAL": "0.05", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "reconciler", "apply", str(cli.root), "--auto-approve"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lock(seconds: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        item = _item()
        if item:
            return item
        time.sleep(0.05)
    raise AssertionError("the background apply never took the lock")


def test_two_applies_at_once_one_proceeds_the_other_names_the_holder(cli: Cli) -> None:
    _with_lock(cli)
    _table()
    assert cli("apply", cli.root, "--auto-approve").code == 0
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    control.set_time_scale(cli.sandbox.url, 300)  # the canary's bakes take a few seconds
    first = _background_apply(cli)
    try:
        info = json.loads(_wait_for_lock()["Info"]["S"])  # type: ignore[index]
        second = cli("apply", cli.root, "--auto-approve")
        assert second.code == 1
        assert f"stack churn-prod is locked by {info['who']}@{info['host']} (pid {first.pid}" in second.err
        assert f"reconciler unlock churn-prod {info['id']}" in second.err
    finally:
        control.set_time_scale(cli.sandbox.url, 6000)
        out, errors = first.communicate(timeout=120)
    assert first.returncode == 0, out + errors
    assert out.count("UpdateEndpoint endpoint/churn ...") == 1
    assert _item() is None
    assert cli("plan", cli.root, "--detailed-exitcode").code == 0


def test_a_lock_timeout_waits_for_the_holder(cli: Cli) -> None:
    _with_lock(cli)
    _table()
    assert cli("apply", cli.root, "--auto-approve").code == 0
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.3")
    control.set_time_scale(cli.sandbox.url, 600)
    first = _background_apply(cli)
    try:
        _wait_for_lock()
        edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.3", "initialVariantWeight: 0.4")
        second = cli("apply", cli.root, "--auto-approve", "--lock-timeout", "60")
    finally:
        control.set_time_scale(cli.sandbox.url, 6000)
        first.communicate(timeout=120)
    assert second.code == 0, second.text
    assert second.err.count("s for the lock held by") == 1 and "waiting up to " in second.err


def _foreign_lock(host: str, pid: int) -> str:
    info = {"id": "0123abcd", "who": "alice", "host": host, "pid": pid, "command": "reconciler apply specs",
            "since": "2026-12-01T09:00:00Z", "expires": time.time() + 3600}
    boto3.client("dynamodb").put_item(TableName=TABLE, Item={
        "LockID": {"S": "reconciler/churn-prod"}, "ID": {"S": info["id"]}, "Expires": {"N": repr(info["expires"])},
        "Info": {"S": json.dumps(info)}})
    return str(info["id"])


def test_unlock_breaks_a_lock_whose_apply_is_gone(cli: Cli) -> None:
    _with_lock(cli)
    _table()
    lock_id = _foreign_lock("ci-runner-7", 4242)
    refused = cli("apply", cli.root, "--auto-approve")
    assert refused.code == 1 and "locked by alice@ci-runner-7 (pid 4242, reconciler apply specs)" in refused.err
    wrong = cli("unlock", "churn-prod", "ffff", cli.root)
    assert wrong.code == 1 and "locked with id 0123abcd, not ffff" in wrong.err
    done = cli("unlock", "churn-prod", lock_id, cli.root)
    assert done.code == 0 and "Unlocked stack churn-prod" in done.out
    assert cli("apply", cli.root, "--auto-approve").code == 0


def test_the_lock_of_a_dead_process_on_this_host_is_taken_over(cli: Cli, tmp_path: Path) -> None:
    _with_lock(cli)
    _table()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _foreign_lock(socket.gethostname(), int(gone.stdout))
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert "took over the lock of alice@" in result.err and "that process no longer exists" in result.err


@pytest.mark.parametrize("bad", ["{table: x}", "{name: t}"])
def test_a_bad_lock_setting_is_a_spec_error(cli: Cli, bad: str) -> None:
    stack = cli.root / "stack.yaml"
    stack.write_text(stack.read_text().replace("  prune: true", f"  prune: true\n  lock: {bad}"))
    result = cli("validate", cli.root)
    assert result.code == 1 and "stack.yaml:" in result.err
