"""Timed operations: how long each endpoint transition lasts and what it shows meanwhile.

An endpoint operation (create, update, weights-and-capacities update, delete) is a
list of timed phases evaluated lazily against the sandbox clock: nothing runs in the
background; whoever reads state first after a phase boundary moves the endpoint on.
Each phase names the ``EndpointStatus`` shown while it lasts and, for deployments,
the ``VariantStatus`` of the variants being deployed.

Update plans are built by ``update_phases`` from the request's ``DeploymentConfig``.
Today every update is an all-at-once blue/green deployment (provision the new
fleet, then shift traffic); canary/linear traffic steps, rolling batches and
alarm-driven guardrails slot in later as more phases from the same function.

Durations are in sandbox seconds (see ``clock.SandboxClock``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

CREATE_SECONDS = 240.0
"""CreateEndpoint: Creating -> InService."""
UPDATE_PROVISION_SECONDS = 240.0
"""UpdateEndpoint: the new (green) fleet is being created."""
UPDATE_TRAFFIC_SHIFT_SECONDS = 60.0
"""UpdateEndpoint: traffic moves from the old fleet to the new one."""
UPDATE_SECONDS = UPDATE_PROVISION_SECONDS + UPDATE_TRAFFIC_SHIFT_SECONDS
"""UpdateEndpoint: total time in Updating (300 s)."""
WEIGHTS_SECONDS = 60.0
"""UpdateEndpointWeightsAndCapacities: Updating -> InService."""
DELETE_SECONDS = 60.0
"""DeleteEndpoint: Deleting, then gone."""


class OperationKind(str, enum.Enum):
    """What an endpoint operation does."""

    CREATE = "create"
    UPDATE = "update"
    WEIGHTS = "weights"
    DELETE = "delete"


@dataclass(frozen=True)
class TimedPhase:
    """One step of an operation: the statuses shown while it lasts, and for how long."""

    name: str
    endpoint_status: str
    seconds: float
    variant_status: str | None = None
    status_message: str | None = None


@dataclass(frozen=True)
class PhaseProgress:
    """The phase an operation is in at some instant, and when that phase began."""

    phase: TimedPhase
    started: datetime


@dataclass
class Operation:
    """A running endpoint operation: timed phases from ``started``, then ``on_complete(ends_at)``."""

    kind: OperationKind
    phases: tuple[TimedPhase, ...]
    started: datetime
    on_complete: Callable[[datetime], None]
    on_phase: Callable[[PhaseProgress], None] | None = None
    completed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if not self.phases:
            raise ValueError("an operation needs at least one phase")

    @property
    def ends_at(self) -> datetime:
        return self.started + timedelta(seconds=sum(p.seconds for p in self.phases))

    def progress(self, now: datetime) -> PhaseProgress | None:
        """The phase in progress at ``now``; None once every phase has elapsed."""
        begin = self.started
        for phase in self.phases:
            end = begin + timedelta(seconds=phase.seconds)
            if now < end:
                return PhaseProgress(phase, begin)
            begin = end
        return None

    def advance(self, now: datetime) -> bool:
        """Bring the operation up to ``now``; return True when it has completed (exactly once)."""
        if self.completed:
            return True
        current = self.progress(now)
        if current is not None:
            if self.on_phase is not None:
                self.on_phase(current)
            return False
        self.completed = True
        self.on_complete(self.ends_at)
        return True


def create_phases() -> tuple[TimedPhase, ...]:
    return (TimedPhase("create", "Creating", CREATE_SECONDS, "Creating", "Creating the endpoint fleet."),)


def update_phases(deployment_config: Mapping[str, Any] | None) -> tuple[TimedPhase, ...]:
    """Phases of an UpdateEndpoint; ``deployment_config`` will choose the traffic pattern.

    Only blue/green ALL_AT_ONCE is simulated today (it is also AWS's default); the
    config is accepted so canary/linear steps and rolling batches can be added here.
    """
    del deployment_config  # every policy currently deploys all at once
    return (
        TimedPhase("provision", "Updating", UPDATE_PROVISION_SECONDS, "Creating", "Launching the new fleet."),
        TimedPhase(
            "shift-traffic",
            "Updating",
            UPDATE_TRAFFIC_SHIFT_SECONDS,
            "ActivatingTraffic",
            "Shifting all traffic to the new fleet.",
        ),
    )


def weights_phases() -> tuple[TimedPhase, ...]:
    return (TimedPhase("weights", "Updating", WEIGHTS_SECONDS, "Updating", "Updating weights and capacity."),)


def delete_phases() -> tuple[TimedPhase, ...]:
    return (TimedPhase("delete", "Deleting", DELETE_SECONDS, "Deleting", "Deleting the endpoint."),)
