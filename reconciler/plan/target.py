"""`--target`: a plan narrowed to some documents (or AWS resources) and what they depend on, as Terraform's.

A target is a spec address (`Endpoint/churn`) or an AWS address (`endpoint/churn`, standing for the
document that owns it). The plan keeps the changes and steps of the targeted documents and of every
document they reference, transitively (an endpoint's models come with it); everything else, the
deletion of documents removed from the specs included, is left for a full plan, and a warning says
the plan is partial. The result is a plan like any other: frozen, saved and applied the same way.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable

from reconciler.plan.model import Plan
from reconciler.spec.documents import StackSpec
from reconciler.spec.references import find_references


class TargetError(ValueError):
    """A target that names nothing in the stack or the plan (the message is one line)."""


def _documents(plan: Plan, stack: StackSpec, targets: Iterable[str]) -> set[str]:
    specs = {d.address for d in stack.docs}
    owners = {c.address: c.spec for c in plan.changes if c.spec}
    owners.update({o.address: o.spec for o in plan.orphans if o.spec})
    chosen: set[str] = set()
    for target in targets:
        if target in specs:
            chosen.add(target)
        elif owners.get(target):
            chosen.add(str(owners[target]))
        else:
            known = sorted(specs | set(owners))
            close = difflib.get_close_matches(target, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TargetError(f"--target {target}: no document or planned resource of that address{hint}")
    return chosen


def _with_dependencies(stack: StackSpec, documents: set[str]) -> set[str]:
    found, pending = set(documents), list(documents)
    while pending:
        doc = stack.get(pending.pop())
        if doc is None:
            continue
        for reference in find_references(doc.spec):
            address = f"{reference.kind}/{reference.name}"
            if address not in found:
                found.add(address)
                pending.append(address)
    return found


def restrict(plan: Plan, stack: StackSpec, targets: Iterable[str]) -> Plan:
    """`plan` narrowed to the targets' documents and their dependencies, with a warning saying so."""
    targets = list(targets)
    keep = _with_dependencies(stack, _documents(plan, stack, targets))
    changes = tuple(c for c in plan.changes if c.spec in keep)
    addresses = {c.address for c in changes}
    steps = tuple(s for s in plan.steps if s.address in addresses)
    left = len(plan.changes) - len(changes)
    warning = (f"partial plan (--target {', '.join(targets)}): only {', '.join(sorted(keep))}; "
               f"{left} other change(s) and the removal of documents are left for a full plan")
    return dataclasses.replace(
        plan, changes=changes, steps=steps, orphans=(), warnings=(*plan.warnings, warning))
