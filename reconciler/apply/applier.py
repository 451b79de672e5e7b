"""The applier: execute a plan's steps in order, refusing a stale plan, stopping at the first failure.

Before the first step runs, the applier re-reads every resource the plan touches and
compares its fingerprint with the one recorded at plan time: any difference means live
AWS changed since the plan was made, and the plan is refused as stale with nothing changed. Each step is executed by its
resource's handler, which waits until the resource settles. The first failure stops the
apply; what ran stays applied, and a re-plan shows exactly what is left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from reconciler.addressing import Address
from reconciler.aws.clients import WriteClients
from reconciler.aws.errors import describe_error, is_client_error
from reconciler.aws.waits import WaitPolicy
from reconciler.errors import ApplyError, ReconcilerError, StalePlanError
from reconciler.handlers.base import ExecContext
from reconciler.handlers.registry import handler_for, handlers
from reconciler.hooks import Hooks, NullHooks
from reconciler.plan.model import Plan
from reconciler.plan.relations import read_one


@dataclass
class ApplyResult:
    steps_done: int = 0
    seconds: float = 0.0
    completed: list[str] = field(default_factory=list)


def check_target(plan: Plan, region: str, account: str) -> None:
    if plan.region != region or plan.account != account:
        raise StalePlanError(
            f"the plan was made for account {plan.account} in {plan.region}, but these credentials reach account "
            f"{account} in {region}; refusing to apply it here"
        )


def verify_fresh(plan: Plan, clients: WriteClients, address: str) -> None:
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
            f"stale plan: {address} {state} since the plan was made; nothing more was changed. "
            "Run plan again and review the new plan."
        )


def apply_plan(plan: Plan, clients: WriteClients, account: str, hooks: Hooks | None = None,
               wait: WaitPolicy | None = None) -> ApplyResult:
    """Run every step of `plan` through writable `clients`; raises on the first failure."""
    if clients.read_only:
        raise ValueError("apply needs writable clients")
    hooks = hooks or NullHooks()
    check_target(plan, clients.region, account)
    ctx = ExecContext(plan.stack, plan.region, plan.account, clients, hooks, wait or WaitPolicy.from_env())
    result = ApplyResult()
    start = time.monotonic()
    total = len(plan.steps)
    for step in plan.steps:
        handler_for(Address.parse(step.address).type).check_operation(step)
    # Every resource the plan touches is re-read before the first change: a stale plan changes nothing.
    for address in dict.fromkeys(s.address for s in plan.steps):
        verify_fresh(plan, clients, address)
    for i, step in enumerate(plan.steps, start=1):
        hooks.step_started(i, total, step)
        began = time.monotonic()
        try:
            handler = handler_for(Address.parse(step.address).type)
            handler.execute(ctx, step)
            handler.record_tags(ctx, step)
        except ReconcilerError as exc:
            hooks.step_failed(step, str(exc))
            raise
        except Exception as exc:
            if not is_client_error(exc):
                raise
            message = f"{step.operation} {step.address} failed: {describe_error(exc)}"
            hooks.step_failed(step, message)
            raise ApplyError(message) from None
        hooks.step_finished(step, time.monotonic() - began)
        result.steps_done += 1
        result.completed.append(f"{step.operation} {step.address}")
    result.seconds = time.monotonic() - start
    return result
