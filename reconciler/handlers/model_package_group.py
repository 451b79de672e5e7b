"""Handler for SageMaker model package groups (`model-package-group/<name>`), the registry a
ModelPackageGroup document declares: named after the document.

Its description and managed configuration are set at creation (SageMaker has no update for a
group: a change is a plan error saying so); its resource policy (cross-account registries) is
compared in canonical form (`diff/iam.py`: statement order, one-element lists, account-id
principals) and set with Put/DeleteModelPackageGroupPolicy. The versions in it are
made by pipelines, not by specs, and are never drift. Deleting a group that still holds versions
is a plan error unless its document said `deleteVersions: true`, which is recorded on the group as
the `reconciler:delete-versions` tag so it holds once the document is gone (like `protect`); the
versions are then deleted first. Missing groups: `find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.aws.calls import call, paginate
from reconciler.aws.errors import is_conflict, is_not_found
from reconciler.changes import Action, Step
from reconciler.diff.iam import canonical_policy
from reconciler.diff.policy import FieldPolicy
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, ExecContext, Handler, PlanContext, Planned
from reconciler.handlers.sagemaker_common import find_by_name, read, run_simple
from reconciler.resources import Desired, Live

DELETE_VERSIONS_TAG = "reconciler:delete-versions"
POLICY = FieldPolicy(members=frozenset({"ModelPackageGroupDescription", "ManagedConfiguration"}))


def group_view(request: Any, policy: Any, delete_versions: bool, tags: dict[str, str]) -> dict[str, Any]:
    """The comparable form: description and managed configuration (spec form), the resource policy as
    normalized JSON, whether its versions may be deleted with it, user tags."""
    from reconciler.aws.shapes import from_api, operation_input

    body = from_api(POLICY.normalize(thaw(request) or {}), operation_input("sagemaker", "CreateModelPackageGroup"),
                    drop_unknown=True)
    if policy:
        body["resourcePolicy"] = canonical_policy(policy)
    if delete_versions:
        body["deleteVersions"] = True
    return {**body, "tags": dict(tags)}


def versions(clients: Any, group: str) -> list[str]:
    """The ARNs of every model package version in `group` (newest first)."""
    summaries = paginate(clients.sagemaker, "ListModelPackages", "ModelPackageSummaryList",
                         ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending")
    return [s["ModelPackageArn"] for s in summaries]


class ModelPackageGroupHandler(Handler):
    type = "model-package-group"
    service = "sagemaker"
    arn_type = "model-package-group"
    tagging_type = "sagemaker:model-package-group"
    immutable = False
    describe_on_plan = True
    noun = "model package group"
    operations = frozenset({"CreateModelPackageGroup", "PutModelPackageGroupPolicy", "DeleteModelPackageGroupPolicy",
                            "DeleteModelPackage", "DeleteModelPackageGroup", "AddTags", "DeleteTags"})

    def find(self, clients: Any, name: str) -> Live | None:
        """The group with its tags and policy; None when it does not exist."""
        live = find_by_name(clients.sagemaker, self.type, "DescribeModelPackageGroup", "ModelPackageGroupName",
                            "ModelPackageGroupArn", name)
        return self._with_policy(clients, live) if live is not None else None

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeModelPackageGroup output and its `ResourcePolicy`; `data` None when it is gone."""
        data = read(clients.sagemaker, "DescribeModelPackageGroup", {"ModelPackageGroupName": live.address.name})
        live.data = data
        return self._with_policy(clients, live) if data is not None else live

    def _with_policy(self, clients: Any, live: Live) -> Live:
        try:
            policy = call(clients.sagemaker, "GetModelPackageGroupPolicy",
                          {"ModelPackageGroupName": live.address.name}).get("ResourcePolicy")
        except Exception as exc:
            if not is_not_found(exc):
                raise
            policy = None
        assert live.data is not None
        live.data["ResourcePolicy"] = policy
        return live

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Description, managed configuration, policy, deleteVersions (from its tag), user tags; None when missing."""
        if live.data is None:
            return None
        return group_view(live.data, live.data.get("ResourcePolicy"), live.tags.get(DELETE_VERSIONS_TAG) == "true",
                          tagmod.user_tags(live.tags))

    # --- planning ----------------------------------------------------------------------
    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Everything compared; what SageMaker cannot change in place is a plan error. None before when missing."""
        if live is None:
            return Assessment(None, desired.comparable)
        before = self.comparable(live)
        assert before is not None
        after = thaw(desired.comparable)
        fixed = [k for k in ("modelPackageGroupDescription", "managedConfiguration") if before.get(k) != after.get(k)]
        if fixed:
            ctx.error(desired, f"{', '.join(fixed)} of a model package group cannot change (SageMaker has no update "
                               "for a group, and deleting it would delete its versions): keep the live value "
                               f"({before.get(fixed[0])!r})")
        return Assessment(before, after, pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create (then its policy), or set/delete the policy and retag; never a replace."""
        address, name = str(desired.address), desired.address.name
        policy = desired.extra.get("policy")
        also = {DELETE_VERSIONS_TAG: "true"} if desired.extra.get("delete_versions") else {}
        if live is None:
            steps = [Step("CreateModelPackageGroup", address, {
                **thaw(desired.request), "Tags": tagmod.to_tag_list({**desired.tags(ctx.stack), **also})},
                "create the model package group")]
            if policy:
                steps.append(Step("PutModelPackageGroupPolicy", address,
                                  {"ModelPackageGroupName": name, "ResourcePolicy": policy}, "set its resource policy"))
            return Planned("new model package group", steps)
        before, after = assessment.before or {}, assessment.after or {}
        steps = []
        reasons = []
        arn = self.arn(ctx.region, ctx.account, name)
        if before.get("resourcePolicy") != after.get("resourcePolicy"):
            if policy:
                steps.append(Step("PutModelPackageGroupPolicy", address,
                                  {"ModelPackageGroupName": name, "ResourcePolicy": policy}, "set its resource policy",
                                  {tagmod.HASH: desired.state_hash}, arn))
            else:
                steps.append(Step("DeleteModelPackageGroupPolicy", address, {"ModelPackageGroupName": name},
                                  "remove its resource policy", {tagmod.HASH: desired.state_hash}, arn))
            reasons.append("resource policy changes")
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=bool(steps), also=also))
        if not also and DELETE_VERSIONS_TAG in live.tags:
            steps.append(Step("DeleteTags", address, {"ResourceArn": live.arn, "TagKeys": [DELETE_VERSIONS_TAG]},
                              "versions are no longer deleted with it"))
        if before.get("deleteVersions") != after.get("deleteVersions"):
            reasons.append("deleteVersions " + ("set" if also else "unset"))
        return Planned("; ".join(reasons) or self.tags_reason(assessment), steps)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        """Its versions first (only with deleteVersions), then the group; a plan error when it holds versions."""
        held = versions(ctx.clients, live.address.name)
        address = str(live.address)
        if held and live.tags.get(DELETE_VERSIONS_TAG) != "true":
            ctx.errors.append(f"{address} still holds {len(held)} model package version(s) (made by pipelines); "
                              f"reconciler deletes them only when the group's document said deleteVersions: true "
                              f"and that was applied. Restore {live.spec} with deleteVersions: true and apply, then "
                              "remove it; or delete the versions by hand")
            return []
        steps = [Step("DeleteModelPackage", address, {"ModelPackageName": arn},
                      f"delete version {arn.rsplit('/', 1)[-1]}") for arn in held]
        steps.append(Step("DeleteModelPackageGroup", address, {"ModelPackageGroupName": live.address.name},
                          "delete the model package group"))
        return steps

    # --- applying ----------------------------------------------------------------------
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Create (a lost response's retry meets its own group), set or delete the policy, delete versions and the
        group (gone already is done), retag."""
        sm = ctx.clients.sagemaker
        if step.operation == "CreateModelPackageGroup":
            try:
                call(sm, step.operation, step.params_plain())
            except Exception as exc:
                if not (is_conflict(exc) or "already exists" in str(exc)) or not self._ours(ctx, step):
                    raise
                ctx.hooks.step_progress(step, "already created by an earlier attempt of this request")
            return
        if step.operation == "DeleteModelPackageGroupPolicy":
            try:
                call(sm, step.operation, step.params_plain())
            except Exception as exc:
                if not is_not_found(exc):
                    raise
            return
        run_simple(sm, step)

    def _ours(self, ctx: ExecContext, step: Step) -> bool:
        live = self.find(ctx.clients, step.params["ModelPackageGroupName"])
        wanted = {t["Key"]: t["Value"] for t in step.params.get("Tags") or ()}
        return live is not None and all(live.tags.get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.HASH))


HANDLER = ModelPackageGroupHandler
