"""Renderers: golden files for text / Markdown / JSON, colour rules, and display deltas.

Golden files live in tests/golden/. After an intended change to the output, rewrite them
with `UPDATE_GOLDEN=1 pytest tests/unit/test_render.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.plan.model import Action, Change, Orphan, Plan, Step
from reconciler.render import (
    FieldDiff,
    field_diffs,
    render_drift_json,
    render_drift_markdown,
    render_drift_text,
    render_plan_json,
    render_plan_markdown,
    render_plan_text,
    should_color,
)
from reconciler.render.delta import format_value, leaf_fields

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
ANSI = "\x1b["

ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution-role-for-the-churn-prediction-models"


def _tags(spec: str, digest: str) -> dict[str, str]:
    return {
        "reconciler:stack": "demo",
        "reconciler:spec": spec,
        "reconciler:hash": digest,
        "team": "ml-platform",
    }


def _model(name: str, data: str, log_level: str, digest: str) -> dict[str, Any]:
    return {
        "modelName": name,
        "executionRoleArn": ROLE,
        "primaryContainer": {
            "image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "modelDataUrl": f"s3://demo-models/churn/{data}/model.tar.gz",
            "environment": {
                "LOG_LEVEL": log_level,
                "SAGEMAKER_PROGRAM": "inference.py",
                "SAGEMAKER_REGION": "us-east-1",
                "MODEL_SERVER_WORKERS": "2",
                "MODEL_SERVER_TIMEOUT": "60",
                "OMP_NUM_THREADS": "1",
            },
        },
        "enableNetworkIsolation": False,
        "vpcConfig": {"securityGroupIds": ["sg-0123"], "subnets": ["subnet-a", "subnet-b"]},
        "tags": _tags("Model/churn-xgb", digest),
    }


def _variant(name: str, model: str, instance_type: str, weight: float) -> dict[str, Any]:
    return {
        "variantName": name,
        "modelName": model,
        "instanceType": instance_type,
        "initialInstanceCount": 2,
        "initialVariantWeight": weight,
    }


def make_plan() -> Plan:
    """A plan with one change of each action, steps with and without descriptions,
    an orphan and a warning."""
    old_config = {
        "endpointConfigName": "churn-11111111",
        "productionVariants": [
            _variant("a", "churn-xgb-00000000", "ml.m5.large", 0.5),
            _variant("b", "churn-xgb-00000000", "ml.m5.large", 0.5),
        ],
        "tags": _tags("Endpoint/churn", "11111111"),
    }
    new_config = {
        "endpointConfigName": "churn-9f8e7d6c",
        # variants listed in the other order: not a change by itself
        "productionVariants": [
            _variant("b", "churn-xgb-1a2b3c4d", "ml.m5.large", 0.5),
            _variant("a", "churn-xgb-1a2b3c4d", "ml.m5.xlarge", 0.5),
        ],
        "dataCaptureConfig": {
            "enableCapture": True,
            "initialSamplingPercentage": 20,
            "destinationS3Uri": "s3://demo-capture/churn/" + "x" * 80,
            "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
        },
        "tags": _tags("Endpoint/churn", "9f8e7d6c"),
    }
    changes = (
        Change(
            address="model/churn-xgb-1a2b3c4d",
            spec="Model/churn-xgb",
            action=Action.create,
            reason="new model",
            after=_model("churn-xgb-1a2b3c4d", "v2", "info", "1a2b3c4d"),
        ),
        Change(
            address="endpoint/churn",
            spec="Endpoint/churn",
            action=Action.update,
            reason="only variant weights change; no redeploy",
            before={
                "endpointConfigName": "churn-9f8e7d6c",
                "variants": {
                    "a": {"weight": 0.5, "instanceCount": 2},
                    "b": {"weight": 0.5, "instanceCount": 2},
                },
                "tags": _tags("Endpoint/churn", "aaaaaaaa"),
            },
            after={
                "endpointConfigName": "churn-9f8e7d6c",
                "variants": {
                    "a": {"weight": 0.8, "instanceCount": 2},
                    "b": {"weight": 0.2, "instanceCount": 2},
                },
                "tags": _tags("Endpoint/churn", "bbbbbbbb"),
            },
        ),
        Change(
            address="endpoint-config/churn-9f8e7d6c",
            spec="Endpoint/churn",
            action=Action.replace,
            reason="productionVariants changed",
            before=old_config,
            after=new_config,
            replaces="endpoint-config/churn-11111111",
        ),
        Change(
            address="model/churn-xgb-00000000",
            spec="Model/churn-xgb",
            action=Action.delete,
            reason="superseded; no endpoint uses it",
            before=_model("churn-xgb-00000000", "v1", "debug", "00000000"),
        ),
    )
    steps = (
        Step("CreateModel", "model/churn-xgb-1a2b3c4d", {"ModelName": "churn-xgb-1a2b3c4d"}),
        Step(
            "CreateEndpointConfig",
            "endpoint-config/churn-9f8e7d6c",
            {"EndpointConfigName": "churn-9f8e7d6c"},
            description="new config for the replaced variants",
        ),
        Step(
            "UpdateEndpointWeightsAndCapacities",
            "endpoint/churn",
            {
                "EndpointName": "churn",
                "DesiredWeightsAndCapacities": [{"VariantName": "a", "DesiredWeight": 0.8}],
            },
            tags={"reconciler:hash": "bbbbbbbb"},
        ),
        Step(
            "DeleteEndpointConfig", "endpoint-config/churn-11111111", {"EndpointConfigName": "churn-11111111"}
        ),
        Step("DeleteModel", "model/churn-xgb-00000000", {"ModelName": "churn-xgb-00000000"}),
    )
    return Plan(
        stack="demo",
        region="us-east-1",
        account="123456789012",
        changes=changes,
        steps=steps,
        fingerprints={"endpoint/churn": "f" * 64, "model/churn-xgb-00000000": "0" * 64},
        orphans=(Orphan("alarm/churn-latency-high", "Alarm/churn-latency"),),
        warnings=(
            "Endpoint/churn: variant a is autoscaled (2-6 instances); its live instance count is kept",
        ),
    )


def make_empty_plan() -> Plan:
    return Plan(stack="demo", region="us-east-1", account="123456789012")


def make_drift() -> DriftReport:
    endpoint_live = {
        "endpointConfigName": "churn-9f8e7d6c",
        "variants": {"a": {"weight": 0.5, "instanceCount": 2}, "b": {"weight": 0.5, "instanceCount": 2}},
        "tags": {**_tags("Endpoint/churn", "bbbbbbbb"), "owner": "someone-in-the-console"},
    }
    endpoint_desired = {
        "endpointConfigName": "churn-9f8e7d6c",
        "variants": {"a": {"weight": 0.8, "instanceCount": 2}, "b": {"weight": 0.2, "instanceCount": 2}},
        "tags": _tags("Endpoint/churn", "bbbbbbbb"),
    }
    alarm = {
        "alarmName": "churn-latency-high",
        "metricName": "ModelLatency",
        "threshold": 250000,
        "evaluationPeriods": 3,
        "dimensions": [{"name": "EndpointName", "value": "churn"}, {"name": "VariantName", "value": "a"}],
    }
    return DriftReport(
        stack="demo",
        region="us-east-1",
        account="123456789012",
        entries=(
            DriftEntry(
                address="endpoint/churn",
                spec="Endpoint/churn",
                labels=("drift",),
                action="update",
                reason="live changed outside git since the last apply",
                live=endpoint_live,
                desired=endpoint_desired,
            ),
            DriftEntry(
                address="model/churn-xgb-1a2b3c4d",
                spec="Model/churn-xgb",
                labels=("pending",),
                action="create",
                reason="spec changed since the last apply",
                live=None,
                desired=_model("churn-xgb-1a2b3c4d", "v2", "info", "1a2b3c4d"),
            ),
            DriftEntry(
                address="alarm/churn-latency-high",
                spec="Alarm/churn-latency",
                labels=("drift", "pending"),
                action="update",
                reason="changed outside git, and the spec changed too",
                live={**alarm, "threshold": 500000, "dimensions": list(reversed(alarm["dimensions"]))},
                desired={**alarm, "evaluationPeriods": 5},
            ),
        ),
        checked=12,
    )


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    with path.open(encoding="utf-8", newline="") as handle:
        expected = handle.read()
    assert text == expected, f"{name} differs (UPDATE_GOLDEN=1 rewrites)"


# -- golden files -------------------------------------------------------------------------------


def test_plan_text_golden() -> None:
    check_golden("plan_text.txt", render_plan_text(make_plan(), color=False))


def test_plan_markdown_golden() -> None:
    check_golden("plan_markdown.md", render_plan_markdown(make_plan()))


def test_plan_empty_golden() -> None:
    text = render_plan_text(make_empty_plan(), color=False)
    assert text == 'No changes. Live AWS matches the specs for stack "demo".\n'
    check_golden("plan_empty.txt", text)


def test_drift_text_golden() -> None:
    check_golden("drift_text.txt", render_drift_text(make_drift(), color=False))


def test_drift_markdown_golden() -> None:
    check_golden("drift_markdown.md", render_drift_markdown(make_drift()))


def test_plan_json_golden() -> None:
    check_golden("plan.json", render_plan_json(make_plan()))


# -- plan text details --------------------------------------------------------------------------


def test_plan_text_shape() -> None:
    text = render_plan_text(make_plan(), color=False)
    lines = text.splitlines()
    assert lines[0] == 'Plan for stack "demo" (region us-east-1, account 123456789012)'
    assert "  + model/churn-xgb-1a2b3c4d  (Model/churn-xgb)" in lines
    assert "  ~ endpoint/churn  (Endpoint/churn)" in lines
    assert "  -/+ endpoint-config/churn-9f8e7d6c  (Endpoint/churn)" in lines
    assert "  - model/churn-xgb-00000000  (Model/churn-xgb)" in lines
    assert "      replace: replaces endpoint-config/churn-11111111 (productionVariants changed)" in lines
    assert "      ~ variants.a.weight: 0.5 -> 0.8" in lines
    assert '      ~ productionVariants[a].instanceType: "ml.m5.large" -> "ml.m5.xlarge"' in lines
    assert any(line.strip().startswith("... ") and line.endswith("more fields") for line in lines)
    assert lines[-1] == "Plan: 1 to create, 1 to update, 1 to replace, 1 to delete."
    assert any(line.startswith("Warning: Endpoint/churn") for line in lines)
    assert any("prune: false" in line and "prune: true" in line for line in lines)
    assert "    alarm/churn-latency-high  (Alarm/churn-latency)" in lines


def test_create_lists_at_most_fifteen_field_lines_and_delete_none() -> None:
    lines = render_plan_text(make_plan(), color=False).splitlines()
    start = lines.index("  + model/churn-xgb-1a2b3c4d  (Model/churn-xgb)")
    end = lines.index("  ~ endpoint/churn  (Endpoint/churn)")
    fields = [line for line in lines[start + 2 : end] if line]
    assert len(fields) == 15
    assert fields[-1] == "      ... 3 more fields"
    delete = lines.index("  - model/churn-xgb-00000000  (Model/churn-xgb)")
    assert lines[delete + 1] == "      delete: superseded; no endpoint uses it"
    assert lines[delete + 2] == ""


def test_long_values_are_shortened() -> None:
    text = render_plan_text(make_plan(), color=False)
    assert '+ dataCaptureConfig.destinationS3Uri: "s3://demo-capture/churn/xxx' in text
    assert "x" * 100 not in text
    assert format_value("y" * 200).endswith("...")
    assert len(format_value("y" * 200)) == 80


def test_empty_plan_keeps_orphans_and_warnings() -> None:
    plan = Plan(
        stack="demo",
        region="us-east-1",
        account="123456789012",
        orphans=(Orphan("model/old-1", None),),
        warnings=("something to know",),
    )
    text = render_plan_text(plan, color=False)
    assert text.startswith('No changes. Live AWS matches the specs for stack "demo".\n')
    assert "    model/old-1\n" in text
    assert "Warning: something to know\n" in text
    markdown = render_plan_markdown(plan)
    assert "No changes." in markdown
    assert "`model/old-1`" in markdown


# -- colour -------------------------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_plan_text, render_drift_text])
def test_no_ansi_without_color_and_ansi_with_color(render: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # the explicit argument wins over the environment
    value = make_plan() if render is render_plan_text else make_drift()
    plain = render(value, color=False)
    colored = render(value, color=True)
    assert ANSI not in plain and "\x1b" not in plain
    assert ANSI in colored
    # same words either way
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


def test_color_output_keeps_brackets_literal() -> None:
    colored = render_plan_text(make_plan(), color=True)
    assert "productionVariants[a].instanceType" in colored


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_should_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert should_color(_Stream(True)) is True
    assert should_color(_Stream(False)) is False
    assert should_color(object()) is False
    monkeypatch.setenv("NO_COLOR", "")
    assert should_color(_Stream(True)) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert should_color(_Stream(True)) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert should_color(_Stream(True)) is False


# -- field diffs --------------------------------------------------------------------------------


def test_field_diffs_equal_inputs_do_not_need_deepdiff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "deepdiff", None)  # any import of deepdiff would now fail
    state = _model("m-1", "v1", "info", "1")
    assert field_diffs(state, json.loads(json.dumps(state))) == []
    assert field_diffs(Change("a", None, Action.update, "", state, state).before, state) == []
    assert field_diffs(None, None) == []


def test_reordering_keyed_variants_is_not_a_change() -> None:
    a, b = _variant("a", "m", "ml.m5.large", 0.5), _variant("b", "m", "ml.m5.large", 0.5)
    assert field_diffs({"productionVariants": [a, b]}, {"productionVariants": [b, a]}) == []


def test_keyed_list_diffs_by_variant_name() -> None:
    a, b = _variant("a", "m", "ml.m5.large", 0.5), _variant("b", "m", "ml.m5.large", 0.5)
    c = _variant("c", "m", "ml.g5.xlarge", 0.0)
    before = {"productionVariants": [a, b]}
    after = {"productionVariants": [c, {**b, "initialInstanceCount": 4}]}
    assert field_diffs(before, after) == [
        FieldDiff("productionVariants[a]", "removed", a, None),
        FieldDiff("productionVariants[b].initialInstanceCount", "changed", 2, 4),
        FieldDiff("productionVariants[c]", "added", None, c),
    ]


def test_field_diff_paths() -> None:
    before = {
        "primaryContainer": {"environment": {"LOG_LEVEL": "info", "a.b": "1"}},
        "vpcConfig": {"subnets": ["s-1", "s-2"]},
        "containers": [{"image": "i:1"}],
        "targets": [{"id": "t1", "arn": "x"}],
    }
    after = {
        "primaryContainer": {"environment": {"LOG_LEVEL": "debug"}},
        "vpcConfig": {"subnets": ["s-1", "s-3"]},
        "containers": [{"image": "i:2"}],
        "targets": [{"id": "t1", "arn": "y"}],
        "enableNetworkIsolation": True,
    }
    assert field_diffs(before, after) == [
        FieldDiff("containers[0].image", "changed", "i:1", "i:2"),
        FieldDiff("enableNetworkIsolation", "added", None, True),
        FieldDiff("primaryContainer.environment.LOG_LEVEL", "changed", "info", "debug"),
        FieldDiff('primaryContainer.environment["a.b"]', "removed", "1", None),
        FieldDiff("targets[t1].arn", "changed", "x", "y"),
        FieldDiff("vpcConfig.subnets", "changed", ["s-1", "s-2"], ["s-1", "s-3"]),
    ]


def test_field_diffs_against_absent_state() -> None:
    assert field_diffs(None, {"a": 1}) == [FieldDiff("a", "added", None, 1)]
    assert field_diffs({"a": {"b": 1}}, None) == [FieldDiff("a", "removed", {"b": 1}, None)]


def test_leaf_fields_use_identity_keys() -> None:
    state = {"productionVariants": [{"variantName": "a", "weight": 1}], "tags": {}}
    assert leaf_fields(state) == [
        ("productionVariants[a].variantName", "a"),
        ("productionVariants[a].weight", 1),
        ("tags", {}),
    ]


# -- JSON ---------------------------------------------------------------------------------------


def test_plan_json_round_trip() -> None:
    plan = make_plan()
    rendered = render_plan_json(plan)
    assert rendered == plan.dumps()
    assert Plan.loads(rendered) == plan


def test_drift_json() -> None:
    report = make_drift()
    rendered = render_drift_json(report)
    assert rendered.endswith("\n")
    data = json.loads(rendered)
    assert data == report.to_json()
    assert (data["differ"], data["drift"], data["pending"], data["checked"]) == (3, 2, 1, 12)  # resources, once each


def test_in_sync_drift() -> None:
    report = DriftReport(stack="demo", region="us-east-1", account="123456789012", checked=7)
    text = render_drift_text(report, color=False)
    assert text.splitlines()[-1] == "In sync: 7 resources checked, no drift."
    assert "In sync: 7 resources checked, no drift." in render_drift_markdown(report)
