"""A plan narrowed to some of its changes, by change address (what `watch --self-heal` applies).

Unlike `--target` (`plan/target.py`), which keeps whole documents and everything they reference,
this keeps exactly the changes named: their steps (a step belongs to the change at its address, or
to the replace that supersedes the resource at its address) and nothing else. A kept step that
needs a step left out (`Step.needs`: an address or a rollout group) cannot run alone, so its change
is held back too, with the reason. Fingerprints are kept whole, so the applier's stale-plan check
is the one a full plan gets. The result is a plan like any other, with a warning that it is partial.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from reconciler.plan.model import Plan


def narrow_to_changes(plan: Plan, addresses: Iterable[str], why: str) -> tuple[Plan, dict[str, str]]:
    """`plan` with only the changes at `addresses` and their steps, and {address: why held back} for the
    named changes that need something left out; `why` words the partial plan's warning."""
    wanted = {c.address for c in plan.changes} & set(addresses)
    owner: dict[str, str] = {}
    for change in plan.changes:
        owner[change.address] = change.address
        if change.replaces:
            owner.setdefault(change.replaces, change.address)
    held: dict[str, str] = {}
    while True:
        kept = [s for s in plan.steps if owner.get(s.address) in wanted]
        left_out = [s for s in plan.steps if owner.get(s.address) not in wanted]
        missing = {s.address for s in left_out} | {s.group for s in left_out if s.group}
        blocked: dict[str, str] = {}
        for step in kept:
            needed = sorted(n for n in step.needs if n in missing)
            if needed:
                blocked.setdefault(owner[step.address], f"needs {', '.join(needed)}, which is not applied with it")
        if not blocked:
            break
        held.update(blocked)
        wanted -= set(blocked)
    changes = tuple(c for c in plan.changes if c.address in wanted)
    warning = (f"partial plan ({why}): only {', '.join(sorted(wanted)) or 'nothing'}; "
               f"{len(plan.changes) - len(changes)} other change(s) are left for a full plan")
    narrowed = dataclasses.replace(plan, changes=changes, steps=tuple(kept), orphans=(),
                                   warnings=(*plan.warnings, warning))
    return narrowed, held
