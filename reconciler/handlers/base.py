"""The handler contract: what the planner and applier may ask of one AWS resource type.

A handler knows one AWS resource type. Its behaviour is data first (type name, ARN
resource type, tagging-API type, whether it is immutable, its create/delete order,
its describe/delete operations) with code only at named hooks: `find` (None when the
resource does not exist), `comparable` (the live state flattened into the spec's
lowerCamelCase form), `plan` (the change and steps that take live to desired) and
`execute` (run one step, waiting for the resource to settle). The planner and applier
never name an AWS type; they go through these methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.diagnostics import Position
from reconciler.frozen import freeze, thaw
from reconciler.hashing import content_hash
from reconciler.plan.model import Change, Step

if TYPE_CHECKING:
    from reconciler.apply.hooks import Hooks
    from reconciler.apply.waits import WaitPolicy
    from reconciler.aws.clients import Clients

ABSENT = "absent"


@dataclass(frozen=True)
class Desired:
    """A desired AWS resource, expanded from a spec document with references resolved."""

    address: Address
    spec: str  # spec address, `Kind/name`
    request: Mapping[str, Any]  # the AWS create request (API shape), without Tags
    comparable: Mapping[str, Any]  # lowerCamelCase view (with `tags`) for comparison and display
    user_tags: Mapping[str, str]
    state_hash: str  # recorded in the `reconciler:hash` tag when applied
    extra: Mapping[str, Any] = field(default_factory=dict)  # kind extensions (e.g. deploymentConfig)
    position: Position | None = None
    protect: bool = False  # the document has `protect: true`

    def __post_init__(self) -> None:
        for name in ("request", "comparable", "user_tags", "extra"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    def tags(self, stack: str) -> dict[str, str]:
        """Every tag to write: the user's plus the ownership tags."""
        out = {**thaw(self.user_tags), **tagmod.ownership(stack, self.spec, self.state_hash)}
        if self.protect:
            out[tagmod.PROTECT] = "true"
        return out


@dataclass
class Live:
    """A live AWS resource: its tags, and its describe output once read (`data`).

    `related` holds live resources of other types that belong to this one (an endpoint's
    scalable targets), keyed by type; the planner fills it after discovery.
    """

    address: Address
    arn: str
    tags: dict[str, str]
    data: dict[str, Any] | None = None
    related: dict[str, list[Live]] = field(default_factory=dict)

    @property
    def spec(self) -> str | None:
        return self.tags.get(tagmod.ADDRESS)

    @property
    def applied_hash(self) -> str | None:
        return self.tags.get(tagmod.HASH)


@dataclass
class PlanContext:
    """What a handler may look at while planning one resource."""

    stack: str
    region: str
    account: str
    clients: Clients  # read-only
    desired: dict[Address, Desired]
    live: dict[Address, Live]
    describe: Callable[[Live], Live]  # fills `data` (cached)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # live-state limits: the plan is refused
    notes: list[str] = field(default_factory=list)  # status worth showing that is not a change

    def handler(self, type_: str) -> Handler:
        from reconciler.handlers.registry import handler_for

        return handler_for(type_)


@dataclass
class ResourcePlan:
    """What a handler decided for one resource: the change (if any) and its steps.

    `pre` steps run before any create or update of the plan (e.g. deregistering a scalable
    target before the UpdateEndpoint that changes its variant's instance type), `steps` in
    the main phase, `post` steps after every endpoint change has settled.
    """

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
    clients: Clients
    hooks: Hooks
    wait: WaitPolicy


class Handler(ABC):
    """One AWS resource type. Subclasses set the class attributes and implement the hooks."""

    type: ClassVar[str]  # address type, e.g. "model"
    service: ClassVar[str]  # boto3 service name
    arn_type: ClassVar[str]  # resource type inside the ARN, e.g. "endpoint-config"
    tagging_type: ClassVar[str]  # Resource Groups Tagging API filter, e.g. "sagemaker:model"
    immutable: ClassVar[bool]  # no update API: any content change is a new resource
    create_order: ClassVar[int]  # lower runs first among creates/updates
    delete_order: ClassVar[int]  # lower runs first among deletes
    describe_on_plan: ClassVar[bool] = False  # must the planner describe it to compare?
    # Child types live only with a parent (an endpoint's scalable targets): they are found by
    # `discover` from their parents, owned through them, and their creates/updates run after
    # the parent's changes while their deletes run before them.
    parent_type: ClassVar[str | None] = None
    operations: ClassVar[frozenset[str]]  # the step operations this handler executes

    def check_operation(self, step: Step) -> None:
        """Refuse a step this handler does not know (a corrupt or foreign plan file)."""
        if step.operation not in self.operations:
            from reconciler.errors import ApplyError

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
    def find(self, clients: Clients, name: str) -> Live | None:
        """Describe the resource and read its tags; None when it does not exist."""

    @abstractmethod
    def describe(self, clients: Clients, live: Live) -> Live:
        """`live` with `data` filled from the describe call; `data` stays None if it vanished."""

    @abstractmethod
    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The live state in the comparable form of `Desired.comparable`; None when missing."""

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

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> str | None:
        """The endpoint whose rollout this resource's steps belong with (ordered with it), or None."""
        return None

    def is_managed(self, live: Live, snapshot: Any) -> bool:
        """Whether an owned resource that is not desired may be deleted (children: see subclasses)."""
        return True

    def discover(self, clients: Clients, parents: list[Live], known: dict[Address, Live]) -> list[Live]:
        """Live children of `parents` (only for child types); [] when there are none."""
        return []

    # --- planning ----------------------------------------------------------------------
    @abstractmethod
    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """Change and steps taking `live` (None: missing) to `desired` (None: delete)."""

    def tag_steps(self, ctx: PlanContext, desired: Desired, live: Live) -> list[Step]:
        """AddTags/DeleteTags steps that make live tags equal the desired tag set."""
        want = desired.tags(ctx.stack)
        have = tagmod.visible_tags(live.tags)
        steps: list[Step] = []
        add = {k: v for k, v in want.items() if have.get(k) != v}
        # Other `reconciler:` keys are bookkeeping written by their own steps (e.g. reconciler:scaling).
        remove = sorted(k for k in have if k not in want and not k.lower().startswith("aws:")
                        and (k in tagmod.MANAGED_KEYS or not k.lower().startswith("reconciler:")))
        if add:
            steps.append(Step("AddTags", str(live.address), {"ResourceArn": live.arn, "Tags": tagmod.to_tag_list(add)},
                              "record tags"))
        if remove:
            steps.append(Step("DeleteTags", str(live.address), {"ResourceArn": live.arn, "TagKeys": remove},
                              "remove tags"))
        return steps

    # --- applying ----------------------------------------------------------------------
    @abstractmethod
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Run one step of this type and wait until the resource has settled."""

    def record_tags(self, ctx: ExecContext, step: Step) -> None:
        """After a successful step, write its ownership tags (SageMaker AddTags on `tag_arn`)."""
        if step.tags and step.tag_arn:
            from reconciler.handlers.sagemaker_common import call

            call(ctx.clients.sagemaker, "AddTags",
                 {"ResourceArn": step.tag_arn, "Tags": tagmod.to_tag_list(thaw(step.tags))})
