"""The RecommendationJob kind on its own: every Inference Recommender limit refused at its `file:line:col`
before any AWS call (with a "did you mean" where one helps), the naming rule that keeps the job's hash in
the 40 characters SageMaker names its benchmark resources after, the expansion, and the reading of a
job's results (rows cheapest first, the cheapest within the latency limit)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.handlers.inference_recommendations import (
    cheapest_within,
    latency_limit,
    percentile,
    recommendations,
)
from reconciler.kinds import expand, load_stack
from tests.handlers.recommendation_answers import PACKAGE, ROLE, job_doc, recommendation
from tests.unit.planner_support import ACCOUNT, REGION

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1}\n"

ADVANCED = f"""
apiVersion: reconciler/v1
kind: RecommendationJob
name: churn-load
spec:
  jobType: Advanced
  roleArn: {ROLE}
  inputConfig:
    modelPackageVersionArn: {PACKAGE}
    jobDurationInSeconds: DURATION
    trafficPattern:
      trafficType: PHASES
      phases:
        - {{initialNumberOfUsers: USERS, spawnRate: 1, durationInSeconds: SECONDS}}
    endpointConfigurations:
      - {{instanceType: ml.c5.large}}
      - {{serverlessConfig: {{memorySizeInMB: 2048, maxConcurrency: 2}}}}
  stoppingConditions:
    maxInvocations: 300
    modelLatencyThresholds: [{{percentile: PERCENTILE, valueInMilliseconds: 100}}]
"""


PHASE = "- {initialNumberOfUsers"


def _advanced(duration: int = 3600, users: int = 1, seconds: int = 120, percentile: str = "P95") -> str:
    return (ADVANCED.replace("DURATION", str(duration)).replace("USERS", str(users))
            .replace("SECONDS", str(seconds)).replace("PERCENTILE", percentile))


def _errors(tmp_path: Path, *documents: str, env: str | None = None) -> list[str]:
    root = tmp_path / "s"
    root.mkdir(exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / "job.yaml").write_text("\n---\n".join(textwrap.dedent(d).strip() for d in documents) + "\n")
    try:
        load_stack(root, env)
    except SpecError as exc:
        return [str(d) for d in exc.diagnostics.sorted()]
    return []


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(text).strip().splitlines(), 1) if needle in line)


def test_a_load_test_within_every_limit_is_valid(tmp_path: Path) -> None:
    assert _errors(tmp_path, _advanced()) == []
    assert _errors(tmp_path, _advanced(duration=18_000, users=3, seconds=3600)) == []
    assert _errors(tmp_path, job_doc()) == []


@pytest.mark.parametrize(("document", "needle", "message"), [
    (_advanced(duration=18_001), "jobDurationInSeconds",
     "jobDurationInSeconds is 18001; Inference Recommender runs a job at most 18000 seconds (5 hours)"),
    (_advanced(seconds=119), PHASE, "phases[0] lasts 119 seconds; a load test phase lasts 120 to 3600"),
    (_advanced(seconds=3601), PHASE, "phases[0] lasts 3601 seconds; a load test phase lasts 120 to 3600"),
    (_advanced(users=4), PHASE, "phases[0] starts with 4 users; a phase starts with 1 to 3"),
    (_advanced(percentile="P99"), "modelLatencyThresholds",
     "percentile P99: a load test (Advanced) measures its latency threshold at P95 (did you mean 'P95'?)"),
    (_advanced(percentile="p95"), "modelLatencyThresholds",
     "percentile 'p95' is not one Inference Recommender takes: use P95 (did you mean 'P95'?)"),
    (_advanced().replace("      - {serverlessConfig", "      - {instanceType: ml.m5.large, serverlessConfig"),
     "serverlessConfig",
     "endpointConfigurations[1] has both instanceType and serverlessConfig: each configuration is one instance "
     "type or one serverless configuration"),
    (_advanced().replace("trafficType: PHASES", "trafficType: STAIRS"), "trafficPattern:",
     "trafficType STAIRS needs stairs (did you mean trafficType: PHASES?)"),
    (job_doc(extra="    trafficPattern: {phases: [{initialNumberOfUsers: 1, durationInSeconds: 300}]}\n"),
     "trafficPattern",
     "a Default job (an instance recommendation) does not take inputConfig.trafficPattern: only a load test does "
     "(did you mean jobType: Advanced?)"),
    (job_doc(extra="    endpointConfigurations: [{instanceType: ml.c5.large}]\n"), "endpointConfigurations",
     "a Default job (an instance recommendation) does not take inputConfig.endpointConfigurations"),
    (job_doc(extra="    resourceLimit: {maxNumberOfTests: 2}\n"), "resourceLimit",
     "a Default job (an instance recommendation) does not take inputConfig.resourceLimit"),
    (job_doc(extra="    modelName: churn\n"), "modelName",
     "inputConfig names the model 2 ways (modelPackageVersionArn, modelName); set exactly one of "
     "modelPackageVersionArn, modelName or modelPackage"),
    (job_doc(model="jobDurationInSeconds: 600"), "inputConfig",
     "inputConfig names no model: set modelPackageVersionArn, modelName or modelPackage ({group, version})"),
    (job_doc().replace("P95", "P50"), "modelLatencyThresholds",
     "percentile 'P50' is not one Inference Recommender takes: use P95 or P99 (did you mean 'P95'?)"),
])
def test_each_limit_is_one_error_at_its_line(tmp_path: Path, document: str, needle: str, message: str) -> None:
    [error] = _errors(tmp_path, document)
    match = re.match(r"(\S+):(\d+):(\d+): (.*)", error)
    assert match, error
    assert match.group(1).endswith("job.yaml") and int(match.group(2)) == _line_of(document, needle)
    assert match.group(4).startswith(message)


def test_an_advanced_job_needs_its_traffic_and_its_endpoint_configurations(tmp_path: Path) -> None:
    document = job_doc(job_type="Advanced")
    assert [e.split(": ", 1)[1] for e in _errors(tmp_path, document)] == [
        "an Advanced job (a load test) needs inputConfig.trafficPattern",
        "an Advanced job (a load test) needs inputConfig.endpointConfigurations",
    ]


@pytest.mark.parametrize(("document", "message"), [
    (_advanced().replace("      - {instanceType: ml.c5.large}\n",
                         "      - {instanceType: ml.c5.large}\n" * 10),
     "spec.inputConfig.endpointConfigurations: has 11 items (must have at most 10)"),
    (_advanced().replace("endpointConfigurations:\n      - {instanceType: ml.c5.large}\n"
                         "      - {serverlessConfig: {memorySizeInMB: 2048, maxConcurrency: 2}}",
                         "endpointConfigurations: []"),
     "spec.inputConfig.endpointConfigurations: has 0 items (must have at least 1)"),
    (_advanced().replace("[{percentile: P95, valueInMilliseconds: 100}]",
                         "[{percentile: P95, valueInMilliseconds: 100}, {percentile: P95, valueInMilliseconds: 50}]"),
     "spec.stoppingConditions.modelLatencyThresholds: has 2 items (must have at most 1)"),
    (_advanced().replace("trafficType: PHASES\n      phases:\n        - {initialNumberOfUsers: 1, spawnRate: 1, "
                         "durationInSeconds: 120}",
                         "trafficType: STAIRS\n      stairs: {usersPerStep: 4, numberOfSteps: 2, "
                         "durationInSeconds: 120}"),
     "spec.inputConfig.trafficPattern.stairs.usersPerStep: 4 is out of range (must be at most 3)"),
    (job_doc(job_type="Advance"), "spec.jobType: 'Advance' is not a valid value (did you mean 'Advanced'?)"),
])
def test_what_the_schema_holds_is_refused_by_the_schema_at_its_line(tmp_path: Path, document: str,
                                                                    message: str) -> None:
    [error] = _errors(tmp_path, document)
    assert re.match(r"\S+job\.yaml:\d+:\d+: ", error) and message in error, error


def test_the_name_leaves_the_hash_within_the_40_characters_sagemaker_keeps(tmp_path: Path) -> None:
    assert _errors(tmp_path, job_doc(name="a" * 31)) == []
    [error] = _errors(tmp_path, job_doc(name="a" * 32))
    assert error.endswith(f"RecommendationJob name '{'a' * 32}' is 32 characters long; the limit is 31 (the job is "
                          "named <name>-<hash>, and SageMaker names what a job deploys after its first 40 "
                          "characters: the hash must be among them)")
    [d] = expand(load_stack(_valid(tmp_path, "a" * 31)), REGION, ACCOUNT)
    assert len(d.address.name) == 40  # all of it, the hash included, is the prefix of what the job deploys


def _valid(tmp_path: Path, name: str) -> Path:
    root = tmp_path / "valid"
    root.mkdir(exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / "job.yaml").write_text(textwrap.dedent(job_doc(name=name)).strip() + "\n")
    return root


def test_an_environment_name_prefix_counts_toward_the_limit(tmp_path: Path) -> None:
    environment = "apiVersion: reconciler/v1\nkind: Environment\nname: staging\nspec: {namePrefix: stg-}\n"
    [error] = _errors(tmp_path, environment, job_doc(name="a" * 30), env="staging")
    assert "with the namePrefix 'stg-' of environment 'staging'" in error and "the limit is 31" in error


def test_the_expansion_is_the_request_named_by_its_content(tmp_path: Path) -> None:
    [d] = expand(load_stack(_valid(tmp_path, "churn-recs")), REGION, ACCOUNT)
    assert d.address.type == "inference-recommendations-job" and d.spec == "RecommendationJob/churn-recs"
    again = (tmp_path / "valid" / "job.yaml")
    again.write_text(again.read_text().replace("jobDescription: first", "jobDescription: second"))
    [e] = expand(load_stack(tmp_path / "valid"), REGION, ACCOUNT)
    assert e.address.name != d.address.name and e.address.name.startswith("churn-recs-")


# --- reading a job's results ---------------------------------------------------------------------------


def _data(*recs: dict[str, object], limit: int | None = 100, pct: str = "P95") -> dict[str, object]:
    data: dict[str, object] = {"InferenceRecommendations": list(recs)}
    if limit is not None:
        data["StoppingConditions"] = {"ModelLatencyThresholds": [{"Percentile": pct, "ValueInMilliseconds": limit}]}
    return data


def test_rows_are_cheapest_first_with_serverless_ones_by_cost_per_inference_after_them() -> None:
    data = _data(recommendation("j", 1, "ml.m5.xlarge", 0.269, 40),
                 recommendation("j", 2, None, None, 150, cost_per_inference=0.00001,
                                serverless={"MemorySizeInMB": 2048, "MaxConcurrency": 5}),
                 recommendation("j", 3, "ml.c5.large", 0.119, 80),
                 recommendation("j", 4, None, None, 120, cost_per_inference=0.000004,
                                serverless={"MemorySizeInMB": 1024, "MaxConcurrency": 5,
                                            "ProvisionedConcurrency": 1}))
    rows = recommendations(data)
    assert [r.configuration for r in rows] == ["ml.c5.large", "ml.m5.xlarge",
                                               "serverless 1024 MB, concurrency 5 (1 provisioned)",
                                               "serverless 2048 MB, concurrency 5"]
    assert rows[0].to_json()["costPerHour"] == 0.119 and rows[0].initial_instance_count == 1


def test_the_cheapest_within_the_latency_limit_is_an_instance_type_that_meets_it() -> None:
    data = _data(recommendation("j", 1, "ml.m5.large", 0.134, 120), recommendation("j", 2, "ml.c5.xlarge", 0.238, 60))
    rows = recommendations(data)
    assert latency_limit(data) == ("P95", 100)
    assert cheapest_within(rows, latency_limit(data)).instance_type == "ml.c5.xlarge"  # type: ignore[union-attr]
    assert cheapest_within(rows, None).instance_type == "ml.m5.large"  # type: ignore[union-attr]
    assert cheapest_within(rows, ("P95", 10)) is None
    assert percentile(_data(limit=50, pct="P99")) == "P99" and percentile(_data(limit=None)) == "P95"
    assert recommendations(None) == [] and latency_limit(None) is None


def test_the_apply_policy_covers_every_job_of_the_document_so_superseded_ones_can_be_stopped(tmp_path: Path) -> None:
    from reconciler.iam_policy import policy_for

    policy = policy_for(load_stack(_valid(tmp_path, "churn-recs")), account=ACCOUNT)
    [write] = [s for s in policy["Statement"] if s["Sid"] == "InferenceRecommendationsJobWrite"]
    assert write["Resource"] == [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/churn-recs-*"]
    assert sorted(write["Action"]) == ["sagemaker:AddTags", "sagemaker:CreateInferenceRecommendationsJob",
                                       "sagemaker:DeleteTags", "sagemaker:StopInferenceRecommendationsJob"]
