"""The sandbox clock: wall time compressed by a runtime-adjustable factor.

Sandbox time starts at the real UTC time when the clock is made and then advances
``time_scale`` times faster than wall time, so a 300-second endpoint update takes
5 wall seconds at ``time_scale=60``. Changing the scale re-anchors the clock, so
sandbox time stays continuous and never goes backwards; ``advance`` jumps it
forward (tests step through a deployment's phases exactly this way).

Timestamps are naive UTC ``datetime`` values, the same kind moto stores, so the
sandbox's timestamps can be compared and sorted with moto's own.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


def _wall_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def validate_time_scale(value: object) -> float:
    """Return ``value`` as a float time scale; raise ValueError unless it is a positive number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"time_scale must be a number, got {value!r}")
    scale = float(value)
    if not scale > 0 or scale == float("inf"):
        raise ValueError(f"time_scale must be a positive finite number, got {value!r}")
    return scale


class SandboxClock:
    """Thread-safe compressed clock. ``now()`` is the sandbox's idea of the current UTC time."""

    def __init__(self, time_scale: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._scale = validate_time_scale(time_scale)
        self._origin = _wall_utc()
        self._anchor_wall = time.monotonic()
        self._anchor_sandbox = self._origin

    @property
    def time_scale(self) -> float:
        with self._lock:
            return self._scale

    @property
    def origin(self) -> datetime:
        """Sandbox (and wall) time at which the clock was made."""
        return self._origin

    def now(self) -> datetime:
        """Current sandbox time (naive UTC)."""
        with self._lock:
            return self._now_locked()

    def set_time_scale(self, time_scale: float) -> None:
        """Change the compression factor from now on, keeping sandbox time continuous."""
        scale = validate_time_scale(time_scale)
        with self._lock:
            self._anchor_sandbox = self._now_locked()
            self._anchor_wall = time.monotonic()
            self._scale = scale

    def advance(self, seconds: float) -> None:
        """Jump sandbox time ``seconds`` forward (never backwards)."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < float("inf"):
            raise ValueError(f"advance_seconds must be a finite number >= 0, got {seconds!r}")
        with self._lock:
            self._anchor_sandbox += timedelta(seconds=seconds)

    def elapsed_seconds(self) -> float:
        """Sandbox seconds since the clock was made."""
        return (self.now() - self._origin).total_seconds()

    def snapshot(self) -> dict[str, float | str]:
        """JSON-ready view of the clock for the control API."""
        with self._lock:
            now = self._now_locked()
            scale = self._scale
        return {
            "time_scale": scale,
            "now": now.replace(tzinfo=timezone.utc).isoformat(),
            "elapsed_seconds": (now - self._origin).total_seconds(),
        }

    def _now_locked(self) -> datetime:
        wall_elapsed = time.monotonic() - self._anchor_wall
        return self._anchor_sandbox + timedelta(seconds=wall_elapsed * self._scale)
