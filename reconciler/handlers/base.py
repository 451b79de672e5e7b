"""The handler contract: what the planner, applier and drift may ask of one AWS resource type.

A handler knows one AWS resource type. Its behaviour is data first: type name, ARN resource
type, tagging-API type, whether it is immutable, the types whose changes precede its own
(`after`), its field policy (how both sides are normalized), its tag API. Code lives at
named hooks:

- reading: `find` (None when the resource does not exist), `describe`, `comparable` (the
  live state flattened into the spec's lowerCamelCase form), `discover` (child types);
- relations: `uses` (what must outlive it: garbage collection keeps what kept resources
  use), `holds` (what it holds: an active shadow test holds its endpoint), `parent_of`
  (child types), `group` (whose rollout its steps belong with);
- planning: `assess` (before/after, whether live is failed, which paths force a replace,
  work due even when content is equal), then `plan_steps` for the action the planner's one
  decide function chose, and `delete_steps`;
- drift: `drift_labels` and `was_applied`;
- applying: `execute` (run one step, waiting for the resource to settle) and `record_tags`.

The planner, applier and drift never name an AWS type; handlers never import each other
(they reach another type through `PlanContext.handler`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.changes import Action, Change, Step
from reconciler.diff.delta import Delta
from reconciler.diff.policy import FieldPolicy
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.hashing import content_hash
from reconciler.resources import Desired, Live

if TYPE_CHECKING:
    from reconciler.aws.clients import ReadClients, WriteClients
    from reconciler.aws.waits import WaitPolicy
    from reconciler.hooks import Hooks

ABSENT = "absent"
APPLIED_STATE = "records the applied state in its ownership tags"


@dataclass(frozen=True)
class TagApi:
    """How a service tags resources: the operations and their parameter names."""

    service: str
    add: str  # "AddTags"
    remove: str  # "DeleteTags"
    arn_param: str  # "ResourceArn"
    keys_param: str = "TagKeys"
    tags_param: str = "Tags"
    as_map: bool = False  # tags sent as {key: value} (CloudWatch Logs) rather than [{Key, Value}]

    def tags(self, tags: Mapping[str, str]) -> Any:
        """Tags in this API's request form."""
        return dict(sorted(tags.items())) if self.as_map else tagmod.to_tag_list(tags)


SAGEMAKER_TAGS = TagApi("sagemaker", "AddTags", "DeleteTags", "ResourceArn")
CLOUDWATCH_TAGS = TagApi("cloudwatch", "TagResource", "UntagResource", "ResourceARN")
EVENTS_TAGS = TagApi("events", "TagResource", "UntagResource", "ResourceARN")


@dataclass
class View:
    """Desired and live state as read for one plan, through read-only clients.

    `handler` finds the handler of another type (the planner passes its registry's lookup),
    `holders` maps a resource to the resource that holds it (from the handlers' `holds`).
    """

    stack: str
    region: str
    account: str
    clients: ReadClients
    desired: Mapping[Address, Desired]
    live: Mapping[Address, Live]
    describe: Callable[[Live], Live]  # fills `data` (cached)
    handler: Callable[[str], Handler]
    holders: Mapping[Address, str] = field(default_factory=dict)

    def holder_of(self, address: Address) -> str | None:
        """The address of the resource that holds `address` (an active shadow test), or None."""
        return self.holders.get(address)


@dataclass
class PlanContext(View):
    """What a handler may look at while planning one resource, and where it reports."""

    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # live-state limits: the plan is refused
    notes: list[str] = field(default_factory=list)  # status worth showing that is not a change

    def error(self, desired: Desired, message: str, at: str | None = None) -> None:
        """A live-state limit `desired` breaks, at its document's position (or at `at`, the `file:line:col` of
        the value concerned, which a kind records in `Desired.extra["positions"]`)."""
        where = f"{at}: " if at else desired.where
        self.errors.append(f"{where}{desired.spec}: {message}")


@dataclass
class Assessment:
    """A handler's reading of one desired resource against live, before the decision.

    `before`/`after` are shown in the change; `compare` (when set) are the views compared
    instead. `failed`: live cannot be changed, only replaced (the reason). `replace_paths`:
    a difference at one of these paths of the compared views forces a replace. `pending`:
    work due even when the compared views are equal (ownership tags to record, a target to
    re-register), with its reason. `held_by`: another resource owns it for now.
    """

    before: Any
    after: Any
    compare: tuple[Any, Any] | None = None
    failed: str | None = None
    replace_paths: tuple[str, ...] = ()
    pending: str | None = None
    held_by: str | None = None

    @property
    def delta(self) -> Delta:
        before, after = self.compare if self.compare is not None else (self.before, self.after)
        return Delta(before, after)


@dataclass
class Planned:
    """The steps a handler plans for the decided action, and the reason shown for it.

    `pre` steps run before any create or update of the plan (deregistering a scalable target
    before the UpdateEndpoint that changes its variant's instance type), `steps` in the main
    phase, `post` after the group's main changes have settled.
    """

    reason: str = ""
    steps: list[Step] = field(default_factory=list)
    pre: list[Step] = field(default_factory=list)
    post: list[Step] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # what differs in the handler's words (Change.details)


@dataclass
class ResourcePlan:
    """What was planned for one resource: the change (if any) and its staged steps."""

    change: Change | None = None
    steps: list[Step] = field(default_factory=list)
    pre: list[Step] = field(default_factory=list)
    post: list[Step] = field(default_factory=list)


@dataclass
class ExecContext:
    """What a handler may use while executing steps (writable clients)."""

    stack: str
    region: str
    account: str
    clients: WriteClients
    hooks: Hooks
    wait: WaitPolicy
    # After waiting for a resource to settle before changing it: raises StalePlanError when it
    # changed meanwhile (a concurrent or interrupted apply, a hand-made change).
    recheck: Callable[[Step], None] = field(default=lambda step: None)


class Handler(ABC):
    """One AWS resource type. Subclasses set the class attributes and implement the hooks."""

    type: ClassVar[str]  # address type, e.g. "model"
    service: ClassVar[str]  # boto3 service name
    arn_type: ClassVar[str]  # resource type inside the ARN, e.g. "endpoint-config"
    tagging_type: ClassVar[str]  # Resource Groups Tagging API filter, e.g. "sagemaker:model" ("" if none)
    immutable: ClassVar[bool]  # no update API: any content change is a new resource
    after: ClassVar[tuple[str, ...]] = ()  # types whose creates/updates run before ours (deletes after)
    describe_on_plan: ClassVar[bool] = False  # must the planner describe it to compare?
    # Child types live only with a parent (an endpoint's scalable targets): they are found by
    # `discover` from their parents and owned through them.
    parent_type: ClassVar[str | None] = None
    reads_children: ClassVar[tuple[str, ...]] = ()  # child types its comparable state reads (`Live.related`)
    delete_stage: ClassVar[str] = "main"  # "pre": deleted before any create or update of the plan
    # Names AWS provides in every account (the default event bus): never created nor deleted; a
    # document may name one to manage what can be set on it, and it is then tagged as the stack's.
    provided_names: ClassVar[frozenset[str]] = frozenset()
    operations: ClassVar[frozenset[str]]  # the step operations this handler executes
    policy: ClassVar[FieldPolicy] = FieldPolicy()
    shape: ClassVar[tuple[str, str] | None] = None  # (service, operation): the comparable's spec shape
    tag_api: ClassVar[TagApi | None] = SAGEMAKER_TAGS
    noun: ClassVar[str] = "resource"
    superseded_reason: ClassVar[str] = "superseded; nothing kept by this plan uses it"  # shown when collected

    def check_operation(self, step: Step) -> None:
        """Refuse a step this handler does not know (a corrupt or foreign plan file)."""
        if step.operation not in self.operations:
            raise ApplyError(f"unknown step {step.operation!r} for {step.address}; the plan file is not one this "
                             "version of reconciler made")

    def arn(self, region: str, account: str, name: str) -> str:
        return f"arn:aws:{self.service}:{region}:{account}:{self.arn_type}/{name}"

    def name_from_arn(self, arn: str) -> str | None:
        """The resource name if `arn` is of this type, else None."""
        _, _, rest = arn.partition(f":{self.arn_type}/")
        if not rest or f":{self.service}:" not in arn:
            return None
        return rest

    # --- reading -----------------------------------------------------------------------
    @abstractmethod
    def find(self, clients: ReadClients, name: str) -> Live | None:
        """Describe the resource and read its tags; None when it does not exist."""

    @abstractmethod
    def describe(self, clients: ReadClients, live: Live) -> Live:
        """`live` with `data` filled from the describe call; `data` stays None if it vanished."""

    @abstractmethod
    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The live state in the comparable form of `Desired.comparable`; None when missing."""

    def discover(self, clients: ReadClients, parents: list[Live], known: Mapping[Address, Live]) -> list[Live]:
        """Live children of `parents` (only for child types); [] when there are none."""
        return []

    def parent_of(self, address: Address) -> Address | None:
        """The parent of a child resource (None for types that are not children)."""
        return None

    # --- comparing ---------------------------------------------------------------------
    def normalized(self, request: Mapping[str, Any], *, keep_owned: bool = False) -> dict[str, Any]:
        """A create request or describe output (API form) normalized by this type's field policy."""
        return self.policy.normalize(request, keep_owned=keep_owned)

    def comparable_of(self, request: Mapping[str, Any], user_tags: Mapping[str, str]) -> dict[str, Any]:
        """The comparable form of a request or describe output: normalized, in spec form, with user tags."""
        from reconciler.aws.shapes import from_api, operation_input

        assert self.shape is not None, f"{self.type} declares no comparable shape"
        body = from_api(self.normalized(request), operation_input(*self.shape))
        return {**body, "tags": dict(user_tags)}

    def state_hash(self, comparable: Mapping[str, Any] | None, name: str) -> str:
        """Hash of a comparable state; immutable types hash only name and tags."""
        if comparable is None:
            return ABSENT
        if self.immutable:
            return content_hash({"name": name, "tags": comparable.get("tags", {})})
        return content_hash(comparable)

    def live_hash(self, live: Live) -> str:
        """The state hash of live; only tags are read for immutable types."""
        if self.immutable:
            return content_hash({"name": live.address.name, "tags": tagmod.user_tags(live.tags)})
        return self.state_hash(self.comparable(live), live.address.name)

    def fingerprint(self, live: Live | None) -> str:
        """Hash of what the planner read; the applier compares it to refuse a stale plan."""
        if live is None:
            return ABSENT
        body: dict[str, Any] = {"tags": tagmod.visible_tags(live.tags)}
        if not self.immutable:
            body["state"] = self.comparable(live)
        return content_hash(body)

    # --- relations ---------------------------------------------------------------------
    def uses(self, view: View, desired: Desired | None, live: Live | None) -> set[Address]:
        """What this resource uses and so must not be deleted while it is kept (from `desired`
        when there is one, else from `live`; live-only references such as a deployment in
        flight count too). Empty by default."""
        return set()

    def holds(self, live: Live) -> set[Address]:
        """Resources this live resource holds for now (changes to them wait); empty by default."""
        return set()

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> Address | None:
        """The resource whose rollout this resource's steps belong with (ordered with it), or None."""
        return None

    def transition(self, live: Live) -> str | None:
        """The status of a resource that is changing now (it cannot be changed until it settles); None
        when it is settled or its type has no such states."""
        return None

    def is_managed(self, live: Live, view: View) -> bool:
        """Whether an owned resource that is not desired may be deleted (children: see subclasses)."""
        return True

    # --- planning ----------------------------------------------------------------------
    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Live against desired: before/after (None before when live is missing) and tag bookkeeping."""
        if live is None:
            return Assessment(None, desired.comparable)
        before = self.comparable(live)
        return Assessment(before, thaw(desired.comparable), pending=self._bookkeeping(ctx, desired, live))

    @abstractmethod
    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """The steps (and reason) for `action` (create, replace or update) on `desired`."""

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        """The steps that delete `live` (which exists)."""
        raise NotImplementedError(f"{self.type} resources are never deleted")

    def _bookkeeping(self, ctx: PlanContext, desired: Desired, live: Live) -> str | None:
        """APPLIED_STATE when the ownership tags need writing (user tags equal), else None."""
        return APPLIED_STATE if self.tag_steps(ctx, desired, live) else None

    def tag_steps(self, ctx: PlanContext, desired: Desired, live: Live, *, skip_hash: bool = False,
                  also: Mapping[str, str] | None = None) -> list[Step]:
        """Tag steps that make live tags equal the desired tag set plus `also` (bookkeeping tags of the
        type), without the hash when another step of the plan records it."""
        api = self.tag_api
        if api is None:
            return []
        want = {**desired.tags(ctx.stack), **(also or {})}
        have = tagmod.visible_tags(live.tags)
        add = {k: v for k, v in want.items() if have.get(k) != v and not (skip_hash and k == tagmod.HASH)}
        # Other `reconciler:` keys are bookkeeping written by their own steps (e.g. reconciler:scaling).
        remove = sorted(k for k in have if k not in want and not k.lower().startswith("aws:")
                        and (k in tagmod.MANAGED_KEYS or not k.lower().startswith("reconciler:")))
        steps: list[Step] = []
        if add:
            steps.append(Step(api.add, str(live.address), {api.arn_param: live.arn, api.tags_param: api.tags(add)},
                              "record tags"))
        if remove:
            steps.append(Step(api.remove, str(live.address), {api.arn_param: live.arn, api.keys_param: remove},
                              "remove tags"))
        return steps

    def tags_reason(self, assessment: Assessment) -> str:
        """"tags change" when user tags differ, else the ownership-tag bookkeeping reason."""
        return "tags change" if assessment.delta.different_at("tags") else APPLIED_STATE

    # --- drift -------------------------------------------------------------------------
    def drift_labels(self, view: View, change: Change) -> tuple[list[str], str]:
        """`drift` and/or `pending` for a planned change, and why (see docs/how-it-decides.md)."""
        address = Address.parse(change.address)
        live = view.live.get(address)
        desired = view.desired.get(address)
        if change.action is Action.delete:
            return ["pending"], change.reason or "to be deleted"
        if live is None or (change.action is Action.replace and change.replaces):
            if live is None and desired is not None and self.was_applied(view, address):
                return ["drift"], f"{address} was deleted outside git; apply recreates it"
            return ["pending"], change.reason or "to be created"
        applied = live.applied_hash
        labels: list[str] = []
        notes: list[str] = []
        if desired is not None and applied is not None and applied != desired.state_hash \
                and self.live_hash(live) == desired.state_hash:
            # Live is what git wants, only its record is old: most often an apply stopped after its change
            # reached AWS and before it wrote the hash (or a change outside git that happens to match git).
            notes.append("live already matches git, only the record of the last apply is older (an apply stopped "
                         "before recording it, or a change outside git that matches git); apply records it")
            return ["pending"], _with_reason(notes, change.reason)
        if applied is None:
            labels.append("drift")
            notes.append(f"it has no {tagmod.HASH} tag (changed outside reconciler)")
        elif self.live_hash(live) != applied:
            labels.append("drift")
            notes.append("live changed outside git since it was applied")
        if desired is not None and desired.state_hash != applied:
            labels.append("pending")
            notes.append("the spec changed since the last apply")
        if not labels:
            labels.append("pending")
        return labels, _with_reason(notes, change.reason)

    def was_applied(self, view: View, address: Address) -> bool:
        """Whether a desired resource that is missing had been applied (its absence is then drift):
        by default, when a live resource still uses it."""
        for other in view.live.values():
            handler = view.handler(other.address.type)
            if address in handler.uses(view, None, other):
                return True
        return False

    # --- applying ----------------------------------------------------------------------
    @abstractmethod
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Run one step of this type and wait until the resource has settled."""

    def record_tags(self, ctx: ExecContext, step: Step) -> None:
        """After a successful step, write its ownership tags on `tag_arn`."""
        api = self.tag_api
        if step.tags and step.tag_arn and api is not None:
            from reconciler.aws.calls import call

            call(ctx.clients.get(api.service), api.add,
                 {api.arn_param: step.tag_arn, api.tags_param: api.tags(thaw(step.tags))})


def _with_reason(notes: list[str], reason: str) -> str:
    """Drift notes followed by the change's reason in parentheses (just the reason without notes)."""
    if not notes:
        return reason
    return "; ".join(notes) + (f" ({reason})" if reason else "")


def delete_change(handler: Handler, live: Live) -> Change:
    """The change that deletes `live`."""
    return Change(str(live.address), live.spec, Action.delete, "", handler.comparable(live), None)
