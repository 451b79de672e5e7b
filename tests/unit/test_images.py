"""Container images named by framework: resolved from the SageMaker SDK's image data exactly as the SDK's own
`image_uris.retrieve` does (compared over every plainly-described framework), without importing the SDK; the
problems of a reference at the line of its `image`, at validate time (framework, version, ...) and at plan
time (the region)."""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from reconciler import images
from reconciler.errors import PlanError, SpecError
from reconciler.kinds import expand, load_stack
from tests.unit.planner_support import ACCOUNT

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: %s}\n"


def _references() -> list[dict[str, Any]]:
    """Up to two recent versions of every framework the module resolves, each Python version and processor."""
    found = []
    for framework in images.frameworks():
        try:
            images._framework_config(framework)
        except images.ImageError:
            continue
        for scope in ("inference", "training"):
            try:
                _, config = images._scope_config(framework, scope)
            except images.ImageError:
                continue
            for version in list(config.get("versions", {}))[-2:]:
                version_config = config["versions"][version]
                pys = (version_config.get("py_versions") or [None]) if "repository" in version_config \
                    else list(version_config)
                processors = config.get("processors") or version_config.get("processors") or [None]
                for py, processor in itertools.product(pys[-2:], processors[:2]):
                    reference = {"framework": framework, "version": version, "scope": scope}
                    reference.update({k: v for k, v in (("pyVersion", py), ("processor", processor)) if v})
                    found.append(reference)
    return found


def test_resolution_matches_the_sdk_for_every_plain_framework() -> None:
    from sagemaker.core import image_uris  # the dev extra installs the SDK; imported here only (it is slow)

    logging.getLogger("sagemaker").setLevel(logging.ERROR)
    references = _references()
    assert len(references) > 100
    compared = 0
    for reference, region in zip(references, itertools.cycle(("us-east-1", "eu-west-1", "cn-north-1"))):
        processor = reference.get("processor")
        instance = {None: None, "cpu": "ml.m5.xlarge", "gpu": "ml.g5.xlarge"}.get(processor, f"ml.{processor}.xlarge")
        try:
            theirs = image_uris.retrieve(reference["framework"], region=region, version=reference["version"],
                                         py_version=reference.get("pyVersion"), instance_type=instance,
                                         image_scope=reference["scope"])
        except ValueError:
            with pytest.raises(images.ImageError):
                images.resolve(reference, region)
            continue
        assert images.resolve(reference, region) == theirs, reference
        compared += 1
    assert compared > 80


@pytest.mark.parametrize(("reference", "uri"), [
    ({"framework": "xgboost", "version": "1.7-1"},
     "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"),
    ({"framework": "sklearn", "version": "1.2-1"},
     "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
    ({"framework": "pytorch", "version": "2.3", "processor": "gpu"},
     "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-gpu-py311"),
    ({"framework": "model-monitor"}, "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"),
])
def test_well_known_images(reference: dict[str, Any], uri: str) -> None:
    assert images.resolve(reference, "us-east-1") == uri


@pytest.mark.parametrize(("reference", "message"), [
    ({"framework": "xgbost", "version": "1.7-1"}, "unknown image framework 'xgbost' (did you mean 'xgboost'?)"),
    ({"framework": "xgboost", "version": "1.7-9"}, "image framework 'xgboost' has no version '1.7-9' (did you mean"),
    ({"framework": "xgboost"}, "image framework 'xgboost' needs a version: one of "),
    ({"framework": "pytorch", "version": "2.3"}, "pytorch 2.3 has more than one processor: set one of cpu, gpu"),
    ({"framework": "pytorch", "version": "2.3", "processor": "cpu", "pyVersion": "py39"},
     "pytorch 2.3 has no Python version 'py39'"),
    ({"framework": "huggingface", "version": "4.28"}, "give the image URI"),
    ({"framework": "../etc/passwd"}, "unknown image framework"),
])
def test_problems_are_one_line(reference: dict[str, Any], message: str) -> None:
    with pytest.raises(images.ImageError) as caught:
        images.check(reference)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_region_without_the_image() -> None:
    with pytest.raises(images.ImageError, match=r"xgboost 1\.7-1 images are not published in region 'ap-nowhere-1'"):
        images.resolve({"framework": "xgboost", "version": "1.7-1"}, "ap-nowhere-1")


def test_without_the_sdk_the_error_says_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "data_dir", lambda: None)
    images._framework_config.cache_clear()
    try:
        with pytest.raises(images.ImageError, match=r"pip install 'reconciler\[sdk\]'"):
            images.check({"framework": "xgboost", "version": "1.7-1"})
    finally:
        images._framework_config.cache_clear()


def test_resolving_never_imports_the_sdk() -> None:
    code = ("import sys; from reconciler import images; "
            "print(images.resolve({'framework': 'xgboost', 'version': '1.7-1'}, 'us-east-1')); "
            "print(any(m == 'sagemaker' or m.startswith('sagemaker.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", "False"]


MODELS = textwrap.dedent("""\
    apiVersion: reconciler/v1
    kind: Model
    name: churn
    spec:
      executionRoleArn: arn:aws:iam::123456789012:role/r
      primaryContainer:
        image: {framework: xgboost, version: "1.7-1"}
        modelDataUrl: s3://b/model.tar.gz
    ---
    apiVersion: reconciler/v1
    kind: Model
    name: pair
    spec:
      executionRoleArn: arn:aws:iam::123456789012:role/r
      containers:
        - image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/own:1
        - image: {framework: sklearn, version: "1.2-1"}
    """)


def _stack(tmp_path: Path, models: str, region: str = "eu-west-1") -> Path:
    (tmp_path / "stack.yaml").write_text(STACK % region)
    (tmp_path / "models.yaml").write_text(models)
    return tmp_path


def test_a_model_deploys_the_image_of_its_region(tmp_path: Path) -> None:
    churn, pair = expand(load_stack(_stack(tmp_path, MODELS)), "eu-west-1", ACCOUNT)
    assert churn.request["PrimaryContainer"]["Image"] == \
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert [c["Image"] for c in pair.request["Containers"]] == [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/own:1",
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"]


def test_a_bad_reference_fails_validation_at_its_image(tmp_path: Path) -> None:
    broken = MODELS.replace('{framework: sklearn, version: "1.2-1"}', '{framework: sklearn, version: "0.1"}')
    with pytest.raises(SpecError) as caught:
        load_stack(_stack(tmp_path, broken))
    [line] = [str(d) for d in caught.value.diagnostics]
    assert line.startswith(f"{tmp_path / 'models.yaml'}:17:")
    assert "image framework 'sklearn' has no version '0.1'" in line


def test_a_version_must_be_quoted(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_stack(_stack(tmp_path, MODELS.replace('version: "1.7-1"', "version: 1.7")))
    assert "spec.primaryContainer.image.version: expected string, got float 1.7" in str(caught.value)


def test_an_unpublished_region_is_a_plan_error_at_the_image(tmp_path: Path) -> None:
    stack = load_stack(_stack(tmp_path, MODELS, region="ap-southeast-7"))
    with pytest.raises(PlanError) as caught:
        expand(stack, "ap-southeast-7", ACCOUNT)
    assert str(caught.value).startswith(f"{tmp_path / 'models.yaml'}:7:")
    assert "Model/churn: xgboost 1.7-1 images are not published in region 'ap-southeast-7'" in str(caught.value)
