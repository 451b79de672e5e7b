"""Drift: the plan pipeline stopped at the Plan, with each difference labelled by its handler.

`drift` when live no longer matches the `reconciler:hash` tag it was applied from
(someone changed it outside git); `pending` when the spec changed since the last apply
(or the resource is still to be created or deleted). Built on the read-only planner; the
labels come from each type's handler (`Handler.drift_labels`).
"""

from __future__ import annotations

from reconciler.addressing import Address
from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.frozen import thaw
from reconciler.handlers.registry import handler_for
from reconciler.plan.model import Plan
from reconciler.plan.planner import Snapshot


def drift_report(plan: Plan, snap: Snapshot) -> DriftReport:
    from reconciler import tags as tagmod

    with tagmod.ignoring(plan.ignore_tags):
        return _drift_report(plan, snap)


def _drift_report(plan: Plan, snap: Snapshot) -> DriftReport:
    view = snap.context()
    entries: list[DriftEntry] = []
    for change in plan.changes:
        labels, reason = handler_for(Address.parse(change.address).type).drift_labels(view, change)
        entries.append(DriftEntry(change.address, change.spec, tuple(labels), change.action.value, reason,
                                  thaw(change.before), thaw(change.after), change.details))
    for orphan in plan.orphans:
        entries.append(DriftEntry(orphan.address, orphan.spec, ("pending",), None,
                                  f"{orphan.spec} was removed from the specs; kept because the Stack has prune: false "
                                  "(set prune: true to delete it, or delete it by hand)"))
    checked = len(set(snap.desired) | set(snap.live))
    # The plan's warnings (a resource changing right now, an apply in flight) qualify what drift shows.
    notes = tuple(dict.fromkeys((*plan.notes, *plan.warnings)))
    return DriftReport(plan.stack, plan.region, plan.account, tuple(entries), checked, notes)
