"""Integration fixtures: one sandbox server over HTTP on 127.0.0.1 for the session, reset per test."""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox, control

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(host="127.0.0.1", port=0, time_scale=6000.0)
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Cli:
    """Runs `reconciler ...` in-process (the real argument parsing and output) against the sandbox."""

    def __init__(self, sandbox: Sandbox, root: Path) -> None:
        self.sandbox = sandbox
        self.root = root

    def __call__(self, *args: str) -> Result:
        from reconciler.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
        return Result(code, out.getvalue(), err.getvalue())

    def sagemaker(self) -> object:
        import boto3

        return boto3.client("sagemaker")


@pytest.fixture()
def cli(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    control.reset(sandbox.url)
    for key, value in sandbox.client_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RECONCILER_POLL_INTERVAL", "0.02")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    root = tmp_path / "specs"
    shutil.copytree(REPO / "specs", root)
    for extra in EXTRA_FILES:  # most lifecycle tests use the A/B churn endpoint alone
        (root / extra).unlink()
    yield Cli(sandbox, root)


@contextlib.contextmanager
def clock_scale(sandbox: Sandbox, scale: float) -> Iterator[None]:
    """The sandbox clock at `scale` times wall time while it lasts (a slower clock than the tests' usual one)."""
    before = control.get_clock(sandbox.url)["time_scale"]
    control.set_time_scale(sandbox.url, scale)
    try:
        yield
    finally:
        control.set_time_scale(sandbox.url, before)


EXTRA_FILES = ("autoscaled.yaml", "serverless.yaml", "shadow-test.yaml", "monitoring.yaml", "registry.yaml",
               "events.yaml")


@pytest.fixture()
def full_cli(cli: Cli) -> Cli:
    """The whole example stack, autoscaled and serverless endpoints included."""
    for extra in EXTRA_FILES[:2]:
        shutil.copy(REPO / "specs" / extra, cli.root / extra)
    return cli


@pytest.fixture()
def monitor_cli(cli: Cli) -> Cli:
    """The A/B churn endpoint with its Model Monitor schedules (data quality, model quality)."""
    shutil.copy(REPO / "specs" / "monitoring.yaml", cli.root / "monitoring.yaml")
    return cli


@pytest.fixture()
def registry_cli(cli: Cli) -> Cli:
    """The A/B churn endpoint with the model registry group and the churn-train pipeline."""
    shutil.copy(REPO / "specs" / "registry.yaml", cli.root / "registry.yaml")
    return cli


@pytest.fixture()
def shadow_cli(full_cli: Cli) -> Cli:
    """The whole example stack with its shadow test."""
    shutil.copy(REPO / "specs" / "shadow-test.yaml", full_cli.root / "shadow-test.yaml")
    return full_cli


RECOMMENDATION_JOB = """\
apiVersion: reconciler/v1
kind: RecommendationJob
name: churn-recs
spec:
  jobType: Default
  roleArn: arn:aws:iam::123456789012:role/InferenceRecommender
  jobDescription: instance types for the churn champion
  inputConfig:
    modelName: ${Model.churn-xgb.name}
    containerConfig:
      supportedInstanceTypes: [ml.m5.large, ml.m5.xlarge, ml.c5.large, ml.c5.xlarge]
  stoppingConditions:
    modelLatencyThresholds: [{percentile: P95, valueInMilliseconds: 100}]
"""


@pytest.fixture()
def recommend_cli(cli: Cli) -> Cli:
    """The A/B churn endpoint with a RecommendationJob (recommendations.yaml) benchmarking its champion's model."""
    (cli.root / "recommendations.yaml").write_text(RECOMMENDATION_JOB)
    return cli
