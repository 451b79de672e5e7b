"""The HTML page renderer: structure, escaping, self-containment and the rollout timelines.

The page is parsed with the standard library's `html.parser`, so the checks read elements and
attributes, not substrings. `sample_plan()` is also the page the browser test renders.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.plan.model import Action, Change, Plan, Step
from reconciler.render.html import (
    format_duration,
    render_drift_html,
    render_plan_html,
    rollout_svg,
    rollout_timeline,
)
from tests.unit.test_render import make_drift, make_plan

XSS = "<script>alert(1)</script>"

CANARY = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 25},
            "WaitIntervalInSeconds": 600,
        },
        "TerminationWaitInSeconds": 300,
        "MaximumExecutionTimeoutInSeconds": 3600,
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}, {"AlarmName": "churn-latency"}]},
}
LINEAR_SPEC_FORM = {  # as an endpoint change's after["deploymentConfig"] holds it
    "blueGreenUpdatePolicy": {
        "trafficRoutingConfiguration": {
            "type": "LINEAR",
            "linearStepSize": {"type": "CAPACITY_PERCENT", "value": 30},
            "waitIntervalInSeconds": 120,
        },
        "terminationWaitInSeconds": 60,
    },
    "autoRollbackConfiguration": {"alarms": [{"alarmName": "fraud-errors"}]},
}
ROLLING = {
    "RollingUpdatePolicy": {
        "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
        "WaitIntervalInSeconds": 300,
        "MaximumExecutionTimeoutInSeconds": 7200,
        "RollbackMaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
    },
}


def sample_plan() -> Plan:
    """The golden plan of test_render plus an endpoint rollout, a pipeline, a policy change and a hostile value."""
    base = make_plan()
    endpoint = {"endpointConfigName": "fraud-aaaa", "variants": {"main": {"weight": 1.0, "instanceCount": 2}}}
    extra = (
        Change("endpoint/fraud", "Endpoint/fraud", Action.update,
               "serves endpoint config fraud-bbbb (was fraud-aaaa); rollout: blue/green canary of 25%",
               before=endpoint, after={**endpoint, "endpointConfigName": "fraud-bbbb"}),
        Change("endpoint/scoring", "Endpoint/scoring", Action.update,
               "rollout policy changes, takes effect at the next update",
               before={"endpointConfigName": "scoring-1", "deploymentConfig": None},
               after={"endpointConfigName": "scoring-1", "deploymentConfig": LINEAR_SPEC_FORM}),
        Change("pipeline/train", "Pipeline/train", Action.update, "definition changes",
               before={"definition": {"steps": 2}}, after={"definition": {"steps": 3}},
               details=("~ step Train: instanceType ml.m5.xlarge -> ml.m5.2xlarge", "+ step Evaluate (Processing)")),
        Change("model/hostile", "Model/hostile", Action.create, "new model",
               after={"modelName": "hostile", "environment": {"NOTE": XSS}, "docs": "see https://example.com/x"}),
    )
    steps = (
        *base.steps,
        Step("UpdateEndpoint", "endpoint/fraud",
             {"EndpointName": "fraud", "EndpointConfigName": "fraud-bbbb", "DeploymentConfig": CANARY},
             "deploy the new config: blue/green canary of 25%"),
    )
    return Plan(stack="demo", region="us-east-1", account="123456789012", changes=(*base.changes, *extra),
                steps=steps, orphans=base.orphans, warnings=(*base.warnings, f"a warning with {XSS}"),
                notes=("shadow test fraud-shadow is running",))


class Page(HTMLParser):
    """Elements as (tag, attrs, text directly inside) plus the text outside tags, for structural checks."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self.stack: list[int] = []
        self.texts: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, []))
        if tag not in {"meta", "br", "img", "link", "input", "hr"}:
            self.stack.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.elements[self.stack.pop()][0] == tag:
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self.stack:
            self.elements[self.stack[-1]][2].append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str]]:
        def matches(have: dict[str, str]) -> bool:
            for key, want in attrs.items():
                key = key.rstrip("_").replace("_", "-")
                if key == "class":
                    if want not in have.get("class", "").split():
                        return False
                elif have.get(key) != want:
                    return False
            return True

        return [a for t, a, _ in self.elements if (tag is None or t == tag) and matches(a)]

    def text(self) -> str:
        return "".join(self.texts)


@pytest.fixture(scope="module")
def plan_page() -> tuple[str, Page]:
    text = render_plan_html(sample_plan())
    return text, Page(text)


def test_plan_summary_bar_counts(plan_page: tuple[str, Page]) -> None:
    _, page = plan_page
    assert page.find("header", class_="summary-bar")
    counts = {a["data-action"]: int(a["data-count"]) for a in page.find("span", class_="count")}
    assert counts == {"create": 2, "update": 4, "replace": 1, "delete": 1}


def test_one_section_per_spec_document_in_first_seen_order(plan_page: tuple[str, Page]) -> None:
    _, page = plan_page
    specs = [a["data-spec"] for a in page.find("section", class_="spec-group")]
    assert specs == ["Model/churn-xgb", "Endpoint/churn", "Endpoint/fraud", "Endpoint/scoring", "Pipeline/train",
                     "Model/hostile"]
    addresses = [a["data-address"] for a in page.find("article", class_="change")]
    assert len(addresses) == len(sample_plan().changes)


def test_field_diffs_and_handler_details_are_shown(plan_page: tuple[str, Page]) -> None:
    _, page = plan_page
    text = page.text()
    assert 'productionVariants[a].instanceType: "ml.m5.large" -> "ml.m5.xlarge"' in text
    assert "variants.a.weight: 0.5 -> 0.8" in text
    assert "step Train: instanceType ml.m5.xlarge -> ml.m5.2xlarge" in text  # the pipeline's own lines
    assert "step Evaluate (Processing)" in text
    assert page.find("li", class_="field-add") and page.find("li", class_="field-chg")
    assert [a["data-operation"] for a in page.find("li", class_="step")][-1] == "UpdateEndpoint"
    assert "alarm/churn-latency-high" in text  # the orphan


def test_values_are_escaped(plan_page: tuple[str, Page]) -> None:
    raw, page = plan_page
    assert XSS not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert XSS in page.text()  # shown as text, literally
    assert len(page.find("script")) == 1  # only the page's own script


def test_escaping_covers_addresses_specs_and_reasons() -> None:
    plan = Plan("st<a>ck", "us-east-1", "1", changes=(
        Change('model/"x"', '<b>Model</b>', Action.create, f"because {XSS}", after={"k": "v"}),))
    raw = render_plan_html(plan)
    assert "<b>Model</b>" not in raw and 'data-address="model/&quot;x&quot;"' in raw
    assert "st<a>ck" not in raw and XSS not in raw


def test_page_is_self_contained(plan_page: tuple[str, Page]) -> None:
    raw, page = plan_page
    for tag, attrs, _ in page.elements:
        for key, value in attrs.items():
            assert not re.search(r"https?://|//", value or ""), (tag, key, value)
            assert key not in {"src", "href"} or value.startswith("#"), (tag, key)
        assert tag not in {"link", "img", "iframe", "object", "embed"}
    assert "https://example.com/x" in page.text()  # URLs only as text
    style = raw[raw.index("<style>"):raw.index("</style>")]
    assert "url(" not in style and "@import" not in style and "http" not in style
    script = raw[raw.index("<script>"):raw.index("</script>")]
    assert "http" not in script and "fetch" not in script and "XMLHttpRequest" not in script
    csp = page.find("meta", http_equiv="Content-Security-Policy")
    assert csp and csp[0]["content"].startswith("default-src 'none'")


def test_canary_timeline_from_the_update_step() -> None:
    timeline = rollout_timeline(CANARY)
    assert [(s.kind, s.seconds) for s in timeline.segments] == [
        ("shift", 0), ("bake", 600), ("shift", 0), ("termination", 300)]
    assert timeline.segments[0].label == "canary 25%"
    assert timeline.waits == 900 and timeline.worst_case == 3600
    assert timeline.alarms == ("churn-5xx", "churn-latency")
    svg = rollout_svg(timeline)
    assert svg.count('class="segment"') == 4
    assert "total worst case 1 h (policy waits 15 min)" in svg


def test_linear_timeline_has_one_segment_per_step_until_100_percent() -> None:
    timeline = rollout_timeline(LINEAR_SPEC_FORM)  # spec form (camelCase) reads as the API form
    shifts = [s.label for s in timeline.segments if s.kind == "shift"]
    assert shifts == ["30%", "60%", "90%", "100%"]
    assert [s.seconds for s in timeline.segments if s.kind == "bake"] == [120] * 4
    assert timeline.segments[-1].kind == "termination" and timeline.segments[-1].seconds == 60
    assert timeline.waits == timeline.worst_case == 4 * 120 + 60
    assert timeline.alarms == ("fraud-errors",)
    assert "total worst case 9 min" in rollout_svg(timeline)


def test_rolling_timeline_batches_and_rollback_batch() -> None:
    timeline = rollout_timeline(ROLLING)
    assert [(s.kind, s.seconds) for s in timeline.segments] == [("batch", 0), ("bake", 300), ("batch", 0),
                                                                 ("bake", 300)]
    assert timeline.waits == 600 and timeline.worst_case == 7200
    assert any("2 instance(s) at a time" in n for n in timeline.notes)
    assert timeline.alarms == ()


def test_default_and_instance_count_policies() -> None:
    default = rollout_timeline(None)
    assert [(s.kind, s.seconds) for s in default.segments] == [("shift", 0)]
    assert default.worst_case == 0 and "default" in default.title
    counted = rollout_timeline({"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {
        "Type": "LINEAR", "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1}, "WaitIntervalInSeconds": 60}}})
    assert sum(1 for s in counted.segments if s.kind == "shift") == 10
    assert counted.worst_case == 600 and any("fleet size is not known" in n for n in counted.notes)


def test_timelines_on_the_page(plan_page: tuple[str, Page]) -> None:
    raw, page = plan_page
    rollouts = {a["data-source"]: int(a["data-total-seconds"]) for a in page.find("div", class_="rollout")}
    assert rollouts == {"step": 3600, "change": 540}  # fraud: UpdateEndpoint step; scoring: the changed policy
    assert len(page.find("svg", class_="timeline")) == 2
    assert "churn-5xx" in page.text() and "fraud-errors" in page.text()
    assert "endpoint/churn" in raw and raw.count('class="rollout"') == 2  # a weights-only update has none


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 45, 600, 3900, 150)] == ["0 s", "45 s", "10 min", "1 h 5 min",
                                                                   "2 min 30 s"]


def test_empty_plan_page() -> None:
    page = Page(render_plan_html(Plan("demo", "us-east-1", "1")))
    assert page.find("p", class_="empty") and not page.find("section", class_="spec-group")
    assert all(a["data-count"] == "0" for a in page.find("span", class_="count"))


def test_drift_page_labels_groups_and_diffs() -> None:
    report = make_drift()
    report = DriftReport(report.stack, report.region, report.account, (*report.entries, DriftEntry(
        "endpoint/x", None, ("pending",), "update", f"reason {XSS}", live={"a": 1}, desired={"a": XSS})),
        checked=report.checked, notes=("endpoint/fraud is managed by a shadow test",))
    raw = render_drift_html(report)
    page = Page(raw)
    assert XSS not in raw
    counts = {a["data-label"]: int(a["data-count"]) for a in page.find("span", class_="count")}
    assert counts == {"drift": 2, "pending": 2, "checked": 12}
    assert [a["data-spec"] for a in page.find("section", class_="spec-group")] == [
        "Endpoint/churn", "Model/churn-xgb", "Alarm/churn-latency", "(no spec document)"]
    labels = [a["data-labels"] for a in page.find("article", class_="entry")]
    assert labels == ["drift", "pending", "drift pending", "pending"]
    assert len(page.find("span", class_="label-drift")) == 2
    assert "threshold: 500000 -> 250000" in page.text()
    assert "live -> desired" in page.text()
    assert "managed by a shadow test" in page.text()


def test_plan_page_is_well_nested(plan_page: tuple[str, Page]) -> None:
    raw, _ = plan_page

    class Strict(HTMLParser):
        void = {"meta", "br", "img", "link", "input", "hr"}

        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag not in self.void:
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.open and self.open[-1] == tag, (tag, self.open[-3:])
            self.open.pop()

    parser = Strict()
    parser.feed(raw)
    assert parser.open == []
