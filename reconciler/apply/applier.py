"""The applier: execute a plan's steps, refusing a stale plan, running independent rollouts concurrently.

Before the first step runs, the applier re-reads every resource the plan read (the ones it
changes and the ones those depend on) and compares its fingerprint with the one recorded at
plan time: any difference means live AWS changed since the plan was made, and the plan is
refused as stale with nothing changed.

Steps run by phase (`changes.PHASES`): deletions some change needs first, shared resources
(models, configs, alarms), then the rollout groups, each an endpoint with its autoscaling and
shadow test, concurrently (at most `MAX_PARALLEL` at a time, a group waiting for the groups it
`needs`), then what runs after every group, then the remaining deletions. A failure stops its
group and puts back what the group's earlier steps removed (their `undo` steps, in reverse
order); independent groups go on; a step whose group failed or whose `needs` did not succeed is
skipped. A failure among the shared resources stops everything after it. What ran stays
applied, and a re-plan shows exactly what is left. Each step is executed by its resource's
handler, which waits until the resource settles; progress goes through the hooks.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from reconciler.addressing import Address
from reconciler.aws.clients import WriteClients
from reconciler.aws.errors import describe_error, is_client_error
from reconciler.aws.waits import WaitPolicy
from reconciler.changes import Step
from reconciler.errors import ApplyError, ReconcilerError, StalePlanError
from reconciler.handlers.base import ExecContext
from reconciler.handlers.registry import handler_for, handlers
from reconciler.hooks import Hooks, NullHooks
from reconciler.plan.model import Plan
from reconciler.plan.relations import read_one

MAX_PARALLEL = 10  # rollout groups at a time, like Terraform's default parallelism


@dataclass
class ApplyResult:
    steps_done: int = 0
    seconds: float = 0.0
    completed: list[str] = field(default_factory=list)  # "Operation address" of each step that ran
    failed: dict[str, str] = field(default_factory=dict)  # group (or address) -> why
    skipped: list[str] = field(default_factory=list)  # steps not run because what they need failed
    restored: list[str] = field(default_factory=list)  # undo steps run after a failure
    groups_done: list[str] = field(default_factory=list)  # groups whose every step ran

    @property
    def ok(self) -> bool:
        return not self.failed


def check_target(plan: Plan, region: str, account: str) -> None:
    if plan.region != region or plan.account != account:
        raise StalePlanError(
            f"the plan was made for account {plan.account} in {plan.region}, but these credentials reach account "
            f"{account} in {region}; refusing to apply it here"
        )


def verify_fresh(plan: Plan, clients: WriteClients, address: str, when: str = "since the plan was made") -> None:
    """Raise StalePlanError if the resource changed since the plan read it."""
    expected = plan.fingerprints.get(address)
    if expected is None:
        return
    addr = Address.parse(address)
    handler = handler_for(addr.type)
    live = read_one(clients.reader(), addr, handlers())
    if handler.fingerprint(live) != expected:
        state = "now exists" if expected == "absent" else ("no longer exists" if live is None else "has changed")
        raise StalePlanError(
            f"stale plan: {address} {state} {when}; apply stopped there. Run plan again and review the new plan."
        )


class _Locked:
    """Hooks made safe to call from several rollout groups at once, numbering steps as they start."""

    def __init__(self, hooks: Hooks, steps: tuple[Step, ...]) -> None:
        self.hooks = hooks
        self.total = len(steps)
        self.number = {id(step): i for i, step in enumerate(steps, 1)}  # the plan's own numbering
        self.started = 0
        self.lock = threading.Lock()

    def step_started(self, index: int, total: int, step: Step) -> None:
        with self.lock:
            self.started += 1
            self.hooks.step_started(self.number.get(id(step), self.started), self.total, step)

    def step_progress(self, step: Step, message: str) -> None:
        with self.lock:
            self.hooks.step_progress(step, message)

    def step_finished(self, step: Step, seconds: float) -> None:
        with self.lock:
            self.hooks.step_finished(step, seconds)

    def step_failed(self, step: Step, message: str) -> None:
        with self.lock:
            self.hooks.step_failed(step, message)


class _Run:
    """One apply: the state every phase shares."""

    def __init__(self, plan: Plan, clients: WriteClients, hooks: _Locked, wait_policy: WaitPolicy,
                 cancel: threading.Event) -> None:
        self.plan = plan
        self.clients = clients
        self.hooks = hooks
        self.cancel = cancel
        self.result = ApplyResult()
        self.lock = threading.Lock()
        self.changed: set[str] = set()  # addresses a step of this apply has completed on
        self.unsuccessful: set[str] = set()  # groups and addresses that failed or were skipped
        self.failed_here: set[str] = set()  # those that failed
        self.undo: dict[str, list[Step]] = {}  # group -> undo steps of its completed steps, in order
        self.ctx = ExecContext(plan.stack, plan.region, plan.account, clients, hooks,
                               dataclasses.replace(wait_policy, cancel=cancel), self.recheck)

    # --- what may run ------------------------------------------------------------------
    def blocked(self, step: Step) -> str | None:
        """Why `step` must not run (its group failed, something it needs did not succeed), or None."""
        with self.lock:
            if step.group and step.group in self.result.failed:
                return f"{step.group} failed"
            for need in step.needs:
                if need in self.unsuccessful:
                    how = "failed" if need in self.failed_here else "was not run"
                    return f"waits for {need}, which {how}"
        return None

    def recheck(self, step: Step) -> None:
        """After waiting for a resource to settle: refuse the plan if the resource changed meanwhile
        (unless this apply changed it itself, which the plan expects)."""
        with self.lock:
            ours = step.address in self.changed
        if not ours:
            verify_fresh(self.plan, self.clients, step.address, when="while apply waited for it to settle")

    # --- running steps -----------------------------------------------------------------
    def run_step(self, step: Step) -> bool:
        """Run one step; False when it failed (its group is marked failed)."""
        self.hooks.step_started(0, 0, step)
        began = time.monotonic()
        try:
            handler = handler_for(Address.parse(step.address).type)
            handler.execute(self.ctx, step)
            handler.record_tags(self.ctx, step)
        except StalePlanError:
            raise
        except ReconcilerError as exc:
            self.fail(step, str(exc))
            return False
        except Exception as exc:
            if not is_client_error(exc):
                raise
            self.fail(step, f"{step.operation} {step.address} failed: {describe_error(exc)}")
            return False
        self.hooks.step_finished(step, time.monotonic() - began)
        with self.lock:
            self.changed.add(step.address)
            self.result.steps_done += 1
            self.result.completed.append(f"{step.operation} {step.address}")
            if step.undo and step.group:
                self.undo.setdefault(step.group, []).extend(step.undo)
        return True

    def fail(self, step: Step, message: str) -> None:
        self.hooks.step_failed(step, message)
        with self.lock:
            key = step.group or step.address
            self.unsuccessful.update({step.address, key})
            self.failed_here.update({step.address, key})
            self.result.failed.setdefault(key, message)

    def skip(self, step: Step, why: str) -> None:
        with self.lock:
            self.result.skipped.append(f"{step.operation} {step.address} ({why})")
            self.unsuccessful.add(step.address)
            if step.group:
                self.unsuccessful.add(step.group)

    def restore(self, group: str) -> None:
        """Run the undo steps of a failed group's completed steps, last first (best effort)."""
        with self.lock:
            steps = list(reversed(self.undo.pop(group, [])))
        for step in steps:
            try:
                handler = handler_for(Address.parse(step.address).type)
                handler.execute(self.ctx, step)
                handler.record_tags(self.ctx, step)
            except Exception as exc:  # report and go on: every other restore is still worth doing
                text = str(exc) if isinstance(exc, ReconcilerError) else describe_error(exc)
                self.hooks.step_progress(step, f"could not restore it: {text}")
                with self.lock:
                    self.result.failed.setdefault(f"restore {step.address}", text)
                continue
            self.hooks.step_progress(step, f"restored ({step.operation})")
            with self.lock:
                self.result.restored.append(f"{step.operation} {step.address}")

    def run_sequence(self, steps: list[Step], stop_on_failure: bool = False) -> bool:
        """Run steps in order, skipping what is blocked; False (and the rest skipped) when `stop_on_failure`
        and one fails."""
        for index, step in enumerate(steps):
            if self.cancel.is_set():
                raise KeyboardInterrupt
            why = self.blocked(step)
            if why:
                self.skip(step, why)
                continue
            if not self.run_step(step):
                if step.group:
                    self.restore(step.group)
                if stop_on_failure:
                    for rest in steps[index + 1:]:
                        self.skip(rest, f"{step.address} failed")
                    return False
        return True


def apply_plan(plan: Plan, clients: WriteClients, account: str, hooks: Hooks | None = None,
               wait_policy: WaitPolicy | None = None, max_parallel: int = MAX_PARALLEL) -> ApplyResult:
    """Run every step of `plan` through writable `clients`; raises ApplyError when a step failed
    (after every independent group has finished), StalePlanError when live changed. Live tags are
    read as the plan read them (the Stack's ignoreTags left out)."""
    from reconciler import tags as tagmod

    with tagmod.ignoring(plan.ignore_tags):
        return _apply_plan(plan, clients, account, hooks, wait_policy, max_parallel)


def _apply_plan(plan: Plan, clients: WriteClients, account: str, hooks: Hooks | None,
                wait_policy: WaitPolicy | None, max_parallel: int) -> ApplyResult:
    if clients.read_only:
        raise ValueError("apply needs writable clients")
    check_target(plan, clients.region, account)
    for step in plan.steps:
        handler_for(Address.parse(step.address).type).check_operation(step)
    # Every resource the plan read is re-read before the first change: a stale plan changes nothing.
    for address in sorted(plan.fingerprints):
        verify_fresh(plan, clients, address)
    cancel = threading.Event()
    run = _Run(plan, clients, _Locked(hooks or NullHooks(), plan.steps), wait_policy or WaitPolicy.from_env(),
               cancel)
    start = time.monotonic()
    try:
        _run_phases(run, max_parallel)
    except BaseException:
        cancel.set()
        raise
    run.result.seconds = time.monotonic() - start
    if run.result.failed:
        raise ApplyError(_failure_report(run.result))
    return run.result


def _run_phases(run: _Run, max_parallel: int) -> None:
    steps = list(run.plan.steps)
    if any(s.phase is None for s in steps):  # a plan of an older version: one step after the other
        run.run_sequence(steps, stop_on_failure=True)
        return
    by_phase: dict[str, list[Step]] = {}
    for step in steps:
        by_phase.setdefault(step.phase or "", []).append(step)
    run.run_sequence(by_phase.get("pre", []))
    if not run.run_sequence(by_phase.get("shared", []), stop_on_failure=True):
        for step in [s for p in ("group", "post", "delete") for s in by_phase.get(p, [])]:
            run.skip(step, "a shared resource failed")
        return
    _run_groups(run, by_phase.get("group", []), max_parallel)
    run.run_sequence(by_phase.get("post", []))
    run.run_sequence(by_phase.get("delete", []))


def _run_groups(run: _Run, steps: list[Step], max_parallel: int) -> None:
    """Each group's steps in order; groups concurrently, a group after the groups it needs."""
    groups: dict[str, list[Step]] = {}
    for step in steps:
        groups.setdefault(step.group or step.address, []).append(step)
    needs = {g: {n for s in group for n in s.needs if n in groups and n != g} for g, group in groups.items()}
    done: set[str] = set()
    waiting = list(groups)

    def run_group(name: str) -> None:
        for step in groups[name]:
            if run.cancel.is_set():
                return
            why = run.blocked(step)
            if why:
                run.skip(step, why)
                continue
            if not run.run_step(step):
                run.restore(name)
                for rest in groups[name][groups[name].index(step) + 1:]:
                    run.skip(rest, f"{step.address} failed")
                return
        with run.lock:
            run.result.groups_done.append(name)

    with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(groups) or 1))) as pool:
        running: dict[Future[None], str] = {}
        while waiting or running:
            for name in list(waiting):
                blockers = needs[name] - done
                if any(b in run.result.failed for b in blockers):
                    for step in groups[name]:
                        run.skip(step, f"{', '.join(sorted(blockers))} failed")
                    waiting.remove(name)
                    done.add(name)
                elif not blockers:
                    waiting.remove(name)
                    running[pool.submit(run_group, name)] = name
            if not running:
                if waiting:  # needs that can never be met (a cycle): run what is left in order
                    name = waiting.pop(0)
                    running[pool.submit(run_group, name)] = name
                continue
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                future.result()
                done.add(name)


def _failure_report(result: ApplyResult) -> str:
    """One message: each failure, what was put back, what finished, what was skipped."""
    parts = list(result.failed.values())
    text = parts[0] if len(parts) == 1 else " ".join(f"[{i}] {m.rstrip('.')}." for i, m in enumerate(parts, 1))
    if result.restored:
        text += (f" Restored what the failed change had removed (it fits what still serves): "
                 f"{', '.join(result.restored)}.")
    if result.groups_done:
        text += f" Finished meanwhile: {', '.join(sorted(result.groups_done))}."
    if result.skipped:
        text += f" Not run: {', '.join(result.skipped)}."
    return text

