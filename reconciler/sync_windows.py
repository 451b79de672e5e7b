"""Sync windows: when `watch --self-heal` may change AWS, as Argo CD's sync windows.

The Stack's `syncWindows` is a list of `{kind: allow|deny, schedule: "<cron, 5 fields>",
duration: "1h", timezone?: "Europe/Berlin"}`. A window opens at every time its schedule matches
(minute, hour, day of month, month, day of week, read in its timezone, UTC by default) and stays
open for its duration. With no windows, changes are always allowed; an open deny window forbids
them (deny wins); when there are allow windows, changes are allowed only while one is open.

The cron matcher is this module's own (no cron library is a dependency): lists, ranges, steps,
month and day names, `?` for day fields, 7 as Sunday, the `@hourly`... descriptors, and, as in
cron, a day matches the day-of-month field *or* the day-of-week field when both are restricted.
Durations are written `1h`, `30m`, `1h30m`, `45s`, `2d` (also `0.5s`, `250ms`, for `--interval`).
Nothing here reads the clock: callers pass the time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_MONTHS = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
MINUTE = timedelta(minutes=1)


class WindowError(ValueError):
    """A sync window, cron schedule or duration that cannot be read; `field` names the member at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- durations ---------------------------------------------------------------------------------
def parse_duration(text: str) -> float:
    """Seconds in `text` (`1h`, `30m`, `1h30m`, `45s`, `2d`, `0.2s`, `250ms`); WindowError if it is not a
    positive duration with units."""
    raw = str(text).strip()
    if not raw or _DURATION_PART.sub("", raw):
        raise WindowError(f"duration {text!r} is not a duration: write a number and a unit, like 1h, 30m, 1h30m, "
                          "45s or 2d")
    seconds = sum(float(number) * _UNITS[unit] for number, unit in _DURATION_PART.findall(raw))
    if seconds <= 0:
        raise WindowError(f"duration {text!r} must be longer than 0")
    return seconds


def format_duration(seconds: float) -> str:
    """`5400.0` -> `1h30m`, `0.2` -> `0.2s`: the short form people write."""
    if seconds < 60 and seconds != int(seconds):
        return f"{seconds:g}s"
    whole = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            parts.append(f"{whole // size}{unit}")
            whole %= size
    return "".join(parts) or "0s"


# --- cron ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: Mapping[str, int] | None = None


_FIELDS = (_Field("minute", 0, 59), _Field("hour", 0, 23), _Field("day of month", 1, 31),
           _Field("month", 1, 12, _MONTHS), _Field("day of week", 0, 7, _DAYS))


def _value(text: str, spec: _Field, schedule: str) -> int:
    key = text.upper()
    if spec.names and key in spec.names:
        return spec.names[key]
    if not text.isdigit():
        names = f" or a name ({', '.join(spec.names)})" if spec.names else ""
        raise WindowError(f"schedule {schedule!r}: {spec.name} {text!r} is not a number{names}")
    number = int(text)
    if not spec.low <= number <= spec.high:
        raise WindowError(f"schedule {schedule!r}: {spec.name} {number} is out of range {spec.low}-{spec.high}")
    return number


def _field(text: str, spec: _Field, schedule: str) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it is unrestricted (`*` or `?`)."""
    values: set[int] = set()
    star = False
    for item in text.split(","):
        if not item:
            raise WindowError(f"schedule {schedule!r}: empty item in the {spec.name} field {text!r}")
        body, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise WindowError(f"schedule {schedule!r}: step {step_text!r} of the {spec.name} field must be a "
                                  "whole number above 0")
            step = int(step_text)
        if body in ("*", "?"):
            if body == "?" and spec.name not in ("day of month", "day of week"):
                raise WindowError(f"schedule {schedule!r}: '?' is only for the day fields")
            low, high = spec.low, spec.high
            star = star or step == 1
        elif "-" in body:
            first, _, last = body.partition("-")
            low, high = _value(first, spec, schedule), _value(last, spec, schedule)
            if low > high:
                raise WindowError(f"schedule {schedule!r}: range {body!r} of the {spec.name} field runs backwards")
        else:
            low = _value(body, spec, schedule)
            high = spec.high if slash else low  # `5/15`: from 5 on, every 15
        values.update(range(low, high + 1, step))
    if spec.name == "day of week" and 7 in values:  # 7 is Sunday too
        values = (values - {7}) | {0}
    return frozenset(values), star


@dataclass(frozen=True)
class CronSchedule:
    """A 5-field cron schedule; `matches(t)` reads `t`'s own wall-clock fields."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 Sunday ... 6 Saturday
    any_day: bool  # day of month is `*`
    any_weekday: bool  # day of week is `*`

    @classmethod
    def parse(cls, text: str) -> CronSchedule:
        """The schedule in `text`; WindowError naming the field at fault."""
        raw = str(text).strip()
        expanded = _DESCRIPTORS.get(raw.lower(), raw)
        if raw.startswith("@") and expanded == raw:
            raise WindowError(f"schedule {text!r}: unknown descriptor (known: {', '.join(_DESCRIPTORS)})")
        parts = expanded.split()
        if len(parts) != 5:
            raise WindowError(f"schedule {text!r} has {len(parts)} field(s): a cron schedule has 5 (minute hour "
                              "day-of-month month day-of-week), like '0 22 * * MON-FRI'")
        parsed = [_field(part, spec, raw) for part, spec in zip(parts, _FIELDS, strict=True)]
        return cls(raw, parsed[0][0], parsed[1][0], parsed[2][0], parsed[3][0], parsed[4][0], parsed[2][1],
                   parsed[4][1])

    def fires(self) -> bool:
        """Whether some day of some year matches: `0 8 31 FEB *` never does (with a day of week too, either
        matching is enough, so such a schedule always fires)."""
        if self.any_day or not self.any_weekday:
            return True
        longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
        return any(day <= longest[month] for month in self.months for day in self.days)

    def day_matches(self, t: datetime) -> bool:
        if t.month not in self.months:
            return False
        in_month = t.day in self.days
        in_week = (t.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def matches(self, t: datetime) -> bool:
        return t.minute in self.minutes and t.hour in self.hours and self.day_matches(t)


# --- windows -------------------------------------------------------------------------------------
def _zone(name: str | None) -> Any:
    if not name:
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise WindowError(f"timezone {name!r} is not a known IANA time zone (like Europe/Berlin or UTC)",
                          "timezone") from None


@dataclass(frozen=True)
class SyncWindow:
    kind: str  # allow | deny
    schedule: CronSchedule
    duration: float  # seconds
    timezone: str | None = None

    def describe(self) -> str:
        zone = f" {self.timezone}" if self.timezone else " UTC"
        return f"{self.kind} '{self.schedule.text}'{zone} for {format_duration(self.duration)}"

    def opened_at(self, now: datetime) -> datetime | None:
        """When the opening of this window that `now` falls in began (UTC), or None when it is closed."""
        zone = _zone(self.timezone)
        now = now.astimezone(timezone.utc)
        cursor = now.replace(second=0, microsecond=0)
        earliest = now - timedelta(seconds=self.duration)  # a start at or before this has closed by now
        while cursor > earliest:
            local = cursor.astimezone(zone)
            if not self.schedule.day_matches(local):
                back = local.replace(hour=0, minute=0).astimezone(timezone.utc) - MINUTE
            elif local.hour not in self.schedule.hours:
                back = local.replace(minute=0).astimezone(timezone.utc) - MINUTE
            elif local.minute in self.schedule.minutes:
                return cursor
            else:
                back = cursor - MINUTE
            cursor = min(back, cursor - MINUTE)
        return None

    def is_open(self, now: datetime) -> bool:
        return self.opened_at(now) is not None


def parse_window(item: Any) -> SyncWindow:
    """One `syncWindows` entry (a mapping); WindowError with the member at fault in `field`."""
    if not isinstance(item, Mapping):
        raise WindowError("a sync window is a mapping {kind, schedule, duration, timezone?}")
    kind = item.get("kind")
    if kind not in ("allow", "deny"):
        raise WindowError(f"kind {kind!r}: a sync window is `allow` or `deny`", "kind")
    try:
        schedule = CronSchedule.parse(str(item.get("schedule", "")))
    except WindowError as exc:
        raise WindowError(str(exc), "schedule") from None
    if not schedule.fires():
        raise WindowError(f"schedule {schedule.text!r} never fires: none of its days is in its months"
                          + (": an allow window that never opens would stop self-heal for good" if kind == "allow"
                             else ""), "schedule")
    try:
        duration = parse_duration(str(item.get("duration", "")))
    except WindowError as exc:
        raise WindowError(str(exc), "duration") from None
    zone = item.get("timezone")
    _zone(zone)
    return SyncWindow(str(kind), schedule, duration, str(zone) if zone else None)


def parse_windows(items: Iterable[Any] | None) -> tuple[SyncWindow, ...]:
    return tuple(parse_window(item) for item in items or ())


@dataclass(frozen=True)
class Verdict:
    """Whether changes are allowed now, and why (one line)."""

    allowed: bool
    reason: str


def sync_allowed(windows: Sequence[SyncWindow], now: datetime) -> Verdict:
    """Deny wins; with allow windows, only while one is open; with no windows, always."""
    if not windows:
        return Verdict(True, "no sync windows")
    for window in windows:
        if window.kind == "deny":
            opened = window.opened_at(now)
            if opened is not None:
                until = opened + timedelta(seconds=window.duration)
                return Verdict(False, f"deny window {window.describe()} is open until {_stamp(until)}")
    allows = [w for w in windows if w.kind == "allow"]
    if not allows:
        return Verdict(True, "no deny window is open")
    for window in allows:
        opened = window.opened_at(now)
        if opened is not None:
            until = opened + timedelta(seconds=window.duration)
            return Verdict(True, f"allow window {window.describe()} is open until {_stamp(until)}")
    return Verdict(False, "outside every allow window (" + "; ".join(w.describe() for w in allows) + ")")


def _stamp(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
