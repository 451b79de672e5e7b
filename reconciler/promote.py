"""`promote`: end a running shadow test by promoting its shadow variant (StopInferenceExperiment).

Promotion is an operator action, not a plan step: the experiment is stopped with the shadow
variant `Promote`d and the production variant `Remove`d (or `Retain`ed), then the endpoint is
followed until it serves the promoted model. Git still describes the old production model,
so the caller is told to update the Endpoint document; until then a plan moves the endpoint
back to what git says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler import tags as tagmod
from reconciler.aws.clients import WriteClients
from reconciler.aws.waits import WaitPolicy
from reconciler.changes import Step
from reconciler.errors import ApplyError, PlanError
from reconciler.handlers.base import ExecContext
from reconciler.handlers.endpoint import EndpointHandler
from reconciler.handlers.endpoint.handler import settled
from reconciler.handlers.endpoint.rollout import UPDATE_TIMEOUT
from reconciler.handlers.inference_experiment import (
    InferenceExperimentHandler,
    claim_configs,
    promote_params,
    shadow_variants,
)
from reconciler.hooks import Hooks
from reconciler.resources import Live


@dataclass(frozen=True)
class Promotion:
    experiment: str
    endpoint: str
    promoted: list[str]
    production: str | None
    retained: bool
    params: dict[str, Any]
    models: dict[str, str]  # variant -> model


def prepare(clients: WriteClients, stack: str, name: str, retain_production: bool) -> Promotion:
    """Read the experiment (read-only) and check it can be promoted; raises PlanError if not."""
    handler = InferenceExperimentHandler()
    live = handler.find(clients.reader(), name)
    if live is None:
        raise PlanError([f"ShadowTest/{name}: no inference experiment named {name!r} exists yet; apply the stack "
                         "first"])
    if not tagmod.owned_by(live.tags, stack):
        raise PlanError([f"inference experiment {name!r} is not managed by stack '{stack}'; it is never changed"])
    status = (live.data or {}).get("Status")
    if status != "Running":
        raise PlanError([f"ShadowTest/{name} is {status}; only a Running shadow test can be promoted"])
    return _promotion(live, retain_production)


def _promotion(live: Live, retain: bool) -> Promotion:
    data = live.data or {}
    production, shadows = shadow_variants(data)
    models = {mv["VariantName"]: mv.get("ModelName", "") for mv in data.get("ModelVariants", [])}
    return Promotion(live.address.name, (data.get("EndpointMetadata") or {}).get("EndpointName", ""),
                     [str(s) for s in shadows], production, retain, promote_params(live, retain), models)


def run(clients: WriteClients, promotion: Promotion, hooks: Hooks, account: str, stack: str,
        wait: WaitPolicy | None = None) -> dict[str, Any]:
    """Stop the experiment promoting its shadow, wait for the endpoint; the endpoint's final description.
    The configs the experiment made the endpoint serve become the stack's (collected once unused)."""
    policy = wait or WaitPolicy.from_env()
    ctx = ExecContext(stack, clients.region, account, clients, hooks, policy)
    step = Step("StopInferenceExperiment", f"inference-experiment/{promotion.experiment}", promotion.params,
                "promote the shadow variant")
    hooks.step_started(1, 2, step)
    InferenceExperimentHandler().execute(ctx, step)
    hooks.step_finished(step, 0.0)
    settle = Step("DescribeEndpoint", f"endpoint/{promotion.endpoint}", {"EndpointName": promotion.endpoint},
                  "wait for the endpoint to serve the promoted model")
    hooks.step_started(2, 2, settle)
    data = EndpointHandler().wait(ctx, settle, settled, UPDATE_TIMEOUT, "the endpoint after the promotion")
    hooks.step_finished(settle, 0.0)
    if data is None or data.get("EndpointStatus") != "InService":
        raise ApplyError(f"endpoint/{promotion.endpoint} is {(data or {}).get('EndpointStatus', 'gone')} after the "
                         f"promotion: {(data or {}).get('FailureReason', 'no reason given')}")
    claim_configs(ctx, settle, promotion.endpoint, set())
    return data
