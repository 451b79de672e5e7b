"""Drift: the plan pipeline stopped at the Plan, with each difference labelled.

`drift` when live no longer matches the `reconciler:hash` tag it was applied from
(someone changed it outside git); `pending` when the spec changed since the last apply
(or the resource is still to be created or deleted). Built on the read-only planner.
"""

from __future__ import annotations

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.frozen import thaw
from reconciler.handlers.registry import handler_for
from reconciler.plan.model import Action, Change, Plan
from reconciler.plan.planner import Snapshot


def _labels(change: Change, snap: Snapshot) -> tuple[list[str], str]:
    address = Address.parse(change.address)
    live = snap.live.get(address)
    desired = snap.desired.get(address)
    handler = handler_for(address.type)
    if change.action is Action.delete:
        return ["pending"], change.reason or "to be deleted"
    hook = getattr(handler, "drift_labels", None)
    if hook is not None:
        labels, note = hook(snap, address)
        return labels, note + (f" ({change.reason})" if change.reason else "")
    if live is None or (change.action is Action.replace and change.replaces):
        # Missing: deleted out of band if something else of the same spec still points at it.
        if live is None and desired is not None and _referenced_by_live(snap, address):
            return ["drift"], f"{address} was deleted outside git; apply recreates it"
        return ["pending"], change.reason or "to be created"
    applied = live.applied_hash
    labels: list[str] = []
    notes: list[str] = []
    if applied is None:
        labels.append("drift")
        notes.append(f"it has no {tagmod.HASH} tag (changed outside reconciler)")
    elif handler.live_hash(live) != applied:
        labels.append("drift")
        notes.append("live changed outside git since it was applied")
    if desired is not None and desired.state_hash != applied:
        labels.append("pending")
        notes.append("the spec changed since the last apply")
    if not labels:
        labels.append("pending")
    return labels, "; ".join(notes) + (f" ({change.reason})" if change.reason else "")


def _referenced_by_live(snap: Snapshot, address: Address) -> bool:
    for lv in snap.live.values():
        data = lv.data or {}
        if address.type == "endpoint-config" and data.get("EndpointConfigName") == address.name:
            return True
    if address.type == "endpoint":
        desired = snap.desired.get(address)
        if desired is not None:
            cfg = Address("endpoint-config", desired.request["EndpointConfigName"])
            return cfg in snap.live
    if address.type == "model":
        cfg_handler = handler_for("endpoint-config")
        for a, lv in snap.live.items():
            if a.type == "endpoint-config" and address.name in cfg_handler.models_used(snap.describe(lv)):  # type: ignore[attr-defined]
                return True
    return False


def drift_report(plan: Plan, snap: Snapshot) -> DriftReport:
    entries: list[DriftEntry] = []
    for change in plan.changes:
        labels, reason = _labels(change, snap)
        entries.append(DriftEntry(change.address, change.spec, tuple(labels), change.action.value, reason,
                                  thaw(change.before), thaw(change.after)))
    checked = len(set(snap.desired) | set(snap.live))
    return DriftReport(plan.stack, plan.region, plan.account, tuple(entries), checked, plan.notes)
