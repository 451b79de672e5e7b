"""Relations between resources, as the handlers declare them: who holds whom, parents and
children, and what uses what (the one reachability pass of garbage collection).

None of this names an AWS type: every relation comes from a handler hook (`holds`,
`parent_of`, `discover`, `uses`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping

from reconciler.addressing import Address
from reconciler.aws.clients import ReadClients
from reconciler.handlers.base import Handler, View
from reconciler.resources import Live

Lookup = Callable[[str], Handler]


def holders(live: Mapping[Address, Live], handler_for: Lookup) -> dict[Address, str]:
    """Resource -> the address of the live resource that holds it (the first one found)."""
    out: dict[Address, str] = {}
    for address, lv in live.items():
        for held in handler_for(address.type).holds(lv):
            out.setdefault(held, str(address))
    return out


def link_related(live: Mapping[Address, Live], handler_for: Lookup) -> None:
    """Attach each live child resource to its live parent (`Live.related`, keyed by the child's type)."""
    for lv in live.values():
        lv.related.clear()
    for address, lv in live.items():
        parent_address = handler_for(address.type).parent_of(address)
        parent = live.get(parent_address) if parent_address is not None else None
        if parent is not None:
            parent.related.setdefault(address.type, []).append(lv)


def child_handlers(handlers: Mapping[str, Handler]) -> list[Handler]:
    """Child types, each after the types its parent is a child of (discovery order)."""
    pending = [h for h in handlers.values() if h.parent_type]
    ordered: list[Handler] = []
    while pending:
        ready = [h for h in pending if h.parent_type not in {p.type for p in pending}]
        if not ready:
            raise ValueError("parent types form a cycle: " + ", ".join(h.type for h in pending))
        ordered.extend(ready)
        pending = [h for h in pending if h not in ready]
    return ordered


def discover_children(clients: ReadClients, live: MutableMapping[Address, Live],
                      handlers: Mapping[str, Handler]) -> None:
    """Find child resources (an endpoint's autoscaling) from their live parents, then link them."""
    for handler in child_handlers(handlers):
        parents = [lv for a, lv in live.items() if a.type == handler.parent_type]
        for child in handler.discover(clients, parents, live):
            live[child.address] = child
    link_related(live, handlers.__getitem__)


def read_one(clients: ReadClients, address: Address, handlers: Mapping[str, Handler]) -> Live | None:
    """One resource as the planner reads it: found by name, with the children its comparable
    state reads (`Handler.reads_children`) attached."""
    handler = handlers[address.type]
    live = handler.find(clients, address.name)
    if live is None:
        return None
    found: dict[Address, Live] = {address: live}
    for type_ in handler.reads_children:
        for item in handlers[type_].discover(clients, [live], found):
            found[item.address] = item
    link_related(found, handlers.__getitem__)
    return live


def keep_used(view: View, candidates: MutableMapping[Address, str]) -> None:
    """Drop from `candidates` (deletions) everything a kept resource uses, transitively.

    Kept are the desired resources and the live ones that are not candidates; a candidate a
    kept resource uses is kept too, and what it uses in turn.
    """
    kept = [a for a in view.desired] + [a for a in view.live if a not in candidates and a not in view.desired]
    queue = list(kept)
    while queue:
        address = queue.pop(0)
        used = view.handler(address.type).uses(view, view.desired.get(address), view.live.get(address))
        for target in sorted(used):
            if target in candidates:
                del candidates[target]
                queue.append(target)
