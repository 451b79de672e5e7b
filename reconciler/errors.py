"""Exceptions the engine raises; the CLI turns each into one line and exit code 1.

Every exception here is a user-facing condition (bad input, a refused plan, a failed
rollout), never a bug: its message is written to be read by the person at the terminal.
"""

from __future__ import annotations

from reconciler.diagnostics import Diagnostics


class ReconcilerError(Exception):
    """Base class: a one-line, user-facing failure."""


class SpecError(ReconcilerError):
    """The specs are invalid; carries every diagnostic found."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        first = diagnostics.errors[0] if diagnostics.errors else None
        super().__init__(str(first) if first else "invalid specs")


class PlanError(ReconcilerError):
    """The plan cannot be made against live state (ownership conflicts, live-state limits)."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("; ".join(messages))


class StalePlanError(ReconcilerError):
    """Live state changed since the plan was made."""


class ApplyError(ReconcilerError):
    """A step failed during apply (including a rollout SageMaker rolled back)."""


class AwsError(ReconcilerError):
    """AWS (or the sandbox) answered with an error we cannot act on."""
