"""Scenarios for the inference-experiment handler (`inference-experiment/<name>`, a ShadowTest document): recorded
SageMaker responses in, change, steps and notes out."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from reconciler.changes import Action
from reconciler.frozen import thaw
from reconciler.handlers.inference_experiment import InferenceExperimentHandler
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers import answers
from tests.handlers.answers import (
    MODEL_DOC,
    ROLE,
    absent,
    desired_of,
    endpoint_doc,
    one,
    record_applied,
    shadow_doc,
)
from tests.handlers.recorded import Recorded, arn, operations, plan, tagged, write

HANDLER = InferenceExperimentHandler()
NAME = "churn-shadow"
ADDRESS = f"inference-experiment/{NAME}"
ARN = arn("inference-experiment", NAME)
SCHEDULE = "  schedule: {startTime: '2026-11-01T10:00:00Z', endTime: 'END'}\n"
RUNNING_NOTE = (f"{ADDRESS} is Running: endpoint/churn mirrors shadow 20% traffic of variant a to shadow shadow; "
                f"promote with: reconciler promote ShadowTest/{NAME}")


def applied(d: Desired, stack: str) -> Live:
    """What SageMaker holds right after the handler's own Create/StartInferenceExperiment made `d`: Running,
    its endpoint reported as metadata."""
    request = thaw(d.request)
    data = {k: v for k, v in copy.deepcopy(request).items() if k != "EndpointName"}
    data.update({"Arn": arn("inference-experiment", d.address.name), "Status": "Running",
                 "EndpointMetadata": {"EndpointName": request["EndpointName"]}})
    return Live(d.address, data["Arn"], d.tags(stack), data)


def _stack(tmp_path: Path, sampling: int = 20, extra: str = "", tags: str = "") -> Path:
    shadow = shadow_doc(sampling, extra)
    if tags:
        shadow = shadow.replace(f"name: {NAME}\n", f"name: {NAME}\ntags: {tags}\n", 1)
    return write(tmp_path, MODEL_DOC, endpoint_doc(), shadow)


def _applied(tmp_path: Path, status: str = "Running", **stack: object) -> tuple[list[Desired], Recorded]:
    ds = desired_of(_stack(tmp_path / "applied", **stack))  # type: ignore[arg-type]
    recorded = Recorded()
    record_applied(recorded, ds, experiment_status=status)
    return ds, recorded


def _change(p: Plan) -> object:
    [change] = [c for c in p.changes if c.address == ADDRESS]
    return change


def test_a_new_shadow_test_is_created_and_started_after_its_endpoint(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s")
    ds = desired_of(root)
    d = one(ds, "inference-experiment")
    recorded = Recorded()
    record_applied(recorded, [x for x in ds if x is not d])
    absent(recorded, d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateInferenceExperiment", "StartInferenceExperiment"]
    create, start = (thaw(s.params) for s in p.steps)
    assert {k: v for k, v in create.items() if k != "Tags"} == thaw(d.request)
    assert (create["Name"], create["Type"], create["EndpointName"], create["RoleArn"]) == (NAME, "ShadowMode", "churn",
                                                                                           ROLE)
    assert {t["Key"]: t["Value"] for t in create["Tags"]} == {
        "reconciler:stack": "demo", "reconciler:address": f"ShadowTest/{NAME}", "reconciler:hash": d.state_hash}
    assert start == {"Name": NAME}
    change = _change(p)
    assert (change.action, change.reason, change.spec) == (Action.create, "new shadow test", f"ShadowTest/{NAME}")
    assert p.notes == ()


def test_a_whole_new_stack_starts_the_shadow_test_last(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s")
    ds = desired_of(root)
    recorded = Recorded()
    tagged(recorded, [])
    absent(recorded, *ds)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint", "CreateInferenceExperiment",
                             "StartInferenceExperiment"]


def test_a_running_shadow_test_plans_nothing_and_says_so_in_the_notes(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert RUNNING_NOTE in p.notes
    assert any(n.startswith("endpoint/churn is managed by inference-experiment/churn-shadow") for n in p.notes)


def test_the_field_policy_makes_a_described_experiment_equal_its_spec(tmp_path: Path) -> None:
    d = one(desired_of(_stack(tmp_path / "s")), "inference-experiment")
    described = answers.experiment(d)
    # SageMaker reports the endpoint as metadata, a status per model variant, and the schedule it filled in
    assert "EndpointName" not in described and described["EndpointMetadata"]["EndpointName"] == "churn"
    assert {v["Status"] for v in described["ModelVariants"]} == {"InService"}
    described["ModelVariants"].reverse()  # keyed by variant name, not ordered
    live = Live(d.address, ARN, d.tags("demo"), described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert HANDLER.comparable(applied(d, "demo")) == thaw(d.comparable)
    assert HANDLER.comparable(Live(d.address, ARN, {}, None)) is None


def test_a_sampling_change_updates_a_running_shadow_test_in_place(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", sampling=50)
    d = one(desired_of(root), "inference-experiment")
    p, _ = plan(root, recorded)
    assert operations(p) == ["UpdateInferenceExperiment"]
    [step] = p.steps
    request = thaw(d.request)
    assert thaw(step.params) == {"Name": NAME, "ModelVariants": request["ModelVariants"],
                                 "ShadowModeConfig": request["ShadowModeConfig"]}
    assert step.params["ShadowModeConfig"]["ShadowModelVariants"][0]["SamplingPercentage"] == 50
    assert (thaw(step.tags), step.tag_arn) == ({"reconciler:hash": d.state_hash}, ARN)
    change = _change(p)
    assert (change.action, change.reason) == (Action.update, "settings change while Running")
    sampling = [c["shadowModeConfig"]["shadowModelVariants"][0]["samplingPercentage"]
                for c in (change.before, change.after)]
    assert sampling == [20, 50]
    assert RUNNING_NOTE in p.notes


def test_a_model_change_of_a_running_shadow_test_stops_it_and_runs_it_again(tmp_path: Path) -> None:
    """SageMaker changes only the infrastructure and sampling of a running experiment in place."""
    _, recorded = _applied(tmp_path)
    other = MODEL_DOC.replace("name: churn", "name: churn-next").replace("m1.tar.gz", "m2.tar.gz")
    shadow = shadow_doc().replace('- {modelName: "${Model.churn.name}", variantName: shadow',
                                  '- {modelName: "${Model.churn-next.name}", variantName: shadow')
    root = write(tmp_path / "s", MODEL_DOC, other, endpoint_doc(), shadow)
    absent(recorded, *[d for d in desired_of(root) if d.spec == "Model/churn-next"])
    p, _ = plan(root, recorded)
    assert [s.operation for s in p.steps if s.address == ADDRESS] == [
        "StopInferenceExperiment", "DeleteInferenceExperiment", "CreateInferenceExperiment",
        "StartInferenceExperiment"]
    change = _change(p)
    assert change.action is Action.replace and "stopped (production retained) and runs again" in change.reason


def test_moving_the_end_of_a_running_shadow_test_updates_only_the_end(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, extra=SCHEDULE.replace("END", "2026-11-08T10:00:00Z"))
    assert plan(tmp_path / "applied", recorded)[0].is_empty  # the schedule SageMaker reports is the spec's
    p, _ = plan(_stack(tmp_path / "s", extra=SCHEDULE.replace("END", "2026-11-15T10:00:00Z")), recorded)
    assert operations(p) == ["UpdateInferenceExperiment"]
    assert thaw(p.steps[0].params["Schedule"]) == {"EndTime": "2026-11-15T10:00:00Z"}  # a running test has started


def test_a_completed_shadow_test_whose_spec_changes_runs_again(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, status="Completed")
    root = _stack(tmp_path / "s", sampling=50)
    d = one(desired_of(root), "inference-experiment")
    p, _ = plan(root, recorded)
    assert operations(p) == ["DeleteInferenceExperiment", "CreateInferenceExperiment", "StartInferenceExperiment"]
    assert thaw(p.steps[0].params) == {"Name": NAME}
    assert {k: v for k, v in thaw(p.steps[1].params).items() if k != "Tags"} == thaw(d.request)
    change = _change(p)
    assert (change.action, change.reason) == (Action.replace, "the experiment is Completed; its spec changed, so it "
                                                              "runs again")
    ended = answers.UPDATED + dt.timedelta(days=1)
    assert f"{ADDRESS} is Completed: endpoint/churn mirrors shadow 20% traffic of variant a to shadow shadow " \
           f"(ended {ended})" in p.notes


def test_a_completed_shadow_test_with_an_unchanged_spec_stays_as_it_is(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, status="Completed")
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert any(n.startswith(f"{ADDRESS} is Completed") and "promote" not in n for n in p.notes)
    # a finished test holds its endpoint no longer
    assert not any(n.startswith("endpoint/churn is managed by") for n in p.notes)


def test_a_tag_change_of_a_running_shadow_test_is_add_tags_only(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, tags="{team: ml}")
    root = _stack(tmp_path / "s", tags="{team: ml-platform}")
    d = one(desired_of(root), "inference-experiment")
    p, _ = plan(root, recorded)
    assert operations(p) == ["AddTags"]
    assert thaw(p.steps[0].params) == {"ResourceArn": ARN, "Tags": [{"Key": "reconciler:hash", "Value": d.state_hash},
                                                                     {"Key": "team", "Value": "ml-platform"}]}
    assert _change(p).reason == "tags change"


def test_removing_a_running_shadow_test_stops_it_then_deletes_it(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", MODEL_DOC, endpoint_doc()), recorded)
    assert operations(p) == ["StopInferenceExperiment", "DeleteInferenceExperiment"]
    assert thaw(p.steps[0].params) == {"Name": NAME, "ModelVariantActions": {"a": "Retain", "shadow": "Remove"},
                                       "DesiredState": "Cancelled", "Reason": "removed from the specs"}
    assert thaw(p.steps[1].params) == {"Name": NAME}
    change = _change(p)
    assert (change.action, change.reason) == (Action.delete, f"ShadowTest/{NAME} is no longer in the specs "
                                                             "(prune: true)")


def test_removing_a_finished_shadow_test_only_deletes_its_metadata(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, status="Cancelled")
    p, _ = plan(write(tmp_path / "s", MODEL_DOC, endpoint_doc()), recorded)
    assert operations(p) == ["DeleteInferenceExperiment"]


def test_what_an_active_shadow_test_holds() -> None:
    from reconciler.addressing import Address

    live = Live(Address("inference-experiment", NAME), ARN, {},
                {"Status": "Starting", "EndpointMetadata": {"EndpointName": "churn"}})
    assert HANDLER.holds(live) == {Address("endpoint", "churn")}
    live.data = {"Status": "Completed", "EndpointMetadata": {"EndpointName": "churn"}}
    assert HANDLER.holds(live) == set()
    assert HANDLER.name_from_arn(ARN) == NAME
