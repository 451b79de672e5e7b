"""The handler registry: address type -> handler, and ARN -> handler."""

from __future__ import annotations

from functools import lru_cache

from reconciler.handlers.base import Handler


@lru_cache(maxsize=1)
def handlers() -> dict[str, Handler]:
    from reconciler.handlers.alarm import AlarmHandler
    from reconciler.handlers.endpoint import EndpointHandler
    from reconciler.handlers.endpoint_config import EndpointConfigHandler
    from reconciler.handlers.inference_experiment import InferenceExperimentHandler
    from reconciler.handlers.model import ModelHandler
    from reconciler.handlers.scalable_target import ScalableTargetHandler
    from reconciler.handlers.scaling_policy import ScalingPolicyHandler
    from reconciler.handlers.scheduled_action import ScheduledActionHandler

    found: list[Handler] = [ModelHandler(), EndpointConfigHandler(), EndpointHandler(), ScalableTargetHandler(),
                            ScalingPolicyHandler(), ScheduledActionHandler(), AlarmHandler(),
                            InferenceExperimentHandler()]
    return {h.type: h for h in found}


def handler_for(type_: str) -> Handler:
    try:
        return handlers()[type_]
    except KeyError:
        raise ValueError(f"no handler for resource type {type_!r}") from None


def handler_for_arn(arn: str) -> tuple[Handler, str] | None:
    """The handler and resource name for an ARN, or None for a type we do not manage."""
    for handler in handlers().values():
        if handler.parent_type:
            continue
        name = handler.name_from_arn(arn)
        if name:
            return handler, name
    return None
