"""Polling with backoff and a deadline, for operations that take minutes on AWS.

Intervals grow from `initial` to `maximum` seconds (AWS's own waiters poll endpoints every
30 s); `RECONCILER_POLL_INTERVAL` caps the interval (the sandbox with a compressed clock
wants sub-second polls). The deadline is per wait and comes from the operation.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(Exception):
    """The condition did not hold before the deadline."""


@dataclass(frozen=True)
class WaitPolicy:
    initial: float = 2.0
    maximum: float = 30.0
    factor: float = 1.5

    @classmethod
    def from_env(cls) -> WaitPolicy:
        raw = os.environ.get("RECONCILER_POLL_INTERVAL")
        if raw:
            cap = max(0.01, float(raw))
            return cls(initial=min(cap, 2.0), maximum=cap)
        return cls()

    def poll(self, read: Callable[[], T], done: Callable[[T], bool], timeout: float,
             on_poll: Callable[[T, float], None] | None = None,
             sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
        """Call `read` until `done(value)`; raise WaitTimeout after `timeout` seconds."""
        start = clock()
        interval = self.initial
        while True:
            value = read()
            elapsed = clock() - start
            if on_poll is not None:
                on_poll(value, elapsed)
            if done(value):
                return value
            if elapsed >= timeout:
                raise WaitTimeout(f"still waiting after {int(elapsed)} s")
            sleep(min(interval, max(0.0, timeout - elapsed)))
            interval = min(self.maximum, interval * self.factor)
