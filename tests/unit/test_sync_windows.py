"""Sync windows: the cron matcher, durations, windows open and closed (time zones included), deny winning,
and `syncWindows` mistakes reported at their line before anything runs."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.kinds import load_stack
from reconciler.sync_windows import (
    CronSchedule,
    WindowError,
    format_duration,
    parse_duration,
    parse_window,
    parse_windows,
    sync_allowed,
)

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("1h", 3600), ("30m", 1800), ("1h30m", 5400), ("45s", 45), ("2d", 172800), ("0.2s", 0.2), ("250ms", 0.25),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1", "1 hour", "h", "0s", "1h-5m", "5x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(WindowError):
        parse_duration(text)


def test_durations_print_short() -> None:
    assert [format_duration(s) for s in (5400, 0.2, 60, 86400 + 60)] == ["1h30m", "0.2s", "1m", "1d1m"]


def test_cron_fields_lists_ranges_steps_and_names() -> None:
    cron = CronSchedule.parse("*/15 9-17 * JAN,jul MON-FRI")
    assert cron.minutes == {0, 15, 30, 45}
    assert cron.hours == set(range(9, 18))
    assert cron.months == {1, 7}
    assert cron.weekdays == {1, 2, 3, 4, 5}
    assert CronSchedule.parse("5/20 * * * *").minutes == {5, 25, 45}
    assert CronSchedule.parse("0 0 * * 7").weekdays == {0}  # 7 is Sunday too
    assert CronSchedule.parse("@daily").minutes == {0} and CronSchedule.parse("@daily").hours == {0}
    assert CronSchedule.parse("0 0 ? * SUN").any_day


def test_cron_day_of_month_or_day_of_week_when_both_are_restricted() -> None:
    cron = CronSchedule.parse("0 12 1 * MON")  # the 1st of the month, and every Monday
    assert cron.matches(at("2025-06-01T12:00"))  # a Sunday, the 1st
    assert cron.matches(at("2025-06-02T12:00"))  # a Monday
    assert not cron.matches(at("2025-06-03T12:00"))
    weekdays_only = CronSchedule.parse("0 12 * * MON")
    assert not weekdays_only.matches(at("2025-06-01T12:00"))


@pytest.mark.parametrize(("text", "words"), [
    ("* * * *", "has 4 field(s)"), ("61 * * * *", "minute 61 is out of range 0-59"),
    ("* 24 * * *", "hour 24 is out of range 0-23"), ("* * 0 * *", "day of month 0 is out of range 1-31"),
    ("* * * FOO *", "month 'FOO' is not a number or a name"), ("*/0 * * * *", "step '0'"),
    ("5-1 * * * *", "runs backwards"), ("? * * * *", "only for the day fields"), ("@often", "unknown descriptor"),
    ("1,,2 * * * *", "empty item"),
])
def test_bad_cron(text: str, words: str) -> None:
    with pytest.raises(WindowError, match="schedule") as caught:
        CronSchedule.parse(text)
    assert words in str(caught.value)


def test_a_window_is_open_for_its_duration_after_each_match() -> None:
    window = parse_window({"kind": "deny", "schedule": "0 22 * * *", "duration": "1h"})
    assert window.opened_at(at("2025-06-02T22:30")) == at("2025-06-02T22:00")
    assert window.is_open(at("2025-06-02T22:00"))
    assert window.is_open(at("2025-06-02T22:59:59"))
    assert not window.is_open(at("2025-06-02T23:00"))
    assert not window.is_open(at("2025-06-02T21:59"))
    overnight = parse_window({"kind": "deny", "schedule": "0 22 * * FRI", "duration": "2d10h"})  # the weekend
    assert overnight.is_open(at("2025-06-08T12:00"))  # Sunday noon
    assert not overnight.is_open(at("2025-06-09T08:00"))  # Monday 8:00: closed since the Monday's start
    assert not overnight.is_open(at("2025-06-06T21:00"))


def test_a_window_reads_its_schedule_in_its_time_zone() -> None:
    berlin = parse_window({"kind": "allow", "schedule": "0 9 * * *", "duration": "1h", "timezone": "Europe/Berlin"})
    assert berlin.is_open(at("2025-06-02T07:30"))  # 09:30 in Berlin (summer time, UTC+2)
    assert not berlin.is_open(at("2025-06-02T09:30"))
    assert berlin.is_open(at("2025-01-13T08:30"))  # winter time, UTC+1
    assert berlin.describe() == "allow '0 9 * * *' Europe/Berlin for 1h"


def test_unknown_time_zone_and_kind() -> None:
    with pytest.raises(WindowError, match="not a known IANA time zone") as caught:
        parse_window({"kind": "allow", "schedule": "* * * * *", "duration": "1h", "timezone": "Mars/Olympus"})
    assert caught.value.field == "timezone"
    with pytest.raises(WindowError) as kind:
        parse_window({"kind": "maybe", "schedule": "* * * * *", "duration": "1h"})
    assert kind.value.field == "kind"


def test_a_schedule_that_never_fires_is_refused() -> None:
    with pytest.raises(WindowError, match=r"schedule '0 8 31 FEB \*' never fires: none of its days is in its "
                                          r"months: an allow window that never opens would stop self-heal") as caught:
        parse_window({"kind": "allow", "schedule": "0 8 31 FEB *", "duration": "1h"})
    assert caught.value.field == "schedule"
    with pytest.raises(WindowError, match=r"never fires: none of its days is in its months$"):
        parse_window({"kind": "deny", "schedule": "0 8 30,31 2 *", "duration": "1h"})
    for fires in ("0 8 29 2 *", "0 8 31 FEB MON", "0 8 31 1-3 *", "0 8 * 2 *"):  # leap days; day of week OR'd
        parse_window({"kind": "allow", "schedule": fires, "duration": "1h"})


def test_no_windows_always_allowed_deny_wins_allow_only_inside() -> None:
    now = at("2025-06-02T22:30")
    assert sync_allowed((), now).allowed
    deny = {"kind": "deny", "schedule": "0 22 * * *", "duration": "1h"}
    allow_all = {"kind": "allow", "schedule": "* * * * *", "duration": "1h"}
    allow_morning = {"kind": "allow", "schedule": "0 9 * * *", "duration": "2h"}
    verdict = sync_allowed(parse_windows([allow_all, deny]), now)
    assert not verdict.allowed and "deny window deny '0 22 * * *' UTC for 1h is open until 2025-06-02T23:00:00Z" \
        in verdict.reason
    assert sync_allowed(parse_windows([deny]), at("2025-06-02T12:00")).allowed  # deny windows only, closed
    outside = sync_allowed(parse_windows([allow_morning]), now)
    assert not outside.allowed and outside.reason.startswith("outside every allow window")
    assert sync_allowed(parse_windows([allow_morning]), at("2025-06-02T10:00")).allowed


def test_a_long_rare_window_is_found_quickly() -> None:
    yearly = parse_window({"kind": "deny", "schedule": "0 0 1 1 *", "duration": "300d"})
    assert yearly.opened_at(at("2025-10-01T00:00")) == at("2025-01-01T00:00")
    assert not yearly.is_open(at("2025-12-31T00:00"))


STACK = """apiVersion: reconciler/v1
kind: Stack
name: churn-prod
spec:
  region: us-east-1
  syncWindows:
    - kind: deny
      schedule: "0 22 * * *"
      duration: 1h
    - kind: allow
      schedule: "61 * * * *"
      duration: 1h
    - kind: allow
      schedule: "0 9 * * *"
      duration: 1 hour
      timezone: Europe/Nowhere
"""


def test_sync_window_mistakes_are_errors_at_their_line(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(STACK)
    with pytest.raises(SpecError) as caught:
        load_stack(tmp_path)
    lines = [str(d) for d in caught.value.diagnostics.sorted()]
    where = f"{tmp_path / 'stack.yaml'}:11:17: syncWindows[1]: "
    assert any(line.startswith(where) and "minute 61 is out of range" in line for line in lines), lines
    assert any(":15:17: " in line and "duration '1 hour' is not a duration" in line for line in lines), lines
    assert len(lines) == 2  # one error per window (the first bad member)


def test_valid_sync_windows_load(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(STACK.split("    - kind: allow")[0])
    stack = load_stack(tmp_path)
    assert parse_windows(stack.stack.doc.data["spec"]["syncWindows"])[0].kind == "deny"
