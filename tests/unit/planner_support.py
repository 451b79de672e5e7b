"""In-memory live state for planner unit tests: what AWS would hold after an apply."""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path
from typing import Any

from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.kinds import expand, load_stack
from reconciler.plan.model import Plan
from reconciler.plan.planner import Snapshot, plan_from_snapshot
from reconciler.resources import Desired, Live
from reconciler.spec.documents import StackSpec

REGION, ACCOUNT = "us-east-1", "123456789012"

STACK = """
apiVersion: reconciler/v1
kind: Stack
name: demo
spec: {region: us-east-1, prune: PRUNE, tags: {team: ml}}
"""
MODEL = """
apiVersion: reconciler/v1
kind: Model
name: churn
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/Exec
  primaryContainer: {image: "123.dkr.ecr.us-east-1.amazonaws.com/xgb:1", modelDataUrl: "MODEL_DATA"}
"""
ENDPOINT = """
apiVersion: reconciler/v1
kind: Endpoint
name: churn
spec:
  productionVariants:
    - {variantName: a, modelName: "${Model.churn.name}", instanceType: INSTANCE, initialInstanceCount: COUNT_A,
       initialVariantWeight: WEIGHT_A AUTOSCALE}
    - {variantName: b, modelName: "${Model.churn.name}", instanceType: ml.m5.large, initialInstanceCount: 1,
       initialVariantWeight: WEIGHT_B}
"""


def write_stack(root: Path, *, prune: bool = True, model_data: str = "s3://b/m1.tar.gz",
                instance: str = "ml.m5.large", count_a: int = 2, weight_a: float = 0.5, weight_b: float = 0.5,
                endpoint: bool = True, autoscale: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for f in root.glob("*.yaml"):
        f.unlink()
    (root / "stack.yaml").write_text(textwrap.dedent(STACK).replace("PRUNE", str(prune).lower()))
    (root / "model.yaml").write_text(textwrap.dedent(MODEL).replace("MODEL_DATA", model_data))
    if endpoint:
        text = (textwrap.dedent(ENDPOINT).replace("INSTANCE", instance).replace("COUNT_A", str(count_a))
                .replace("WEIGHT_A", str(weight_a)).replace("WEIGHT_B", str(weight_b))
                .replace(" AUTOSCALE", f", autoscaling: {autoscale}" if autoscale else ""))
        (root / "endpoint.yaml").write_text(text)
    return root


def arn(type_: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{type_}/{name}"


def live_from_desired(d: Desired, stack: str) -> Live:
    """The live resource AWS holds right after the planner's own steps created `d`.

    Each resource type's scenario module (`tests/handlers/test_<type>.py`, dashes as underscores) says so
    with its `applied(d, stack)`.
    """
    module = importlib.import_module(f"tests.handlers.test_{d.address.type.replace('-', '_')}")
    return module.applied(d, stack)  # type: ignore[no-any-return]


def desired_of(stack: StackSpec) -> dict[Address, Desired]:
    return {d.address: d for d in expand(stack, REGION, ACCOUNT)}


def applied_state(root: Path) -> dict[Address, Live]:
    stack = load_stack(root)
    live = {a: live_from_desired(d, stack.stack.name) for a, d in desired_of(stack).items()}
    for a, d in desired_of(stack).items():
        if a.type == "endpoint":  # autoscaled counts: the config's initial count, as after CreateEndpoint
            from reconciler.handlers import variants as cfgmod

            cfg = desired_of(stack)[Address("endpoint-config", d.request["EndpointConfigName"])]
            start = cfgmod.initial_values(thaw(cfg.request))
            data = live[a].data
            assert data is not None
            for v in data["ProductionVariants"]:
                count = start[v["VariantName"]].get("instanceCount")
                v["CurrentInstanceCount"] = v["DesiredInstanceCount"] = count
    return live


class NoClients:
    """Stands in for AWS: a unit test must never reach it."""

    region = REGION
    read_only = True

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unit test reached AWS through clients.{name}")


def plan_for(root: Path, live: dict[Address, Live]) -> tuple[Plan, Snapshot]:
    from reconciler.handlers.registry import handler_for
    from reconciler.plan.relations import link_related

    link_related(live, handler_for)
    stack = load_stack(root)
    snap = Snapshot(stack, REGION, ACCOUNT, NoClients(), desired_of(stack), dict(live))  # type: ignore[arg-type]
    return plan_from_snapshot(snap), snap


def operations(plan: Plan) -> list[str]:
    return [s.operation for s in plan.steps]
