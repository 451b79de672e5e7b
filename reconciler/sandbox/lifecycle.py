"""Timed operations: how long each endpoint transition lasts and what it shows meanwhile.

An endpoint operation (create, update, rollback, weights-and-capacities update,
delete) is a list of timed phases evaluated lazily against the sandbox clock:
nothing runs in the background; whoever reads state first after a phase boundary
moves the endpoint on. Each phase names the ``EndpointStatus`` shown while it
lasts and, for deployments, the ``VariantStatus`` of the variants being deployed,
the label a FailureReason names it by, and the share of traffic and capacity on
the new fleet.

An operation can be stopped early: while a ``monitored`` phase lasts (traffic
shifts and bakes), its ``watch`` is asked for a reason to abort, at the later of
the phase start and the last evaluation (the state it reads cannot have changed
in between, as every AWS request evaluates first); past its ``deadline`` the
``timeout`` gives the reason. ``on_abort`` then takes over (e.g. starts a
rollback). Update plans come from ``deployment_plan``.

Durations are in sandbox seconds (see ``clock.SandboxClock``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

CREATE_SECONDS = 240.0
"""CreateEndpoint: Creating -> InService."""
UPDATE_PROVISION_SECONDS = 240.0
"""UpdateEndpoint: the new (green) fleet is being created."""
UPDATE_TRAFFIC_SHIFT_SECONDS = 30.0
"""UpdateEndpoint: one traffic shift from the old fleet to the new one."""
UPDATE_SECONDS = UPDATE_PROVISION_SECONDS + UPDATE_TRAFFIC_SHIFT_SECONDS
"""UpdateEndpoint without DeploymentConfig: total time in Updating (270 s)."""
WEIGHTS_SECONDS = 60.0
"""UpdateEndpointWeightsAndCapacities: Updating -> InService."""
DELETE_SECONDS = 60.0
"""DeleteEndpoint: Deleting, then gone."""


class OperationKind(str, enum.Enum):
    """What an endpoint operation does."""

    CREATE = "create"
    UPDATE = "update"
    ROLLBACK = "rollback"
    WEIGHTS = "weights"
    DELETE = "delete"
    EXPERIMENT = "experiment"
    RECOMMENDATION = "recommendation"


@dataclass(frozen=True)
class TimedPhase:
    """One step of an operation: the statuses shown while it lasts, and for how long."""

    name: str
    endpoint_status: str
    seconds: float
    variant_status: str | None = None
    status_message: str | None = None
    monitored: bool = False
    label: str | None = None
    new_traffic: float = 0.0
    new_capacity: float = 0.0


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
    watch: Callable[[TimedPhase], str | None] | None = None
    deadline: datetime | None = None
    timeout: Callable[[TimedPhase], str] | None = None
    on_abort: Callable[[datetime, int, str], None] | None = None
    completed: bool = field(default=False, init=False)
    evaluated: datetime = field(init=False)

    def __post_init__(self) -> None:
        if not self.phases:
            raise ValueError("an operation needs at least one phase")
        self.evaluated = self.started

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

    def spans(self) -> list[tuple[int, TimedPhase, datetime, datetime]]:
        """(index, phase, start, end) of every phase."""
        found, begin = [], self.started
        for index, phase in enumerate(self.phases):
            end = begin + timedelta(seconds=phase.seconds)
            found.append((index, phase, begin, end))
            begin = end
        return found

    def advance(self, now: datetime) -> bool:
        """Bring the operation up to ``now``; return True when it has completed or aborted (exactly once)."""
        if self.completed:
            return True
        abort = self._abort_before(now)
        if abort is not None and self.on_abort is not None:
            self.completed = True
            self.on_abort(*abort)
            return True
        self.evaluated = max(self.evaluated, now)
        current = self.progress(now)
        if current is not None:
            if self.on_phase is not None:
                self.on_phase(current)
            return False
        self.completed = True
        self.on_complete(self.ends_at)
        return True

    def _abort_before(self, now: datetime) -> tuple[datetime, int, str] | None:
        """The first reason to stop between the last evaluation and ``now``: (when, phase index, reason)."""
        found: tuple[datetime, int, str] | None = None
        if self.watch is not None:
            for index, phase, begin, end in self.spans():
                if end <= self.evaluated or not phase.monitored or begin > now:
                    continue
                reason = self.watch(phase)
                if reason:
                    found = (max(begin, self.evaluated), index, reason)
                    break
        deadline = self.deadline
        if deadline is None or self.timeout is None or not deadline < self.ends_at or deadline > now:
            return found
        if found is None or deadline < found[0]:
            index, phase = next((i, p) for i, p, begin, end in self.spans() if begin <= deadline < end)
            found = (deadline, index, self.timeout(phase))
        return found


def create_phases() -> tuple[TimedPhase, ...]:
    return (TimedPhase("create", "Creating", CREATE_SECONDS, "Creating", "Creating the endpoint fleet."),)


def weights_phases() -> tuple[TimedPhase, ...]:
    return (TimedPhase("weights", "Updating", WEIGHTS_SECONDS, "Updating", "Updating weights and capacity."),)


def delete_phases() -> tuple[TimedPhase, ...]:
    return (TimedPhase("delete", "Deleting", DELETE_SECONDS, "Deleting", "Deleting the endpoint."),)
