"""Process-wide sandbox state: the clock, the lock, and every timed operation in flight.

moto keeps its backends in process globals, so the sandbox's own state is global too:
one ``RUNTIME`` per process, shared by every ``Sandbox`` server started in it.

``RUNTIME.lock`` (re-entrant) serialises the sandbox: the HTTP middleware holds it
while moto answers a request and every patched SageMaker method takes it too, so
status transitions never interleave with a read. ``RUNTIME.tick()`` is the lazy
evaluator: it completes the operations whose time has come (and the follow-ups
they hand over to, such as a rollback or an inference experiment's next step) and
refreshes the status of the others. It is called before every AWS request and by
every patched method that reads endpoint state; there are no background threads.

Per-endpoint extras that moto has no field for live in an ``EndpointRuntime``
attached to moto's ``FakeEndpoint`` (see ``endpoint_state``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.deployment_plan import DeploymentPlan
from reconciler.sandbox.lifecycle import Operation

MAX_TICK_PASSES = 16
"""An operation may hand over to follow-ups (a deployment to its rollback, an experiment to its next
step) that are due too; each pass handles one generation."""


@dataclass
class PendingUpdate:
    """An accepted UpdateEndpoint that has not finished yet (deploying or rolling back).

    ``deployment_config`` is the one in effect (the request's, or the retained one
    with RetainDeploymentConfig); ``failure_reason`` is an armed failure, and
    ``rollback_reason`` is set once the deployment is being rolled back.
    """

    config_name: str
    config: dict[str, Any]
    started: datetime
    retain_all_variant_properties: bool
    excluded_properties: frozenset[str]
    deployment_config: dict[str, Any] | None
    failure_reason: str | None
    plan: DeploymentPlan
    rollback_reason: str | None = None


@dataclass
class EndpointRuntime:
    """What the sandbox knows about an endpoint beyond moto's ``FakeEndpoint``.

    ``config`` is a snapshot of the endpoint config currently served (as
    DescribeEndpointConfig shows it), taken when it was deployed: deleting the
    config later does not change the endpoint, as in AWS.
    """

    config: dict[str, Any]
    shadow_variants: list[dict[str, Any]] = field(default_factory=list)
    last_deployment_config: dict[str, Any] | None = None
    operation: Operation | None = None
    pending: PendingUpdate | None = None
    armed_failure: str | None = None
    armed_rollback_failure: str | None = None


class SandboxRuntime:
    """The clock, the lock and the registry of timed operations in flight (endpoints, experiments)."""

    def __init__(self, time_scale: float = 60.0) -> None:
        self.lock = threading.RLock()
        self.clock = SandboxClock(time_scale)
        self._initial_time_scale = self.clock.time_scale
        self._active: dict[str, Operation] = {}

    def now(self) -> datetime:
        return self.clock.now()

    def configure(self, time_scale: float) -> None:
        """Set the time scale, and remember it as the one ``reset`` returns to."""
        with self.lock:
            self.clock.set_time_scale(time_scale)
            self._initial_time_scale = self.clock.time_scale

    def start_operation(self, key: str, operation: Operation) -> None:
        """Register ``operation`` under ``key`` (an endpoint ARN), replacing any earlier one."""
        with self.lock:
            self._active[key] = operation

    def cancel_operation(self, key: str) -> None:
        """Forget the operation registered under ``key`` (if any); it will not complete."""
        with self.lock:
            self._active.pop(key, None)

    def active_count(self) -> int:
        with self.lock:
            return len(self._active)

    def tick(self) -> None:
        """Advance every operation in flight (and any follow-up it starts) to the current sandbox time."""
        with self.lock:
            if not self._active:
                return
            now = self.clock.now()
            for _ in range(MAX_TICK_PASSES):
                handed_over = False
                for key, operation in sorted(self._active.items(), key=lambda item: item[1].ends_at):
                    if not operation.advance(now):
                        continue
                    if self._active.get(key) is operation:
                        del self._active[key]
                    else:
                        handed_over = True
                if not handed_over:
                    return

    def reset(self) -> None:
        """Forget every operation in flight and return to the configured time scale."""
        with self.lock:
            self._active.clear()
            self.clock.set_time_scale(self._initial_time_scale)


RUNTIME = SandboxRuntime()
