"""The reconcile component: a Kubeflow Pipelines v2 container component on the reconciler image.

It runs `step.py` (its source, as `python -c`) in the image built from
deploy/kubernetes/Dockerfile: nothing is installed when the step starts, and the step runs the
reconciler release the image holds. Inputs:

- `stack` (artifact): a directory holding the stack (a `dsl.importer` of the URI CI publishes the
  merged specs to, or the output of an earlier step); `stack_path` names the stack directory inside
  it when it is not the artifact itself;
- `env`, `region`: `--env` and `AWS_REGION` (empty: none, the Stack's or the pod's region);
- `max_changes` (-1: no limit), `require_no_replacements`: the guardrails (`step.check_plan`);
- `plan_only`: plan and check, never apply.

Outputs: `plan` (the plan JSON that is applied; it holds sensitive values, see docs/plan-format.md),
`summary` (the plan as Markdown, values masked, shown by the Kubeflow UI) and `result` (apply's JSON
summary). The step fails on a plan error, a guardrail refusal or a failed apply.
"""

from pathlib import Path

from kfp import dsl
from kfp.dsl.base_component import BaseComponent

# The image built from deploy/kubernetes/Dockerfile and pushed to your registry (docs/kubernetes.md).
DEFAULT_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/reconciler:0.1.0"
STEP = Path(__file__).with_name("step.py")


def step_source() -> str:
    """The program the component runs, as the container receives it."""
    return STEP.read_text(encoding="utf-8")


def reconcile_component(image: str = DEFAULT_IMAGE) -> BaseComponent:
    """The reconcile component on `image` (a reconciler image: `python -m reconciler` must work in it)."""
    source = step_source()

    @dsl.container_component
    def reconcile(
        stack: dsl.Input[dsl.Artifact],
        plan: dsl.Output[dsl.Artifact],
        summary: dsl.Output[dsl.Markdown],
        result: dsl.Output[dsl.Artifact],
        stack_path: str = "",
        env: str = "",
        region: str = "",
        max_changes: int = -1,
        require_no_replacements: bool = False,
        plan_only: bool = False,
    ) -> dsl.ContainerSpec:
        """Plan the stack, refuse a plan over the limits, apply exactly the plan (reconciler)."""
        return dsl.ContainerSpec(
            image=image,
            command=["python", "-c", source],
            args=[
                "--stack", stack.path,
                "--stack-path", stack_path,
                "--env", env,
                "--region", region,
                "--max-changes", max_changes,
                "--require-no-replacements", require_no_replacements,
                "--plan-only", plan_only,
                "--plan-out", plan.path,
                "--summary-out", summary.path,
                "--result-out", result.path,
            ],
        )

    return reconcile


reconcile = reconcile_component()
