"""`reconciler output`: what each document of a stack created (its AWS name, ARN and the kind's own outputs,
such as an endpoint's invocation URL) and whether it exists, read through read-only clients.

Names and ARNs come from expanding the documents against the account (exactly what references
resolve to); existence from each document's resource of that name (`Handler.find`), owned by
the stack. Nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reconciler import tags as tagmod
from reconciler.spec.documents import StackSpec


@dataclass(frozen=True)
class Output:
    spec: str  # Kind/name
    name: str
    arn: str
    status: str  # "applied", "not applied", "not the stack's"
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "name": self.name, "arn": self.arn, "status": self.status, **self.extra}


def stack_outputs(stack: StackSpec, clients: Any) -> list[Output]:
    """Every document's outputs, in the stack's order."""
    from reconciler.handlers.registry import handler_for
    from reconciler.kinds import expand, registry
    from reconciler.plan.planner import caller_account

    account = caller_account(clients)
    refs: dict[str, tuple[str, str]] = {}
    desired = expand(stack, clients.region, account, clients=clients, refs=refs)
    found: list[Output] = []
    for address in stack.order:
        if address not in refs:
            continue
        name, arn = refs[address]
        own = [d for d in desired if d.spec == address and d.address.name.rpartition("/")[2] == name.rpartition("/")[2]]
        status = "not applied"
        if own:
            live = handler_for(own[0].address.type).find(clients, own[0].address.name)
            if live is not None:
                status = "applied" if tagmod.owned_by(live.tags, stack.stack.name) or own[0].address.name in \
                    handler_for(own[0].address.type).provided_names else "not the stack's"
        kind = registry()[address.split("/", 1)[0]]
        extra = dict(kind.outputs(name, arn, clients.region)) if kind.outputs is not None else {}
        found.append(Output(address, name, arn, status, extra))
    return found


def render_outputs(outputs: list[Output], fmt: str) -> str:
    """Text (one block per document) or JSON (a list)."""
    if fmt == "json":
        return json.dumps([o.to_json() for o in outputs], indent=2)
    lines: list[str] = []
    for o in outputs:
        lines.append(f"{o.spec}  ({o.status})")
        lines.append(f"    name: {o.name}")
        lines.append(f"    arn:  {o.arn}")
        lines.extend(f"    {key}: {value}" for key, value in o.extra.items())
    return "\n".join(lines) + "\n"
