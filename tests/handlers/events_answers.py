"""What EventBridge answers about buses and rules, for the scenario tests of the event-bus and event-rule
handlers: documents of a small stack (a custom bus `ml` with a policy, the default bus's policy, a rule on
model approvals with two targets), and the describe answers of each as applied, in the forms EventBridge
returns (a policy rewritten, a pattern re-serialized)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from reconciler.frozen import thaw
from reconciler.handlers.event_rule import split_name
from reconciler.resources import Desired
from tests.handlers.answers import TOP_LEVEL, applied_tags, resource_arn
from tests.handlers.recorded import Recorded, tagged
from tests.unit.planner_support import ACCOUNT, REGION

CREATED = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.timezone.utc)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/events-start-pipeline"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:approvals"
PIPELINE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/churn-train"

BUS_POLICY: dict[str, Any] = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ProdPuts", "Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "events:PutEvents",
    "Resource": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/ml"}]}


def bus_doc(policy: dict[str, Any] | None = None, extra: str = "", name: str = "ml") -> str:
    body = f"  policy: {json.dumps(policy)}\n" if policy else ""
    spec = f"spec:\n{body}{extra}" if body or extra else "spec: {}\n"
    return f"""
apiVersion: reconciler/v1
kind: EventBus
name: {name}
{spec}"""


def rule_doc(targets: str | None = None, extra: str = "", pattern: str | None = None) -> str:
    pattern = pattern or ('{source: [aws.sagemaker], detail-type: [SageMaker Model Package State Change], '
                          'detail: {ModelApprovalStatus: [Approved]}}')
    targets = targets if targets is not None else f"""
    - {{id: queue, arn: "{QUEUE}"}}
    - id: train
      arn: {PIPELINE_ARN}
      roleArn: {ROLE}
      sageMakerPipelineParameters:
        pipelineParameterList: [{{name: ModelVersion, value: $.detail.ModelPackageVersion}}]"""
    return f"""
apiVersion: reconciler/v1
kind: EventRule
name: churn-approved
spec:
  description: A churn model version was approved
  eventPattern: {pattern}
{extra}  targets:{targets}
"""


def bus_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"


def rule_arn(address_name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{address_name}"


def rewritten_policy(text: str) -> str:
    """A policy as EventBridge returns it: account principals as root ARNs, values as lists, keys reordered."""
    data = json.loads(text)
    for statement in data["Statement"]:
        principal = statement.get("Principal")
        if isinstance(principal, dict) and isinstance(principal.get("AWS"), str):
            principal["AWS"] = [f"arn:aws:iam::{principal['AWS']}:root"] if principal["AWS"].isdigit() \
                else [principal["AWS"]]
        for key in ("Action", "Resource"):
            if isinstance(statement.get(key), str):
                statement[key] = [statement[key]]
    return json.dumps({"Statement": data["Statement"], "Version": data.get("Version")})


def bus(d: Desired, **fields: Any) -> dict[str, Any]:
    request = thaw(d.request)
    out = {"Name": d.address.name, "Arn": bus_arn(d.address.name), "CreationTime": CREATED,
           "LastModifiedTime": CREATED, **{k: v for k, v in request.items() if k != "Name"}}
    if d.extra.get("policy"):
        out["Policy"] = rewritten_policy(d.extra["policy"])
    out.update(fields)
    return out


def rule(d: Desired, **fields: Any) -> dict[str, Any]:
    request = thaw(d.request)
    bus_name, name = split_name(d.address.name)
    out = {"Name": name, "Arn": rule_arn(d.address.name), "EventBusName": bus_name, "State": "ENABLED",
           "CreatedBy": ACCOUNT, **{k: v for k, v in request.items() if k not in ("Name", "EventBusName")}}
    if "EventPattern" in out:
        out["EventPattern"] = json.dumps(json.loads(out["EventPattern"]), indent=1)  # re-serialized
    out.update(fields)
    return out


def record_rule(recorded: Recorded, d: Desired, targets: list[dict[str, Any]] | None = None, **fields: Any) -> None:
    bus_name, name = split_name(d.address.name)
    recorded.add("events", "DescribeRule", {"Name": name, "EventBusName": bus_name}, rule(d, **fields))
    recorded.add("events", "ListTargetsByRule", {"Rule": name, "EventBusName": bus_name},
                 {"Targets": thaw(d.extra["targets"]) if targets is None else targets})


def record_applied_events(recorded: Recorded, desired: Iterable[Desired], *, extra_tags: dict[str, str] | None = None
                          ) -> None:
    """Record the buses and rules of `desired` as applied (describes, targets) and the stack's tag query."""
    ds = list(desired)
    owned = [(resource_arn(d), applied_tags(d)) for d in ds if d.address.type in TOP_LEVEL]
    owned += [(bus_arn(d.address.name) if d.address.type == "event-bus" else rule_arn(d.address.name),
               {**applied_tags(d), **(extra_tags or {})}) for d in ds if d.address.type in ("event-bus", "event-rule")]
    tagged(recorded, owned)
    for d in ds:
        if d.address.type == "event-bus":
            recorded.add("events", "DescribeEventBus", {"Name": d.address.name}, bus(d))
        elif d.address.type == "event-rule":
            record_rule(recorded, d)


def absent_events(recorded: Recorded, *desired: Desired) -> None:
    for d in desired:
        if d.address.type == "event-bus":
            recorded.error("events", "DescribeEventBus", {"Name": d.address.name}, "ResourceNotFoundException",
                           f"Event bus {d.address.name} does not exist.")
        else:
            bus_name, name = split_name(d.address.name)
            recorded.error("events", "DescribeRule", {"Name": name, "EventBusName": bus_name},
                           "ResourceNotFoundException", f"Rule {name} does not exist on EventBus {bus_name}.")
