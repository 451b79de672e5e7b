"""The planner: read live state (read-only), pair it with desired state, decide, order.

`read_snapshot` expands the specs and reads what exists: owned resources discovered in
one tag query, desired names probed when not discovered (to catch unowned collisions),
and describes where a handler needs them, concurrently with a bound. `plan_from_snapshot`
is pure over the snapshot (plus lazy describes through the read-only clients): each
handler decides its resource's change and steps; superseded and pruned resources are
deleted once nothing kept references them; steps are ordered creates/updates first (by
handler order, then dependency order), deletes after (reverse order).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.clients import Clients
from reconciler.errors import PlanError
from reconciler.handlers.base import Desired, Live, PlanContext
from reconciler.handlers.registry import handler_for, handler_for_arn, handlers
from reconciler.plan.model import Action, Change, Orphan, Plan, Step
from reconciler.spec.validate import StackSpec

MAX_READ_CONCURRENCY = 8


@dataclass
class Snapshot:
    """Desired and live state of one stack, as read for one plan."""

    stack: StackSpec
    region: str
    account: str
    clients: Clients
    desired: dict[Address, Desired]
    live: dict[Address, Live]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def stack_name(self) -> str:
        return self.stack.stack.name

    def describe(self, live: Live) -> Live:
        """Fill `live.data` once (through the read-only clients)."""
        if live.data is None:
            handler_for(live.address.type).describe(self.clients, live)
        return live


def caller_account(clients: Clients) -> str:
    return str(clients.sts.get_caller_identity()["Account"])


def _parallel(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    if not items:
        return []
    if len(items) == 1:
        return [fn(items[0])]
    with ThreadPoolExecutor(max_workers=min(MAX_READ_CONCURRENCY, len(items))) as pool:
        return list(pool.map(fn, items))


def discover_owned(clients: Clients, stack: str) -> dict[Address, Live]:
    """Every resource tagged with this stack, with its tags, in one paginated tag query."""
    paginator = clients.tagging.get_paginator("get_resources")
    types = sorted({h.tagging_type for h in handlers().values() if h.tagging_type})
    found: dict[Address, Live] = {}
    for page in paginator.paginate(TagFilters=[{"Key": tagmod.STACK, "Values": [stack]}],
                                   ResourceTypeFilters=types, ResourcesPerPage=100):
        for item in page.get("ResourceTagMappingList", []):
            arn = item["ResourceARN"]
            match = handler_for_arn(arn)
            if match is None:
                continue
            handler, name = match
            tags = tagmod.from_tag_list(item.get("Tags"))
            if not tagmod.owned_by(tags, stack):
                continue
            found[Address(handler.type, name)] = Live(Address(handler.type, name), arn, tags)
    return found


def read_snapshot(stack: StackSpec, clients: Clients) -> Snapshot:
    """Expand the specs and read live state; raises PlanError on ownership conflicts."""
    from reconciler.spec.expand import expand

    account = caller_account(clients)
    guard = stack.stack.account_id
    if guard and guard != account:
        raise PlanError([f"the Stack is pinned to account {guard} (accountId) but the credentials are for "
                         f"account {account}; nothing was read or changed"])
    desired_list = expand(stack, clients.region, account)
    desired = {d.address: d for d in desired_list}
    live = discover_owned(clients, stack.stack.name)

    missing = [a for a in desired if a not in live and not handler_for(a.type).parent_type]
    probed = _parallel(lambda a: handler_for(a.type).find(clients, a.name), missing)
    problems: list[str] = []
    for address, found in zip(missing, probed, strict=True):
        if found is None:
            continue
        if tagmod.owned_by(found.tags, stack.stack.name):
            live[address] = found
            continue
        owner = found.tags.get(tagmod.STACK)
        whose = f"owned by stack '{owner}'" if owner else "not managed by reconciler"
        d = desired[address]
        where = f"{d.position}: " if d.position else ""
        problems.append(
            f"{where}{address} already exists and is {whose}; it is never modified or deleted. Rename "
            f"{d.spec}, delete the existing resource, or adopt it by tagging it "
            f"{tagmod.STACK}={stack.stack.name} and {tagmod.ADDRESS}={d.spec}"
        )
    if problems:
        raise PlanError(problems)

    snapshot = Snapshot(stack, clients.region, account, clients, desired, live)
    to_describe = [lv for lv in live.values() if lv.data is None and handler_for(lv.address.type).describe_on_plan]
    _parallel(snapshot.describe, to_describe)
    for address in [a for a, lv in live.items() if handler_for(a.type).describe_on_plan and lv.data is None]:
        del live[address]  # vanished between discovery and describe
    discover_children(snapshot)
    return snapshot


def discover_children(snap: Snapshot) -> None:
    """Find child resources (an endpoint's autoscaling) from their owned parents, in dependency order."""
    pending = [h for h in handlers().values() if h.parent_type]
    done: set[str] = set()
    while pending:
        ready = [h for h in pending if h.parent_type not in {p.type for p in pending}]
        for handler in ready:
            parents = [lv for a, lv in snap.live.items() if a.type == handler.parent_type]
            for child in handler.discover(snap.clients, parents, snap.live):
                snap.live[child.address] = child
            done.add(handler.type)
        pending = [h for h in pending if h.type not in done]
    link_related(snap.live)


def link_related(live: dict[Address, Live]) -> None:
    """Attach each endpoint's scalable targets to it (`Live.related`)."""
    for lv in live.values():
        lv.related.clear()
    for address, lv in live.items():
        handler = handler_for(address.type)
        if handler.parent_type != "endpoint":
            continue
        owner = address.name.split("/")[1] if address.name.startswith("endpoint/") else None
        parent = live.get(Address("endpoint", owner)) if owner else None
        if parent is not None:
            parent.related.setdefault(address.type, []).append(lv)


STAGE_PRE, STAGE_MAIN, STAGE_POST, STAGE_DELETE = range(4)


@dataclass
class _Planned:
    change: Change | None
    steps: list[Step]
    order: tuple[int, ...]


NO_GROUP = 10**6


def _sort_key(stage: int, order: int, position: int, group: int | None) -> tuple[int, ...]:
    """Pre-steps first; then shared resources (models, configs, alarms); then each endpoint with its
    autoscaling and shadow test, one endpoint after the other; deletes last."""
    if stage == STAGE_PRE:
        return (0, 0, 0, order, position)
    if stage == STAGE_DELETE:
        return (3, 0, 0, order, position)
    if group is None:
        return (1, 0, 0, order, position) if stage == STAGE_MAIN else (2, NO_GROUP, 1, order, position)
    return (2, group, 0 if stage == STAGE_MAIN else 1, order, position)


def _planned(rp: Any, stage: int, handler: Any, position: int, group: int | None = None) -> list[_Planned]:
    """Split a ResourcePlan into its staged parts; the change rides with the first part that has steps."""
    main_order = handler.create_order if stage != STAGE_DELETE else handler.delete_order
    parts = [(STAGE_PRE, rp.pre, handler.delete_order), (stage, rp.steps, main_order),
             (STAGE_POST, rp.post, handler.create_order)]
    out: list[_Planned] = []
    change = rp.change
    for st, steps, order in parts:
        if steps:
            out.append(_Planned(change, list(steps), _sort_key(st, order, position, group)))
            change = None
    if change is not None:
        out.append(_Planned(change, [], _sort_key(stage, main_order, position, group)))
    return out


def _configs_in_use(snap: Snapshot, deleting: set[Address]) -> set[str]:
    """Endpoint configs that endpoints kept after this plan still serve or are deploying."""
    used: set[str] = set()
    for address, lv in snap.live.items():
        if address.type != "endpoint" or address in deleting:
            continue
        data = lv.data or {}
        pending = (data.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
        if pending:
            used.add(pending)
        desired = snap.desired.get(address)
        if desired is not None:
            used.add(desired.request["EndpointConfigName"])
        elif data.get("EndpointConfigName"):
            used.add(data["EndpointConfigName"])
    return used


def plan_from_snapshot(snap: Snapshot) -> Plan:
    stack_name = snap.stack_name
    spec_addresses = {d.address for d in snap.stack.docs}
    ctx = PlanContext(stack_name, snap.region, snap.account, snap.clients, snap.desired, snap.live, snap.describe)
    planned: list[_Planned] = []
    index = {a: i for i, a in enumerate(snap.desired)}
    endpoints = [a.name for a in snap.desired if a.type == "endpoint"]

    def group_of(address: Address) -> int | None:
        handler = handler_for(address.type)
        name = handler.group(address, snap.desired.get(address), snap.live.get(address))
        return endpoints.index(name) if name in endpoints else None

    for address, desired in snap.desired.items():
        handler = handler_for(address.type)
        rp = handler.plan(ctx, desired, snap.live.get(address))
        if rp.change is not None and rp.change.action is Action.replace and not rp.change.replaces:
            live = snap.live.get(address)
            if desired.protect or (live is not None and tagmod.PROTECT in live.tags):
                ctx.errors.append(_protected(desired.position, address, desired.spec, "replace"))
        planned.extend(_planned(rp, STAGE_MAIN, handler, index[address], group_of(address)))

    # Owned resources that are not desired: superseded (spec still here) or orphaned (spec gone).
    orphans: list[Orphan] = []
    candidates: dict[Address, str] = {}  # address -> reason
    for address, lv in sorted(snap.live.items()):
        if address in snap.desired:
            continue
        spec = lv.spec
        handler = handler_for(address.type)
        if not handler.is_managed(lv, snap) and (address not in snap.desired) and spec in spec_addresses:
            ctx.warnings.append(f"{address} is not in {spec}'s spec and was not set up by reconciler; it is "
                                "left alone (and the capacity it manages is never reset)")
            continue
        if spec in spec_addresses:
            candidates[address] = "superseded"
        elif snap.stack.stack.prune:
            candidates[address] = f"{spec} is no longer in the specs (prune: true)"
        else:
            orphans.append(Orphan(str(address), spec))

    deleting = {a for a in candidates if a.type == "endpoint"}
    configs_used = _configs_in_use(snap, deleting)
    for address in list(candidates):
        if address.type == "endpoint-config" and address.name in configs_used:
            del candidates[address]
    kept_configs = [lv for a, lv in snap.live.items() if a.type == "endpoint-config" and a not in candidates]
    models_used: set[str] = set()
    cfg_handler: Any = handler_for("endpoint-config")
    for d in snap.desired.values():
        if d.address.type == "endpoint-config":
            models_used |= {v.get("ModelName") for lst in ("ProductionVariants", "ShadowProductionVariants")
                            for v in d.request.get(lst, ())}
    for lv in kept_configs:
        if lv.address not in snap.desired:
            models_used |= cfg_handler.models_used(snap.describe(lv))
    for address in list(candidates):
        if address.type == "model" and address.name in models_used:
            del candidates[address]

    replaced: dict[str, Address] = {}  # new address -> superseded address it replaces
    for p in planned:
        c = p.change
        if c is None or c.action is not Action.create or not handler_for(Address.parse(c.address).type).immutable:
            continue
        new = Address.parse(c.address)
        old = next((a for a, why in sorted(candidates.items())
                    if why == "superseded" and a.type == new.type and snap.live[a].spec == c.spec
                    and a not in replaced.values()), None)
        if old is not None:
            replaced[c.address] = old

    for address, why in sorted(candidates.items()):
        handler = handler_for(address.type)
        lv = snap.live[address]
        gc = handler.immutable and why == "superseded"  # an older version, not the document's resource
        if tagmod.PROTECT in lv.tags and not gc:
            desired_doc = snap.stack.get(lv.spec or "")
            ctx.errors.append(_protected(desired_doc.doc.pos(("name",)) if desired_doc else None, address, lv.spec,
                                         "delete", gone=desired_doc is None))
        if gc:
            snap.describe(lv)
        rp = handler.plan(ctx, None, lv)
        change = rp.change
        if address in replaced.values():
            change = None  # folded into the replace change of its successor
        elif change is not None:
            if handler.parent_type and why == "superseded":
                reason = "no longer in its Endpoint's autoscaling spec"
            else:
                reason = "superseded; nothing kept by this plan uses it" if why == "superseded" else why
            change = Change(change.address, change.spec, change.action, reason, change.before, change.after)
        rp.change = change
        planned.extend(_planned(rp, STAGE_DELETE, handler, 0))

    for p in planned:
        c = p.change
        if c is not None and c.address in replaced:
            old = replaced[c.address]
            before = handler_for(old.type).comparable(snap.live[old])
            p.change = Change(c.address, c.spec, Action.replace, _what_changed(before, c.after), before, c.after,
                              replaces=str(old))

    if ctx.errors:
        raise PlanError(ctx.errors)
    planned.sort(key=lambda p: p.order)
    changes = [p.change for p in planned if p.change is not None]
    steps = _record_once([s for p in planned for s in p.steps])
    touched = {Address.parse(s.address) for s in steps}
    fingerprints = {str(a): handler_for(a.type).fingerprint(snap.live.get(a)) for a in sorted(touched)}
    warnings = list(ctx.warnings) + [str(w) for w in snap.stack.warnings.items]
    return Plan(stack=stack_name, region=snap.region, account=snap.account, changes=tuple(changes),
                steps=tuple(steps), fingerprints=fingerprints, orphans=tuple(orphans), warnings=tuple(warnings),
                notes=tuple(dict.fromkeys(ctx.notes)))


def _protected(position: Any, address: Address, spec: str | None, verb: str, gone: bool = False) -> str:
    where = f"{position}: " if position else ""
    if gone:
        how = (f"it was applied with protect: true. To delete it, restore the {spec} document with protect: false, "
               "apply, then remove the document")
    else:
        how = f"to allow it, set protect: false in {spec} and apply first"
    return f"{where}{address} is protected: plan refuses to {verb} it; {how}"


def _record_once(steps: list[Step]) -> list[Step]:
    """Keep a bookkeeping tag only on the last step that records the same tags on the same ARN."""
    seen: set[tuple[str, str]] = set()
    out: list[Step] = []
    for step in reversed(steps):
        if step.tags and step.tag_arn:
            key = (step.tag_arn, repr(sorted(step.tags.items())))
            if key in seen:
                step = Step(step.operation, step.address, step.params, step.description)
            seen.add(key)
        out.append(step)
    return list(reversed(out))


def _what_changed(before: Any, after: Any) -> str:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return "content changed"
    keys = sorted(k for k in set(before) | set(after) if k != "tags" and before.get(k) != after.get(k))
    if not keys:
        return "content changed"
    return ", ".join(keys[:4]) + (" changed" if len(keys) <= 4 else f" and {len(keys) - 4} more changed")


def make_plan(stack: StackSpec, clients: Clients) -> tuple[Plan, Snapshot]:
    """Read live state through read-only clients and plan; never mutates AWS."""
    reader = clients.reader()
    snapshot = read_snapshot(stack, reader)
    return plan_from_snapshot(snapshot), snapshot
