"""Handler for CloudWatch metric alarms (`alarm/<name>`), the alarms rollout guardrails watch.

PutMetricAlarm creates or fully replaces an alarm, so any content change is one call;
tags change through TagResource/UntagResource (PutMetricAlarm ignores tags on update).
Alarms are created and updated before the endpoints whose deployments watch them, and
deleted after those endpoints. Missing alarms: `find` returns None.
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.handlers.base import Desired, ExecContext, Handler, Live, PlanContext, ResourcePlan
from reconciler.handlers.sagemaker_common import call, prune_empty
from reconciler.plan.model import Action, Change, Step

REQUEST_MEMBERS = (
    "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
    "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
    "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile",
    "Metrics", "ThresholdMetricId", "EvaluationCriteria", "EvaluationInterval",
)


def normalize_request(request: dict[str, Any]) -> dict[str, Any]:
    """Fill CloudWatch's defaults and order lists, so spec and live compare equal."""
    r = prune_empty(copy.deepcopy({k: v for k, v in request.items() if k in REQUEST_MEMBERS}))
    if r.get("ActionsEnabled", True) is True:
        r.pop("ActionsEnabled", None)
    if r.get("TreatMissingData") == "missing":
        r.pop("TreatMissingData")
    if "Threshold" in r:
        r["Threshold"] = float(r["Threshold"])
    if "Dimensions" in r:
        r["Dimensions"] = sorted(r["Dimensions"], key=lambda d: (d.get("Name"), d.get("Value")))
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        if key in r:
            r[key] = sorted(r[key])
    return r


def to_comparable(request: dict[str, Any], user_tags: dict[str, str]) -> dict[str, Any]:
    from reconciler.spec.shapes import from_api, operation_input

    body = from_api(normalize_request(request), operation_input("cloudwatch", "PutMetricAlarm"))
    return {**body, "tags": dict(user_tags)}


class AlarmHandler(Handler):
    type = "alarm"
    service = "cloudwatch"
    arn_type = "alarm"
    tagging_type = "cloudwatch:alarm"
    immutable = False
    describe_on_plan = True
    create_order = 25  # before the endpoints whose deployments watch it
    delete_order = 15  # after them
    operations = frozenset({"PutMetricAlarm", "DeleteAlarms", "TagResource", "UntagResource"})

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
        return to_comparable(live.data, tagmod.user_tags(live.tags))

    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """PutMetricAlarm to create or update, tag steps for tags, DeleteAlarms when not desired."""
        if desired is None:
            assert live is not None
            return ResourcePlan(
                Change(str(live.address), live.spec, Action.delete, "", self.comparable(live), None),
                [Step("DeleteAlarms", str(live.address), {"AlarmNames": [live.address.name]}, "delete alarm")])
        address = str(desired.address)
        arn = self.arn(ctx.region, ctx.account, desired.address.name)
        if live is None:
            params = {**thaw(desired.request), "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))}
            return ResourcePlan(Change(address, desired.spec, Action.create, "new alarm", None, desired.comparable),
                                [Step("PutMetricAlarm", address, params, "create alarm")])
        before = self.comparable(live)
        assert before is not None
        after = thaw(desired.comparable)
        steps: list[Step] = []
        body_before = {k: v for k, v in before.items() if k != "tags"}
        body_after = {k: v for k, v in after.items() if k != "tags"}
        if body_before != body_after:
            steps.append(Step("PutMetricAlarm", address, thaw(desired.request), "update alarm",
                              {tagmod.HASH: desired.state_hash}, arn))
        steps.extend(self._tag_steps(ctx, desired, live, skip_hash=bool(steps)))
        if not steps:
            return ResourcePlan()
        reason = "alarm definition changes" if body_before != body_after else (
            "tags change" if before["tags"] != after["tags"] else "records the applied state in its ownership tags")
        return ResourcePlan(Change(address, desired.spec, Action.update, reason, before, after), steps)

    def _tag_steps(self, ctx: PlanContext, desired: Desired, live: Live, skip_hash: bool) -> list[Step]:
        want = desired.tags(ctx.stack)
        have = tagmod.visible_tags(live.tags)
        add = {k: v for k, v in want.items() if have.get(k) != v and not (skip_hash and k == tagmod.HASH)}
        remove = sorted(k for k in have if k not in want and not k.lower().startswith("aws:")
                        and (k in tagmod.MANAGED_KEYS or not k.lower().startswith("reconciler:")))
        steps = []
        if add:
            steps.append(Step("TagResource", str(live.address), {"ResourceARN": live.arn,
                                                                 "Tags": tagmod.to_tag_list(add)}, "record tags"))
        if remove:
            steps.append(Step("UntagResource", str(live.address), {"ResourceARN": live.arn, "TagKeys": remove},
                              "remove tags"))
        return steps

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """PutMetricAlarm / DeleteAlarms / TagResource / UntagResource on CloudWatch."""
        call(ctx.clients.get("cloudwatch"), step.operation, step.params_plain())

    def record_tags(self, ctx: ExecContext, step: Step) -> None:
        """CloudWatch tags with TagResource (not SageMaker's AddTags)."""
        if step.tags and step.tag_arn:
            call(ctx.clients.get("cloudwatch"), "TagResource",
                 {"ResourceARN": step.tag_arn, "Tags": tagmod.to_tag_list(thaw(step.tags))})
