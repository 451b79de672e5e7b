"""The generated IAM policy allows every AWS call a recorded plan and apply of the example stack made.

The A/B churn endpoint, the registry (model package group, pipeline) and the events (rule, bus),
with a lock table, are planned and applied through the CLI against the sandbox while a botocore
hook records each call with its parameters. Every call's IAM action must be allowed by the policy
of its mode (plan's reads by the plan policy, everything by the apply policy; the apply run twice, the second for
a new model version: UpdateEndpoint and the old versions collected), and where the
allowing statement is narrowed, the ARN the call touched (derived from its parameters) must match
one of its resource patterns (fnmatch, as IAM's `*`). Conditions are not evaluated.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import boto3
import pytest

from reconciler import iam_policy
from tests.integration.conftest import REPO, Cli

TABLE = "reconciler-locks"


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: dict[str, Any]

    @property
    def action(self) -> str:
        return iam_policy.iam_action(self.service, self.operation)


@pytest.fixture()
def recorded(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """Every API call the engine's clients make (ClientFactory's clients), with its parameters."""
    from reconciler.aws.clients import ClientFactory

    calls: list[Call] = []
    original = ClientFactory._make

    def make(self: ClientFactory, service: str, read_only: bool) -> Any:
        client = original(self, service, read_only)

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            calls.append(Call(service, model.name, dict(params)))

        client.meta.events.register("provide-client-params", record)
        return client

    monkeypatch.setattr(ClientFactory, "_make", make)
    yield calls


def _stack(cli: Cli) -> Any:
    from reconciler.kinds import load_stack

    return load_stack(cli.root)


def _with_registry_events_and_lock(cli: Cli) -> None:
    for extra in ("registry.yaml", "events.yaml"):
        shutil.copy(REPO / "specs" / extra, cli.root / extra)
    boto3.client("dynamodb").create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    path = cli.root / "stack.yaml"
    text = path.read_text()
    assert "  prune: true\n" in text
    path.write_text(text.replace("  prune: true\n", f"  prune: true\n  lock: {{table: {TABLE}}}\n"))


# --- the ARN a call touched ------------------------------------------------------------------------
VERB = re.compile(r"^(Create|Delete|Update|Start|Stop|Put|Describe|List|Get|Add|Remove|Register|Deregister)")


def _kebab(text: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", text).lower()


def touched(call: Call, region: str, account: str) -> str | None:
    """The ARN `call` acts on, from its parameters (None when it cannot be told, or names no resource)."""
    p, base = call.params, f"arn:aws:{call.service}:{region}:{account}:"
    for key in ("ResourceArn", "ResourceARN"):
        if isinstance(p.get(key), str):
            return str(p[key])
    noun = VERB.sub("", call.operation)
    if call.service == "sagemaker":
        if call.operation == "DeleteModelPackage":
            return str(p["ModelPackageName"])
        name = p.get(f"{noun}Name") or p.get("JobDefinitionName") or p.get("Name")
        if name is not None:
            return f"{base}{_kebab(noun)}/{str(name).lower()}"
        if "EndpointName" in p:  # UpdateEndpointWeightsAndCapacities
            return f"{base}endpoint/{str(p['EndpointName']).lower()}"
        return None
    if call.service == "cloudwatch":
        name = p.get("AlarmName") or (p.get("AlarmNames") or [None])[0]
        return f"{base}alarm:{name}" if name and not call.operation.startswith("Describe") else None
    if call.service == "events":
        bus = str(p.get("EventBusName") or "default").rsplit("/", 1)[-1]
        rule = p.get("Rule") or (p.get("Name") if "Rule" in noun else None)
        if rule:
            return f"{base}rule/{rule}" if bus == "default" else f"{base}rule/{bus}/{rule}"
        if "EventBus" in noun:
            return f"{base}event-bus/{p.get('Name') or bus}"
        if call.operation in ("PutPermission", "RemovePermission"):
            return f"{base}event-bus/{bus}"
        return None
    if call.service == "schemas":
        if "SchemaName" in p:
            return f"{base}schema/{p['RegistryName']}/{p['SchemaName']}"
        if "DiscovererId" in p:
            return f"{base}discoverer/{p['DiscovererId']}"
        if "RegistryName" in p and "Registry" in noun:
            return f"{base}registry/{p['RegistryName']}"
        return None
    if call.service == "dynamodb":
        return f"arn:aws:dynamodb:{region}:{account}:table/{p['TableName']}"
    return None


def _resources(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    return [resource] if isinstance(resource, str) else list(resource)


def refusal(policy: dict[str, Any], call: Call, region: str, account: str) -> str | None:
    """Why `policy` would refuse `call` (None when an Allow statement names its action and resource)."""
    arn = touched(call, region, account)
    named = [s for s in policy["Statement"] if s["Effect"] == "Allow"
             and any(fnmatchcase(call.action.lower(), a.lower()) for a in s["Action"])]
    if not named:
        return f"{call.action}: no statement names it"
    if any("*" in _resources(s) for s in named) or arn is None:
        return None
    if any(fnmatchcase(arn, pattern) for s in named for pattern in _resources(s)):
        return None
    return f"{call.action} on {arn}: outside {[r for s in named for r in _resources(s)]}"


# --- the test --------------------------------------------------------------------------------------
def test_the_policy_allows_every_call_of_a_recorded_plan_and_apply(cli: Cli, recorded: list[Call]) -> None:
    _with_registry_events_and_lock(cli)
    account = boto3.client("sts").get_caller_identity()["Account"]
    stack = _stack(cli)
    region = stack.stack.region
    plan_policy = iam_policy.policy_for(stack, region, account, "plan")
    apply_policy = iam_policy.policy_for(stack, region, account, "apply")

    result = cli("plan", cli.root, "--lock", "--detailed-exitcode")
    assert result.code == 2, result.text
    plan_calls = list(recorded)
    recorded.clear()
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    apply_calls = list(recorded)
    recorded.clear()
    result = cli("plan", cli.root, "--detailed-exitcode")  # converged: what a second plan reads
    assert result.code == 0, result.text
    plan_calls += recorded
    recorded.clear()
    models = cli.root / "models.yaml"  # a new challenger version: new model and config, UpdateEndpoint, collection
    models.write_text(models.read_text().replace("xgb/2026-11-20/", "xgb/2026-12-01/"))
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    apply_calls += recorded

    assert plan_calls and apply_calls
    assert sorted({r for c in plan_calls if (r := refusal(plan_policy, c, region, account))}) == []
    assert sorted({r for c in plan_calls + apply_calls if (r := refusal(apply_policy, c, region, account))}) == []

    # the recording reached every kind of write, and most writes were checked against their ARN
    writes = [c for c in apply_calls if not c.operation.startswith(("Describe", "List", "Get"))]
    actions = {c.action for c in writes}
    assert {"sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint",
            "cloudwatch:PutMetricAlarm", "events:PutRule", "events:PutTargets", "events:CreateEventBus",
            "sagemaker:CreateModelPackageGroup", "sagemaker:CreatePipeline", "dynamodb:PutItem",
            "sagemaker:UpdateEndpoint", "sagemaker:DeleteModel", "sagemaker:DeleteEndpointConfig"} <= actions
    checked = [c for c in writes if touched(c, region, account) is not None]
    assert len(checked) >= len(writes) - 2, sorted(c.action for c in writes if c not in checked)


def test_a_call_outside_the_policy_is_refused(cli: Cli) -> None:
    """The check is live: an action of a type the stack does not use, and a name outside the stack."""
    stack = _stack(cli)
    policy = iam_policy.policy_for(stack, "us-east-1", "123456789012", "apply")
    outside = Call("sagemaker", "CreateModel", {"ModelName": "someone-elses"})
    assert refusal(policy, outside, "us-east-1", "123456789012") is not None
    absent = Call("events", "PutRule", {"Name": "churn-approved"})  # events.yaml is not in this stack
    assert refusal(policy, absent, "us-east-1", "123456789012") == "events:PutRule: no statement names it"
    inside = Call("sagemaker", "CreateModel", {"ModelName": "churn-xgb-0123abcd"})
    assert refusal(policy, inside, "us-east-1", "123456789012") is None
