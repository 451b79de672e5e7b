"""Wire contract of the recommendation-job handler, with botocore's Stubber: the exact requests it sends when
it creates, stops, releases and reads a job (Stubber checks each request against the service model and
validates every canned answer), and what it makes of SageMaker's errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from reconciler import tags as tagmod
from reconciler.changes import Step
from reconciler.handlers.base import ExecContext
from reconciler.handlers.recommendation_job import RecommendationJobHandler
from reconciler.hooks import RecordingHooks
from reconciler.kinds import expand, load_stack
from reconciler.resources import Desired
from tests.contract.test_engine_contract import FAST, Stubs
from tests.handlers.recommendation_answers import JOB_TYPE, job, job_doc
from tests.handlers.recorded import arn, write
from tests.unit.planner_support import ACCOUNT, REGION

HANDLER = RecommendationJobHandler()


@pytest.fixture()
def stubs() -> Iterator[Stubs]:
    yield Stubs()


def _desired(tmp_path: Path) -> Desired:
    [d] = expand(load_stack(write(tmp_path / "s", job_doc(tags="{team: ml}"))), REGION, ACCOUNT)
    return d


def _context(stubs: Stubs, hooks: RecordingHooks) -> ExecContext:
    return ExecContext("demo", REGION, ACCOUNT, stubs.writer, hooks, FAST)


def _create_step(d: Desired) -> Step:
    return Step("CreateInferenceRecommendationsJob", str(d.address),
                {**d.request, "Tags": tagmod.to_tag_list(d.tags("demo"))}, "create recommendation job")


def test_create_sends_the_request_with_the_ownership_tags(stubs: Stubs, tmp_path: Path) -> None:
    d = _desired(tmp_path)
    step = _create_step(d)
    stubs.sm.add_response("create_inference_recommendations_job", {"JobArn": arn(JOB_TYPE, d.address.name)},
                          step.params_plain())
    stubs.activate()
    hooks = RecordingHooks()
    HANDLER.execute(_context(stubs, hooks), step)
    stubs.verify()
    assert hooks.events[-1].endswith("its results: reconciler recommendations")


def test_a_create_whose_answer_was_lost_meets_its_own_job_and_succeeds(stubs: Stubs, tmp_path: Path) -> None:
    d = _desired(tmp_path)
    step = _create_step(d)
    stubs.sm.add_client_error("create_inference_recommendations_job", "ResourceInUse",
                              f"Job {d.address.name} already exists.")
    stubs.sm.add_response("describe_inference_recommendations_job", job(d), {"JobName": d.address.name})
    stubs.sm.add_response("list_tags", {"Tags": [{"Key": k, "Value": v} for k, v in d.tags("demo").items()]},
                          {"ResourceArn": arn(JOB_TYPE, d.address.name), "MaxResults": 100})
    stubs.activate()
    HANDLER.execute(_context(stubs, RecordingHooks()), step)
    stubs.verify()


def test_a_create_meeting_someone_elses_job_fails(stubs: Stubs, tmp_path: Path) -> None:
    d = _desired(tmp_path)
    stubs.sm.add_client_error("create_inference_recommendations_job", "ResourceInUse", "already exists")
    stubs.sm.add_response("describe_inference_recommendations_job", job(d), {"JobName": d.address.name})
    stubs.sm.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn(JOB_TYPE, d.address.name),
                                                      "MaxResults": 100})
    stubs.activate()
    with pytest.raises(ClientError):
        HANDLER.execute(_context(stubs, RecordingHooks()), _create_step(d))


def test_stop_sends_the_job_name(stubs: Stubs, tmp_path: Path) -> None:
    d = _desired(tmp_path)
    stubs.sm.add_response("stop_inference_recommendations_job", {}, {"JobName": d.address.name})
    stubs.activate()
    hooks = RecordingHooks()
    HANDLER.execute(_context(stubs, hooks), Step("StopInferenceRecommendationsJob", str(d.address),
                                                 {"JobName": d.address.name}))
    stubs.verify()
    assert hooks.events == [f"progress {d.address}: stopping; the job is kept as history"]


def test_stopping_a_job_that_finished_meanwhile_leaves_it_as_it_is(stubs: Stubs, tmp_path: Path) -> None:
    d = _desired(tmp_path)
    stubs.sm.add_client_error("stop_inference_recommendations_job", "ValidationException",
                              "The job is not in progress.")
    stubs.sm.add_response("describe_inference_recommendations_job", job(d, status="FAILED"),
                          {"JobName": d.address.name})
    stubs.sm.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn(JOB_TYPE, d.address.name),
                                                      "MaxResults": 100})
    stubs.activate()
    hooks = RecordingHooks()
    HANDLER.execute(_context(stubs, hooks), Step("StopInferenceRecommendationsJob", str(d.address),
                                                 {"JobName": d.address.name}))
    assert hooks.events == [f"progress {d.address}: already FAILED: nothing to stop"]


def test_a_stop_refused_while_the_job_still_runs_is_an_error(stubs: Stubs, tmp_path: Path) -> None:
    d = _desired(tmp_path)
    stubs.sm.add_client_error("stop_inference_recommendations_job", "ThrottlingException", "slow down")
    stubs.sm.add_response("describe_inference_recommendations_job", job(d, status="IN_PROGRESS"),
                          {"JobName": d.address.name})
    stubs.sm.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn(JOB_TYPE, d.address.name),
                                                      "MaxResults": 100})
    stubs.activate()
    with pytest.raises(ClientError):
        HANDLER.execute(_context(stubs, RecordingHooks()), Step("StopInferenceRecommendationsJob", str(d.address),
                                                                {"JobName": d.address.name}))


def test_release_removes_only_the_ownership_tags(stubs: Stubs, tmp_path: Path) -> None:
    d = _desired(tmp_path)
    job_arn = arn(JOB_TYPE, d.address.name)
    params = {"ResourceArn": job_arn, "TagKeys": ["reconciler:address", "reconciler:hash", "reconciler:stack"]}
    stubs.sm.add_response("delete_tags", {}, params)
    stubs.activate()
    HANDLER.execute(_context(stubs, RecordingHooks()), Step("DeleteTags", str(d.address), params))
    stubs.verify()


def test_find_reads_the_job_and_its_tags_and_is_none_when_sagemaker_has_no_such_job(stubs: Stubs,
                                                                                    tmp_path: Path) -> None:
    d = _desired(tmp_path)
    stubs.sm.add_response("describe_inference_recommendations_job", job(d, status="COMPLETED"),
                          {"JobName": d.address.name})
    stubs.sm.add_response("list_tags", {"Tags": [{"Key": "team", "Value": "ml"}]},
                          {"ResourceArn": arn(JOB_TYPE, d.address.name), "MaxResults": 100})
    stubs.sm.add_client_error("describe_inference_recommendations_job", "ResourceNotFound",
                              "Inference recommendations job gone not found.")
    stubs.activate()
    live = HANDLER.find(stubs.reader, d.address.name)
    assert live is not None and live.tags == {"team": "ml"} and HANDLER.status(live) == "COMPLETED"
    assert HANDLER.comparable(live) == {"jobType": "Default", "jobDescription": "first",
                                        "roleArn": d.request["RoleArn"],
                                        "inputConfig": {"modelPackageVersionArn": d.request["InputConfig"][
                                            "ModelPackageVersionArn"]},
                                        "stoppingConditions": {"modelLatencyThresholds": [
                                            {"percentile": "P95", "valueInMilliseconds": 100}]},
                                        "tags": {"team": "ml"}}
    assert HANDLER.find(stubs.reader, "gone") is None
    stubs.verify()


def test_benchmark_prefixes_are_the_first_40_characters_of_the_jobs_still_running(stubs: Stubs) -> None:
    from reconciler.handlers.inference_recommendations import benchmark_prefixes

    long_name = "a-very-long-recommendation-job-name-that-runs-1a2b3c4d"

    def listed(*names: str) -> dict[str, object]:
        return {"InferenceRecommendationsJobs": [{
            "JobName": n, "JobDescription": "", "JobType": "Default", "JobArn": arn(JOB_TYPE, n),
            "Status": "IN_PROGRESS", "CreationTime": "2026-11-01T10:00:00Z", "RoleArn": "arn:aws:iam::1:role/r",
            "LastModifiedTime": "2026-11-01T10:00:00Z"} for n in names]}

    stubs.sm.add_response("list_inference_recommendations_jobs", listed("churn-recs-1a2b3c4d"),
                          {"StatusEquals": "PENDING"})
    stubs.sm.add_response("list_inference_recommendations_jobs", listed(long_name), {"StatusEquals": "IN_PROGRESS"})
    stubs.sm.add_response("list_inference_recommendations_jobs", listed(), {"StatusEquals": "STOPPING"})
    stubs.activate()
    assert benchmark_prefixes(stubs.reader) == (long_name[:40], "churn-recs-1a2b3c4d")
    stubs.verify()
