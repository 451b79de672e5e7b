"""An example pipeline: train (a placeholder), then reconcile the stack that serves the model.

The stack's Model follows the model registry (`modelPackage: {group: churn, version:
latestApproved}`, docs/spec-reference.md): a real training step registers a version in the group
and approves it (or a person does); the reconcile step's plan then resolves the new version and
rolls it out through the endpoint's guardrails. The stack comes from `stack_uri`, the object store
prefix CI publishes the merged specs directory to.

    python -m integrations.kubeflow.pipeline train_and_reconcile.yaml [IMAGE]

compiles it to the pipeline's IR YAML, to upload to Kubeflow Pipelines.
"""

import sys
from pathlib import Path

from kfp import compiler, dsl

from integrations.kubeflow.component import DEFAULT_IMAGE, reconcile_component


@dsl.component(base_image="python:3.12-slim")
def train(model: dsl.Output[dsl.Model], epochs: int = 1) -> None:
    """A stand-in for training: writes a placeholder model (a real step registers a model version)."""
    with open(model.path, "w", encoding="utf-8") as f:
        f.write(f"placeholder model, {epochs} epoch(s)\n")
    model.metadata["epochs"] = epochs


def make_pipeline(image: str = DEFAULT_IMAGE) -> dsl.graph_component.GraphComponent:
    """The example pipeline with the reconcile step on `image`."""
    reconcile = reconcile_component(image)

    @dsl.pipeline(name="train-and-reconcile",
                  description="Train, then plan the serving stack, check the plan and apply exactly it.")
    def train_and_reconcile(
        stack_uri: str = "s3://acme-ml-stacks/churn/specs/",
        env: str = "",
        epochs: int = 1,
        max_changes: int = 10,
        require_no_replacements: bool = False,
        plan_only: bool = False,
    ) -> None:
        trained = train(epochs=epochs)
        stack = dsl.importer(artifact_uri=stack_uri, artifact_class=dsl.Artifact, reimport=True)
        stack.set_display_name("stack")
        step = reconcile(stack=stack.output, env=env, max_changes=max_changes,
                         require_no_replacements=require_no_replacements, plan_only=plan_only)
        step.after(trained)
        step.set_display_name("reconcile")
        step.set_caching_options(False)  # live AWS is read on every run: a cached plan would be stale

    return train_and_reconcile


def compile_pipeline(path: str | Path, image: str = DEFAULT_IMAGE) -> Path:
    """Compile the example pipeline to IR YAML at `path`."""
    compiler.Compiler().compile(make_pipeline(image), str(path))
    return Path(path)


if __name__ == "__main__":
    compile_pipeline(sys.argv[1] if len(sys.argv) > 1 else "train_and_reconcile.yaml",
                     *(sys.argv[2:3] or [DEFAULT_IMAGE]))
