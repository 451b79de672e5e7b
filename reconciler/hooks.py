"""Progress hooks: how the engine reports what it is doing without ever printing.

The applier and handlers call these as they go; the CLI passes an implementation that
writes to the terminal. `NullHooks` ignores everything (tests, library use).
"""

from __future__ import annotations

from typing import Protocol

from reconciler.changes import Step


class Hooks(Protocol):
    def step_started(self, index: int, total: int, step: Step) -> None: ...

    def step_progress(self, step: Step, message: str) -> None: ...

    def step_finished(self, step: Step, seconds: float) -> None: ...

    def step_failed(self, step: Step, message: str) -> None: ...


class NullHooks:
    def step_started(self, index: int, total: int, step: Step) -> None:
        return None

    def step_progress(self, step: Step, message: str) -> None:
        return None

    def step_finished(self, step: Step, seconds: float) -> None:
        return None

    def step_failed(self, step: Step, message: str) -> None:
        return None


class RecordingHooks(NullHooks):
    """Keeps every event as a line; used by tests and the demo's summaries."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def step_started(self, index: int, total: int, step: Step) -> None:
        self.events.append(f"start {step.operation} {step.address}")

    def step_progress(self, step: Step, message: str) -> None:
        self.events.append(f"progress {step.address}: {message}")

    def step_finished(self, step: Step, seconds: float) -> None:
        self.events.append(f"done {step.operation} {step.address}")

    def step_failed(self, step: Step, message: str) -> None:
        self.events.append(f"failed {step.operation} {step.address}: {message}")
