"""`reconciler watch`: drift in a loop, and with `--self-heal` a continuous reconcile that keeps plans and
guardrails.

Each cycle re-reads the spec directory (a git sync of it is picked up), makes the read-only plan and
the drift report, and compares every resource's state with the cycle before: `in-sync`, `drift`,
`pending` or `drift+pending`. With self-heal, what is only drift (changed outside git) is applied;
what is pending (a spec change not applied yet) is left to the reviewed apply unless
`apply_pending`; a change that is both is never applied without it. Applying goes through the
normal machinery: under the stack's lock the stack is planned again, the plan narrowed to those
changes (`plan/narrow.py`), and applied by the applier with its stale-plan check; protect and the
rollout policy are in the plan as always. The Stack's sync windows (`reconciler/sync_windows.py`)
decide whether self-heal may apply now; outside them it only reports. While a resource is changing
(a rollout in flight), self-heal waits for a later cycle.

An error in a cycle (AWS unreachable, specs made invalid by a bad sync) is reported and counted and
the loop goes on; the metrics keep the last good state. The loop stops after `max_cycles`, or at the
end of the current cycle (or during the sleep) once `stop` is set.

`Metrics` holds the state Prometheus scrapes, written in its text format by hand (the
`prometheus_client` package is not a dependency) and served by `MetricsServer` (http.server,
127.0.0.1 unless told otherwise). The engine never prints: everything goes through `WatchHooks`.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.hooks import Hooks
from reconciler.plan.model import Plan
from reconciler.spec.documents import StackSpec
from reconciler.sync_windows import SyncWindow, Verdict, parse_windows, sync_allowed

IN_SYNC, DRIFT, PENDING, BOTH = "in-sync", "drift", "pending", "drift+pending"


# --- what self-heal applies ----------------------------------------------------------------------
def state_of(entry: DriftEntry | None) -> str:
    """A resource's state from its drift entry (None: in sync)."""
    if entry is None:
        return IN_SYNC
    drift, pending = "drift" in entry.labels, "pending" in entry.labels
    return BOTH if drift and pending else DRIFT if drift else PENDING


@dataclass(frozen=True)
class Selection:
    """What self-heal applies from a drift report, and what it leaves (with why)."""

    apply: tuple[str, ...] = ()  # change addresses
    held: Mapping[str, str] = field(default_factory=dict)  # drifted changes not applied: address -> why
    pending: tuple[str, ...] = ()  # pending changes left for a reviewed apply


def select_heal(report: DriftReport, apply_pending: bool = False) -> Selection:
    """Drift only, or with `apply_pending` everything that has something to apply; a change that is
    both drift and pending needs `apply_pending`."""
    apply: list[str] = []
    held: dict[str, str] = {}
    pending: list[str] = []
    for entry in report.entries:
        if entry.action is None:  # kept by prune: false: nothing to apply
            continue
        state = state_of(entry)
        if apply_pending or state == DRIFT:
            apply.append(entry.address)
        elif state == BOTH:
            held[entry.address] = "drifted and also pending (the spec changed): applied only with --apply-pending"
        else:
            pending.append(entry.address)
    return Selection(tuple(apply), held, tuple(pending))


# --- metrics -----------------------------------------------------------------------------------
def _number(value: float) -> str:
    """A sample value as Prometheus reads it: whole numbers without a fraction, others in full precision."""
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(float(value))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


@dataclass(frozen=True)
class Resource:
    address: str
    spec: str
    state: str


class Metrics:
    """The state a scrape sees, updated by the loop (thread-safe); `render()` is the text format."""

    def __init__(self, stack: str = "") -> None:
        self.stack = stack
        self.resources: dict[str, Resource] = {}
        self.cycles = 0
        self.errors = 0
        self.heals = 0
        self.last_cycle: float | None = None
        self.last_success: float | None = None
        self.duration: float | None = None
        self.last_ok: bool | None = None
        self.sync_allowed: bool | None = None
        self._lock = threading.Lock()

    def cycle_done(self, ended: float, seconds: float, ok: bool, stack: str | None = None,
                   resources: Mapping[str, Resource] | None = None) -> None:
        with self._lock:
            self.cycles += 1
            self.last_cycle, self.duration, self.last_ok = ended, seconds, ok
            if ok:
                self.last_success = ended
                if stack is not None:
                    self.stack = stack
                if resources is not None:
                    self.resources = dict(resources)
            else:
                self.errors += 1

    def error(self) -> None:
        """An error besides a failed cycle's (a self-heal apply that failed)."""
        with self._lock:
            self.errors += 1

    def healed(self) -> None:
        with self._lock:
            self.heals += 1

    def window(self, allowed: bool | None) -> None:
        with self._lock:
            self.sync_allowed = allowed

    def render(self) -> str:
        with self._lock:
            lines: list[str] = []

            def family(name: str, kind: str, text: str, samples: Iterable[tuple[str, float]]) -> None:
                lines.append(f"# HELP {name} {text}")
                lines.append(f"# TYPE {name} {kind}")
                lines.extend(f"{name}{labels} {_number(value)}" for labels, value in samples)

            resources = sorted(self.resources.values(), key=lambda r: r.address)
            stack = _label(self.stack)

            def per_resource(test: Callable[[str], bool]) -> list[tuple[str, float]]:
                return [(f'{{stack="{stack}",address="{_label(r.address)}",spec="{_label(r.spec)}"}}',
                         1.0 if test(r.state) else 0.0) for r in resources]

            family("reconciler_resource_in_sync", "gauge", "1 when live matches git for this resource.",
                   per_resource(lambda s: s == IN_SYNC))
            family("reconciler_resource_drift", "gauge", "1 when the resource changed outside git.",
                   per_resource(lambda s: s in (DRIFT, BOTH)))
            family("reconciler_resource_pending", "gauge", "1 when the spec changed and is not applied yet.",
                   per_resource(lambda s: s in (PENDING, BOTH)))
            family("reconciler_resources", "gauge", "Resources compared in the last good cycle.",
                   [(f'{{stack="{stack}"}}', float(len(resources)))])
            if self.last_cycle is not None:
                family("reconciler_last_cycle_timestamp_seconds", "gauge", "When the last cycle ended (Unix time).",
                       [("", self.last_cycle)])
                family("reconciler_cycle_duration_seconds", "gauge", "How long the last cycle took.",
                       [("", self.duration or 0.0)])
                family("reconciler_last_cycle_success", "gauge", "1 when the last cycle read everything.",
                       [("", 1.0 if self.last_ok else 0.0)])
            if self.last_success is not None:
                family("reconciler_last_success_timestamp_seconds", "gauge",
                       "When the last cycle without an error ended (Unix time).", [("", self.last_success)])
            if self.sync_allowed is not None:
                family("reconciler_sync_window_open", "gauge", "1 when the sync windows let self-heal apply now.",
                       [("", 1.0 if self.sync_allowed else 0.0)])
            family("reconciler_cycles_total", "counter", "Cycles run.", [("", float(self.cycles))])
            family("reconciler_cycle_errors_total", "counter",
                   "Errors: cycles that could not read the specs or AWS, and self-heal applies that failed.",
                   [("", float(self.errors))])
            family("reconciler_self_heal_applies_total", "counter", "Self-heal applies that completed.",
                   [("", float(self.heals))])
            return "\n".join(lines) + "\n"


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsServer:
    """`Metrics` over HTTP at /metrics, in a background thread; `close()` stops it and frees the port."""

    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 0) -> None:
        served = metrics

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] not in ("/metrics", "/"):
                    self.send_error(404, "metrics are at /metrics")
                    return
                body = served.render().encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # the engine never prints
                return None

        self.server = http.server.ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host = host
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="reconciler-metrics", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


# --- the loop ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class WatchOptions:
    interval: float  # seconds between the end of one cycle and the start of the next
    self_heal: bool = False
    apply_pending: bool = False
    max_cycles: int | None = None


@dataclass(frozen=True)
class Heal:
    """What self-heal did in a cycle: `status` is applied, failed, outside-window, locked, waiting or
    nothing; `message` says why or how."""

    status: str
    addresses: tuple[str, ...] = ()
    message: str = ""
    steps: int = 0
    seconds: float = 0.0
    held: Mapping[str, str] = field(default_factory=dict)
    pending: tuple[str, ...] = ()  # pending changes left for a reviewed apply
    error: BaseException | None = None  # why it failed


@dataclass(frozen=True)
class Cycle:
    """One cycle's outcome, for the summary line."""

    number: int
    started: datetime
    seconds: float
    stack: str = ""
    resources: int = 0
    drifted: int = 0
    pending: int = 0
    error: BaseException | None = None
    heal: Heal | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and (self.heal is None or self.heal.status != "failed")


class WatchHooks(Protocol):
    def state_changed(self, address: str, spec: str, before: str | None, after: str | None) -> None: ...

    def cycle_finished(self, cycle: Cycle) -> None: ...

    def heal_starting(self, plan: Plan) -> Hooks: ...  # the narrowed plan about to run; its progress hooks


@dataclass
class Sources:
    """What the loop reads and writes through, given by the CLI: `load()` the stack (raising SpecError),
    `clients(stack, read_only)`, `lock(stack, clients)` the stack lock taken (None when the stack has
    no lock table; LockError when held), `clock()` the wall time."""

    load: Callable[[], StackSpec]
    clients: Callable[[StackSpec, bool], Any]
    lock: Callable[[StackSpec, Any], Any]
    clock: Callable[[], float] = time.time


def sleep_unless(stop: threading.Event, seconds: float, step: float = 0.1) -> None:
    """Sleep up to `seconds`, waking within `step` of `stop` being set (safe with signal handlers that set
    it: only `time.sleep` waits)."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(step, left))


def _windows(stack: StackSpec) -> tuple[SyncWindow, ...]:
    spec = stack.stack.doc.data.get("spec") if isinstance(stack.stack.doc.data, dict) else None
    return parse_windows((spec or {}).get("syncWindows"))


class Watcher:
    """The loop: `run()` until `max_cycles` or `stop`; returns whether the last cycle went well."""

    def __init__(self, options: WatchOptions, sources: Sources, hooks: WatchHooks, metrics: Metrics | None = None,
                 stop: threading.Event | None = None,
                 sleep: Callable[[threading.Event, float], None] = sleep_unless) -> None:
        self.options = options
        self.sources = sources
        self.hooks = hooks
        self.metrics = metrics or Metrics()
        self.stop = stop or threading.Event()
        self.sleep = sleep
        self.states: dict[str, Resource] = {}
        self.cycles = 0
        self._seen = False  # a cycle has read the stack (before that, in-sync resources are not news)

    def run(self) -> bool:
        last: Cycle | None = None
        while not self.stop.is_set():
            last = self.cycle()
            if self.options.max_cycles is not None and self.cycles >= self.options.max_cycles:
                break
            if self.stop.is_set():
                break
            self.sleep(self.stop, self.options.interval)
        return last is None or last.ok

    # --- one cycle -----------------------------------------------------------------------
    def cycle(self) -> Cycle:
        from reconciler.drift import drift_report
        from reconciler.plan.planner import make_plan

        self.cycles += 1
        number = self.cycles
        began, wall = time.monotonic(), datetime.fromtimestamp(self.sources.clock(), timezone.utc)
        try:
            stack = self.sources.load()
            windows = _windows(stack)
            plan, snapshot = make_plan(stack, self.sources.clients(stack, True))
            report = drift_report(plan, snapshot)
        except Exception as exc:  # reported and counted; the last good state stays in the metrics
            seconds = time.monotonic() - began
            self.metrics.cycle_done(self.sources.clock(), seconds, ok=False)
            cycle = Cycle(number, wall, seconds, error=exc)
            self.hooks.cycle_finished(cycle)
            return cycle
        resources = self._resources(report, snapshot)
        self._report_changes(resources)
        heal = None
        if self.options.self_heal:
            verdict = sync_allowed(windows, wall)
            self.metrics.window(verdict.allowed)
            heal = self._heal(stack, report, verdict)
        seconds = time.monotonic() - began
        self.metrics.cycle_done(self.sources.clock(), seconds, ok=True, stack=report.stack, resources=resources)
        if heal is not None and heal.status == "failed":
            self.metrics.error()
        cycle = Cycle(number, wall, seconds, report.stack, len(resources), report.count("drift"),
                      report.count("pending"), heal=heal, notes=report.notes)
        self.hooks.cycle_finished(cycle)
        return cycle

    @staticmethod
    def _resources(report: DriftReport, snapshot: Any) -> dict[str, Resource]:
        entries = {e.address: e for e in report.entries}
        specs: dict[str, str] = {}
        for address, desired in snapshot.desired.items():
            specs[str(address)] = desired.spec
        for address, live in snapshot.live.items():
            specs.setdefault(str(address), live.spec or "")
            for children in live.related.values():
                for child in children:
                    if child.spec:
                        specs.setdefault(str(child.address), child.spec)
        for entry in report.entries:
            specs.setdefault(entry.address, entry.spec or "")
        return {a: Resource(a, s or "", state_of(entries.get(a))) for a, s in sorted(specs.items())}

    def _report_changes(self, resources: Mapping[str, Resource]) -> None:
        first, self._seen = not self._seen, True
        for address, now in resources.items():
            before = self.states.get(address)
            if before is None:
                if not first or now.state != IN_SYNC:
                    self.hooks.state_changed(address, now.spec, None, now.state)
            elif before.state != now.state:
                self.hooks.state_changed(address, now.spec, before.state, now.state)
        for address, gone in self.states.items():
            if address not in resources:
                self.hooks.state_changed(address, gone.spec, gone.state, None)
        self.states = dict(resources)

    # --- self-heal -----------------------------------------------------------------------
    def _heal(self, stack: StackSpec, report: DriftReport, verdict: Verdict) -> Heal:
        selection = select_heal(report, self.options.apply_pending)
        if not selection.apply:
            return Heal("nothing", held=selection.held, pending=selection.pending)
        if not verdict.allowed:
            return Heal("outside-window", selection.apply, verdict.reason, held=selection.held,
                        pending=selection.pending)
        from reconciler.apply.lock import LockError

        began = time.monotonic()
        try:
            clients = self.sources.clients(stack, False)
            lock = self.sources.lock(stack, clients)
        except LockError as exc:
            return Heal("locked", selection.apply, str(exc), held=selection.held)
        except Exception as exc:
            return Heal("failed", selection.apply, error=exc, seconds=time.monotonic() - began)
        try:
            return self._apply(stack, clients)
        except Exception as exc:  # a refused or failed apply: reported and counted, the loop goes on
            return Heal("failed", selection.apply, error=exc, seconds=time.monotonic() - began)
        finally:
            if lock is not None:
                lock.release()

    def _apply(self, stack: StackSpec, clients: Any) -> Heal:
        """Plan again under the lock, narrow to what self-heal applies, apply through the applier."""
        from reconciler.apply.applier import apply_plan
        from reconciler.apply.settle import in_transition
        from reconciler.drift import drift_report
        from reconciler.plan.narrow import narrow_to_changes
        from reconciler.plan.planner import make_plan

        plan, snapshot = make_plan(stack, clients)
        moving = in_transition(snapshot)
        selection = select_heal(drift_report(plan, snapshot), self.options.apply_pending)
        if not selection.apply:
            return Heal("nothing", held=selection.held, pending=selection.pending)
        if moving:
            what = ", ".join(f"{a} is {s}" for a, s in sorted(moving.items()))
            return Heal("waiting", selection.apply, f"{what}: waiting for it to settle", held=selection.held)
        why = "watch --self-heal" + (" --apply-pending" if self.options.apply_pending else "")
        narrowed, blocked = narrow_to_changes(plan, selection.apply, why)
        held = {**selection.held, **blocked}
        addresses = tuple(c.address for c in narrowed.changes)
        if not narrowed.steps:
            return Heal("nothing", addresses, held=held, pending=selection.pending)
        result = apply_plan(narrowed, clients, snapshot.account, hooks=self.hooks.heal_starting(narrowed))
        self.metrics.healed()
        return Heal("applied", addresses, steps=result.steps_done, seconds=result.seconds, held=held,
                    pending=selection.pending)
