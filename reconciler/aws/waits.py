"""Polling with backoff and a deadline, for operations that take minutes on AWS.

Intervals grow from `initial` to `maximum` seconds (AWS's own waiters poll endpoints every
30 s); `RECONCILER_POLL_INTERVAL` caps the interval (the sandbox with a compressed clock
wants sub-second polls). The deadline is per wait and comes from the operation.

`wait_with_progress` is the one wait loop every handler uses: it polls, reports each new
status line through the progress hooks (with the seconds waited) and raises `WaitTimeout`
at the deadline.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from reconciler.changes import Step
    from reconciler.hooks import Hooks

T = TypeVar("T")


class WaitTimeout(Exception):
    """The condition did not hold before the deadline."""


class WaitCancelled(KeyboardInterrupt):
    """The wait was cancelled (the apply was interrupted)."""


@dataclass(frozen=True)
class WaitPolicy:
    initial: float = 2.0
    maximum: float = 30.0
    factor: float = 1.5
    cancel: threading.Event | None = None  # set: every wait stops at its next poll (WaitCancelled)

    @classmethod
    def from_env(cls, endpoint_url: str | None = None) -> WaitPolicy:
        """`RECONCILER_POLL_INTERVAL` if set; against a local sandbox, polls scaled to its clock."""
        raw = os.environ.get("RECONCILER_POLL_INTERVAL")
        if raw:
            try:
                cap = max(0.01, float(raw))
            except ValueError:
                cap = 30.0
            return cls(initial=min(cap, 2.0), maximum=cap)
        scale = sandbox_time_scale(endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
        if scale and scale > 1:
            cap = min(30.0, max(0.05, 30.0 / scale))
            return cls(initial=min(cap, 2.0), maximum=cap)
        return cls()

    def poll(self, read: Callable[[], T], done: Callable[[T], bool], timeout: float,
             on_poll: Callable[[T, float], None] | None = None,
             sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
        """Call `read` until `done(value)`; raise WaitTimeout after `timeout` seconds."""
        start = clock()
        interval = self.initial
        while True:
            if self.cancel is not None and self.cancel.is_set():
                raise WaitCancelled("the apply was interrupted")
            value = read()
            elapsed = clock() - start
            if on_poll is not None:
                on_poll(value, elapsed)
            if done(value):
                return value
            if elapsed >= timeout:
                raise WaitTimeout(f"still waiting after {int(elapsed)} s")
            pause = min(interval, max(0.0, timeout - elapsed))
            if self.cancel is not None:
                if self.cancel.wait(pause):
                    raise WaitCancelled("the apply was interrupted")
            else:
                sleep(pause)
            interval = min(self.maximum, interval * self.factor)


def wait_with_progress(policy: WaitPolicy, hooks: Hooks, step: Step, read: Callable[[], T],
                       done: Callable[[T], bool], timeout: float, status: Callable[[T], str],
                       quiet_when_done: bool = False) -> T:
    """Poll `read` until `done(value)`, reporting `status(value)` whenever it changes.

    Each new status line goes to `hooks.step_progress` as ``"<status> (<seconds> s)"``; with
    `quiet_when_done`, a value that is already done is not reported (a wait that finds the
    resource settled says nothing). Raises `WaitTimeout` after `timeout` seconds.
    """
    last = [""]

    def on_poll(value: T, elapsed: float) -> None:
        if quiet_when_done and done(value):
            return
        message = status(value)
        if message != last[0]:
            last[0] = message
            hooks.step_progress(step, f"{message} ({int(elapsed)} s)")

    return policy.poll(read, done, timeout, on_poll)


def sandbox_time_scale(url: str | None) -> float | None:
    """The clock speed-up of a local sandbox at `url` (None when it is not one)."""
    if not url:
        return None
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_sandbox/clock", timeout=1.0) as answer:
            return float(json.load(answer).get("time_scale", 0)) or None
    except (OSError, ValueError):
        return None
