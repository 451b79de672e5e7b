"""`validate --format json|github|sarif`: the same diagnostics for scripts, GitHub annotations and SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import Cli

BROKEN = "apiVersion: reconciler/v1\nkind: Model\nname: m\nspec:\n  executionRoleArm: x\n"


@pytest.fixture()
def broken(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Path:
    (cli.root / "broken.yaml").write_text(BROKEN)
    monkeypatch.chdir(cli.root.parent)
    return Path("specs")


def test_json(cli: Cli, broken: Path) -> None:
    result = cli("validate", broken, "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["valid"] is False
    [d] = report["diagnostics"]
    assert (d["file"], d["line"], d["column"], d["severity"]) == ("specs/broken.yaml", 5, 3, "error")
    assert "did you mean 'executionRoleArn'" in d["message"]
    (cli.root / "broken.yaml").unlink()
    clean = json.loads(cli("validate", broken, "--format", "json").out)
    assert clean["valid"] is True and clean["stack"] == "churn-prod" and clean["documents"] > 3


def test_github_annotations(cli: Cli, broken: Path) -> None:
    result = cli("validate", broken, "--format", "github")
    assert result.code == 1
    assert result.out.startswith("::error file=specs/broken.yaml,line=5,col=3::unknown field 'executionRoleArm'")


def test_sarif(cli: Cli, broken: Path) -> None:
    result = cli("validate", broken, "--format", "sarif")
    assert result.code == 1
    sarif = json.loads(result.out)
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    assert run["tool"]["driver"]["name"] == "reconciler"
    [finding] = run["results"]
    assert finding["level"] == "error" and finding["ruleId"] in {r["id"] for r in run["tool"]["driver"]["rules"]}
    location = finding["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "specs/broken.yaml"}, "region": {"startLine": 5, "startColumn": 3}}
