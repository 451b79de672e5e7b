"""The real-AWS suite's target: real AWS when `RECONCILER_AWS_TESTS=1`, else the sandbox (so CI keeps the same
tests running and they cannot rot).

Real AWS needs, from the environment: `AWS_REGION` (or `AWS_DEFAULT_REGION`) and credentials as usual,
`RECONCILER_AWS_ROLE_ARN` (a SageMaker execution role that can read the model data) and
`RECONCILER_AWS_MODEL_DATA` (an `s3://.../model.tar.gz` of an XGBoost 1.7 model in that region).
Each run uses its own stack name (`rcl-aws-<random>`), and everything the run created is destroyed
after the test, also when it fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import Cli, sandbox  # noqa: F401  (the sandbox fixture, shared with integration)

REAL = os.environ.get("RECONCILER_AWS_TESTS") == "1"


@dataclass
class Target:
    cli: Cli
    real: bool
    region: str
    role_arn: str
    model_data: str
    stack: str


@pytest.fixture()
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Target]:
    stack = f"rcl-aws-{secrets.token_hex(4)}"
    root = tmp_path / "specs"
    root.mkdir()
    if REAL:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
        missing = [n for n, v in (("AWS_REGION", region), ("RECONCILER_AWS_ROLE_ARN",
                                                            os.environ.get("RECONCILER_AWS_ROLE_ARN")),
                                  ("RECONCILER_AWS_MODEL_DATA", os.environ.get("RECONCILER_AWS_MODEL_DATA"))) if not v]
        if missing:
            pytest.fail(f"RECONCILER_AWS_TESTS=1 needs {', '.join(missing)}")
        cli = Cli(None, root)  # type: ignore[arg-type]
        chosen = Target(cli, True, region, os.environ["RECONCILER_AWS_ROLE_ARN"],
                        os.environ["RECONCILER_AWS_MODEL_DATA"], stack)
    else:
        from reconciler.sandbox import control

        shared = request.getfixturevalue("sandbox")
        control.reset(shared.url)
        for key, value in shared.client_env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("RECONCILER_POLL_INTERVAL", "0.02")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        chosen = Target(Cli(shared, root), False, "us-east-1", "arn:aws:iam::123456789012:role/SageMakerExecution",
                        "s3://reconciler-aws-tests/xgboost/model.tar.gz", stack)
    monkeypatch.setenv("NO_COLOR", "1")
    try:
        yield chosen
    finally:  # whatever the test did, nothing it created stays
        if any(root.glob("*.yaml")):
            result = chosen.cli("destroy", root, "--auto-approve")
            assert result.code == 0, f"cleanup of stack {stack} failed; delete its resources by hand:\n{result.text}"
        shutil.rmtree(root, ignore_errors=True)
