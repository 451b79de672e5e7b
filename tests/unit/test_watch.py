"""`watch`, in memory: what self-heal selects and how the plan is narrowed to it, the metrics text, and the
loop (errors counted and survived, the last good state kept, windows, stop, max cycles) over a fake planner."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest

from reconciler.addressing import Address
from reconciler.changes import Action, Change, Step
from reconciler.diagnostics import Diagnostics
from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.errors import ApplyError, SpecError
from reconciler.hooks import NullHooks
from reconciler.plan.model import Plan
from reconciler.plan.narrow import narrow_to_changes
from reconciler.watch import (
    BOTH,
    DRIFT,
    IN_SYNC,
    PENDING,
    Cycle,
    Metrics,
    MetricsServer,
    Resource,
    Sources,
    Watcher,
    WatchOptions,
    select_heal,
    sleep_unless,
    state_of,
)


def entry(address: str, *labels: str, action: str | None = "update") -> DriftEntry:
    return DriftEntry(address, f"Spec/{address.split('/')[1]}", labels, action, "why")


def report(*entries: DriftEntry) -> DriftReport:
    return DriftReport("demo", "us-east-1", "123456789012", entries, 4)


# --- selection ---------------------------------------------------------------------------------
def test_self_heal_selects_drift_only_and_holds_what_is_also_pending() -> None:
    found = report(entry("endpoint/a", "drift"), entry("endpoint/b", "drift", "pending"), entry("alarm/c", "pending"),
                   entry("model/d", "pending", action=None))
    selection = select_heal(found)
    assert selection.apply == ("endpoint/a",)
    assert list(selection.held) == ["endpoint/b"] and "--apply-pending" in selection.held["endpoint/b"]
    assert selection.pending == ("alarm/c",)  # an orphan kept by prune: false has nothing to apply


def test_apply_pending_selects_every_change() -> None:
    found = report(entry("endpoint/a", "drift"), entry("endpoint/b", "drift", "pending"), entry("alarm/c", "pending"),
                   entry("model/d", "pending", action=None))
    assert select_heal(found, apply_pending=True).apply == ("endpoint/a", "endpoint/b", "alarm/c")


def test_states() -> None:
    assert [state_of(e) for e in (None, entry("x/a", "drift"), entry("x/a", "pending"),
                                  entry("x/a", "drift", "pending"))] == [IN_SYNC, DRIFT, PENDING, BOTH]


# --- narrowing by change address ----------------------------------------------------------------
def _plan() -> Plan:
    changes = (Change("endpoint/a", "Endpoint/a", Action.update, "weights"),
               Change("config/b-2", "Endpoint/b", Action.replace, "new", replaces="config/b-1"),
               Change("endpoint/b", "Endpoint/b", Action.update, "moves"),
               Change("alarm/c", "Alarm/c", Action.update, "threshold"))
    steps = (Step("Create", "config/b-2", {}, phase="shared"),
             Step("Put", "alarm/c", {}, phase="shared"),
             Step("Move", "endpoint/b", {}, group="endpoint/b", phase="group", needs=("config/b-2",)),
             Step("Weights", "endpoint/a", {}, group="endpoint/a", phase="group"),
             Step("Delete", "config/b-1", {}, phase="delete", needs=("endpoint/b",)))
    return Plan("demo", "us-east-1", "123456789012", changes, steps, {"endpoint/a": "f1", "alarm/c": "f2"})


def test_narrowing_keeps_exactly_the_changes_named_and_every_fingerprint() -> None:
    narrowed, held = narrow_to_changes(_plan(), ["endpoint/a"], "watch --self-heal")
    assert [c.address for c in narrowed.changes] == ["endpoint/a"]
    assert [s.operation for s in narrowed.steps] == ["Weights"]
    assert held == {}
    assert dict(narrowed.fingerprints) == {"endpoint/a": "f1", "alarm/c": "f2"}  # the stale check is the full one
    assert narrowed.warnings[-1].startswith("partial plan (watch --self-heal): only endpoint/a; 3 other change(s)")
    assert Plan.loads(narrowed.dumps()) == narrowed


def test_a_replace_brings_the_deletion_of_what_it_supersedes() -> None:
    narrowed, held = narrow_to_changes(_plan(), ["config/b-2", "endpoint/b"], "x")
    assert [s.operation for s in narrowed.steps] == ["Create", "Move", "Delete"] and held == {}


def test_a_change_that_needs_a_step_left_out_is_held_back() -> None:
    narrowed, held = narrow_to_changes(_plan(), ["endpoint/b", "endpoint/a"], "x")
    assert [c.address for c in narrowed.changes] == ["endpoint/a"]
    assert held == {"endpoint/b": "needs config/b-2, which is not applied with it"}


# --- metrics -------------------------------------------------------------------------------------
def test_metrics_text_format() -> None:
    metrics = Metrics("demo")
    metrics.cycle_done(1750000000.25, 0.5, ok=True, stack="demo", resources={
        "endpoint/a": Resource("endpoint/a", "Endpoint/a", DRIFT),
        "model/\"q\"": Resource("model/\"q\"", "Model/q", IN_SYNC)})
    metrics.healed()
    text = metrics.render()
    assert 'reconciler_resource_in_sync{stack="demo",address="endpoint/a",spec="Endpoint/a"} 0' in text
    assert 'reconciler_resource_drift{stack="demo",address="endpoint/a",spec="Endpoint/a"} 1' in text
    assert 'reconciler_resource_pending{stack="demo",address="endpoint/a",spec="Endpoint/a"} 0' in text
    assert 'reconciler_resource_in_sync{stack="demo",address="model/\\"q\\"",spec="Model/q"} 1' in text
    assert "reconciler_last_cycle_timestamp_seconds 1750000000.25\n" in text
    assert "reconciler_cycle_duration_seconds 0.5\n" in text
    assert "reconciler_self_heal_applies_total 1\n" in text and "reconciler_cycle_errors_total 0\n" in text
    assert "# TYPE reconciler_self_heal_applies_total counter" in text
    assert text.endswith("\n")
    metrics.cycle_done(1750000060.0, 0.1, ok=False)  # a failed cycle keeps the last good state
    after = metrics.render()
    assert 'reconciler_resource_drift{stack="demo",address="endpoint/a",spec="Endpoint/a"} 1' in after
    assert "reconciler_cycle_errors_total 1\n" in after and "reconciler_last_cycle_success 0\n" in after
    assert "reconciler_last_success_timestamp_seconds 1750000000.25\n" in after


def test_metrics_server_serves_and_closes_on_loopback() -> None:
    import urllib.error
    import urllib.request

    server = MetricsServer(Metrics("demo"), "127.0.0.1", 0)
    try:
        with urllib.request.urlopen(server.url, timeout=5) as answer:
            assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert b"reconciler_cycles_total 0" in answer.read()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(server.url.replace("/metrics", "/other"), timeout=5)
    finally:
        server.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(server.url, timeout=2)


# --- the loop over a fake planner -----------------------------------------------------------------
@dataclass
class FakeSnapshot:
    desired: dict[Address, Any]
    live: dict[Address, Any] = field(default_factory=dict)
    account: str = "123456789012"


@dataclass
class Spec:
    spec: str


class FakeStack:
    """What the loop reads of a stack: the Stack document's syncWindows."""

    def __init__(self, windows: list[dict[str, str]] | None = None) -> None:
        class Doc:
            data = {"spec": {"syncWindows": windows or []}}

        class Settings:
            doc = Doc()
            name = "demo"
            lock_table = None

        self.stack = Settings()


class World:
    """The fake planner, drift and applier: `entries` is what the next read finds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entries: list[DriftEntry] = [entry("endpoint/a", "drift"), entry("alarm/c", "pending")]
        self.applied: list[list[str]] = []
        self.apply_error: Exception | None = None
        self.moving: dict[Address, str] = {}
        self.locks = 0
        monkeypatch.setattr("reconciler.plan.planner.make_plan", self.make_plan)
        monkeypatch.setattr("reconciler.drift.drift_report", lambda plan, snap: report(*self.entries))
        monkeypatch.setattr("reconciler.apply.applier.apply_plan", self.apply_plan)
        monkeypatch.setattr("reconciler.apply.settle.in_transition", lambda snap: self.moving)

    def make_plan(self, stack: Any, clients: Any) -> tuple[Plan, FakeSnapshot]:
        changes = tuple(Change(e.address, e.spec, Action.update, "r") for e in self.entries)
        steps = tuple(Step("Op", e.address, {}, phase="shared") for e in self.entries)
        desired = {Address.parse(a): Spec(f"Spec/{a.split('/')[1]}") for a in ("endpoint/a", "alarm/c", "model/m")}
        return Plan("demo", "us-east-1", "123456789012", changes, steps), FakeSnapshot(desired)

    def apply_plan(self, plan: Plan, clients: Any, account: str, hooks: Any = None) -> Any:
        if self.apply_error is not None:
            raise self.apply_error
        self.applied.append([s.address for s in plan.steps])
        self.entries = [e for e in self.entries if e.address not in {s.address for s in plan.steps}]

        class Result:
            steps_done = len(plan.steps)
            seconds = 0.01

        return Result()

    def lock(self, stack: Any, clients: Any) -> Any:
        world = self

        class Held:
            def release(self) -> None:
                world.locks -= 1

        self.locks += 1
        return Held()


class Recorder:
    def __init__(self) -> None:
        self.changes: list[tuple[str, str | None, str | None]] = []
        self.cycles: list[Cycle] = []

    def state_changed(self, address: str, spec: str, before: str | None, after: str | None) -> None:
        self.changes.append((address, before, after))

    def cycle_finished(self, cycle: Cycle) -> None:
        self.cycles.append(cycle)

    def heal_starting(self, plan: Plan) -> NullHooks:
        return NullHooks()


NOON = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc).timestamp()


def watcher(world: World, stack: Any = None, load: Any = None, **options: Any) -> tuple[Watcher, Recorder]:
    hooks = Recorder()
    stack = stack or FakeStack()
    sources = Sources(load or (lambda: stack), lambda s, read_only: object(), world.lock, clock=lambda: NOON)
    opts = WatchOptions(options.pop("interval", 0.0), **options)
    return Watcher(opts, sources, hooks, Metrics("demo"), sleep=lambda stop, seconds: None), hooks


def test_self_heal_applies_the_drift_and_leaves_the_pending_change(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    loop, hooks = watcher(world, self_heal=True, max_cycles=2)
    assert loop.run()
    assert world.applied == [["endpoint/a"]] and world.locks == 0  # under the lock, given back
    first, second = hooks.cycles
    assert first.heal is not None and first.heal.status == "applied" and first.heal.addresses == ("endpoint/a",)
    assert first.heal.pending == ("alarm/c",)
    assert second.heal is not None and second.heal.status == "nothing" and second.drifted == 0
    assert hooks.changes == [("alarm/c", None, PENDING), ("endpoint/a", None, DRIFT), ("endpoint/a", DRIFT, IN_SYNC)]
    assert "reconciler_self_heal_applies_total 1\n" in loop.metrics.render()


def test_without_self_heal_nothing_is_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    loop, hooks = watcher(world, max_cycles=3)
    assert loop.run() and world.applied == [] and world.locks == 0
    assert [c.drifted for c in hooks.cycles] == [1, 1, 1] and all(c.heal is None for c in hooks.cycles)
    assert len(hooks.changes) == 2  # reported once, not every cycle


def test_both_drift_and_pending_needs_apply_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    world.entries = [entry("endpoint/a", "drift", "pending")]
    loop, hooks = watcher(world, self_heal=True, max_cycles=1)
    loop.run()
    assert world.applied == [] and hooks.cycles[0].heal is not None
    assert hooks.cycles[0].heal.status == "nothing" and "endpoint/a" in hooks.cycles[0].heal.held
    loop, hooks = watcher(world, self_heal=True, apply_pending=True, max_cycles=1)
    loop.run()
    assert world.applied == [["endpoint/a"]]


def test_a_deny_window_stops_self_heal(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    stack = FakeStack([{"kind": "deny", "schedule": "0 12 * * *", "duration": "1h"}])
    loop, hooks = watcher(world, stack, self_heal=True, max_cycles=1)
    loop.run()
    heal = hooks.cycles[0].heal
    assert world.applied == [] and world.locks == 0 and heal is not None and heal.status == "outside-window"
    assert "deny window deny '0 12 * * *' UTC for 1h is open until 2025-06-02T13:00:00Z" in heal.message
    assert "reconciler_sync_window_open 0\n" in loop.metrics.render()
    allowed = FakeStack([{"kind": "allow", "schedule": "0 12 * * *", "duration": "1h"}])
    loop, hooks = watcher(world, allowed, self_heal=True, max_cycles=1)
    loop.run()
    assert world.applied == [["endpoint/a"]]


def test_a_resource_in_transition_defers_self_heal(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    world.moving = {Address.parse("endpoint/a"): "Updating"}
    loop, hooks = watcher(world, self_heal=True, max_cycles=1)
    loop.run()
    heal = hooks.cycles[0].heal
    assert world.applied == [] and heal is not None and heal.status == "waiting" and "Updating" in heal.message


def test_errors_are_counted_the_loop_goes_on_and_the_last_good_state_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    loads = iter(["ok", "bad", "ok", "ok"])

    def load() -> Any:
        if next(loads) == "bad":
            diags = Diagnostics()
            diags.error("bad sync")
            raise SpecError(diags)
        return FakeStack()

    loop, hooks = watcher(world, load=load, max_cycles=4)
    loads_then_aws = iter([False, False, True])  # cycles 1, 3 and 4 read AWS
    original = world.make_plan

    def plan(stack: Any, clients: Any) -> Any:
        if next(loads_then_aws):
            raise ConnectionError("AWS is down")
        return original(stack, clients)

    monkeypatch.setattr("reconciler.plan.planner.make_plan", plan)
    assert loop.run() is False  # the last cycle failed
    assert [c.error is None for c in hooks.cycles] == [True, False, True, False]
    assert isinstance(hooks.cycles[1].error, SpecError) and isinstance(hooks.cycles[3].error, ConnectionError)
    text = loop.metrics.render()
    assert "reconciler_cycle_errors_total 2\n" in text and "reconciler_cycles_total 4\n" in text
    assert 'reconciler_resource_drift{stack="demo",address="endpoint/a",spec="Spec/a"} 1' in text


def test_a_failed_self_heal_is_reported_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    world.apply_error = ApplyError("stale plan: endpoint/a has changed since the plan was made")
    loop, hooks = watcher(world, self_heal=True, max_cycles=2)
    assert loop.run() is False
    assert [c.heal.status for c in hooks.cycles if c.heal] == ["failed", "failed"] and world.locks == 0
    assert "reconciler_cycle_errors_total 2\n" in loop.metrics.render()


def test_a_held_lock_defers_self_heal(monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.apply.lock import LockError

    world = World(monkeypatch)

    def locked(stack: Any, clients: Any) -> Any:
        raise LockError("stack demo is locked by ci@runner")

    world.lock = locked  # type: ignore[method-assign]
    loop, hooks = watcher(world, self_heal=True, max_cycles=1)
    assert loop.run()
    heal = hooks.cycles[0].heal
    assert heal is not None and heal.status == "locked" and "ci@runner" in heal.message and world.applied == []


def test_stop_ends_the_sleep_and_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(monkeypatch)
    hooks = Recorder()
    stop = threading.Event()
    sources = Sources(FakeStack, lambda s, read_only: object(), world.lock)
    loop = Watcher(WatchOptions(3600.0), sources, hooks, stop=stop)
    threading.Timer(0.3, stop.set).start()
    began = time.monotonic()
    assert loop.run()
    assert time.monotonic() - began < 5 and loop.cycles == 1


def test_sleep_unless_returns_when_the_time_is_up() -> None:
    began = time.monotonic()
    sleep_unless(threading.Event(), 0.15, step=0.05)
    assert 0.14 <= time.monotonic() - began < 2
