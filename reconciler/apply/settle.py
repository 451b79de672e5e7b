"""Waiting for resources in transition before planning an apply.

A fresh `apply DIR` plans and then applies at once; a resource that is still changing when it is
planned (an endpoint Updating from an earlier, interrupted apply) would make that plan stale a
moment later. So the apply waits for such resources to settle first (with progress), then plans.
A saved plan is not re-planned: its resources are checked for staleness instead.
"""

from __future__ import annotations

from reconciler.addressing import Address
from reconciler.aws.clients import WriteClients
from reconciler.aws.waits import WaitPolicy, WaitTimeout, wait_with_progress
from reconciler.changes import Step
from reconciler.errors import ApplyError
from reconciler.handlers.registry import handler_for, handlers
from reconciler.hooks import Hooks
from reconciler.plan.planner import Snapshot
from reconciler.plan.relations import read_one

SETTLE_TIMEOUT = 3600.0


def in_transition(snapshot: Snapshot) -> dict[Address, str]:
    """Live resources of the snapshot that are changing now, with their status."""
    found: dict[Address, str] = {}
    for address, live in snapshot.live.items():
        status = handler_for(address.type).transition(live)
        if status:
            found[address] = status
    return found


def wait_until_settled(snapshot: Snapshot, clients: WriteClients, hooks: Hooks, policy: WaitPolicy) -> bool:
    """Wait for every resource in transition to settle; True when there was anything to wait for."""
    pending = in_transition(snapshot)
    reader = clients.reader()
    for address, status in pending.items():
        step = Step("Describe", str(address), {}, f"wait for it to settle ({status}) before planning")
        hooks.step_progress(step, f"{status}: waiting for it to settle before planning")
        handler = handler_for(address.type)
        try:
            wait_with_progress(policy, hooks, step, lambda a=address: read_one(reader, a, handlers()),
                               lambda live, h=handler: live is None or not h.transition(live), SETTLE_TIMEOUT,
                               lambda live, h=handler: (h.transition(live) or "settled") if live else "gone",
                               quiet_when_done=True)
        except WaitTimeout as exc:
            raise ApplyError(f"{address} is still {status}: {exc}; nothing was changed") from None
    return bool(pending)
