"""EventRule checks on their own: schedule expressions and event patterns EventBridge accepts or refuses."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.kinds.event_rule.checks import pattern_problems, schedule_problem


@pytest.mark.parametrize("expression", ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)",
                                        "rate(1 day)", "cron(0 3 * * ? *)", "cron(0/15 * ? * MON-FRI *)",
                                        "cron(0 12 L * ? 2027)", "cron(0 8 ? * 2#1 *)"])
def test_schedules_eventbridge_runs(expression: str) -> None:
    assert schedule_problem(expression) is None


@pytest.mark.parametrize(("expression", "problem"), [
    ("rate(1 minutes)", "write rate(1 minute)"),
    ("rate(2 hour)", "write rate(2 hours)"),
    ("rate(0 minutes)", "at least 1"),
    ("rate(5 weeks)", "neither rate(value unit) nor cron"),
    ("cron(0 3 * * *)", "has 6 fields"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month (*) and day-of-week (*) must be '?'"),
    ("cron(0 3 ? * ? *)", "exactly one of day-of-month (?) and day-of-week (?) must be '?'"),
    ("cron(0 3 ! * ? *)", "'!' is not a cron field"),
    ("at(2026-12-01T10:00:00)", "neither rate(value unit) nor cron"),
])
def test_schedules_eventbridge_refuses(expression: str, problem: str) -> None:
    found = schedule_problem(expression)
    assert found is not None and problem in found


GOOD: list[Any] = [
    {"source": ["aws.sagemaker"], "detail": {"ModelApprovalStatus": ["Approved"]}},
    {"detail": {"name": [{"prefix": "churn-"}, {"suffix": {"equals-ignore-case": "-PROD"}}]}},
    {"detail": {"score": [{"numeric": [">", 0, "<=", 5]}], "ip": [{"cidr": "10.0.0.0/24"}]}},
    {"detail": {"state": [{"anything-but": ["Failed", "Stopped"]}], "x": [{"anything-but": {"prefix": "tmp"}}]}},
    {"detail": {"tag": [{"exists": False}], "path": [{"wildcard": "models/*/v?"}], "empty": ["", None]}},
    {"$or": [{"source": ["a"]}, {"detail-type": ["b"]}]},
]


@pytest.mark.parametrize("pattern", GOOD)
def test_patterns_eventbridge_accepts(pattern: Any) -> None:
    assert pattern_problems(pattern, ("spec", "eventPattern")) == []


@pytest.mark.parametrize(("pattern", "problem"), [
    ({"source": "aws.sagemaker"}, "source: values to match go in a list"),
    ({"detail": {"v": [{"prefix": 1}]}}, "detail.v[0]: prefix takes a string"),
    ({"detail": {"v": [{"numeric": [">", "5"]}]}}, "numeric takes operators"),
    ({"detail": {"v": [{"numeric": [">"]}]}}, "numeric takes [operator, number]"),
    ({"detail": {"v": [{"exists": "yes"}]}}, "exists takes true or false"),
    ({"detail": {"v": [{"begins-with": "a"}]}}, "unknown operator 'begins-with'"),
    ({"detail": {"v": [{"prefix": "a", "suffix": "b"}]}}, "an operator is one key"),
    ({"detail": {"v": []}}, "an empty list matches nothing"),
    ({"detail": {"v": [["a"]]}}, "not a list"),
    ({"$or": [{"source": ["a"]}]}, "$or takes a list of at least two patterns"),
])
def test_patterns_eventbridge_refuses(pattern: Any, problem: str) -> None:
    problems = pattern_problems(pattern, ("spec", "eventPattern"))
    assert any(problem in text for _, text in problems), problems
