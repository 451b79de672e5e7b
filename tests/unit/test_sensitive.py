"""Sensitive values: `sensitive:` paths and the default environment keys, masked in rendered plans, drift
reports and error text, compared by hash; the plan itself (and its file) keeps the real values."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from reconciler import sensitive
from reconciler.changes import Action, Change, Step
from reconciler.drift import drift_report
from reconciler.drift_model import DriftEntry, DriftReport
from reconciler.errors import ApplyError, SpecError
from reconciler.kinds import load_stack
from reconciler.plan.model import Plan
from reconciler.render import (
    render_drift_json,
    render_drift_markdown,
    render_drift_text,
    render_plan_json,
    render_plan_markdown,
    render_plan_text,
)
from tests.unit.planner_support import applied_state, plan_for

SECRET = "sk-live-0123456789abcdef"  # API_KEY: masked by default
DB_URL = "postgres://app:hunter2-correct-horse@db:5432/app"  # DB_URL: masked because the document says so
SIDECAR = "sidecar-pass-9f8e7d6c"  # containers[*]: a wildcard path

STACK = """
apiVersion: reconciler/v1
kind: Stack
name: demo
spec: {region: us-east-1, prune: true}
"""
MODEL = """
apiVersion: reconciler/v1
kind: Model
name: churn
sensitive:
  - spec.primaryContainer.environment.DB_URL
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/Exec
  primaryContainer:
    image: "123.dkr.ecr.us-east-1.amazonaws.com/xgb:1"
    modelDataUrl: s3://b/m1.tar.gz
    environment: {API_KEY: "API", DB_URL: "DBURL", LOG_LEVEL: info}
"""
PIPELINE_MODEL = """
apiVersion: reconciler/v1
kind: Model
name: chain
sensitive: ["spec.containers[*].environment.SIDECAR_CONF"]
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/Exec
  containers:
    - {image: "123.dkr.ecr.us-east-1.amazonaws.com/pre:1", environment: {SIDECAR_CONF: "SIDE", MODE: a}}
    - {image: "123.dkr.ecr.us-east-1.amazonaws.com/xgb:1", modelDataUrl: s3://b/m1.tar.gz}
"""


def write(root: Path, *, api_key: str = SECRET, db_url: str = DB_URL, log_level: str = "info",
          chain: bool = False, sensitive_lines: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for f in root.glob("*.yaml"):
        f.unlink()
    (root / "stack.yaml").write_text(textwrap.dedent(STACK))
    model = (textwrap.dedent(MODEL).replace('"API"', json.dumps(api_key)).replace('"DBURL"', json.dumps(db_url))
             .replace("LOG_LEVEL: info", f"LOG_LEVEL: {log_level}"))
    if sensitive_lines is not None:
        model = model.replace("sensitive:\n  - spec.primaryContainer.environment.DB_URL\n", sensitive_lines)
    (root / "model.yaml").write_text(model)
    if chain:
        (root / "chain.yaml").write_text(textwrap.dedent(PIPELINE_MODEL).replace('"SIDE"', json.dumps(SIDECAR)))
    return root


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return write(tmp_path / "stack", chain=True)


def rendered(plan: Plan) -> dict[str, str]:
    return {"text": render_plan_text(plan, color=False), "markdown": render_plan_markdown(plan),
            "json": render_plan_json(plan)}


# --- paths and default patterns --------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["API_KEY", "db_password", "HF_TOKEN", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY",
                                 "AWS_ACCESS_KEY_ID", "StripeApiKey".upper(), "MY_APIKEY", "SSH_PRIVATE_KEY",
                                 "GOOGLE_APPLICATION_CREDENTIALS", "ACCESS_TOKEN_VALUE", "MYSQL_PWD",
                                 "Client_Secret", "AZURE_CONNECTION_STRING"])
def test_default_patterns_cover_common_secret_names(key: str) -> None:
    assert sensitive.is_default_sensitive(key)


@pytest.mark.parametrize("key", ["LOG_LEVEL", "SAGEMAKER_PROGRAM", "TOKENIZERS_PARALLELISM", "MAX_TOKENS",
                                 "MODEL_SERVER_WORKERS", "S3_KEY_PREFIX", "PWD_DIR"])
def test_default_patterns_leave_ordinary_names(key: str) -> None:
    assert not sensitive.is_default_sensitive(key)


def test_paths_parse_with_wildcards_indexes_and_quoted_keys() -> None:
    assert sensitive.parse_path("spec.primaryContainer.environment.API_KEY") == (
        "primaryContainer", "environment", "API_KEY")
    assert sensitive.parse_path("spec.containers[*].environment.DB_PASSWORD") == (
        "containers", None, "environment", "DB_PASSWORD")
    assert sensitive.parse_path('spec.containers[1].environment["a.b"]') == ("containers", 1, "environment", "a.b")
    assert sensitive.parse_path("spec.*.environment.X") == (None, "environment", "X")
    for bad in ("primaryContainer.environment.X", "spec", "spec..a", "spec.a[", "spec.a]b", "", "specx.a"):
        with pytest.raises(sensitive.PathError):
            sensitive.parse_path(bad)


def test_only_environment_maps_get_the_default_patterns() -> None:
    tree = {"environment": {"API_KEY": "v1", "LOG": "info"}, "API_KEY": "top", "tags": {"API_KEY": "t"},
            "Environment": {"DB_PASSWORD": "v2"}}
    masked = sensitive.mask_tree(tree)
    assert sensitive.is_marker(masked["environment"]["API_KEY"]) and masked["environment"]["LOG"] == "info"
    assert sensitive.is_marker(masked["Environment"]["DB_PASSWORD"])  # the API form
    assert masked["API_KEY"] == "top" and masked["tags"] == {"API_KEY": "t"}


def test_explicit_paths_match_the_spec_form_and_the_api_form() -> None:
    paths = ["spec.primaryContainer.environment.DB_URL", "spec.containers[*].environment.X", "spec.vpcConfig"]
    comparable = {"primaryContainer": {"environment": {"DB_URL": "a"}}, "containers": [{"environment": {"X": "b"}},
                  {"environment": {"Y": "c"}}], "vpcConfig": {"subnets": ["s"]}}
    params = {"PrimaryContainer": {"Environment": {"DB_URL": "a"}}, "Containers": [{"Environment": {"X": "b"}}],
              "VpcConfig": {"Subnets": ["s"]}}
    found: set[str] = set()
    spec_form = sensitive.mask_tree(comparable, paths, found)
    api_form = sensitive.mask_tree(params, paths, found)
    assert spec_form["primaryContainer"]["environment"]["DB_URL"] == api_form["PrimaryContainer"]["Environment"][
        "DB_URL"] == sensitive.marker("a")
    assert spec_form["containers"][0]["environment"]["X"] == api_form["Containers"][0]["Environment"]["X"]
    assert spec_form["containers"][1] == {"environment": {"Y": "c"}}
    assert sensitive.is_marker(spec_form["vpcConfig"]) and sensitive.is_marker(api_form["VpcConfig"])  # a subtree
    assert {"a", "b", "s"} <= found


def test_markers_hash_the_value_equal_stays_equal() -> None:
    assert sensitive.marker("x") == sensitive.marker("x") != sensitive.marker("y")
    assert sensitive.is_marker(sensitive.marker("x")) and sensitive.is_marker(sensitive.MARKER)
    assert SECRET not in sensitive.marker(SECRET) and len(sensitive.marker(SECRET)) == len("(sensitive sha256:)") + 8
    assert sensitive.changed_text(sensitive.marker("x"), sensitive.marker("y")) == "(sensitive value changed)"
    assert sensitive.changed_text(sensitive.marker("x"), sensitive.marker("x")) is None
    assert sensitive.changed_text("a", "b") is None


# --- validation ---------------------------------------------------------------------------------------------
def test_validation_reads_sensitive_paths_and_carries_them_to_desired(root: Path) -> None:
    stack = load_stack(root)
    doc = stack.get("Model/churn")
    assert doc is not None and doc.sensitive == ("spec.primaryContainer.environment.DB_URL",)
    _, snap = plan_for(root, {})
    assert {d.spec: d.sensitive for d in snap.desired.values()} == {
        "Model/churn": ("spec.primaryContainer.environment.DB_URL",),
        "Model/chain": ("spec.containers[*].environment.SIDECAR_CONF",)}
    assert sensitive.rules_of(stack) == sensitive.rules_of(snap) == sensitive.rules_of(snap.desired.values())


@pytest.mark.parametrize(("lines", "message"), [
    ("sensitive: spec.x\n", "sensitive: expected a list of spec paths"),
    ("sensitive: [3]\n", "sensitive[0]: expected a spec path (spec.a.b), got 3"),
    ("sensitive: [primaryContainer.environment.DB_URL]\n", "sensitive[0]: 'primaryContainer.environment.DB_URL' "
                                                          "must start with 'spec.'"),
    ("sensitive: ['spec.a[']\n", "sensitive[0]: 'spec.a[' is not a path"),
    ("sensitive: [spec.primaryContainer.environment.DB_UR]\n",
     "sensitive[0]: 'spec.primaryContainer.environment.DB_UR' matches nothing in the spec of Model/churn: "
     "spec.primaryContainer.environment has no 'DB_UR' (did you mean 'DB_URL'?)"),
])
def test_bad_sensitive_paths_are_errors_at_their_line(tmp_path: Path, lines: str, message: str) -> None:
    root = write(tmp_path / "s", sensitive_lines=lines)
    with pytest.raises(SpecError) as caught:
        load_stack(root)
    errors = [str(d) for d in caught.value.diagnostics.errors]
    assert len(errors) == 1, errors
    assert "model.yaml:5:" in errors[0] and message in errors[0], errors


def test_sensitive_is_not_part_of_the_stack_document(tmp_path: Path) -> None:
    root = write(tmp_path / "s")
    (root / "stack.yaml").write_text(textwrap.dedent(STACK) + "sensitive: [spec.region]\n")
    with pytest.raises(SpecError, match="unknown field 'sensitive'"):
        load_stack(root)


# --- plans ---------------------------------------------------------------------------------------------------
def test_a_new_model_renders_no_secret_in_any_format_and_the_plan_keeps_them(root: Path) -> None:
    plan, snap = plan_for(root, {})
    masked = sensitive.mask_plan(plan, snap.stack)
    for fmt, text in rendered(masked).items():
        for secret in (SECRET, DB_URL, SIDECAR, "hunter2"):
            assert secret not in text, (fmt, secret)
        assert "(sensitive sha256:" in text, fmt
    assert "info" in render_plan_text(masked, color=False)  # LOG_LEVEL is not sensitive
    saved = plan.dumps()  # what `plan --out` writes: apply needs the real values
    assert SECRET in saved and DB_URL in saved and SIDECAR in saved
    create = next(s for s in plan.steps if s.params.get("PrimaryContainer"))
    assert create.params["PrimaryContainer"]["Environment"]["API_KEY"] == SECRET


def test_step_params_are_masked_in_api_form(root: Path) -> None:
    plan, snap = plan_for(root, {})
    masked = sensitive.mask_plan(plan, snap)
    by_model = {s.params["ModelName"].split("-")[0]: s.params for s in masked.steps}
    assert by_model["churn"]["PrimaryContainer"]["Environment"] == {
        "API_KEY": sensitive.marker(SECRET), "DB_URL": sensitive.marker(DB_URL), "LOG_LEVEL": "info"}
    chain = by_model["chain"]["Containers"]
    assert chain[0]["Environment"] == {"SIDECAR_CONF": sensitive.marker(SIDECAR), "MODE": "a"}


def test_a_plan_carries_its_documents_sensitive_paths(root: Path) -> None:
    plan, _ = plan_for(root, {})
    assert plan.sensitive  # saved with it: showing a plan file masks them with no stack at hand
    text = render_plan_json(sensitive.mask_plan(plan, plan))
    assert SECRET not in text and DB_URL not in text
    bare = render_plan_json(sensitive.mask_plan(type(plan).loads(plan.dumps()).__class__(
        stack=plan.stack, region=plan.region, account=plan.account, changes=plan.changes, steps=plan.steps)))
    assert SECRET not in bare and DB_URL in bare  # without the paths: the default keys only


def test_a_changed_secret_shows_as_changed_on_both_sides_without_either_value(root: Path) -> None:
    live = applied_state(root)
    write(root, api_key="sk-live-NEW-fedcba9876543210", chain=True)
    plan, snap = plan_for(root, live)
    change = next(c for c in plan.changes if c.spec == "Model/churn")
    assert change.action is Action.replace
    masked = sensitive.mask_plan(plan, snap.stack)
    mc = next(c for c in masked.changes if c.spec == "Model/churn")
    old, new = (mc.before or {})["primaryContainer"]["environment"], (mc.after or {})["primaryContainer"]["environment"]
    assert old["API_KEY"] == sensitive.marker(SECRET)
    assert new["API_KEY"] == sensitive.marker("sk-live-NEW-fedcba9876543210") != old["API_KEY"]
    assert sensitive.changed_text(old["API_KEY"], new["API_KEY"]) == sensitive.CHANGED
    assert old["DB_URL"] == new["DB_URL"]  # equal values stay equal: no change shown
    for fmt, text in rendered(masked).items():
        assert SECRET not in text and "sk-live-NEW" not in text and DB_URL not in text, fmt
    assert "API_KEY" in render_plan_text(masked, color=False)  # the change is still shown


def test_an_unchanged_secret_beside_another_change_is_not_a_change(root: Path) -> None:
    live = applied_state(root)
    write(root, log_level="debug", chain=True)
    plan, snap = plan_for(root, live)
    masked = sensitive.mask_plan(plan, snap.stack)
    text = render_plan_text(masked, color=False)
    assert "LOG_LEVEL" in text and "API_KEY" not in text and SECRET not in text


def test_the_masked_plan_round_trips_through_json(root: Path) -> None:
    plan, snap = plan_for(root, {})
    masked = sensitive.mask_plan(plan, snap.stack)
    assert Plan.loads(masked.dumps()) == masked
    assert masked != plan and Plan.loads(plan.dumps()) == plan
    assert masked.fingerprints == plan.fingerprints and len(masked.steps) == len(plan.steps)


def test_a_secret_elsewhere_in_the_plan_is_replaced_too() -> None:
    change = Change("model/m", "Model/m", Action.create, f"uses {SECRET}", None,
                    {"environment": {"API_KEY": SECRET}}, details=(f"+ env {SECRET}",))
    inner = json.dumps({"Steps": [{"Env": {"K": SECRET}}]})
    step = Step("CreateThing", "model/m", {"Environment": {"API_KEY": SECRET}, "Definition": inner},
                description=f"create with {SECRET}", undo=(Step("DeleteThing", "model/m",
                                                                  {"Environment": {"API_KEY": SECRET}}),))
    plan = Plan("s", "us-east-1", "1", (change,), (step,), warnings=(f"careful: {SECRET}",))
    masked = sensitive.mask_plan(plan)
    assert SECRET not in masked.dumps()
    assert masked.steps[0].params["Definition"] == inner.replace(SECRET, sensitive.MARKER)
    assert masked.steps[0].undo[0].params["Environment"]["API_KEY"] == sensitive.marker(SECRET)
    assert masked.changes[0].details == (f"+ env {sensitive.MARKER}",)


# --- drift --------------------------------------------------------------------------------------------------
def test_drift_reports_are_masked_like_plans(root: Path) -> None:
    live = applied_state(root)
    write(root, api_key="sk-live-NEW-fedcba9876543210", chain=True)
    plan, snap = plan_for(root, live)
    report = sensitive.mask_report(drift_report(plan, snap), snap.stack)
    for text in (render_drift_text(report, color=False), render_drift_markdown(report), render_drift_json(report)):
        assert SECRET not in text and "sk-live-NEW" not in text and DB_URL not in text
    entry = DriftEntry("model/m", "Model/m", ("drift",), "update", "r", {"environment": {"TOKEN_X": "abcdefgh"}},
                       {"environment": {"TOKEN_X": "abcdefgh"}})
    one = sensitive.mask_report(DriftReport("s", "r", "a", (entry,), 1))
    assert one.entries[0].live == one.entries[0].desired == {"environment": {"TOKEN_X": sensitive.marker("abcdefgh")}}


# --- errors --------------------------------------------------------------------------------------------------
def test_error_text_is_masked_from_the_stack_the_plan_or_values(root: Path) -> None:
    stack = load_stack(root)
    plan, snap = plan_for(root, {})
    error = ApplyError(f"CreateModel failed: ValidationException: Environment {{'API_KEY': '{SECRET}', "
                       f"'DB_URL': '{DB_URL}'}} for sidecar {json.dumps(SIDECAR)}")
    sources = (stack, sensitive.values_of(stack), sensitive.values_of(plan, snap), sensitive.values_of(plan, stack))
    for source in sources:
        text = sensitive.mask_text(str(error), source)
        assert SECRET not in text and DB_URL not in text and SIDECAR not in text, source
        assert text.startswith("CreateModel failed: ValidationException: Environment {'API_KEY': '(sensitive)'")
    alone = sensitive.mask_text(str(error), plan)  # a plan file carries its documents' `sensitive:` paths
    assert SECRET not in alone and DB_URL not in alone
    assert sensitive.mask_text("value is true", {"true", "abc"}) == "value is true"  # too short to search for
    escaped = json.dumps({"k": 'pa"ss\\word-123'})
    assert 'pa"ss' not in sensitive.mask_text(escaped, ['pa"ss\\word-123'])
