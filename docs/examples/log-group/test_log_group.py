"""Scenarios for the log-group handler (the worked example; install it as tests/handlers/test_log_group.py)."""

from __future__ import annotations

from pathlib import Path

from reconciler.changes import Action
from reconciler.handlers.registry import handlers
from reconciler.kinds import expand, load_stack
from reconciler.resources import Desired, Live
from tests.handlers.recorded import Recorded, operations, plan, tagged, write
from tests.unit.planner_support import ACCOUNT, REGION

DOC = """
apiVersion: reconciler/v1
kind: LogGroup
name: /aws/sagemaker/Endpoints/churn
spec: {retentionInDays: DAYS}
"""
ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/Endpoints/churn"


def applied(d: Desired, stack: str) -> Live:
    """What CloudWatch Logs holds right after the handler's own steps made `d`."""
    data = {"logGroupName": d.address.name, "logGroupArn": ARN, "arn": ARN + ":*", "creationTime": 1,
            "logGroupClass": "STANDARD", "storedBytes": 0, **{k: v for k, v in d.request.items()
                                                                if k == "retentionInDays"}}
    return Live(d.address, ARN, d.tags(stack), data)


def _types() -> tuple[str, ...]:
    return tuple(sorted({h.tagging_type for h in handlers().values() if h.tagging_type}))


def _setup(tmp_path: Path, days: int, live_days: int | None) -> tuple[Path, Recorded, Desired]:
    root = write(tmp_path / "s", DOC.replace("DAYS", str(days)))
    [d] = expand(load_stack(root), REGION, ACCOUNT)
    recorded = Recorded()
    name = d.address.name
    if live_days is None:
        tagged(recorded, [], types=_types())
        recorded.add("logs", "DescribeLogGroups", {"logGroupNamePrefix": name}, {"logGroups": []})
    else:
        tagged(recorded, [(ARN, d.tags("demo"))], types=_types())
        group = {"logGroupName": name, "logGroupArn": ARN, "arn": ARN + ":*", "creationTime": 1796121370160,
                 "retentionInDays": live_days, "metricFilterCount": 0, "storedBytes": 0}  # no class: STANDARD
        recorded.add("logs", "DescribeLogGroups", {"logGroupNamePrefix": name}, {"logGroups": [group]})
    return root, recorded, d


def test_a_new_log_group_is_created_with_its_retention(tmp_path: Path) -> None:
    root, recorded, _ = _setup(tmp_path, 30, None)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateLogGroup", "PutRetentionPolicy"]
    assert p.steps[0].params["tags"]["reconciler:address"] == "LogGroup//aws/sagemaker/Endpoints/churn"
    assert p.changes[0].action is Action.create


def test_an_applied_log_group_plans_nothing(tmp_path: Path) -> None:
    root, recorded, _ = _setup(tmp_path, 30, 30)
    p, _ = plan(root, recorded)
    assert p.is_empty, p.dumps()


def test_a_retention_change_is_one_put_retention_policy(tmp_path: Path) -> None:
    root, recorded, d = _setup(tmp_path, 90, 30)
    p, _ = plan(root, recorded)
    assert operations(p) == ["PutRetentionPolicy"]
    assert p.steps[0].params == {"logGroupName": d.address.name, "retentionInDays": 90}
    assert p.steps[0].tags == {"reconciler:hash": d.state_hash}
    assert (p.changes[0].action, p.changes[0].reason) == (Action.update, "retention changes")
