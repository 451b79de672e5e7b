"""The local AWS emulation ("sandbox"): moto's server plus SageMaker behaviour moto lacks.

``Sandbox`` serves it over HTTP on 127.0.0.1; ``control`` holds the client helpers
for its ``/_sandbox/`` control routes. Importing this package does not import moto:
that happens in ``Sandbox.start()``.

Modules: ``server`` (the server), ``app`` (WSGI middleware and control routes),
``clock`` (compressed time), ``lifecycle`` (timed operations), ``runtime``
(process-wide state and lock), ``variants`` and ``deployment_plan`` (pure variant
and deployment logic), ``shapes`` (botocore's model), ``sagemaker_patches``,
``endpoint_state``, ``endpoint_ops``, ``endpoint_update`` and ``guardrails`` (the
moto patches for endpoints), ``autoscaling`` (Application Auto Scaling rules),
``experiments``, ``experiment_model``, ``experiment_timeline`` and
``experiment_api`` (inference experiments), ``faults`` (seeded fault injection),
``control`` (client).
"""

from __future__ import annotations

from reconciler.sandbox import control
from reconciler.sandbox.server import Sandbox

__all__ = ["Sandbox", "control"]
