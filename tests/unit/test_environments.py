"""Environments and variables: `kind: Environment`, `--env`, `namePrefix`, `${var.X}` and `${env.X}`, offline."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.kinds import expand, load_stack

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "environments"

STACK = """\
apiVersion: reconciler/v1
kind: Stack
name: shop
spec:
  region: us-east-1
  variables: {instance_type: ml.m5.large, count: 1}
"""

ENVIRONMENTS = """\
---
apiVersion: reconciler/v1
kind: Environment
name: staging
spec:
  namePrefix: stg-
---
apiVersion: reconciler/v1
kind: Environment
name: prod
spec:
  namePrefix: prod-
  region: eu-west-1
  variables: {instance_type: ml.m5.xlarge, count: 3}
  tags: {env: prod}
"""

MODEL = """\
apiVersion: reconciler/v1
kind: Model
name: m
spec:
  executionRoleArn: arn:aws:iam::123456789012:role/R
  primaryContainer: {image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/i:1", modelDataUrl: "s3://b/m.tar.gz"}
---
apiVersion: reconciler/v1
kind: Endpoint
name: web
spec:
  productionVariants:
    - variantName: main
      modelName: ${Model.m.name}
      instanceType: ${var.instance_type}
      initialInstanceCount: ${var.count}
"""


def write(tmp_path: Path, *parts: str) -> Path:
    root = tmp_path / "stack"
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.yaml").write_text(STACK + "".join(parts[:1]))
    for i, part in enumerate(parts[1:]):
        (root / f"doc{i}.yaml").write_text(textwrap.dedent(part))
    return root


def messages(root: Path, env: str | None = None) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_stack(root, env)
    return [str(d) for d in info.value.diagnostics.items]


def test_each_environment_is_its_own_stack_with_prefixed_names(tmp_path: Path) -> None:
    root = write(tmp_path, ENVIRONMENTS, MODEL)
    staging, prod = load_stack(root, "staging"), load_stack(root, "prod")
    assert (staging.stack.name, prod.stack.name) == ("shop-staging", "shop-prod")
    assert (staging.stack.region, prod.stack.region) == ("us-east-1", "eu-west-1")
    assert prod.stack.tags == {"env": "prod"} and staging.stack.tags == {}
    assert [d.address for d in staging.docs] == [d.address for d in prod.docs] == ["Model/m", "Endpoint/web"]
    names = {d.address.name for d in expand(staging, "us-east-1", "123456789012")}
    assert "stg-web" in names and any(n.startswith("stg-m-") for n in names)
    desired = {d.address.type: d for d in expand(prod, "eu-west-1", "123456789012")}
    variant = desired["endpoint-config"].request["ProductionVariants"][0]
    assert variant["InstanceType"] == "ml.m5.xlarge"
    assert variant["InitialInstanceCount"] == 3  # a whole-string variable keeps its type
    assert variant["ModelName"].startswith("prod-m-")  # references resolve to the prefixed names
    assert desired["endpoint"].address.name == "prod-web"


def test_stack_variables_work_without_environments(tmp_path: Path) -> None:
    stack = load_stack(write(tmp_path, "", MODEL))
    assert stack.stack.name == "shop" and stack.environment is None
    config = next(d for d in expand(stack, "us-east-1", "123456789012") if d.address.type == "endpoint-config")
    assert config.request["ProductionVariants"][0]["InitialInstanceCount"] == 1
    assert config.address.name.startswith("web-")


def test_environments_need_a_choice_at_their_line(tmp_path: Path) -> None:
    [message] = messages(write(tmp_path, ENVIRONMENTS, MODEL))
    assert message.endswith("stack.yaml:9:7: this stack has environments (prod, staging): choose one with --env NAME")


def test_unknown_environment_gets_a_did_you_mean(tmp_path: Path) -> None:
    root = write(tmp_path, ENVIRONMENTS, MODEL)
    [message] = messages(root, "stagin")
    assert message == "--env stagin: no environment named 'stagin' (did you mean 'staging'?); this stack has: " \
                      "prod, staging"
    [message] = messages(write(tmp_path / "plain", "", MODEL), "prod")
    assert message.startswith("--env prod: ") and "has no Environment documents" in message


def test_undefined_variable_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = write(tmp_path, ENVIRONMENTS, MODEL.replace("${var.count}", "${var.cuont}"))
    [message] = messages(root, "prod")
    assert message.endswith("doc0.yaml:16:29: undefined variable 'cuont' (did you mean 'count'?): define it in the "
                            "Stack's variables or Environment 'prod'")


@pytest.mark.parametrize(("text", "expected"), [
    ("name-${var.count}", "name-1"),
    ("${var.flag}-x", "true-x"),
    ("${env.name}/${env.namePrefix}", "staging/stg-"),
])
def test_variables_inside_longer_strings_are_text(tmp_path: Path, text: str, expected: str) -> None:
    model = MODEL.replace("modelDataUrl: \"s3://b/m.tar.gz\"", f"modelDataUrl: \"s3://b/{text}\"")
    root = write(tmp_path, ENVIRONMENTS.replace("namePrefix: stg-", "namePrefix: stg-\n  variables: {flag: true}"),
                 model)
    stack = load_stack(root, "staging")
    assert stack.get("Model/m").spec["primaryContainer"]["modelDataUrl"] == f"s3://b/{expected}"


@pytest.mark.parametrize(("text", "expected"), [
    ("s3://b/${var.items}", "'${var.items}' is a list: inside a longer string a variable must be a string, number or "
                            "boolean"),
    ("${env.prefix}", "'${env.prefix}' is not known (did you mean 'env.namePrefix'?)"),
    ("${var.1x}", "'${var.1x}' is not a variable name"),
])
def test_bad_variables(tmp_path: Path, text: str, expected: str) -> None:
    model = MODEL.replace("modelDataUrl: \"s3://b/m.tar.gz\"", f"modelDataUrl: \"{text}\"")
    root = write(tmp_path, ENVIRONMENTS.replace("namePrefix: stg-", "namePrefix: stg-\n  variables: {items: [1]}"),
                 model)
    found = messages(root, "staging")
    assert len(found) == 1 and expected in found[0] and "doc0.yaml:6:" in found[0]


def test_env_attributes_need_an_environment(tmp_path: Path) -> None:
    [message] = messages(write(tmp_path, "", MODEL.replace("${var.instance_type}", "${env.namePrefix}x")))
    assert "'${env.namePrefix}' needs an environment: add `kind: Environment` documents" in message


def test_a_variable_value_is_validated_where_it_is_used(tmp_path: Path) -> None:
    root = write(tmp_path, ENVIRONMENTS.replace("count: 3", "count: three"), MODEL)
    [message] = messages(root, "prod")
    assert message.endswith("doc0.yaml:16:29: spec.productionVariants[0].initialInstanceCount: expected integer, got "
                            "string 'three'")


def test_the_prefix_counts_towards_the_name_limit(tmp_path: Path) -> None:
    root = write(tmp_path, ENVIRONMENTS, MODEL.replace("name: web", "name: " + "e" * 50))
    assert load_stack(root, "staging")  # 4 + 51: fits the 54 a content-addressed name leaves before -<hash>
    [message] = messages(root, "prod")
    assert message.endswith(f"Endpoint name '{'e' * 50}' with the namePrefix 'prod-' of environment 'prod' "
                            f"('prod-{'e' * 50}') is 55 characters long; the limit is 54 (63 minus room for the "
                            "'-<hash>' suffix of the resources it names)")


def test_default_event_bus_is_never_prefixed(tmp_path: Path) -> None:
    bus = """\
    apiVersion: reconciler/v1
    kind: EventBus
    name: default
    spec:
      policy:
        Version: "2012-10-17"
        Statement: [{Sid: A, Effect: Allow, Principal: "*", Action: "events:PutEvents", Resource: "*"}]
    ---
    apiVersion: reconciler/v1
    kind: EventBus
    name: platform
    spec: {}
    """
    stack = load_stack(write(tmp_path, ENVIRONMENTS, bus), "staging")
    names = sorted(d.address.name for d in expand(stack, "us-east-1", "123456789012"))
    assert names == ["default", "stg-platform"]


def test_duplicate_environments_and_a_too_long_stack_name(tmp_path: Path) -> None:
    twice = ENVIRONMENTS + "---\n" + ENVIRONMENTS.split("---\n")[1]
    assert any("duplicate Environment name 'staging'" in m for m in messages(write(tmp_path, twice, MODEL), "prod"))
    root = write(tmp_path / "long", ENVIRONMENTS, MODEL)
    (root / "stack.yaml").write_text((root / "stack.yaml").read_text().replace("name: shop", "name: " + "s" * 58))
    assert load_stack(root, "prod").stack.name == "s" * 58 + "-prod"  # 63 characters: fits
    [message] = messages(root, "staging")
    assert message.endswith(f"the stack of environment 'staging' is named '{'s' * 58}-staging', 66 characters long; "
                            "the limit is 63: shorten the Stack's or the Environment's name")


def test_the_example_gives_two_stacks(tmp_path: Path) -> None:
    root = tmp_path / "environments"
    shutil.copytree(EXAMPLE, root)
    prod, staging = load_stack(root, "prod"), load_stack(root, "staging")
    assert (prod.stack.name, staging.stack.name) == ("churn-prod", "churn-staging")
    alarm = next(d for d in expand(prod, "us-east-1", "123456789012") if d.address.type == "alarm")
    assert alarm.address.name == "prod-churn-5xx"
    assert {"Name": "EndpointName", "Value": "prod-churn"} in alarm.request["Dimensions"]


def test_double_dollar_writes_a_literal_placeholder(tmp_path: Path) -> None:
    """`$${...}` is the text `${...}` (an IAM policy variable, a shell variable): neither a reference nor a
    variable, and it reaches AWS with one dollar."""
    bus = """\
    apiVersion: reconciler/v1
    kind: EventBus
    name: platform
    spec:
      description: "for $${var.team} and $${env.name}"
      policy:
        Version: "2012-10-17"
        Statement: [{Sid: A, Effect: Allow, Principal: "*", Action: "events:PutEvents",
                     Resource: "arn:aws:events:us-east-1:123456789012:event-bus/$${aws:username}"}]
    """
    stack = load_stack(write(tmp_path, "", bus))
    [desired] = expand(stack, "us-east-1", "123456789012")
    assert desired.request["Description"] == "for ${var.team} and ${env.name}"
    assert "event-bus/${aws:username}" in desired.extra["policy"]
    [message] = messages(write(tmp_path / "single", "", bus.replace("$${aws:username}", "${aws:username}")))
    assert "'${aws:username}' is not a reference" in message
