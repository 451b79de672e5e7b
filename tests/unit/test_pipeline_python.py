"""`definitionPython`: the SDK-built example stack (docs/examples/pipeline-sdk) validates and expands to the same
kind of definition as the inline one, offline; a function that fails, reaches the network or returns the wrong
thing is one error at the document's line."""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.kinds import expand, load_stack
from tests.unit.planner_support import ACCOUNT

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "pipeline-sdk"
STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1}\n"
PIPELINE = textwrap.dedent("""\
    apiVersion: reconciler/v1
    kind: Pipeline
    name: built
    spec:
      roleArn: arn:aws:iam::123456789012:role/r
      definitionPython: "{reference}"
    """)


def test_the_sdk_example_builds_offline_and_resolves_its_references() -> None:
    assert importlib.util.find_spec("sagemaker") is not None, "the dev extra installs the SageMaker SDK"
    stack = load_stack(EXAMPLE)
    group, pipeline = expand(stack, "us-east-1", ACCOUNT)
    assert group.request["ModelPackageGroupName"] == "churn"
    definition = json.loads(pipeline.request["PipelineDefinition"])
    steps = [s["Name"] for s in definition["Steps"]]
    assert steps == ["Preprocess", "Train", "Evaluate", "CheckAccuracy"]
    assert "MlflowConfig" not in definition  # the SDK's nulls are not part of the definition
    [register] = definition["Steps"][3]["Arguments"]["IfSteps"]
    assert register["Type"] == "RegisterModel" and register["Arguments"]["ModelPackageGroupName"] == "churn"
    assert [p["Name"] for p in definition["Parameters"]] == ["InputData", "TrainInstanceType", "MinAccuracy"]


def _stack(tmp_path: Path, module: str, body: str, reference: str | None = None) -> Path:
    (tmp_path / "stack.yaml").write_text(STACK)
    (tmp_path / "pipeline.yaml").write_text(PIPELINE.replace("{reference}", reference or f"{module}:build"))
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(body))
    return tmp_path


def _error(root: Path) -> str:
    with pytest.raises(SpecError) as caught:
        load_stack(root)
    [line] = [str(d) for d in caught.value.diagnostics]
    return line


def test_a_plain_definition_dict_is_accepted(tmp_path: Path) -> None:
    root = _stack(tmp_path, "plain_pipeline", """
        def build():
            return {"Version": "2020-12-01", "Steps": [{"Name": "Fail", "Type": "Fail", "Arguments": {}}]}
        """)
    [pipeline] = expand(load_stack(root), "us-east-1", ACCOUNT)
    assert json.loads(pipeline.request["PipelineDefinition"])["Steps"][0]["Name"] == "Fail"


def test_reaching_the_network_while_building_is_refused(tmp_path: Path) -> None:
    root = _stack(tmp_path, "online_pipeline", """
        import socket
        def build():
            socket.create_connection(("sagemaker.us-east-1.amazonaws.com", 443), timeout=1)
        """)
    line = _error(root)
    assert line.startswith(f"{root / 'pipeline.yaml'}:6:")
    assert "definitionPython online_pipeline:build: failed: " in line and "offline" in line


@pytest.mark.parametrize(("module", "body", "reference", "expected"), [
    ("missing_sdk", "def build():\n    raise ModuleNotFoundError(\"No module named 'sagemaker'\", name='sagemaker')\n",
     None, "needs the SageMaker SDK"),
    ("raises", "def build():\n    raise RuntimeError('role is required\\nsecond line')\n", None,
     "failed: RuntimeError: role is required"),
    ("returns_text", "def build():\n    return 'not json'\n", None, "returned a definition that is not JSON"),
    ("returns_list", "def build():\n    return [1]\n", None, "returned list, not a pipeline or its definition"),
    ("no_function", "X = 1\n", "no_function:build", "failed: module 'no_function' has no attribute 'build'"),
    ("anything", "", "nowhere.train:build", "cannot import it: No module named 'nowhere'"),
])
def test_a_function_that_cannot_build_is_one_error_at_its_line(tmp_path: Path, module: str, body: str,
                                                               reference: str | None, expected: str) -> None:
    line = _error(_stack(tmp_path, module, body, reference))
    assert line.startswith(f"{tmp_path / 'pipeline.yaml'}:6:") and expected in line, line
