"""The worked example of docs/adding-a-resource-type.md, installed as the three files a new kind
needs, works end to end: registries find it, its schema is generated, validation checks it, its
scenario tests pass, and its lifecycle runs through the CLI against the sandbox, with no other
file of the engine changed."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import reconciler.handlers as handler_package
import reconciler.kinds as kind_package
from tests.integration.conftest import Cli

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "log-group"


def _clear_caches() -> None:
    from reconciler.handlers import registry
    from reconciler.plan import planner
    from reconciler.spec import schemagen, validate

    kind_package.registry.cache_clear()
    registry.handlers.cache_clear()
    planner._ranks.cache_clear()
    schemagen.generator_for.cache_clear()
    validate._VALIDATORS.clear()


@pytest.fixture()
def installed(tmp_path: Path) -> Iterator[Path]:
    """`kinds/log_group.py` and `handlers/log_group.py` as new modules of their packages."""
    kinds_dir, handlers_dir = tmp_path / "kinds", tmp_path / "handlers"
    kinds_dir.mkdir()
    handlers_dir.mkdir()
    shutil.copy(EXAMPLE / "kind.py", kinds_dir / "log_group.py")
    shutil.copy(EXAMPLE / "handler.py", handlers_dir / "log_group.py")
    kind_package.__path__.append(str(kinds_dir))
    handler_package.__path__.append(str(handlers_dir))
    _clear_caches()
    try:
        yield tmp_path
    finally:
        kind_package.__path__.remove(str(kinds_dir))
        handler_package.__path__.remove(str(handlers_dir))
        for name in ("reconciler.kinds.log_group", "reconciler.handlers.log_group"):
            sys.modules.pop(name, None)
        _clear_caches()


def test_the_registries_find_the_new_kind_and_type(installed: Path) -> None:
    from reconciler.handlers.registry import handlers
    from reconciler.kinds import REGISTRY

    assert "LogGroup" in REGISTRY.names and "logs" in REGISTRY.services
    assert "log-group" in handlers()
    assert not (Path(kind_package.__file__).parent / "log_group.py").exists()  # nothing else was edited


def test_its_schema_is_generated_and_validation_checks_it(installed: Path, cli: Cli) -> None:
    result = cli("schema", "LogGroup")
    assert result.code == 0 and '"retentionInDays"' in result.out
    assert cli("schema", "--write", str(installed / "schemas")).code == 0
    assert (installed / "schemas" / "loggroup.schema.json").exists()
    logs = cli.root / "logs.yaml"
    logs.write_text("apiVersion: reconciler/v1\nkind: LogGroup\nname: /sm/churn\nspec: {retentionInDays: 31}\n")
    result = cli("validate", str(cli.root))
    assert result.code == 1 and "logs.yaml:4:25: retentionInDays 31 is not offered by CloudWatch Logs" in result.err
    logs.write_text("apiVersion: reconciler/v1\nkind: LogGroup\nname: /sm/churn\nspec: {kmsKeyID: x}\n")
    result = cli("validate", str(cli.root))
    assert result.code == 1 and "unknown field 'kmsKeyID' in spec (did you mean 'kmsKeyId'?)" in result.err


def test_its_scenario_tests_pass(installed: Path) -> None:
    spec = importlib.util.spec_from_file_location("example_test_log_group", EXAMPLE / "test_log_group.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [fn for name, fn in vars(module).items() if name.startswith("test_")]
    assert len(tests) == 3
    for fn in tests:
        fn(installed / fn.__name__)


def test_its_lifecycle_runs_against_the_sandbox(installed: Path, cli: Cli) -> None:
    logs = cli.root / "logs.yaml"
    logs.write_text("apiVersion: reconciler/v1\nkind: LogGroup\nname: /aws/sagemaker/Endpoints/churn\n"
                    "tags: {purpose: endpoint-logs}\nspec: {retentionInDays: 30}\n")
    first = cli("apply", str(cli.root), "--auto-approve")
    assert first.code == 0, first.text
    assert "CreateLogGroup" in first.out and "PutRetentionPolicy" in first.out
    assert cli("plan", str(cli.root), "--detailed-exitcode").code == 0
    logs.write_text(logs.read_text().replace("30", "90"))
    changed = cli("plan", str(cli.root), "--detailed-exitcode")
    assert changed.code == 2 and "PutRetentionPolicy" in changed.out and "CreateLogGroup" not in changed.out
    assert cli("apply", str(cli.root), "--auto-approve").code == 0
    again = cli("plan", str(cli.root), "--detailed-exitcode")
    assert again.code == 0, again.text
    import boto3

    group = boto3.client("logs").describe_log_groups(logGroupNamePrefix="/aws/sagemaker")["logGroups"][0]
    assert group["retentionInDays"] == 90
