"""Handler for CloudWatch metric alarms (`alarm/<name>`), the alarms rollout guardrails watch.

PutMetricAlarm creates or fully replaces an alarm, so any content change is one call;
tags change through TagResource/UntagResource (PutMetricAlarm ignores tags on update).
Alarms are created and updated before the endpoints whose deployments watch them, and
deleted after those endpoints (the endpoint handler declares it comes after alarms). Its
field policy fills CloudWatch's defaults and sorts dimensions and actions. Missing alarms:
`find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.changes import Action, Step
from reconciler.diff.policy import FieldPolicy
from reconciler.frozen import thaw
from reconciler.handlers.base import CLOUDWATCH_TAGS, Assessment, ExecContext, Handler, PlanContext, Planned
from reconciler.resources import Desired, Live

REQUEST_MEMBERS = frozenset({
    "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
    "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
    "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile",
    "Metrics", "ThresholdMetricId", "EvaluationCriteria", "EvaluationInterval",
})


def _body(comparable: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comparable.items() if k != "tags"}


class AlarmHandler(Handler):
    type = "alarm"
    service = "cloudwatch"
    arn_type = "alarm"
    tagging_type = "cloudwatch:alarm"
    immutable = False
    describe_on_plan = True
    noun = "alarm"
    operations = frozenset({"PutMetricAlarm", "DeleteAlarms", "TagResource", "UntagResource"})
    shape = ("cloudwatch", "PutMetricAlarm")
    tag_api = CLOUDWATCH_TAGS
    policy = FieldPolicy(
        members=REQUEST_MEMBERS,
        omit_defaults=(("ActionsEnabled", (True,)), ("TreatMissingData", ("missing",))),
        numbers=(("Threshold", float),),
        sorted_lists=(("Dimensions", ("Name", "Value")), ("OKActions", ()), ("AlarmActions", ()),
                      ("InsufficientDataActions", ())),
    )

    def arn(self, region: str, account: str, name: str) -> str:
        return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"

    def name_from_arn(self, arn: str) -> str | None:
        _, sep, rest = arn.partition(":alarm:")
        return rest if sep and ":cloudwatch:" in arn else None

    def find(self, clients: Any, name: str) -> Live | None:
        """The metric alarm with its tags; None when no metric alarm has that name."""
        cw = clients.get("cloudwatch")
        found = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"]).get("MetricAlarms", [])
        if not found:
            return None
        data = found[0]
        tags = tagmod.from_tag_list(cw.list_tags_for_resource(ResourceARN=data["AlarmArn"]).get("Tags"))
        return Live(Address(self.type, name), data["AlarmArn"], tags, data)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeAlarms output; `data` None when the alarm is gone."""
        found = clients.get("cloudwatch").describe_alarms(AlarmNames=[live.address.name], AlarmTypes=["MetricAlarm"])
        alarms = found.get("MetricAlarms", [])
        live.data = alarms[0] if alarms else None
        return live

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The PutMetricAlarm request CloudWatch holds, in spec form, with user tags; None when missing."""
        if live.data is None:
            return None
        return self.comparable_of(live.data, tagmod.user_tags(live.tags))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """PutMetricAlarm to create or update (recording the hash), tag steps for tags."""
        address = str(desired.address)
        if live is None:
            params = {**thaw(desired.request), "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))}
            return Planned("new alarm", [Step("PutMetricAlarm", address, params, "create alarm")])
        arn = self.arn(ctx.region, ctx.account, desired.address.name)
        steps: list[Step] = []
        changed = _body(assessment.before) != _body(assessment.after)
        if changed:
            steps.append(Step("PutMetricAlarm", address, thaw(desired.request), "update alarm",
                              {tagmod.HASH: desired.state_hash}, arn))
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=changed))
        return Planned("alarm definition changes" if changed else self.tags_reason(assessment), steps)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step("DeleteAlarms", str(live.address), {"AlarmNames": [live.address.name]}, "delete alarm")]

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """PutMetricAlarm / DeleteAlarms / TagResource / UntagResource on CloudWatch."""
        call(ctx.clients.get("cloudwatch"), step.operation, step.params_plain())


HANDLER = AlarmHandler
