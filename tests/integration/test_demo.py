"""The README's first command ends in `reconciler demo`: it must run the whole story and exit 0."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.integration.conftest import REPO


def test_demo_runs_the_whole_story() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run([sys.executable, "-m", "reconciler", "demo"], capture_output=True, text=True, timeout=300,
                          cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "UNEXPECTED" not in proc.stdout
    assert "capacity intact after the instance-type change" in proc.stdout
    assert "Baking for 600 seconds (WaitIntervalInSeconds)" in proc.stdout  # the canary's phases were shown
    assert "Alarm(s) in ALARM: churn-5xx" in proc.stdout
    assert "Model/churn-registry: modelPackage churn latestApproved -> version 2" in proc.stdout  # the registry loop
    assert "the release queue received: SageMaker Model Package State Change: churn version 3 Approved" in proc.stdout
    assert "Demo complete" in proc.stdout
    assert "Traceback" not in proc.stderr
