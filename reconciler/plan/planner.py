"""The planner: read live state (read-only), pair it with desired state, decide, order.

`read_snapshot` expands the specs and reads what exists: owned resources discovered in
one tag query, desired names probed when not discovered (to catch unowned collisions),
describes where a handler needs them, and child resources from their parents, concurrently
with a bound. `plan_from_snapshot` is pure over the snapshot (plus lazy describes through
the read-only clients):

1. owned resources that are not desired become deletion candidates (superseded versions of
   a document, or orphans of a removed one, deleted with `prune: true`);
2. what kept resources use is kept (one reachability pass over the handlers' `uses`);
3. each desired resource is assessed by its handler and `decide` picks the action (a new
   version of a content-addressed resource replaces the candidate it supersedes), then the
   handler plans the steps for it;
4. steps are ordered from the handlers' declared edges (`plan.ordering`).

Nothing here names an AWS type: everything type-specific is a handler hook.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.clients import AnyClients, ReadClients
from reconciler.aws.tagging import tagged
from reconciler.changes import Action, Change, Step
from reconciler.errors import PlanError
from reconciler.frozen import thaw
from reconciler.handlers.base import Handler, PlanContext, Planned, ResourcePlan, delete_change
from reconciler.handlers.registry import handler_for, handler_for_arn, handlers
from reconciler.kinds import adoptions, expand
from reconciler.plan import ordering, relations
from reconciler.plan.decide import decide
from reconciler.plan.model import Orphan, Plan
from reconciler.resources import Desired, Live
from reconciler.spec.documents import StackSpec
from reconciler.spec.loader import display_path

MAX_READ_CONCURRENCY = 16  # reads in flight at once (botocore's connection pool is sized to match)
ADOPTION_ROUNDS = 4  # adoption renames what refers to the adopted (models -> config -> endpoint): a short chain


@dataclass
class Snapshot:
    """Desired and live state of one stack, as read for one plan."""

    stack: StackSpec
    region: str
    account: str
    clients: ReadClients
    desired: dict[Address, Desired]
    live: dict[Address, Live]
    adopted: tuple[Address, ...] = ()  # live resources used under their own names (see kinds.adoptions)
    notes: tuple[str, ...] = ()  # what expansion resolved from live facts (a model package version)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def stack_name(self) -> str:
        return self.stack.stack.name

    def describe(self, live: Live) -> Live:
        """Fill `live.data` once (through the read-only clients)."""
        if live.data is None:
            handler_for(live.address.type).describe(self.clients, live)
        return live

    def context(self) -> PlanContext:
        """The view handlers plan in: this snapshot, the registry, and who holds whom."""
        return PlanContext(self.stack_name, self.region, self.account, self.clients, self.desired, self.live,
                           self.describe, handler_for, relations.holders(self.live, handler_for))


def caller_account(clients: AnyClients) -> str:
    return str(clients.reader().sts.get_caller_identity()["Account"])


def _parallel(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    if not items:
        return []
    if len(items) == 1:
        return [fn(items[0])]
    with ThreadPoolExecutor(max_workers=min(MAX_READ_CONCURRENCY, len(items))) as pool:
        return list(pool.map(fn, items))


def discover_owned(clients: ReadClients, stack: str) -> dict[Address, Live]:
    """Every resource tagged with this stack, with its tags, in one paginated tag query."""
    types = {h.tagging_type for h in handlers().values() if h.tagging_type}
    found: dict[Address, Live] = {}
    for arn, tags in tagged(clients, tagmod.STACK, stack, types, concurrency=MAX_READ_CONCURRENCY):
        match = handler_for_arn(arn)
        if match is None or not tagmod.owned_by(tags, stack):
            continue
        handler, name = match
        found[Address(handler.type, name)] = Live(Address(handler.type, name), arn, tags)
    return found


def read_snapshot(stack: StackSpec, clients: ReadClients,
                  assume_owned: Mapping[Address, str] | None = None) -> Snapshot:
    """Expand the specs and read live state; raises PlanError on ownership conflicts. `assume_owned`
    ({address: spec address}) are live resources read as if they carried the stack's ownership tags
    (what `import --adopt` checks before it writes them)."""
    account = caller_account(clients)
    guard = stack.stack.account_id
    if guard and guard != account:
        raise PlanError([f"the Stack is pinned to account {guard} (accountId) but the credentials are for "
                         f"account {account}; nothing was read or changed"])
    lookups: dict[str, Any] = {}
    notes: list[str] = []
    desired_list = expand(stack, clients.region, account, clients=clients, lookups=lookups, notes=notes)
    desired = {d.address: d for d in desired_list}
    live = discover_owned(clients, stack.stack.name)
    for address, spec in (assume_owned or {}).items():
        found = live.get(address) or handler_for(address.type).find(clients, address.name)
        if found is not None:
            found.tags = {**found.tags, tagmod.STACK: stack.stack.name, tagmod.ADDRESS: spec}
            live[address] = found
    _probe(stack, clients, desired, live, set())

    snapshot = Snapshot(stack, clients.region, account, clients, desired, live)
    to_describe = [lv for lv in live.values() if lv.data is None and handler_for(lv.address.type).describe_on_plan]
    _parallel(snapshot.describe, to_describe)
    for address in [a for a, lv in live.items() if handler_for(a.type).describe_on_plan and lv.data is None]:
        del live[address]  # vanished between discovery and describe
    relations.discover_children(clients, live, handlers())

    # Live resources with the content the specs want are used as they are (no redeploy). Adopting one
    # renames what refers to it (a config names its models), so adoption runs again on the result.
    adopted: dict[str, Address] = {}
    for _ in range(ADOPTION_ROUNDS):
        found = adoptions(stack, desired_list, snapshot.context())
        if all(adopted.get(key) == address for key, address in found.items()):
            break
        adopted.update(found)
        desired_list = expand(stack, clients.region, account, {key: a.name for key, a in adopted.items()},
                              clients=clients, lookups=lookups)
        snapshot.desired = desired = {d.address: d for d in desired_list}
        _probe(stack, clients, desired, live, set(adopted.values()))
    snapshot.adopted = tuple(sorted(set(adopted.values())))
    snapshot.notes = tuple(dict.fromkeys(notes))
    return snapshot


def _probe(stack: StackSpec, clients: ReadClients, desired: dict[Address, Desired], live: dict[Address, Live],
           adopted: set[Address]) -> None:
    """Probe the desired names not found by tags: ours join `live`, and so do `adopted` ones; any other
    existing resource is a collision (PlanError): it is never modified or deleted."""
    missing = [a for a in desired if a not in live and not handler_for(a.type).parent_type]
    probed = _parallel(lambda a: handler_for(a.type).find(clients, a.name), missing)
    problems: list[str] = []
    for address, found in zip(missing, probed, strict=True):
        if found is None:
            continue
        owner = found.tags.get(tagmod.STACK)
        provided = address.name in handler_for(address.type).provided_names and not owner
        if tagmod.owned_by(found.tags, stack.stack.name) or address in adopted or provided:
            live[address] = found  # a provided one (the default event bus) is used as it is, then tagged ours
            continue
        whose = f"owned by stack '{owner}'" if owner else "not managed by reconciler"
        d = desired[address]
        problems.append(
            f"{d.where}{address} already exists and is {whose}; it is never modified or deleted. Rename "
            f"{d.spec}, delete the existing resource, or adopt it as the document says (tags only, refused "
            f"if anything else differs): reconciler import {_kind(d.spec)} {address.name} --into "
            f"{display_path(stack.root)}{_env(stack)} --adopt"
        )
    if problems:
        raise PlanError(problems)


def _env(stack: StackSpec) -> str:
    return f" --env {stack.environment.name}" if stack.environment is not None else ""


def _kind(spec: str | None) -> str:
    return (spec or "KIND/").split("/", 1)[0]


@dataclass
class _Planned:
    change: Change | None
    steps: list[Step]
    order: tuple[int, ...]


def _phase(stage: int, group: str | None) -> str:
    if stage == ordering.STAGE_PRE:
        return "pre"
    if stage == ordering.STAGE_DELETE:
        return "delete"
    if group is not None:
        return "group"
    return "shared" if stage == ordering.STAGE_MAIN else "post"


@functools.lru_cache(maxsize=1)
def _ranks() -> dict[str, tuple[ordering.Rank, ordering.Rank]]:
    return ordering.ranks(handlers())


def _staged(rp: ResourcePlan, stage: int, handler: Handler, position: int, group: int | None = None,
            group_address: str | None = None) -> list[_Planned]:
    """Split a ResourcePlan into its staged parts; the change rides with the first part that has steps.
    Each step learns its apply phase and the rollout group it belongs to."""
    create_rank, delete_rank = _ranks()[handler.type]
    main_rank = create_rank if stage != ordering.STAGE_DELETE else delete_rank
    parts = [(ordering.STAGE_PRE, rp.pre, delete_rank), (stage, rp.steps, main_rank),
             (ordering.STAGE_POST, rp.post, create_rank)]
    out: list[_Planned] = []
    change = rp.change
    for st, steps, rank in parts:
        if steps:
            phase = _phase(st, group_address if group is not None or st in (ordering.STAGE_PRE, ordering.STAGE_DELETE)
                           else None)
            placed = [dataclasses.replace(s, phase=phase, group=group_address) for s in steps]
            out.append(_Planned(change, placed, ordering.sort_key(st, rank, position, group)))
            change = None
    if change is not None:
        out.append(_Planned(change, [], ordering.sort_key(stage, main_rank, position, group)))
    return out


def _candidates(snap: Snapshot, ctx: PlanContext, orphans: list[Orphan]) -> dict[Address, str]:
    """Owned resources that are not desired: address -> why they go (superseded, or their spec is gone)."""
    spec_addresses = {d.address for d in snap.stack.docs}
    candidates: dict[Address, str] = {}
    for address, lv in sorted(snap.live.items()):
        if address in snap.desired:
            continue
        spec = lv.spec
        if not handler_for(address.type).is_managed(lv, ctx) and spec in spec_addresses:
            ctx.warnings.append(f"{address} is not in {spec}'s spec and was not set up by reconciler; it is "
                                "left alone (and the capacity it manages is never reset)")
            continue
        if spec in spec_addresses:
            candidates[address] = "superseded"
        elif snap.stack.stack.prune:
            candidates[address] = f"{spec} is no longer in the specs (prune: true)"
        else:
            orphans.append(Orphan(str(address), spec))
    return candidates


def _predecessors(snap: Snapshot, candidates: dict[Address, str]) -> dict[Address, Address]:
    """New versions of content-addressed resources -> the superseded version each replaces."""
    paired: dict[Address, Address] = {}
    for address, desired in snap.desired.items():
        if address in snap.live or not handler_for(address.type).immutable:
            continue
        old = next((a for a, why in sorted(candidates.items())
                    if why == "superseded" and a.type == address.type and snap.live[a].spec == desired.spec
                    and a not in paired.values()), None)
        if old is not None:
            paired[address] = old
    return paired


def _plan_desired(ctx: PlanContext, handler: Handler, desired: Desired, live: Live | None,
                  supersedes: Live | None) -> ResourcePlan:
    """Assess, decide and plan one desired resource."""
    assessment = handler.assess(ctx, desired, live)
    action = decide(assessment, exists=live is not None, supersedes=str(supersedes.address) if supersedes else None)
    if action is None:
        return ResourcePlan()
    planned: Planned = handler.plan_steps(ctx, action, desired, live, assessment)
    if action is Action.update and not (planned.steps or planned.pre or planned.post) and not assessment.held_by:
        return ResourcePlan()
    before, after = assessment.before, assessment.after
    reason, replaces = planned.reason, None
    if supersedes is not None:
        before = handler.comparable(ctx.describe(supersedes))
        reason, replaces = _what_changed(before, after), str(supersedes.address)
    change = Change(str(desired.address), desired.spec, action, reason, before, after, replaces=replaces,
                    details=tuple(planned.details))
    protected = desired.protect or (live is not None and tagmod.PROTECT in live.tags)
    if action is Action.replace and not replaces and protected:
        ctx.errors.append(_protected(desired.position, desired.address, desired.spec, "replace"))
    return ResourcePlan(change, planned.steps, planned.pre, planned.post)


def plan_from_snapshot(snap: Snapshot) -> Plan:
    ctx = snap.context()
    planned: list[_Planned] = []
    index = {a: i for i, a in enumerate(snap.desired)}

    def group_address(address: Address) -> Address | None:
        return handler_for(address.type).group(address, snap.desired.get(address), snap.live.get(address))

    def group_of(address: Address) -> int | None:
        group = group_address(address)
        return index.get(group) if group is not None else None

    def group_name(address: Address) -> str | None:
        group = group_address(address)
        return str(group) if group is not None and group in index else None

    # Deletion candidates are found first (their warnings are reported after the desired resources').
    later = PlanContext(ctx.stack, ctx.region, ctx.account, ctx.clients, ctx.desired, ctx.live, ctx.describe,
                        ctx.handler, ctx.holders)
    orphans: list[Orphan] = []
    candidates = _candidates(snap, later, orphans)
    relations.keep_used(ctx, candidates)
    predecessors = _predecessors(snap, candidates)

    ctx.notes.extend(snap.notes)
    for address in snap.adopted:
        desired, lv = snap.desired.get(address), snap.live.get(address)
        if desired is not None and lv is not None and lv.applied_hash != desired.state_hash:
            ctx.notes.append(f"{address} is adopted: its content is what {desired.spec} wants, so it is used as it "
                             "is (no redeploy) and tagged as the stack's")
    for address, desired in snap.desired.items():
        handler = handler_for(address.type)
        old = predecessors.get(address)
        rp = _plan_desired(ctx, handler, desired, snap.live.get(address), snap.live[old] if old else None)
        planned.extend(_staged(rp, ordering.STAGE_MAIN, handler, index[address], group_of(address),
                               group_name(address)))
    ctx.warnings.extend(later.warnings)

    folded = set(predecessors.values())
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
        steps = handler.delete_steps(ctx, lv)
        change: Change | None = None
        if address not in folded:  # a superseded version is shown in its successor's replace change
            base = delete_change(handler, lv)
            reason = handler.superseded_reason if why == "superseded" else why
            change = Change(base.address, base.spec, base.action, reason, base.before, base.after)
        rp = ResourcePlan(change, pre=steps) if handler.delete_stage == "pre" else ResourcePlan(change, steps)
        owner = group_address(address)
        planned.extend(_staged(rp, ordering.STAGE_DELETE, handler, 0, group_address=str(owner) if owner else None))

    if ctx.errors:
        raise PlanError(ctx.errors)
    planned.sort(key=lambda p: p.order)
    changes = [p.change for p in planned if p.change is not None]
    steps = _needs(ctx, _record_once([s for p in planned for s in p.steps]), set(candidates), group_name)
    touched = {Address.parse(s.address) for s in steps}
    # What a changed resource depends on is read again too: a saved plan whose new config names a model
    # deleted since planning is stale, not a failure halfway through.
    for address in list(touched):
        desired = snap.desired.get(address)
        if desired is not None:
            touched |= {a for a in handler_for(address.type).uses(ctx, desired, snap.live.get(address))
                        if a in snap.live and a not in candidates}
    fingerprints = {str(a): handler_for(a.type).fingerprint(snap.live.get(a)) for a in sorted(touched)}
    warnings = list(ctx.warnings) + [str(w) for w in snap.stack.warnings.items]
    return Plan(stack=snap.stack_name, region=snap.region, account=snap.account, changes=tuple(changes),
                steps=tuple(steps), fingerprints=fingerprints, orphans=tuple(orphans), warnings=tuple(warnings),
                notes=tuple(dict.fromkeys(ctx.notes)), lock_table=snap.stack.stack.lock_table,
                ignore_tags=snap.stack.stack.ignore_tags,
                sensitive={d.spec: d.sensitive for d in snap.desired.values() if d.sensitive})


def _needs(view: PlanContext, steps: list[Step], deleted: set[Address],
           group_name: Callable[[Address], str | None]) -> list[Step]:
    """What each step waits for besides its phase: a deletion waits for whatever uses the deleted
    resource now (the group that moves an endpoint off a config, the deletion of a config that uses a
    model); a group waits for the groups its resources use."""
    stepped = {s.address for s in steps}
    groups = {s.group for s in steps if s.group}
    users: dict[Address, set[Address]] = {}
    for address, live in view.live.items():
        if live.data is None and address in view.desired:
            continue  # a desired resource that was never described uses nothing that is going away
        for used in view.handler(address.type).uses(view, None, live):
            users.setdefault(used, set()).add(address)
    for address, desired in view.desired.items():
        for used in view.handler(address.type).uses(view, desired, view.live.get(address)):
            users.setdefault(used, set()).add(address)

    def waits_for(user: Address) -> str | None:
        if user in deleted:
            return str(user) if str(user) in stepped else None
        group = group_name(user)
        if group in groups:
            return group
        return str(user) if str(user) in stepped else None

    out: list[Step] = []
    for step in steps:
        address = Address.parse(step.address)
        needs: set[str] = set()
        if step.phase == "delete" and address in deleted:
            needs = {w for u in users.get(address, ()) if u != address and (w := waits_for(u))}
        elif step.phase == "group" and step.group:
            for used in view.handler(address.type).uses(view, view.desired.get(address), view.live.get(address)):
                other = group_name(used)
                if other and other != step.group and other in groups:
                    needs.add(other)
        needs.discard(step.group or "")
        out.append(dataclasses.replace(step, needs=tuple(sorted(needs))) if needs else step)
    return out


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
                step = dataclasses.replace(step, tags=None, tag_arn=None)
            seen.add(key)
        out.append(step)
    return list(reversed(out))


def _what_changed(before: Any, after: Any) -> str:
    """The top-level fields that differ between two comparable states, for a replace's reason."""
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return "content changed"
    before, after = thaw(before), thaw(after)  # a frozen list (a tuple) equals its thawed list
    keys = sorted(k for k in set(before) | set(after) if k != "tags" and before.get(k) != after.get(k))
    if not keys:
        return "content changed"
    return ", ".join(keys[:4]) + (" changed" if len(keys) <= 4 else f" and {len(keys) - 4} more changed")


def make_plan(stack: StackSpec, clients: AnyClients,
              assume_owned: Mapping[Address, str] | None = None) -> tuple[Plan, Snapshot]:
    """Read live state through read-only clients and plan; never mutates AWS (`assume_owned`: see
    `read_snapshot`)."""
    with tagmod.ignoring(stack.stack.ignore_tags):
        snapshot = read_snapshot(stack, clients.reader(), assume_owned)
        return plan_from_snapshot(snapshot), snapshot
