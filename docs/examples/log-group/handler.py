"""Handler for CloudWatch Logs log groups (`log-group/<name>`), the worked example of
docs/adding-a-resource-type.md (install it as `reconciler/handlers/log_group.py`).

The retention changes in place (PutRetentionPolicy / DeleteRetentionPolicy); a different KMS
key or log class needs a new log group (replace). Tags are a map in this API. Missing log
groups: `find` returns None.
"""

from __future__ import annotations

from typing import Any, ClassVar

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_not_found
from reconciler.changes import Action, Step
from reconciler.diff.policy import FieldPolicy
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, ExecContext, Handler, PlanContext, Planned, TagApi
from reconciler.resources import Desired, Live

LOGS_TAGS = TagApi("logs", "TagResource", "UntagResource", "resourceArn", keys_param="tagKeys", tags_param="tags",
                   as_map=True)


class LogGroupHandler(Handler):
    type = "log-group"
    service = "logs"
    arn_type = "log-group"
    tagging_type = "logs:log-group"
    immutable = False
    describe_on_plan = True
    noun = "log group"
    operations = frozenset({"CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy",
                            "TagResource", "UntagResource"})
    tag_api = LOGS_TAGS
    policy = FieldPolicy(members=frozenset({"kmsKeyId", "logGroupClass", "retentionInDays"}),
                         defaults=(("logGroupClass", "STANDARD"),))
    RETENTION_DAYS: ClassVar[tuple[int, ...]] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                                                 1096, 1827, 2192, 2557, 2922, 3288, 3653)

    def arn(self, region: str, account: str, name: str) -> str:
        return f"arn:aws:logs:{region}:{account}:log-group:{name}"

    def name_from_arn(self, arn: str) -> str | None:
        _, sep, rest = arn.partition(":log-group:")
        return rest.removesuffix(":*") if sep and ":logs:" in arn else None

    def find(self, clients: Any, name: str) -> Live | None:
        """The log group with its tags; None when no log group has that name."""
        logs = clients.get("logs")
        data = self._read(logs, name)
        if data is None:
            return None
        arn = data.get("logGroupArn") or self.arn(clients.region, "", name)
        tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
        return Live(Address(self.type, name), arn, dict(tags), data)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with its DescribeLogGroups entry; `data` None when it is gone."""
        live.data = self._read(clients.get("logs"), live.address.name)
        return live

    @staticmethod
    def _read(logs: Any, name: str) -> dict[str, Any] | None:
        groups = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        return next((g for g in groups if g.get("logGroupName") == name), None)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """KMS key, class and retention, with user tags; None when missing."""
        if live.data is None:
            return None
        return self.comparable_of(live.data, tagmod.user_tags(live.tags))

    def comparable_of(self, request: Any, user_tags: Any) -> dict[str, Any]:
        """This API's member names are already lowerCamelCase: the normalized request is the spec form."""
        return {**self.normalized(request), "tags": dict(user_tags)}

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """A different KMS key or class needs a new log group; the retention changes in place."""
        assessment = super().assess(ctx, desired, live)
        assessment.replace_paths = ("kmsKeyId", "logGroupClass")
        return assessment

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create (with retention); delete and create again to replace; set or clear the retention."""
        address, name = str(desired.address), desired.address.name
        request = thaw(desired.request)
        retention = request.pop("retentionInDays", None)
        if action in (Action.create, Action.replace):
            steps = [Step("DeleteLogGroup", address, {"logGroupName": name}, "delete the log group")] \
                if action is Action.replace else []
            tags = LOGS_TAGS.tags(desired.tags(ctx.stack))
            steps.append(Step("CreateLogGroup", address, {**request, "tags": tags}, "create the log group"))
            if retention is not None:
                steps.append(Step("PutRetentionPolicy", address, {"logGroupName": name, "retentionInDays": retention},
                                  "set the retention"))
            reason = "new log group" if action is Action.create else "kmsKeyId or logGroupClass changes"
            return Planned(reason, steps)
        assert live is not None
        steps = []
        arn = live.arn
        if assessment.delta.different_at("retentionInDays"):
            if retention is None:
                steps.append(Step("DeleteRetentionPolicy", address, {"logGroupName": name}, "keep events forever",
                                  {tagmod.HASH: desired.state_hash}, arn))
            else:
                steps.append(Step("PutRetentionPolicy", address, {"logGroupName": name, "retentionInDays": retention},
                                  "change the retention", {tagmod.HASH: desired.state_hash}, arn))
        steps += self.tag_steps(ctx, desired, live, skip_hash=bool(steps))
        return Planned("retention changes" if steps and steps[0].operation.endswith("RetentionPolicy")
                       else self.tags_reason(assessment), steps)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step("DeleteLogGroup", str(live.address), {"logGroupName": live.address.name}, "delete the log group")]

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """One CloudWatch Logs call; deleting what is already gone succeeds."""
        try:
            call(ctx.clients.get("logs"), step.operation, step.params_plain())
        except Exception as exc:
            if not (step.operation == "DeleteLogGroup" and is_not_found(exc)):
                raise


HANDLER = LogGroupHandler
