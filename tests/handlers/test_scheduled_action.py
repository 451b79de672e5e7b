"""Scenarios for the scheduled-action handler (`scheduled-action/endpoint/<ep>/variant/<v>/<name>`): recorded
SageMaker and Application Auto Scaling responses in, change and steps out.

Scheduled actions are children of a scalable target: found with DescribeScheduledActions for each target discovered
from the endpoint's variants, put after their target, deleted before it.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from reconciler.changes import Action
from reconciler.drift import drift_report
from reconciler.frozen import thaw
from reconciler.handlers.scheduled_action import ScheduledActionHandler
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers import answers
from tests.handlers.answers import MODEL_DOC, absent, children, desired_of, endpoint_doc, one, record_applied
from tests.handlers.recorded import Recorded, operations, plan, write
from tests.unit.planner_support import ACCOUNT, REGION

HANDLER = ScheduledActionHandler()
NIGHTLY = ("{scheduledActionName: nightly, schedule: 'cron(0 20 * * ? *)', startTime: 'START', "
           "scalableTargetAction: {minCapacity: 1, maxCapacity: MAX}}")
RID = "endpoint/churn/variant/a"
ACTION = f"scheduled-action/{RID}/nightly"
KEY = {"ServiceNamespace": "sagemaker", "ResourceId": RID,
       "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}


def scaling(start: str = "2026-12-01T00:00:00Z", max_capacity: int = 3, extra: str = "") -> str:
    action = NIGHTLY.replace("START", start).replace("MAX", str(max_capacity))
    if extra:
        action = action[:-1] + f", {extra}}}"
    return f"{{minCapacity: 2, maxCapacity: 6, scheduledActions: [{action}]}}"


def applied(d: Desired, stack: str) -> Live:
    """What Application Auto Scaling holds right after the handler's PutScheduledAction made `d` (owned through
    its endpoint: the endpoint's stack and address tags)."""
    owner = {"reconciler:stack": stack, "reconciler:address": d.spec}
    return Live(d.address, f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:{d.address.name}", owner,
                copy.deepcopy(thaw(d.request)))


def _stack(tmp_path: Path, autoscaling: str | None = None, **endpoint: object) -> Path:
    return write(tmp_path, MODEL_DOC, endpoint_doc(autoscaling=autoscaling or scaling(), **endpoint))  # type: ignore


def _applied(tmp_path: Path, autoscaling: str | None = None) -> tuple[list[Desired], Recorded]:
    ds = desired_of(_stack(tmp_path / "applied", autoscaling))
    recorded = Recorded()
    record_applied(recorded, ds)
    return ds, recorded


def _change(p: Plan) -> object:
    [change] = [c for c in p.changes if c.address == ACTION]
    return change


def test_a_new_scheduled_action_is_put_after_its_target(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s")
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, [one(ds, "model")])
    absent(recorded, one(ds, "endpoint-config"), one(ds, "endpoint"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "CreateEndpoint", "RegisterScalableTarget", "PutScheduledAction"]
    put = p.steps[3]
    assert thaw(put.params) == {**KEY, "ScheduledActionName": "nightly", "Schedule": "cron(0 20 * * ? *)",
                                "StartTime": "2026-12-01T00:00:00Z",
                                "ScalableTargetAction": {"MinCapacity": 1, "MaxCapacity": 3}}
    assert thaw(put.tags) == {"reconciler:scaling": one(ds, "endpoint").extra["scaling_hash"]}
    change = _change(p)
    assert (change.action, change.reason) == (Action.create, "new scheduled action")


def test_an_applied_scheduled_action_plans_nothing(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert ("application-autoscaling", "DescribeScheduledActions",
            {"ServiceNamespace": "sagemaker", "ResourceId": RID}) in recorded.calls


def test_the_field_policy_reads_times_as_utc_and_the_default_time_zone_as_unset(tmp_path: Path) -> None:
    d = one(desired_of(_stack(tmp_path / "s")), "scheduled-action")
    described = answers.scheduled_action(d)
    assert described["Timezone"] == "UTC"
    assert described["StartTime"] == dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)  # a datetime from botocore
    live = Live(d.address, described["ScheduledActionARN"], {}, described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert HANDLER.comparable(applied(d, "demo")) == thaw(d.comparable)
    # the same instant in another offset, and the other spelling of the default zone
    shifted = {**described, "Timezone": "Etc/UTC",
               "StartTime": dt.datetime(2026, 12, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))}
    assert HANDLER.comparable(Live(d.address, "", {}, shifted)) == thaw(d.comparable)
    assert HANDLER.comparable(Live(d.address, "", {}, None)) is None


def test_a_time_zone_the_spec_sets_is_compared(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path, scaling(extra="timezone: Europe/Berlin"))
    assert one(ds, "scheduled-action").request["Timezone"] == "Europe/Berlin"
    assert plan(tmp_path / "applied", recorded)[0].is_empty
    children(recorded, RID, actions=[answers.scheduled_action(one(ds, "scheduled-action"), Timezone="UTC")])
    p, _ = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["PutScheduledAction"]
    assert (_change(p).before.get("timezone"), _change(p).after["timezone"]) == (None, "Europe/Berlin")


def test_a_capacity_change_of_the_schedule_is_one_put(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", scaling(max_capacity=5))
    p, snap = plan(root, recorded)
    assert operations(p) == ["PutScheduledAction"]
    assert thaw(p.steps[0].params["ScalableTargetAction"]) == {"MinCapacity": 1, "MaxCapacity": 5}
    change = _change(p)
    assert (change.action, change.reason) == (Action.update, "scheduled action changes")
    assert (change.before["scalableTargetAction"]["maxCapacity"],
            change.after["scalableTargetAction"]["maxCapacity"]) == (3, 5)
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("pending",)


def test_a_schedule_changed_outside_git_is_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    children(recorded, RID, actions=[answers.scheduled_action(one(ds, "scheduled-action"),
                                                              Schedule="cron(0 22 * * ? *)")])
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["PutScheduledAction"]
    assert p.steps[0].params["Schedule"] == "cron(0 20 * * ? *)"
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_a_scheduled_action_removed_from_the_spec_is_deleted(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(_stack(tmp_path / "s", "{minCapacity: 2, maxCapacity: 6}"), recorded)
    assert operations(p) == ["DeleteScheduledAction"]
    assert thaw(p.steps[0].params) == {**KEY, "ScheduledActionName": "nightly"}
    change = _change(p)
    assert (change.action, change.reason) == (Action.delete, "no longer in its Endpoint's autoscaling spec")


def test_an_instance_type_change_deletes_the_action_first_and_puts_it_again_after_the_target(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", instance="ml.c5.xlarge")
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["DeleteScheduledAction", "DeregisterScalableTarget", "CreateEndpointConfig",
                             "UpdateEndpoint", "RegisterScalableTarget", "PutScheduledAction", "DeleteEndpointConfig"]
    assert thaw(p.steps[0].params) == {**KEY, "ScheduledActionName": "nightly"}
    assert thaw(p.steps[5].params) == thaw(one(ds, "scheduled-action").request)
    assert _change(p).reason == "its scalable target is re-registered around the update of variant a"


def test_deleting_the_endpoint_deletes_its_scheduled_actions_first(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", MODEL_DOC), recorded)
    assert operations(p) == ["DeleteScheduledAction", "DeregisterScalableTarget", "DeleteEndpoint",
                             "DeleteEndpointConfig"]


def test_address_of_a_scheduled_action() -> None:
    from reconciler.addressing import Address

    address = Address("scheduled-action", f"{RID}/nightly")
    assert HANDLER.parent_of(address) == Address("scalable-target", RID)
    assert HANDLER.group(address, None, None) == Address("endpoint", "churn")
