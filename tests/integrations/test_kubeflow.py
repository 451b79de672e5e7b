"""The Kubeflow Pipelines v2 integration in integrations/kubeflow/.

The guardrails (`step.check_plan`) over plan JSON documents; the example pipeline compiled with
the `kfp` package, its IR YAML holding the train, importer and reconcile components with their
inputs, outputs, image and command (the step's own source), reconcile after train and never
cached; and the compiled command itself, its placeholders filled as the Kubeflow launcher fills
them, run against the sandbox: a plan applied exactly, a second run with nothing to do, a plan
over `max_changes` or replacing under `require_no_replacements` refused before any write, a spec
error failing the step, `plan_only` applying nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from integrations.kubeflow import step
from integrations.kubeflow.step import check_plan

REPO = Path(__file__).resolve().parents[2]
IMAGE = "registry.example/reconciler:1.2.3"
STACK_FILES = ("stack.yaml", "models.yaml", "endpoint.yaml", "alarms.yaml")


def change(address: str, action: str, **extra: Any) -> dict[str, Any]:
    return {"address": address, "spec": "Model/churn", "action": action, "before": None, "after": {}, **extra}


def plan_of(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1", "stack": "churn", "region": "us-east-1", "account": "123456789012",
            "changes": list(changes), "steps": [], "fingerprints": {}, "orphans": [], "warnings": [], "notes": []}


# --- the guardrails -------------------------------------------------------------------------------
def test_an_empty_plan_passes_every_limit() -> None:
    assert check_plan(plan_of(), max_changes=0, require_no_replacements=True) == []


def test_max_changes_counts_every_change() -> None:
    plan = plan_of(change("model/churn-1a2b", "create"), change("endpoint/churn", "update"),
                   change("alarm/churn-5xx", "delete"))
    assert check_plan(plan, max_changes=3) == []
    (reason,) = check_plan(plan, max_changes=2)
    assert reason.startswith("the plan has 3 changes, more than max_changes 2: ")
    assert "create model/churn-1a2b, update endpoint/churn, delete alarm/churn-5xx" in reason
    assert check_plan(plan, max_changes=None) == []
    assert check_plan(plan, max_changes=-1) == [], "a negative limit is no limit"


def test_require_no_replacements_refuses_a_replace() -> None:
    plan = plan_of(change("model/churn-9f9f", "replace", replaces="model/churn-1a2b"),
                   change("endpoint/churn", "update"))
    assert check_plan(plan) == [], "replacements are allowed unless refused"
    (reason,) = check_plan(plan, require_no_replacements=True)
    assert "replaces 1 resource(s)" in reason and "model/churn-9f9f (replaces model/churn-1a2b)" in reason
    assert check_plan(plan_of(change("endpoint/churn", "update")), require_no_replacements=True) == []


def test_both_limits_report_together() -> None:
    plan = plan_of(change("model/a-1", "replace", replaces="model/a-0"), change("model/b-1", "replace"))
    reasons = check_plan(plan, max_changes=1, require_no_replacements=True)
    assert len(reasons) == 2
    assert "more than max_changes 1" in reasons[0] and "model/b-1" in reasons[1]


@pytest.mark.parametrize("document", [{}, {"changes": None}, [], "plan", {"format_version": "1"}])
def test_what_is_not_a_plan_is_refused(document: Any) -> None:
    assert check_plan(document) == ["not a reconciler plan: it has no `changes` list"]


def test_the_documented_plan_example() -> None:
    """docs/plan-format.md's example: one update, no replacement."""
    text = (REPO / "docs" / "plan-format.md").read_text(encoding="utf-8")
    plan = json.loads(re.search(r"```json\n(.*?)```", text, flags=re.S).group(1))
    assert check_plan(plan, max_changes=1, require_no_replacements=True) == []
    assert check_plan(plan, max_changes=0) != []


@pytest.mark.parametrize(("text", "value"), [("true", True), ("True", True), ("false", False), ("", False),
                                             ("1", True), ("0", False)])
def test_booleans_as_kubeflow_renders_them(text: str, value: bool) -> None:
    assert step.parse_bool(text) is value


@pytest.mark.parametrize(("text", "value"), [("5", 5), ("5.0", 5), ("0", 0), ("-1", None), ("-1.0", None),
                                             ("", None)])
def test_limits_as_kubeflow_renders_them(text: str, value: int | None) -> None:
    assert step.parse_limit(text) == value


def test_a_bad_limit_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        step.build_parser().parse_args(["--stack", "s", "--plan-out", "p", "--summary-out", "s", "--result-out", "r",
                                        "--max-changes", "2.5"])


# --- the compiled pipeline -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from integrations.kubeflow.pipeline import compile_pipeline

    path = compile_pipeline(tmp_path_factory.mktemp("kfp") / "pipeline.yaml", IMAGE)
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def test_the_example_compiles_with_the_expected_components(compiled: dict[str, Any]) -> None:
    assert compiled["pipelineInfo"]["name"] == "train-and-reconcile"
    assert compiled["schemaVersion"].startswith("2.")
    assert compiled["sdkVersion"].startswith("kfp-2.")
    assert set(compiled["components"]) == {"comp-train", "comp-importer", "comp-reconcile"}
    tasks = compiled["root"]["dag"]["tasks"]
    assert set(tasks) == {"train", "importer", "reconcile"}
    reconcile = tasks["reconcile"]
    assert sorted(reconcile["dependentTasks"]) == ["importer", "train"], "reconcile runs after training"
    assert reconcile["cachingOptions"].get("enableCache") is not True, "the plan is never taken from a cache"
    assert reconcile["inputs"]["artifacts"]["stack"]["taskOutputArtifact"] == {
        "outputArtifactKey": "artifact", "producerTask": "importer"}
    assert {name: p["componentInputParameter"] for name, p in reconcile["inputs"]["parameters"].items()} == {
        "env": "env", "max_changes": "max_changes", "require_no_replacements": "require_no_replacements",
        "plan_only": "plan_only"}
    importer = compiled["deploymentSpec"]["executors"]["exec-importer"]["importer"]
    assert importer["artifactUri"] == {"runtimeParameter": "uri"}
    assert tasks["importer"]["inputs"]["parameters"]["uri"] == {"componentInputParameter": "stack_uri"}
    pipeline_inputs = compiled["root"]["inputDefinitions"]["parameters"]
    assert pipeline_inputs["max_changes"]["defaultValue"] == 10
    assert pipeline_inputs["require_no_replacements"]["defaultValue"] is False


def test_the_reconcile_component_interface(compiled: dict[str, Any]) -> None:
    component = compiled["components"]["comp-reconcile"]
    inputs = component["inputDefinitions"]
    assert inputs["artifacts"]["stack"]["artifactType"]["schemaTitle"] == "system.Artifact"
    assert {name: (p["parameterType"], p["defaultValue"]) for name, p in inputs["parameters"].items()} == {
        "stack_path": ("STRING", ""), "env": ("STRING", ""), "region": ("STRING", ""),
        "max_changes": ("NUMBER_INTEGER", -1), "require_no_replacements": ("BOOLEAN", False),
        "plan_only": ("BOOLEAN", False)}
    artifacts = component["outputDefinitions"]["artifacts"]
    outputs = {name: a["artifactType"]["schemaTitle"] for name, a in artifacts.items()}
    assert outputs == {"plan": "system.Artifact", "summary": "system.Markdown", "result": "system.Artifact"}


def test_the_reconcile_container_runs_the_step_on_the_image(compiled: dict[str, Any]) -> None:
    container = compiled["deploymentSpec"]["executors"]["exec-reconcile"]["container"]
    assert container["image"] == IMAGE
    assert container["command"][:2] == ["python", "-c"]
    assert container["command"][2] == (REPO / "integrations" / "kubeflow" / "step.py").read_text(encoding="utf-8")
    args = container["args"]
    flags = dict(zip(args[::2], args[1::2], strict=True))
    assert flags == {
        "--stack": "{{$.inputs.artifacts['stack'].path}}",
        "--stack-path": "{{$.inputs.parameters['stack_path']}}",
        "--env": "{{$.inputs.parameters['env']}}",
        "--region": "{{$.inputs.parameters['region']}}",
        "--max-changes": "{{$.inputs.parameters['max_changes']}}",
        "--require-no-replacements": "{{$.inputs.parameters['require_no_replacements']}}",
        "--plan-only": "{{$.inputs.parameters['plan_only']}}",
        "--plan-out": "{{$.outputs.artifacts['plan'].path}}",
        "--summary-out": "{{$.outputs.artifacts['summary'].path}}",
        "--result-out": "{{$.outputs.artifacts['result'].path}}",
    }
    assert set(flags) <= {o for a in step.build_parser()._actions for o in a.option_strings}


def test_the_step_source_needs_nothing_but_the_standard_library() -> None:
    source = (REPO / "integrations" / "kubeflow" / "step.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:from|import) ([\w.]+)", source, flags=re.M))
    assert imported <= set(sys.stdlib_module_names) | {"__future__", "collections.abc"}, imported


def test_the_default_component_uses_the_default_image() -> None:
    from integrations.kubeflow.component import DEFAULT_IMAGE, reconcile

    spec = reconcile.component_spec.implementation.container
    assert spec.image == DEFAULT_IMAGE
    assert re.fullmatch(r"[\w.-]+(/[\w.-]+)+:[\w.-]+", DEFAULT_IMAGE)


# --- the compiled command against the sandbox -------------------------------------------------------
@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from reconciler.sandbox import Sandbox

    sb = Sandbox(host="127.0.0.1", port=0, time_scale=6000.0)
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


class Launcher:
    """Runs the compiled reconcile container the way the Kubeflow launcher does: its placeholders
    filled with local paths and parameter values, the command run in a fresh process."""

    def __init__(self, container: dict[str, Any], root: Path, env: dict[str, str]) -> None:
        self.container = container
        self.root = root
        self.env = env
        self.runs = 0

    def __call__(self, stack: Path, **parameters: Any) -> tuple[subprocess.CompletedProcess[str], Path]:
        self.runs += 1
        out = self.root / f"run-{self.runs}"
        values = {"stack_path": "", "env": "", "region": "", "max_changes": -1,
                  "require_no_replacements": False, "plan_only": False, **parameters}

        def fill(text: str) -> str:
            text = text.replace("{{$.inputs.artifacts['stack'].path}}", str(stack))
            text = re.sub(r"\{\{\$\.outputs\.artifacts\['(\w+)'\]\.path\}\}", lambda m: str(out / m.group(1)), text)
            return re.sub(r"\{\{\$\.inputs\.parameters\['(\w+)'\]\}\}", lambda m: render(values[m.group(1)]), text)

        command = [fill(c) for c in [*self.container["command"], *self.container["args"]]]
        assert command[0] == "python"
        result = subprocess.run([sys.executable, *command[1:]], env=self.env, capture_output=True, text=True,
                                timeout=300, cwd=self.root)
        return result, out


def render(value: Any) -> str:
    """A parameter as the launcher writes it into the command line."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


@pytest.fixture()
def launcher(sandbox: Any, compiled: dict[str, Any], tmp_path: Path) -> Launcher:
    from reconciler.sandbox import control

    control.reset(sandbox.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(sandbox.client_env(), RECONCILER_POLL_INTERVAL="0.02", NO_COLOR="1")
    env["PYTHONPATH"] = str(REPO)  # `python -m reconciler` is this checkout's, as the image's is its own
    return Launcher(compiled["deploymentSpec"]["executors"]["exec-reconcile"]["container"], tmp_path, env)


@pytest.fixture()
def stack(tmp_path: Path) -> Path:
    """A stack artifact: a directory whose `specs/` is the example's churn endpoint."""
    root = tmp_path / "artifact"
    (root / "specs").mkdir(parents=True)
    for name in STACK_FILES:
        shutil.copy(REPO / "specs" / name, root / "specs" / name)
    return root


def endpoints(sandbox: Any) -> list[str]:
    import boto3

    client = boto3.client("sagemaker", endpoint_url=sandbox.url, region_name=sandbox.region,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return [e["EndpointName"] for e in client.list_endpoints()["Endpoints"]]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_step_applies_exactly_its_plan_then_has_nothing_to_do(launcher: Launcher, stack: Path,
                                                                    sandbox: Any) -> None:
    result, out = launcher(stack, stack_path="specs", max_changes=20, require_no_replacements=True)
    assert result.returncode == 0, result.stderr
    plan = read_json(out / "plan")
    assert plan["format_version"] == "1" and plan["changes"]
    assert all(c["action"] == "create" for c in plan["changes"])
    summary = (out / "summary").read_text(encoding="utf-8")
    assert "<!-- reconciler-plan:" in summary
    applied = read_json(out / "result")
    assert applied["status"] == "applied"
    assert applied["planned_steps"] == len(plan["steps"]) == applied["steps_done"]
    assert "churn" in endpoints(sandbox)
    assert "+ reconciler plan" in result.stdout and "+ reconciler apply" in result.stdout

    result, out = launcher(stack, stack_path="specs", max_changes=0, require_no_replacements=True)
    assert result.returncode == 0, result.stderr
    assert read_json(out / "plan")["changes"] == []
    assert read_json(out / "result")["status"] == "nothing to do"


def test_a_replacement_is_refused_when_required_then_applied_when_allowed(launcher: Launcher, stack: Path) -> None:
    result, _ = launcher(stack, stack_path="specs")
    assert result.returncode == 0, result.stderr
    models = stack / "specs" / "models.yaml"
    models.write_text(models.read_text().replace("2026-11-01/model.tar.gz", "2026-12-01/model.tar.gz"))

    result, out = launcher(stack, stack_path="specs", require_no_replacements=True)
    assert result.returncode == 1
    assert "error: refused: the plan replaces" in result.stderr
    assert "+ reconciler apply" not in result.stdout
    assert any(c["action"] == "replace" for c in read_json(out / "plan")["changes"])
    assert read_json(out / "result")["status"] == "refused"

    result, out = launcher(stack, stack_path="specs", require_no_replacements=False)
    assert result.returncode == 0, result.stderr
    assert read_json(out / "result")["status"] == "applied"


def test_a_plan_over_max_changes_is_refused_before_any_write(launcher: Launcher, stack: Path, sandbox: Any) -> None:
    result, out = launcher(stack, stack_path="specs", max_changes=1)
    assert result.returncode == 1
    assert "more than max_changes 1" in result.stderr
    assert read_json(out / "result")["status"] == "refused"
    assert endpoints(sandbox) == []


def test_a_plan_error_fails_the_step(launcher: Launcher, stack: Path, sandbox: Any) -> None:
    endpoint = stack / "specs" / "endpoint.yaml"
    endpoint.write_text(endpoint.read_text().replace("kind: Endpoint", "kind: Endpointt", 1))
    result, out = launcher(stack, stack_path="specs")
    assert result.returncode == 1
    assert "error: reconciler plan failed: nothing is applied" in result.stderr
    assert not (out / "result").exists()
    assert endpoints(sandbox) == []


def test_a_missing_stack_directory_fails_the_step(launcher: Launcher, stack: Path) -> None:
    result, _ = launcher(stack, stack_path="nowhere")
    assert result.returncode == 1
    assert "does not exist in the stack artifact" in result.stderr


def test_plan_only_applies_nothing(launcher: Launcher, stack: Path, sandbox: Any) -> None:
    result, out = launcher(stack, stack_path="specs", plan_only=True)
    assert result.returncode == 0, result.stderr
    assert read_json(out / "plan")["changes"]
    assert read_json(out / "result") == {"status": "not applied", "reason": "plan_only"}
    assert endpoints(sandbox) == []
