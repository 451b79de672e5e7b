"""`reconciler watch DIR`: drift in a loop, one summary line per cycle and a line per change of state, with
per-resource sync status for Prometheus on `--metrics-port`; `--self-heal` applies what drifted outside git
(see reconciler/watch.py for the loop and docs/watch.md for the behaviour).

Exit codes: 0 when stopped by SIGTERM or SIGINT (after the current cycle, or during the sleep), or after
`--max-cycles` when the last cycle went well; 1 for a usage error, invalid specs at start, a metrics port
that cannot be bound, or a last cycle (with `--max-cycles`) that failed. A second signal interrupts at once.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

EXAMPLES = ("reconciler watch specs --interval 5m --metrics-port 9464",
            "reconciler watch specs --self-heal --interval 1m   # repair what changed outside git",
            "reconciler watch specs --self-heal --max-cycles 1   # one reconcile, e.g. from cron")


def _interval(text: str) -> float:
    from reconciler.sync_windows import WindowError, parse_duration

    try:
        seconds = float(text) if text.replace(".", "", 1).isdigit() else parse_duration(text)
    except WindowError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"an interval longer than 0, got {text!r}")
    return seconds


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535; 0: any free port): {text!r}")
    return int(text)


def _cycles(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, got {text!r}")
    return int(text)


def register(sub: Any, cli: Any) -> None:
    p = sub.add_parser("watch", help="drift in a loop, with metrics; --self-heal applies what changed outside git")
    p.add_argument("dir", nargs="?", default="specs", help="stack directory, re-read every cycle (default: specs)")
    cli._env_option(p)
    p.add_argument("--interval", type=_interval, default="5m", metavar="DURATION",
                   help="pause between cycles: 30s, 5m, 1h, or a number of seconds (default 5m)")
    p.add_argument("--self-heal", action="store_true",
                   help="apply what drifted (changed outside git) through plan and apply, under the stack lock and "
                        "within the Stack's syncWindows; pending spec changes are left alone")
    p.add_argument("--apply-pending", action="store_true",
                   help="with --self-heal: also apply pending spec changes (and changes both drifted and pending)")
    p.add_argument("--metrics-port", type=_port, metavar="N",
                   help="serve per-resource sync status in the Prometheus text format at /metrics on this port "
                        "(0: any free port, printed)")
    p.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST",
                   help="address the metrics server listens on (default 127.0.0.1)")
    p.add_argument("--max-cycles", type=_cycles, metavar="N", help="stop after N cycles (default: run until stopped)")
    p.add_argument("--lock-timeout", type=float, default=0.0, metavar="SECONDS",
                   help="with --self-heal: wait up to this long for the stack lock (default 0: try next cycle)")
    cli._aws_options(p)
    p.set_defaults(func=lambda args: cmd_watch(args, cli))
    cli.EXAMPLES.setdefault("watch", EXAMPLES)


class _Lock:
    """The stack lock a self-heal holds; giving it back warns when it was broken meanwhile."""

    def __init__(self, lock: Any, cli: Any) -> None:
        self.lock, self.cli = lock, cli

    def release(self) -> None:
        self.lock.release()
        if self.lock.lost:
            self.cli.err(f"warning: the lock of stack {self.lock.stack} was broken while self-heal held it")


class ConsoleWatchHooks:
    """One summary line per cycle and a line per change of state to stdout; errors to stderr."""

    def __init__(self, cli: Any) -> None:
        self.cli = cli
        self.notes: tuple[str, ...] = ()

    def state_changed(self, address: str, spec: str, before: str | None, after: str | None) -> None:
        owner = f" ({spec})" if spec else ""
        change = f"{before} -> {after or 'gone'}" if before else str(after)
        self.cli.out(f"  {address}{owner}: {change}")

    def heal_starting(self, plan: Any) -> Any:
        self.cli.out("self-heal: applying " + ", ".join(c.address for c in plan.changes))
        self.cli.out(self.cli._render_plan(plan, "text").rstrip("\n"))
        return self.cli.ConsoleHooks()

    def cycle_finished(self, cycle: Any) -> None:
        stamp = cycle.started.strftime("%Y-%m-%dT%H:%M:%SZ")
        head = f"{stamp} cycle {cycle.number}"
        if cycle.error is not None:
            for line in self.cli._error_lines(cycle.error):
                self.cli.err(f"{head}: {line}")
            self.cli.out(f"{head}: failed in {cycle.seconds:.1f} s (the last good state is kept); next cycle goes on")
            return
        if cycle.notes != self.notes:
            for note in cycle.notes:
                self.cli.out(f"  note: {note}")
            self.notes = cycle.notes
        state = "in sync" if not cycle.drifted and not cycle.pending else \
            f"{cycle.drifted} drifted, {cycle.pending} pending"
        line = f"{head}: {state}, {cycle.resources} resources ({cycle.seconds:.1f} s)"
        if cycle.heal is not None:
            line += "; self-heal: " + self._heal(head, cycle.heal)
        self.cli.out(line)

    def _heal(self, head: str, heal: Any) -> str:
        held = "".join(f"; held back {a} ({why})" for a, why in sorted(heal.held.items()))
        if heal.pending:
            held += f"; pending, left for a reviewed apply: {', '.join(heal.pending)}"
        what = ", ".join(heal.addresses)
        if heal.status == "applied":
            return f"applied {what} ({heal.steps} step(s) in {heal.seconds:.1f} s){held}"
        if heal.status == "failed":
            for line in self.cli._error_lines(heal.error) if heal.error is not None else [heal.message]:
                self.cli.err(f"{head}: self-heal failed: {line.removeprefix('error: ')}")
            return f"failed ({what}){held}"
        if heal.status == "outside-window":
            return f"not now: {heal.message}; {what} reported only{held}"
        if heal.status in ("locked", "waiting"):
            return f"deferred ({what}): {heal.message}{held}"
        return f"nothing to apply{held}"


def cmd_watch(args: argparse.Namespace, cli: Any) -> int:
    from reconciler.sync_windows import format_duration
    from reconciler.watch import Metrics, MetricsServer, Sources, Watcher, WatchOptions

    if args.apply_pending and not args.self_heal:
        raise cli.CliError("--apply-pending widens --self-heal: give both")
    if args.lock_timeout and not args.self_heal:
        raise cli.CliError("--lock-timeout applies with --self-heal (watch takes the lock only to apply)")
    first = cli._load(args.dir, args)  # invalid specs (sync windows included) stop here, at their line
    for warning in first.warnings.items:
        cli.err(str(warning))
    cli._clients(args, first.stack.region, read_only=True)  # a wrong --region or profile stops here too
    cached: dict[tuple[str | None, bool], Any] = {}
    loaded = [first]

    def load() -> Any:
        return loaded.pop() if loaded else cli._load(args.dir, args)

    def clients(stack: Any, read_only: bool) -> Any:
        key = (stack.stack.region, read_only)
        if key not in cached:
            cached[key] = cli._clients(args, stack.stack.region, read_only=read_only)
        return cached[key]

    def lock(stack: Any, writer: Any) -> Any:
        if not stack.stack.lock_table:
            return None
        return _Lock(cli._lock(args, writer, stack.stack.lock_table, stack.stack.name, writer.region), cli)

    metrics = Metrics(first.stack.name)
    server = None
    if args.metrics_port is not None:
        try:
            server = MetricsServer(metrics, args.metrics_host, args.metrics_port)
        except OSError as exc:
            raise cli.CliError(f"cannot serve metrics on {args.metrics_host}:{args.metrics_port}: "
                               f"{exc.strerror or exc}") from None
        if args.metrics_host not in ("127.0.0.1", "localhost", "::1"):
            cli.err(f"warning: the metrics listen on {args.metrics_host}: reachable beyond this host (they name every "
                    "resource of the stack)")
    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        received.append(signal.Signals(signum).name)
        stop.set()

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        heal = "off" if not args.self_heal else "drift and pending" if args.apply_pending else "drift only"
        windows = len((first.stack.doc.data.get("spec") or {}).get("syncWindows") or ())
        where = f"; metrics at {server.url}" if server else ""
        cli.out(f"Watching stack {first.stack.name} ({args.dir}) every {format_duration(args.interval)}; "
                f"self-heal: {heal}; sync windows: {windows or 'none'}{where}")
        if args.self_heal and not first.stack.lock_table:
            cli._lock(args, None, None, first.stack.name, first.stack.region or "")  # the no-lock warning, once
        options = WatchOptions(args.interval, args.self_heal, args.apply_pending, args.max_cycles)
        watcher = Watcher(options, Sources(load, clients, lock), ConsoleWatchHooks(cli), metrics, stop)
        ok = watcher.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if server is not None:
            server.close()
    if received:
        cli.out(f"Stopped by {received[0]} after {watcher.cycles} cycle(s).")
        return cli.EXIT_OK
    cli.out(f"Stopped after {watcher.cycles} cycle(s) (--max-cycles).")
    return cli.EXIT_OK if ok else cli.EXIT_ERROR
