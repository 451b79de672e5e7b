"""Scenarios for the recommendation-job handler (`inference-recommendations-job/<name>-<hash>`): recorded
SageMaker answers in, change, steps and notes out.

A job is created once with its ownership tags and never updated; a changed spec is a new job, and the
earlier ones stay as history (a running one is stopped, never deleted); the plan notes each job's status
and, once a job has completed, an endpoint serving its model on an instance type other than the cheapest
one recommended within the job's latency limit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from reconciler.addressing import Address
from reconciler.changes import Action
from reconciler.frozen import thaw
from reconciler.kinds import expand, load_stack
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers.answers import MODEL_DOC, endpoint_doc
from tests.handlers.recommendation_answers import (
    JOB_TYPE,
    PACKAGE,
    absent_job,
    job,
    job_doc,
    recommendation,
    record_stack,
)
from tests.handlers.recorded import Recorded, arn, operations, plan, write
from tests.handlers.registry_answers import package_arn, record_latest_approved
from tests.unit.planner_support import ACCOUNT, REGION


def applied(d: Desired, stack: str) -> Live:
    """What SageMaker holds right after the handler's CreateInferenceRecommendationsJob made `d`: the job,
    pending, with its tags (as DescribeInferenceRecommendationsJob shows it)."""
    return Live(d.address, arn(JOB_TYPE, d.address.name), d.tags(stack), job(d, status="PENDING"))


def _jobs(root: Path, recorded: Recorded | None = None) -> list[Desired]:
    return [d for d in expand(load_stack(root), REGION, ACCOUNT, clients=recorded) if d.address.type == JOB_TYPE]


def _stack(tmp_path: Path, name: str = "s", **job: Any) -> Path:
    return write(tmp_path / name, job_doc(**job))


def _earlier(tmp_path: Path, description: str = "earlier") -> Desired:
    """The job the document made before its spec changed (same document, another description)."""
    [d] = _jobs(_stack(tmp_path, "before", description=description))
    return d


def test_a_new_job_is_created_with_its_ownership_tags_and_a_content_addressed_name(tmp_path: Path) -> None:
    root = _stack(tmp_path, tags="{team: ml}")
    [d] = _jobs(root)
    assert d.address.name.startswith("churn-recs-") and len(d.address.name) == len("churn-recs-") + 8
    recorded = Recorded()
    record_stack(recorded, [], [])
    absent_job(recorded, d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateInferenceRecommendationsJob"]
    [change] = p.changes
    assert (change.action, change.reason) == (Action.create, "new recommendation job")
    params = thaw(p.steps[0].params)
    tags = {t["Key"]: t["Value"] for t in params.pop("Tags")}
    assert tags == {"team": "ml", "reconciler:stack": "demo", "reconciler:address": "RecommendationJob/churn-recs",
                    "reconciler:hash": d.state_hash}
    assert params == {"JobName": d.address.name, "JobType": "Default", "JobDescription": "first",
                      "RoleArn": "arn:aws:iam::123456789012:role/InferenceRecommender",
                      "InputConfig": {"ModelPackageVersionArn": PACKAGE},
                      "StoppingConditions": {"ModelLatencyThresholds": [{"Percentile": "P95",
                                                                          "ValueInMilliseconds": 100}]}}
    assert p.fingerprints == {str(d.address): "absent"}
    assert Plan.loads(p.dumps()) == p


def test_a_running_job_plans_nothing_and_notes_its_status(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    [d] = _jobs(root)
    recorded = Recorded()
    record_stack(recorded, [], [(d, job(d, status="IN_PROGRESS"))])
    p, _ = plan(root, recorded)
    assert p.is_empty
    [note] = p.notes
    assert note.startswith(f"RecommendationJob/churn-recs: recommendation job {d.address.name} (Default) is "
                           "IN_PROGRESS; a Default job takes up to about 45 minutes")
    assert note.endswith("its results: reconciler recommendations")


def test_a_completed_job_plans_nothing_and_counts_its_recommendations(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    [d] = _jobs(root)
    recs = [recommendation(d.address.name, 1, "ml.c5.large", 0.119, 80)]
    recorded = Recorded()
    record_stack(recorded, [], [(d, job(d, status="COMPLETED", recommendations=recs))])
    p, _ = plan(root, recorded)
    assert p.is_empty
    assert p.notes == (f"RecommendationJob/churn-recs: recommendation job {d.address.name} (Default) is COMPLETED "
                       "with 1 recommendation(s); see them with: reconciler recommendations",)


def test_a_failed_job_is_not_run_again_and_the_note_says_why_and_what_to_do(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    [d] = _jobs(root)
    recorded = Recorded()
    record_stack(recorded, [], [(d, job(d, status="FAILED"))])
    p, _ = plan(root, recorded)
    assert p.is_empty
    [note] = p.notes
    assert "is FAILED: The sample payload could not be read from s3://b/payload.tar.gz.;" in note
    assert note.endswith("change its spec (jobDescription, for one) to start a new one")


def test_a_changed_spec_starts_a_new_job_and_keeps_the_finished_one_as_history(tmp_path: Path) -> None:
    old = _earlier(tmp_path)
    root = _stack(tmp_path)
    [d] = _jobs(root)
    assert d.address != old.address
    recorded = Recorded()
    record_stack(recorded, [], [(old, job(old, status="COMPLETED"))])
    absent_job(recorded, d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateInferenceRecommendationsJob"]  # the old job is neither stopped nor deleted
    [change] = p.changes
    assert change.action is Action.create and change.address == str(d.address)
    assert change.reason == "new recommendation job (1 earlier job(s) of RecommendationJob/churn-recs kept as history)"
    assert not p.orphans


def test_history_stays_when_the_stack_prunes_and_plans_clean_once_the_new_job_exists(tmp_path: Path) -> None:
    older, old = _earlier(tmp_path, "oldest"), _earlier(tmp_path)
    root = _stack(tmp_path)  # the Stack of `write` prunes
    [d] = _jobs(root)
    recorded = Recorded()
    later = job(d, status="IN_PROGRESS", created=dt.datetime(2026, 11, 3, tzinfo=dt.timezone.utc))
    record_stack(recorded, [], [(older, job(older, status="STOPPED")), (old, job(old, status="FAILED")), (d, later)])
    p, _ = plan(root, recorded)
    assert p.is_empty


def test_a_changed_spec_while_the_job_runs_stops_it_and_keeps_it(tmp_path: Path) -> None:
    old = _earlier(tmp_path)
    root = _stack(tmp_path)
    [d] = _jobs(root)
    recorded = Recorded()
    record_stack(recorded, [], [(old, job(old, status="IN_PROGRESS"))])
    absent_job(recorded, d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateInferenceRecommendationsJob", "StopInferenceRecommendationsJob"]
    [change] = p.changes
    assert (change.action, change.replaces) == (Action.replace, str(old.address))
    assert change.reason == "jobDescription changed"
    stop = p.steps[1]
    assert (stop.address, thaw(stop.params)) == (str(old.address), {"JobName": old.address.name})
    assert "SageMaker keeps it (STOPPED)" in stop.description


def test_a_user_tag_change_is_one_add_tags(tmp_path: Path) -> None:
    root = _stack(tmp_path, tags="{team: ml}")
    [d] = _jobs(root)
    recorded = Recorded()
    record_stack(recorded, [], [(d, job(d, status="COMPLETED"))])
    recorded.add("tagging", "GetResources", {"TagFilters": [{"Key": "reconciler:stack", "Values": ["demo"]}],
                                             "ResourceTypeFilters": _types(), "ResourcesPerPage": 100},
                 {"ResourceTagMappingList": [{"ResourceARN": arn(JOB_TYPE, d.address.name), "Tags": [
                     {"Key": k, "Value": v} for k, v in {**d.tags("demo"), "team": "data"}.items()]}]})
    p, _ = plan(root, recorded)
    assert operations(p) == ["AddTags"]
    assert p.changes[0].reason == "tags change"


def _types() -> list[str]:
    from reconciler.handlers.registry import handlers

    return sorted(h.tagging_type for h in handlers().values() if h.tagging_type and not h.parent_type)


@pytest.mark.parametrize("status", ["COMPLETED", "IN_PROGRESS"])
def test_a_removed_document_releases_its_jobs_in_a_pruning_stack(tmp_path: Path, status: str) -> None:
    [d] = _jobs(_stack(tmp_path, "before"))
    root = write(tmp_path / "s")  # the document is gone; the Stack prunes
    recorded = Recorded()
    record_stack(recorded, [], [(d, job(d, status=status))])
    p, _ = plan(root, recorded)
    expected = ["StopInferenceRecommendationsJob"] if status == "IN_PROGRESS" else []
    assert operations(p) == [*expected, "DeleteTags"]
    release = p.steps[-1]
    assert thaw(release.params) == {"ResourceArn": arn(JOB_TYPE, d.address.name),
                                    "TagKeys": ["reconciler:address", "reconciler:hash", "reconciler:stack"]}
    assert "SageMaker has no delete" in release.description
    [change] = p.changes
    assert change.action is Action.delete


def test_a_removed_document_is_an_orphan_when_the_stack_does_not_prune(tmp_path: Path) -> None:
    [d] = _jobs(_stack(tmp_path, "before"))
    root = write(tmp_path / "s")
    (root / "stack.yaml").write_text((root / "stack.yaml").read_text().replace("prune: true", "prune: false"))
    recorded = Recorded()
    record_stack(recorded, [], [(d, job(d, status="COMPLETED"))])
    p, _ = plan(root, recorded)
    assert p.is_empty and [o.address for o in p.orphans] == [str(d.address)]


def test_model_package_latest_approved_is_resolved_pinned_and_noted(tmp_path: Path) -> None:
    root = _stack(tmp_path, model="modelPackage: {group: churn}")
    recorded = Recorded()
    record_latest_approved(recorded, 7)
    [d] = _jobs(root, recorded)
    record_stack(recorded, [], [])
    absent_job(recorded, d)
    p, _ = plan(root, recorded)
    [create] = p.steps
    assert thaw(create.params)["InputConfig"] == {"ModelPackageVersionArn": package_arn(7)}
    assert "RecommendationJob/churn-recs: modelPackage churn latestApproved -> version 7 (approved 2026-11-30)" \
        in p.notes
    assert Plan.loads(p.dumps()) == p


def test_a_newly_approved_version_starts_a_new_job(tmp_path: Path) -> None:
    root = _stack(tmp_path, model="modelPackage: {group: churn}")
    at7, at8 = Recorded(), Recorded()
    record_latest_approved(at7, 7)
    record_latest_approved(at8, 8)
    [old], [new] = _jobs(root, at7), _jobs(root, at8)
    assert old.address != new.address


def _serving_stack(tmp_path: Path, instance: str = "ml.m5.xlarge") -> tuple[Path, list[Desired], Desired]:
    root = write(tmp_path / "s", MODEL_DOC, endpoint_doc(instance=instance),
                 job_doc(model='modelName: "${Model.churn.name}"'))
    ds = expand(load_stack(root), REGION, ACCOUNT)
    [d] = [x for x in ds if x.address.type == JOB_TYPE]
    return root, [x for x in ds if x.address.type != JOB_TYPE], d


def _results(d: Desired) -> dict[str, Any]:
    return job(d, status="COMPLETED", recommendations=[
        recommendation(d.address.name, 1, "ml.m5.xlarge", 0.269, 40),
        recommendation(d.address.name, 2, "ml.m5.large", 0.134, 120),  # over the 100 ms limit
        recommendation(d.address.name, 3, "ml.c5.large", 0.119, 80),
    ])


def test_an_endpoint_on_a_dearer_instance_than_the_cheapest_within_the_latency_limit_is_noted(
        tmp_path: Path) -> None:
    root, others, d = _serving_stack(tmp_path)
    recorded = Recorded()
    record_stack(recorded, others, [(d, _results(d))])
    p, _ = plan(root, recorded)
    assert p.is_empty
    assert (f"Endpoint/churn variant a runs ml.m5.xlarge; RecommendationJob/churn-recs's job {d.address.name} "
            "recommends ml.c5.large as the cheapest within its P95 latency limit of 100 ms: $0.119/h against "
            "$0.269/h") in p.notes
    assert any(n.startswith("Endpoint/churn variant b runs ml.m5.large;") for n in p.notes)


def test_an_endpoint_already_on_the_cheapest_recommended_instance_is_not_noted(tmp_path: Path) -> None:
    root, others, d = _serving_stack(tmp_path, instance="ml.c5.large")
    recorded = Recorded()
    record_stack(recorded, others, [(d, _results(d))])
    p, _ = plan(root, recorded)
    assert not any(n.startswith("Endpoint/churn variant a") for n in p.notes)


def test_the_latest_completed_job_of_the_history_speaks_while_the_new_one_is_to_be_created(tmp_path: Path) -> None:
    root, others, d = _serving_stack(tmp_path)
    old = dataclasses.replace(d, address=Address(JOB_TYPE, "churn-recs-0000aaaa"),  # an earlier spec's job
                              request={**thaw(d.request), "JobDescription": "earlier"})
    recorded = Recorded()
    record_stack(recorded, others, [(old, _results(old))])
    absent_job(recorded, d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateInferenceRecommendationsJob"]
    assert any("job churn-recs-0000aaaa recommends ml.c5.large" in n for n in p.notes)


def test_planning_never_reads_what_a_job_deploys_to_benchmark(tmp_path: Path) -> None:
    """The benchmark endpoints a job's recommendations name carry no stack tags: no call reads them (an
    unrecorded call would fail the test)."""
    root, others, d = _serving_stack(tmp_path)
    recorded = Recorded()
    record_stack(recorded, others, [(d, _results(d))])
    plan(root, recorded)
    named = [str(params) for _, _, params in recorded.calls]
    assert not any(f"{d.address.name}-" in text for text in named)
