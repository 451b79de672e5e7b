"""AWS as recorded responses, for per-handler scenario tests: recorded responses in, change and steps out.

`Recorded` holds responses by (service, operation, request parameters); every response is
validated against botocore's output shape when it is recorded (as botocore's Stubber does),
so a scenario can only feed the engine what AWS could answer. Calls are answered in any
order (the planner reads concurrently); a call nothing was recorded for fails the test, and
so does any mutating call (planning gets read-only clients).

`plan(root, recorded)` runs the real planner (discovery by tags, probes, describes, children)
against the recorded responses and returns the plan.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws.calls import snake
from reconciler.aws.clients import is_read_operation
from reconciler.aws.shapes import service_model
from reconciler.kinds import load_stack
from reconciler.plan.model import Plan
from reconciler.plan.planner import Snapshot, make_plan
from tests.unit.planner_support import ACCOUNT, REGION

SERVICES = {"sagemaker": "sagemaker", "tagging": "resourcegroupstaggingapi", "sts": "sts",
            "aas": "application-autoscaling", "cloudwatch": "cloudwatch"}


def _key(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


class Recorded:
    """Recorded AWS responses; `reader()` is the read-only client view the planner gets."""

    def __init__(self) -> None:
        self.responses: dict[tuple[str, str, str], Any] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.region = REGION
        self.read_only = True
        self.add("sts", "GetCallerIdentity", {}, {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/t",
                                                   "UserId": "t"})

    def add(self, service: str, operation: str, params: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        """Record `response` (validated against the operation's output shape) for this exact request."""
        from botocore.validate import ParamValidator

        service = SERVICES.get(service, service)
        shape = service_model(service).operation_model(operation).output_shape
        if shape is not None:
            report = ParamValidator().validate(dict(response), shape)
            assert not report.has_errors(), f"{operation} response is not what AWS answers:\n" \
                                            f"{report.generate_report()}"
        self.responses[(service, operation, _key(params))] = dict(response)

    def error(self, service: str, operation: str, params: Mapping[str, Any], code: str, message: str) -> None:
        """Record an AWS error answer for this exact request."""
        service = SERVICES.get(service, service)
        self.responses[(service, operation, _key(params))] = ClientError(
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)

    def answer(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        assert is_read_operation(operation), f"planning made a mutating call: {operation}"
        self.calls.append((service, operation, params))
        found = self.responses.get((service, operation, _key(params)))
        if found is None:
            raise AssertionError(f"no recorded response for {service} {operation} {_key(params)}")
        if isinstance(found, ClientError):
            raise found
        return copy.deepcopy(found)  # a fresh copy, as from the wire

    # --- the ReadClients interface ---------------------------------------------------------
    def get(self, service: str) -> _Client:
        return _Client(self, service)

    @property
    def sagemaker(self) -> _Client:
        return self.get("sagemaker")

    @property
    def tagging(self) -> _Client:
        return self.get("resourcegroupstaggingapi")

    @property
    def sts(self) -> _Client:
        return self.get("sts")

    def reader(self) -> Recorded:
        return self


class _Client:
    def __init__(self, recorded: Recorded, service: str) -> None:
        self.recorded = recorded
        self.service = service
        self._operations = {snake(op): op for op in service_model(service).operation_names}

    def __getattr__(self, name: str) -> Any:
        operation = self._operations.get(name)
        if operation is None:
            raise AttributeError(name)
        return lambda **params: self.recorded.answer(self.service, operation, params)

    def get_paginator(self, name: str) -> _Paginator:
        return _Paginator(self, self._operations[name])


class _Paginator:
    def __init__(self, client: _Client, operation: str) -> None:
        self.client = client
        self.operation = operation

    def paginate(self, **params: Any) -> Iterator[dict[str, Any]]:
        yield self.client.recorded.answer(self.client.service, self.operation, params)


def tagged(recorded: Recorded, resources: list[tuple[str, dict[str, str]]], stack: str = "demo",
           types: tuple[str, ...] | None = None) -> None:
    """Record the tag query of the stack's owned resources: (ARN, tags) pairs; `types` default to every
    top-level type the registry knows."""
    if types is None:
        from reconciler.handlers.registry import handlers

        types = tuple(sorted(h.tagging_type for h in handlers().values() if h.tagging_type and not h.parent_type))
    recorded.add("tagging", "GetResources",
                 {"TagFilters": [{"Key": "reconciler:stack", "Values": [stack]}], "ResourceTypeFilters": list(types),
                  "ResourcesPerPage": 100},
                 {"ResourceTagMappingList": [{"ResourceARN": arn, "Tags": [{"Key": k, "Value": v}
                                                                            for k, v in tags.items()]}
                                             for arn, tags in resources]})


def plan(root: Path, recorded: Recorded) -> tuple[Plan, Snapshot]:
    """The real planner over recorded responses."""
    return make_plan(load_stack(root), recorded)  # type: ignore[arg-type]


def write(root: Path, *documents: str) -> Path:
    """A stack directory: a Stack document (stack `demo`, prune: true) plus `documents`."""
    import textwrap

    root.mkdir(parents=True, exist_ok=True)
    for f in root.glob("*.yaml"):
        f.unlink()
    (root / "stack.yaml").write_text("apiVersion: reconciler/v1\nkind: Stack\nname: demo\n"
                                     "spec: {region: us-east-1, prune: true}\n")
    (root / "docs.yaml").write_text("\n---\n".join(textwrap.dedent(d).strip() for d in documents) + "\n")
    return root


def operations(p: Plan) -> list[str]:
    return [s.operation for s in p.steps]


def arn(type_: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{type_}/{name}"
