"""`reconciler export ack` through the CLI: the example stack as ACK manifests, to stdout or one file per resource,
each valid for its CRD; warnings on stderr; bad input as one line and exit 1; `--resolve` against the sandbox.

Everything but `--resolve` runs offline: AWS_ENDPOINT_URL points at a closed port, so an AWS call would fail.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import boto3
import pytest
import yaml

from reconciler.export.ack import HEADER
from tests.integration.conftest import REPO, Cli, Result
from tests.unit.ack_support import validate

STACK = "churn-prod"
SERVING = """\
apiVersion: reconciler/v1
kind: Model
name: churn-registry
spec:
  modelPackage: {group: churn}
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
"""


def run(*args: object) -> Result:
    from reconciler.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture()
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    root = tmp_path / "specs"
    shutil.copytree(REPO / "specs", root)
    return root


def one_line_error(result: Result) -> str:
    assert result.code == 1 and result.out == "", result.text
    [line] = result.err.splitlines()
    return line


def test_an_export_into_a_directory_is_one_valid_file_per_resource_and_warns_on_stderr(specs: Path,
                                                                                       tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    result = run("export", "ack", specs, "--out", out)
    assert result.code == 0, result.text
    files = sorted(p.name for p in out.iterdir())
    assert result.out == f'Wrote {len(files)} ACK manifest(s) of stack "{STACK}" to {out}\n'
    assert len(files) == 23 and files[0].startswith("10-") and files[-1].startswith("50-")
    kinds = set()
    for name in files:
        text = (out / name).read_text()
        assert text.startswith(f"{HEADER}{STACK}\n")
        manifest = yaml.safe_load(text)
        assert validate(manifest) == [], name
        assert name == f"{name[:2]}-{manifest['kind'].lower()}-{manifest['metadata']['name']}.yaml"
        kinds.add(manifest["kind"])
    assert len(kinds) == 13
    warnings = result.err.splitlines()
    assert warnings and all(line.startswith("warning: ") for line in warnings)
    text = result.err
    assert "warning: ShadowTest/fraud-challenger: inference-experiment/fraud-challenger is not exported" in text
    assert "warning: Endpoint/fraud: scheduled-action/endpoint/fraud/variant/main/business-hours is not exported" \
        in text
    assert "warning: EventBus/ml-platform: policy is not exported" in text
    assert "warning: Endpoint/churn: ACK updates endpoints with RetainAllVariantProperties=true" in text


def test_without_out_the_manifests_are_one_stream_on_stdout_equal_to_the_files(specs: Path, tmp_path: Path) -> None:
    streamed = run("export", "ack", specs, "--namespace", "ml")
    assert streamed.code == 0, streamed.text
    documents = list(yaml.safe_load_all(streamed.out))
    assert streamed.out.startswith(f"---\n{HEADER}{STACK}\n")
    assert all(d["metadata"]["namespace"] == "ml" for d in documents)
    written = run("export", "ack", specs, "--namespace", "ml", "--out", tmp_path / "k8s")
    assert written.code == 0 and written.err == streamed.err
    files = [yaml.safe_load(p.read_text()) for p in sorted((tmp_path / "k8s").iterdir())]
    key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
    assert sorted(documents, key=key) == sorted(files, key=key)


def test_an_export_again_removes_only_the_files_an_earlier_export_of_the_stack_left(specs: Path,
                                                                                    tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    out.mkdir()
    (out / "10-model-churn-xgb-00000000.yaml").write_text(f"{HEADER}{STACK}\nkind: Model\n")
    (out / "10-model-other.yaml").write_text(f"{HEADER}other-stack\nkind: Model\n")
    (out / "kustomization.yaml").write_text("resources: []\n")
    (out / "README.md").write_text("notes\n")
    result = run("export", "ack", specs, "--out", out)
    assert result.code == 0, result.text
    assert result.out.rstrip().endswith("(removed 1 left from an earlier export)")
    names = {p.name for p in out.iterdir()}
    assert "10-model-churn-xgb-00000000.yaml" not in names
    assert {"10-model-other.yaml", "kustomization.yaml", "README.md"} <= names
    again = run("export", "ack", specs, "--out", out)
    assert again.code == 0 and "removed" not in again.out


def test_bad_input_is_one_line_and_exit_1(specs: Path, tmp_path: Path) -> None:
    assert one_line_error(run("export", "ack", tmp_path / "missing")) == \
        f"error: no such spec directory: {tmp_path / 'missing'}"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert one_line_error(run("export", "ack", empty)).startswith("error: no YAML spec files")
    (specs / "alarms.yaml").write_text((specs / "alarms.yaml").read_text().replace("period: 60", "period: sixty"))
    assert "alarms.yaml:13:11: " in one_line_error(run("export", "ack", specs))
    assert one_line_error(run("export")) == "error: export needs a format: reconciler export ack DIR"
    assert "invalid choice: 'helm'" in run("export", "helm", specs).err
    assert run("export", "helm", specs).code == 1


def test_bad_options_are_one_line_and_exit_1(specs: Path, tmp_path: Path) -> None:
    assert one_line_error(run("export", "ack", specs, "--namespace", "Bad_NS")).startswith(
        "error: --namespace 'Bad_NS' is not a Kubernetes namespace name")
    afile = tmp_path / "file.yaml"
    afile.write_text("x: 1\n")
    assert one_line_error(run("export", "ack", specs, "--out", afile)) == f"error: --out {afile} is a file, not a " \
                                                                          "directory"
    assert one_line_error(run("export", "ack", specs, "--account", "12")).startswith(
        "error: --account '12' is not an AWS account id")
    assert one_line_error(run("export", "ack", specs, "--region", "eu-west-1")) == \
        "error: --region eu-west-1 differs from the Stack's region us-east-1"


def test_a_model_package_needs_resolve_offline(specs: Path) -> None:
    (specs / "serving.yaml").write_text(SERVING)
    line = one_line_error(run("export", "ack", specs))
    assert line == (f"{specs / 'serving.yaml'}:5:17: Model/churn-registry: modelPackage names a model registry "
                    "version only AWS knows; pass --resolve to read it (read-only calls; the export pins the ARN), or "
                    "pin the Model to an image and model data")


def test_arns_of_the_stacks_own_resources_need_the_account(specs: Path) -> None:
    events = specs / "events.yaml"
    events.write_text(events.read_text().replace("arn: arn:aws:codepipeline:us-east-1:123456789012:churn-release",
                                                 "arn: ${Pipeline.churn-train.arn}"))
    assert one_line_error(run("export", "ack", specs)) == (
        "error: the export writes ARNs of the stack's own resources, which need the account: set accountId in the "
        "Stack document, or pass --account")
    result = run("export", "ack", specs, "--account", "210987654321")
    assert result.code == 0, result.text
    [rule] = [d for d in yaml.safe_load_all(result.out) if d["kind"] == "Rule"]
    assert rule["spec"]["targets"][0]["arn"] == "arn:aws:sagemaker:us-east-1:210987654321:pipeline/churn-train"


def test_resolve_reads_the_latest_approved_version_and_pins_it(cli: Cli) -> None:
    sm = boto3.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    arn = sm.create_model_package(
        ModelPackageGroupName="churn", ModelApprovalStatus="Approved", InferenceSpecification={
            "Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                            "ModelDataUrl": "s3://ml-artifacts/churn/xgb/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})["ModelPackageArn"]
    (cli.root / "serving.yaml").write_text(SERVING)
    result = cli("export", "ack", cli.root, "--resolve")
    assert result.code == 0, result.text
    [model] = [d for d in yaml.safe_load_all(result.out) if d["metadata"]["labels"]["reconciler/document"]
               == "churn-registry"]
    assert model["spec"]["primaryContainer"] == {"modelPackageName": arn}
    assert validate(model) == []
    assert "warning: Model/churn-registry: modelPackage churn latestApproved is pinned to the version approved at " \
           "export" in result.err
    wrong = cli("export", "ack", cli.root, "--resolve", "--account", "210987654321")
    assert wrong.code == 1 and wrong.err.strip() == (
        "error: the export is for account 210987654321 but the credentials are for account 123456789012; nothing "
        "was read")
