"""SageMaker Pipelines' records, definition checks, expressions and clock: pipelines, versions, executions, steps.

moto 5.2.1 never validates a definition, does not version pipelines, and finishes every
execution at once without steps; the sandbox keeps its own records on moto's SageMaker
backend (``store_of``), so moto's reset forgets them. moto's ``FakePipeline`` stays in
``backend.pipelines`` (name, role, description, display name, parallelism, tags, times) for
the tag operations, ListPipelines and the tagging API; ``pipelines`` keeps the two in step.

- ``parse_definition``: what the sandbox rejects, as AWS would: text longer than
  ``MAX_DEFINITION_CHARS``, text that is not JSON, or JSON not structured like a definition (an
  object with ``Version`` and a ``Steps`` list; each step an object with a string ``Name``,
  unique in the definition, nested Condition branches included, and a string ``Type``;
  ``DependsOn`` a list of names; ``Parameters`` a list of objects with a ``Name``, declared
  once, and a ``Type`` among ``PARAMETER_TYPES``; dependencies without a cycle). Messages start
  with AWS's "Unable to parse pipeline definition." (AWS's wording after it is unconfirmed,
  and so is at which call AWS rejects a cycle). Nothing deeper is checked (arguments, step
  types, references): that is the engine's job. The text is kept exactly as given.
- ``Version``: one per CreatePipeline/UpdatePipeline (``PipelineVersionId`` 1, 2, ...), at
  most ``MAX_VERSIONS`` kept per pipeline (the oldest are forgotten).
- ``Execution``: its steps run on the sandbox clock. A step starts when every step it depends
  on has succeeded: ``DependsOn``, data dependencies (``{"Get": "Steps.X..."}`` anywhere in its
  arguments, ``Std:JsonGet`` property files included) and, for a step inside a Condition's
  ``IfSteps``/``ElseSteps``, the Condition step. At most ``MaxParallelExecutionSteps`` run at
  once (``DEFAULT_PARALLELISM`` when neither the execution nor the pipeline says). Each step is
  Starting for ``STARTING_SECONDS`` (at most half its time), then Executing until
  ``STEP_SECONDS`` of its type (else ``DEFAULT_STEP_SECONDS``) have passed, then Succeeded, or
  Failed when the control route armed a failure at it, when it is a Fail step (its
  ``ErrorMessage``), or when a RegisterModel step cannot register its version. After a failure
  no new step starts; the steps running finish, then the execution is Failed with AWS's
  ``STEP_FAILURE``. StopPipelineExecution makes the running steps and the execution Stopping
  for ``STOP_SECONDS``, then Stopped. A step whose dependency did not run (the branch not taken)
  does not run either. A selective execution runs its selected steps only; the others count as
  done (their results are the source execution's).
- Condition steps: the conditions are evaluated when every operand is known (literals,
  parameters, execution variables, ``Std:Join`` of those); an operand read from a step (a
  property or ``Std:JsonGet``) is a runtime value the sandbox does not have, so a condition
  that depends on one counts as true (``IfSteps`` run) unless the control route chose the
  outcome for the next execution. ``Conditions`` are AND-ed; a known false one decides.
- Property references in a RegisterModel step's arguments resolve to plausible values:
  parameters to the execution's values, execution variables to the execution's, a training
  step's ``ModelArtifacts.S3ModelArtifacts`` to ``<its S3OutputPath>/<job name>/output/model.tar.gz``
  (as SageMaker writes it; ``s3://sandbox-pipelines/<pipeline>/<execution id>/<step>/model.tar.gz``
  without one), other step properties to the referenced step's own argument when it has it
  (``ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri``), else a name, an ARN or an S3
  URI under that prefix after the property's name; ``Std:Join`` joins; ``Std:JsonGet`` is
  unknown and leaves its member out.

Everything is evaluated lazily (``advance_all``), in time order across executions (so the
versions executions register are numbered in the order they register), by whoever reads
pipeline or registry state, under ``RUNTIME.lock``; each pipeline keeps its latest
``MAX_EXECUTIONS`` executions.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.sagemaker.models import SageMakerModelBackend

STORE_ATTRIBUTE = "sandbox_pipelines"
MAX_DEFINITION_CHARS = 1_048_576
MAX_VERSIONS = 1000
MAX_EXECUTIONS = 200
DEFAULT_PARALLELISM = 50
"""MaxParallelExecutionSteps when neither the execution nor the pipeline gives one (AWS's default is unconfirmed)."""
STARTING_SECONDS = 10.0
"""A step is Starting for this long (at most half its time), then Executing."""
STEP_SECONDS: dict[str, float] = {
    "Processing": 300.0,
    "Training": 600.0,
    "Tuning": 900.0,
    "AutoML": 900.0,
    "Transform": 300.0,
    "EMR": 300.0,
    "QualityCheck": 300.0,
    "ClarifyCheck": 300.0,
    "Condition": 20.0,
    "Fail": 20.0,
}
"""A step's whole time (Starting + Executing) by its type, in sandbox seconds."""
DEFAULT_STEP_SECONDS = 60.0
"""Every other type (RegisterModel, Model, CreateModel, Lambda, Callback, ...)."""
STOP_SECONDS = 30.0
"""StopPipelineExecution: Stopping -> Stopped."""
ARTIFACT_BUCKET = "sandbox-pipelines"
RUNNING = ("Executing", "Stopping")
TERMINAL = ("Succeeded", "Failed", "Stopped")
STEP_FAILURE = "Step failure: One or multiple steps failed."
"""An execution's FailureReason when a step failed (AWS's text)."""
PARSE_ERROR = "Unable to parse pipeline definition."
MAX_STEP_REASON = 1024
PARAMETER_TYPES = ("String", "Integer", "Float", "Boolean")
JOB_RESOURCES = {
    "Processing": ("ProcessingJob", "processing-job"),
    "Training": ("TrainingJob", "training-job"),
    "Transform": ("TransformJob", "transform-job"),
    "Tuning": ("TuningJob", "hyper-parameter-tuning-job"),
    "AutoML": ("AutoMLJob", "automl-job"),
    "Model": ("Model", "model"),
    "CreateModel": ("Model", "model"),
}
"""Step type -> (its Metadata member, the ARN resource type of the job it runs)."""
_ids = random.Random()


class DefinitionError(ValueError):
    """A pipeline definition AWS would refuse; the message is the ValidationException's."""


class StepFailure(Exception):
    """A step cannot do its work (e.g. its model package group is missing); the message is its FailureReason."""


# --- definitions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    """One step of a definition: what it is and what it waits for."""

    name: str
    type: str
    arguments: Any
    display_name: str | None
    description: str | None
    depends: tuple[str, ...]
    parent: str | None = None
    branch: bool | None = None
    """For a step inside a Condition step's IfSteps (True) or ElseSteps (False)."""


@dataclass(frozen=True)
class Definition:
    """A checked definition: its text exactly as given, the document, parameters and every step."""

    text: str
    document: dict[str, Any]
    parameters: dict[str, dict[str, Any]]
    steps: dict[str, StepSpec]

    def branch_of(self, condition: str, taken: bool) -> list[str]:
        """The steps directly in ``condition``'s IfSteps (``taken`` True) or ElseSteps."""
        return [s.name for s in self.steps.values() if s.parent == condition and s.branch is taken]


def parse_definition(text: str) -> Definition:
    """Check ``text`` as AWS would (see the module docstring); DefinitionError with the reason."""
    if len(text) > MAX_DEFINITION_CHARS:
        raise DefinitionError(
            f"1 validation error detected: Value '{text[:40]}...' at 'pipelineDefinition' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_DEFINITION_CHARS}"
        )
    if not text:
        raise DefinitionError(
            "1 validation error detected: Value '' at 'pipelineDefinition' failed to satisfy constraint: Member must "
            "have length greater than or equal to 1"
        )
    try:
        document = json.loads(text)
    except ValueError as error:
        detail = getattr(error, "msg", str(error))
        where = f" at line {error.lineno} column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        raise DefinitionError(f"{PARSE_ERROR} Invalid JSON: {detail}{where}.") from None
    if not isinstance(document, dict):
        raise DefinitionError(f"{PARSE_ERROR} Expecting start of Json Object.")
    if "Version" not in document:
        raise DefinitionError(f"{PARSE_ERROR} Missing required member 'Version'.")
    steps = document.get("Steps")
    if not isinstance(steps, list):
        raise DefinitionError(
            f"{PARSE_ERROR} Missing required member 'Steps'." if steps is None
            else f"{PARSE_ERROR} Expecting start of Json Array at 'Steps'."
        )
    parameters = _parameters(document.get("Parameters"))
    found: dict[str, StepSpec] = {}
    _collect(steps, "Steps", found, None, None)
    cycle = find_cycle(found)
    if cycle:
        raise DefinitionError(f"{PARSE_ERROR} The steps' dependencies form a cycle: {' -> '.join(cycle)}.")
    return Definition(text=text, document=document, parameters=parameters, steps=found)


def _parameters(value: Any) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise DefinitionError(f"{PARSE_ERROR} Expecting start of Json Array at 'Parameters'.")
    found: dict[str, dict[str, Any]] = {}
    for index, parameter in enumerate(value):
        name = parameter.get("Name") if isinstance(parameter, dict) else None
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"{PARSE_ERROR} Parameters[{index}] needs a string 'Name'.")
        kind = parameter.get("Type", "String")
        if kind not in PARAMETER_TYPES:
            raise DefinitionError(
                f"{PARSE_ERROR} Type {kind!r} of parameter '{name}' is not one of {', '.join(PARAMETER_TYPES)}."
            )
        if name in found:
            raise DefinitionError(f"{PARSE_ERROR} Parameter '{name}' is declared more than once.")
        found[name] = parameter
    return found


def _collect(steps: Any, where: str, found: dict[str, StepSpec], parent: str | None, branch: bool | None) -> None:
    if not isinstance(steps, list):
        raise DefinitionError(f"{PARSE_ERROR} Expecting start of Json Array at '{where}'.")
    for index, step in enumerate(steps):
        place = f"{where}[{index}]"
        if not isinstance(step, dict):
            raise DefinitionError(f"{PARSE_ERROR} Expecting start of Json Object at '{place}'.")
        name, kind = step.get("Name"), step.get("Type")
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"{PARSE_ERROR} Missing required member 'Name' at '{place}'.")
        if not isinstance(kind, str) or not kind:
            raise DefinitionError(f"{PARSE_ERROR} Missing required member 'Type' of step '{name}'.")
        if name in found:
            raise DefinitionError(f"{PARSE_ERROR} Step name '{name}' is used more than once.")
        explicit = step.get("DependsOn") or []
        if not isinstance(explicit, list) or not all(isinstance(d, str) for d in explicit):
            raise DefinitionError(f"{PARSE_ERROR} 'DependsOn' of step '{name}' must be a list of step names.")
        arguments = step.get("Arguments")
        looked_at = arguments
        if kind == "Condition" and isinstance(arguments, dict):
            looked_at = {k: v for k, v in arguments.items() if k not in ("IfSteps", "ElseSteps")}
        depends = [*explicit, *referenced_steps(looked_at), *([parent] if parent else [])]
        found[name] = StepSpec(
            name=name,
            type=kind,
            arguments=arguments,
            display_name=step.get("DisplayName") if isinstance(step.get("DisplayName"), str) else None,
            description=step.get("Description") if isinstance(step.get("Description"), str) else None,
            depends=tuple(dict.fromkeys(d for d in depends if d != name)),
            parent=parent,
            branch=branch,
        )
        if kind == "Condition" and isinstance(arguments, dict):
            _collect(arguments.get("IfSteps") or [], f"{name}.IfSteps", found, name, True)
            _collect(arguments.get("ElseSteps") or [], f"{name}.ElseSteps", found, name, False)


_STEP_REFERENCE = re.compile(r"^Steps\.([^.\[]+)")


def referenced_steps(value: Any) -> Iterator[str]:
    """The step names ``{"Get": "Steps.<name>..."}`` references anywhere in ``value`` name."""
    if isinstance(value, dict):
        get = value.get("Get")
        if isinstance(get, str):
            match = _STEP_REFERENCE.match(get)
            if match:
                yield match.group(1)
        for item in value.values():
            yield from referenced_steps(item)
    elif isinstance(value, list):
        for item in value:
            yield from referenced_steps(item)


def find_cycle(steps: Mapping[str, StepSpec]) -> list[str] | None:
    """A dependency cycle among ``steps`` (names, first repeated at the end), or None."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        trail.append(name)
        for dependency in steps[name].depends:
            if dependency not in steps:
                continue
            if state.get(dependency) == 1:
                return [*trail[trail.index(dependency) :], dependency]
            if dependency not in state:
                cycle = visit(dependency)
                if cycle:
                    return cycle
        trail.pop()
        state[name] = 2
        return None

    for name in steps:
        if name not in state:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


# --- parameters -----------------------------------------------------------------------------------


def typed_parameter(name: str, declared: Mapping[str, Any], value: str) -> Any:
    """A StartPipelineExecution value as its declared Type; ValueError when it is not one."""
    kind = declared.get("Type", "String")
    try:
        if kind == "Integer":
            return int(value)
        if kind == "Float":
            return float(value)
    except ValueError:
        raise ValueError(f"Value '{value}' of pipeline parameter '{name}' is not a valid {kind}.") from None
    if kind == "Boolean":
        if value.lower() not in ("true", "false"):
            raise ValueError(f"Value '{value}' of pipeline parameter '{name}' is not a valid Boolean.")
        return value.lower() == "true"
    return value


def text_of(value: Any) -> str:
    """A value as the API's strings show it (booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    return str(value)


# --- expressions ----------------------------------------------------------------------------------


class _Unknown:
    """A value only a real run would know (a step's runtime output)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_STEP_PROPERTY = re.compile(r"^Steps\.([^.\[]+)\.?(.*)$")
_TOKEN = re.compile(r"\.?([A-Za-z0-9_]+)|\[\s*(?:'([^']*)'|\"([^\"]*)\"|(\d+))\s*\]")


def property_path(path: str) -> list[str | int]:
    """``Outputs['train'].S3Output.S3Uri`` -> ``["Outputs", "'train", "S3Output", "S3Uri"]`` (a quoted key keeps
    its leading quote, an index is an int)."""
    found: list[str | int] = []
    for match in _TOKEN.finditer(path):
        plain, single, double, index = match.groups()
        if plain is not None:
            found.append(plain)
        elif index is not None:
            found.append(int(index))
        else:
            found.append("'" + (single if single is not None else double))
    return found


def _navigate(value: Any, path: list[str | int]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return UNKNOWN
            value = value[part]
        elif part.startswith("'"):
            key = part[1:]
            if isinstance(value, dict) and key in value:
                value = value[key]
                continue
            if not isinstance(value, list):
                return UNKNOWN
            matches = [
                item
                for item in value
                if isinstance(item, dict) and any(k.endswith("Name") and v == key for k, v in item.items())
            ]
            if not matches:
                return UNKNOWN
            value = matches[0]
        else:
            if not isinstance(value, dict) or part not in value:
                return UNKNOWN
            value = value[part]
    return value


@dataclass
class Scope:
    """What an expression of one execution can read."""

    execution: Execution
    backend_region: str
    backend_account: str
    runtime_unknown: bool = False
    """True for conditions: step properties are runtime values, so unknown."""

    def resolve(self, value: Any) -> Any:
        """``value`` with every expression in it resolved (UNKNOWN where it cannot be)."""
        if isinstance(value, dict):
            if len(value) == 1:
                (key, argument), = value.items()
                if key == "Get" and isinstance(argument, str):
                    return self.get(argument)
                if key == "Std:Join" and isinstance(argument, dict):
                    return self.join(argument)
                if key == "Std:JsonGet":
                    return UNKNOWN
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def join(self, argument: Mapping[str, Any]) -> Any:
        values = self.resolve(argument.get("Values") or [])
        if not isinstance(values, list) or any(v is UNKNOWN for v in values):
            return UNKNOWN
        return text_of(self.resolve(argument.get("On", ""))).join(text_of(v) for v in values)

    def get(self, path: str) -> Any:
        execution = self.execution
        head, _, rest = path.partition(".")
        if head == "Parameters":
            return execution.parameters.get(rest, UNKNOWN)
        if head == "Execution":
            return {
                "PipelineExecutionId": execution.execution_id,
                "PipelineExecutionArn": execution.arn,
                "PipelineName": execution.pipeline_name,
                "PipelineArn": execution.pipeline_arn,
                "StartDateTime": text_of(execution.created),
                "CurrentDateTime": text_of(execution.cursor),
            }.get(rest, UNKNOWN)
        match = _STEP_PROPERTY.match(path)
        if match is not None:
            return UNKNOWN if self.runtime_unknown else self.step_property(match.group(1), match.group(2))
        return UNKNOWN

    def step_property(self, step: str, prop: str) -> Any:
        """A plausible value of property ``prop`` of step ``step`` (see the module docstring)."""
        execution = self.execution
        spec = execution.definition.steps.get(step)
        if spec is None:
            return UNKNOWN
        run = execution.runs.get(step)
        path = property_path(prop)
        if spec.type == "Training" and path[:2] == ["ModelArtifacts", "S3ModelArtifacts"]:
            output = self.resolve(_navigate(spec.arguments, ["OutputDataConfig", "S3OutputPath"]))
            if isinstance(output, str) and output.startswith("s3://"):
                return f"{output.rstrip('/')}/{execution.job_name(step)}/output/model.tar.gz"
            return execution.artifact(step, "model.tar.gz")
        if path == ["ModelPackageArn"] and run is not None and run.registered_arn:
            return run.registered_arn
        own = _navigate(spec.arguments, path)
        if own is not UNKNOWN and not isinstance(own, (dict, list)):
            return self.resolve(own)
        last = next((str(p).lstrip("'") for p in reversed(path) if isinstance(p, str)), "output")
        if last.endswith("Arn"):
            resource = JOB_RESOURCES.get(spec.type, ("", "job"))[1]
            return execution.job_arn(step, resource, self.backend_region, self.backend_account)
        if last.endswith("Name"):
            return execution.job_name(step)
        if last.endswith("Status"):
            return "Completed"
        keys = [p[1:] for p in path if isinstance(p, str) and p.startswith("'")]
        return execution.artifact(step, keys[-1] if keys else last)

    def condition(self, condition: Any) -> Any:
        """True, False or UNKNOWN."""
        if not isinstance(condition, dict):
            return UNKNOWN
        kind = condition.get("Type")
        if kind == "Not":
            inner = self.condition(condition.get("Expression", condition.get("Condition")))
            return inner if inner is UNKNOWN else not inner
        if kind == "Or":
            outcomes = [self.condition(c) for c in condition.get("Conditions") or []]
            if any(o is True for o in outcomes):
                return True
            return UNKNOWN if any(o is UNKNOWN for o in outcomes) else False
        if kind == "In":
            query = self.resolve(condition.get("QueryValue"))
            values = self.resolve(condition.get("Values") or [])
            if query is UNKNOWN or not isinstance(values, list) or any(v is UNKNOWN for v in values):
                return UNKNOWN
            return query in values
        left, right = self.resolve(condition.get("LeftValue")), self.resolve(condition.get("RightValue"))
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        try:
            return {
                "Equals": lambda: left == right,
                "GreaterThan": lambda: left > right,
                "GreaterThanOrEqualTo": lambda: left >= right,
                "LessThan": lambda: left < right,
                "LessThanOrEqualTo": lambda: left <= right,
            }[str(kind)]()
        except (KeyError, TypeError):
            return UNKNOWN

    def conditions(self, conditions: Iterable[Any]) -> bool | None:
        """AND of ``conditions``: True, False, or None when a runtime value decides."""
        outcomes = [self.condition(c) for c in conditions]
        if any(o is False for o in outcomes):
            return False
        return None if any(o is UNKNOWN for o in outcomes) else True


def concrete(value: Any) -> Any:
    """``value`` without the members and items that resolved to UNKNOWN."""
    if isinstance(value, dict):
        return {k: concrete(v) for k, v in value.items() if v is not UNKNOWN}
    if isinstance(value, list):
        return [concrete(v) for v in value if v is not UNKNOWN]
    return value


# --- records --------------------------------------------------------------------------------------


@dataclass
class Version:
    """One version of a pipeline: its definition and what UpdatePipelineVersion set."""

    number: int
    definition: Definition
    created: datetime
    display_name: str | None = None
    description: str | None = None
    last_execution_arn: str | None = None


@dataclass
class Armed:
    """How the next execution of a pipeline goes (set by the control routes)."""

    fail_step: str | None = None
    fail_reason: str | None = None
    outcomes: dict[str, bool] = field(default_factory=dict)


@dataclass
class StepRun:
    """A step that started in an execution; ``outcome`` is set once it has ended."""

    spec: StepSpec
    started: datetime
    ends: datetime
    attempt: int = 1
    outcome: str | None = None
    failure_reason: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stop_requested: datetime | None = None
    registered_arn: str | None = None

    def status(self, now: datetime) -> str:
        if self.outcome is not None:
            return self.outcome
        if self.stop_requested is not None and now >= self.stop_requested:
            return "Stopping"
        starting = min(STARTING_SECONDS, (self.ends - self.started).total_seconds() / 2)
        return "Starting" if now < self.started + timedelta(seconds=starting) else "Executing"

    def summary(self, now: datetime) -> dict[str, Any]:
        status = self.status(now)
        response: dict[str, Any] = {
            "StepName": self.spec.name,
            "StepDisplayName": self.spec.display_name,
            "StepDescription": self.spec.description,
            "StartTime": self.started,
            "EndTime": self.ends if self.outcome is not None else None,
            "StepStatus": status,
            "FailureReason": self.failure_reason if status == "Failed" else None,
            "Metadata": dict(self.metadata) or None,
            "AttemptCount": self.attempt,
        }
        return {key: value for key, value in response.items() if value is not None}


@dataclass
class Execution:
    """One pipeline execution: its version's definition, parameters, and the steps that started."""

    pipeline_name: str
    pipeline_arn: str
    execution_id: str
    arn: str
    version: int
    definition: Definition
    parameters: dict[str, Any]
    created: datetime
    display_name: str
    description: str | None
    parallelism: int
    parallelism_config: dict[str, Any] | None
    selective: dict[str, Any] | None
    armed: Armed
    token: str | None
    status: str = "Executing"
    failure_reason: str | None = None
    ended: datetime | None = None
    stop_requested: datetime | None = None
    stop_token: str | None = None
    failing: bool = False
    cursor: datetime = field(init=False)
    runs: dict[str, StepRun] = field(default_factory=dict)
    not_run: set[str] = field(default_factory=set)
    reused: set[str] = field(default_factory=set)
    """Steps a selective execution does not run (their results count as there)."""
    attempts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cursor = self.created

    def artifact(self, step: str, name: str) -> str:
        return f"s3://{ARTIFACT_BUCKET}/{self.pipeline_name}/{self.execution_id}/{step}/{name}"

    def job_name(self, step: str) -> str:
        return f"pipelines-{self.execution_id}-{step}"[:63].rstrip("-")

    def job_arn(self, step: str, resource: str, region: str, account: str) -> str:
        """The ARN of the job (or model) ``step`` runs; AWS's job ARNs are lower-case."""
        return f"arn:aws:sagemaker:{region}:{account}:{resource}/{self.job_name(step).lower()}"

    def last_modified(self, now: datetime) -> datetime:
        moments = [self.created, self.stop_requested, self.ended]
        for run in self.runs.values():
            moments += [run.started, run.ends if run.outcome is not None else None, run.stop_requested]
        return max(m for m in moments if m is not None and m <= now)

    def running(self) -> list[StepRun]:
        return [run for run in self.runs.values() if run.outcome is None]

    def ready(self) -> list[tuple[datetime, int, StepSpec]]:
        """(ready since, definition order, step) of every step that may start."""
        found = []
        for order, spec in enumerate(self.definition.steps.values()):
            if spec.name in self.runs or spec.name in self.not_run or spec.name in self.reused:
                continue
            since = self.created
            for dependency in spec.depends:
                if dependency in self.reused or dependency not in self.definition.steps:
                    continue
                run = self.runs.get(dependency)
                if run is None or run.outcome != "Succeeded":
                    break
                since = max(since, run.ends)
            else:
                found.append((since, order, spec))
        return found

    def skip_untaken(self, condition: str, taken: bool) -> None:
        """The branch not taken does not run, nor anything that depends on what does not run."""
        self.not_run.update(self.definition.branch_of(condition, not taken))
        changed = True
        while changed:
            changed = False
            for spec in self.definition.steps.values():
                if spec.name not in self.not_run and any(d in self.not_run for d in spec.depends):
                    self.not_run.add(spec.name)
                    changed = True

    def summary(self) -> dict[str, Any]:
        response = {
            "PipelineExecutionArn": self.arn,
            "StartTime": self.created,
            "PipelineExecutionStatus": self.status,
            "PipelineExecutionDescription": self.description,
            "PipelineExecutionDisplayName": self.display_name,
            "PipelineExecutionFailureReason": self.failure_reason if self.status == "Failed" else None,
        }
        return {key: value for key, value in response.items() if value is not None}


@dataclass
class Pipeline:
    """The sandbox's side of a pipeline (moto's ``FakePipeline`` holds its name, role, tags and times)."""

    name: str
    arn: str
    create_token: str | None
    versions: dict[int, Version] = field(default_factory=dict)
    latest: int = 0
    executions: dict[str, Execution] = field(default_factory=dict)
    armed: Armed | None = None

    def version(self, number: int | None = None) -> Version | None:
        return self.versions.get(self.latest if number is None else number)

    def add_version(self, definition: Definition, created: datetime) -> Version:
        self.latest += 1
        version = Version(self.latest, definition, created)
        self.versions[self.latest] = version
        while len(self.versions) > MAX_VERSIONS:
            del self.versions[next(iter(self.versions))]
        return version

    def add_execution(self, execution: Execution) -> None:
        self.executions[execution.arn] = execution
        if len(self.executions) > MAX_EXECUTIONS:
            for arn, old in list(self.executions.items()):
                if old.status in TERMINAL:
                    del self.executions[arn]
                    break

    def running(self) -> list[Execution]:
        return [e for e in self.executions.values() if e.status in RUNNING]


@dataclass
class PipelineStore:
    """Everything Pipelines holds for one account and region."""

    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    active: dict[str, Execution] = field(default_factory=dict)
    deleted_tokens: dict[str, str] = field(default_factory=dict)
    """DeletePipeline's ClientRequestToken -> the pipeline's ARN (a retried delete succeeds again)."""


def store_of(backend: SageMakerModelBackend) -> PipelineStore:
    store = getattr(backend, STORE_ATTRIBUTE, None)
    if store is None:
        store = PipelineStore()
        setattr(backend, STORE_ATTRIBUTE, store)
    return store


def new_execution_id() -> str:
    return "".join(_ids.choices(string.ascii_lowercase + string.digits, k=12))


# --- the clock ------------------------------------------------------------------------------------

Registrar = Callable[[dict[str, Any], datetime], str]
"""Registers a model package version from a RegisterModel step's resolved arguments at a time; StepFailure."""


def step_seconds(spec: StepSpec) -> float:
    return STEP_SECONDS.get(spec.type, DEFAULT_STEP_SECONDS)


def _next_event(execution: Execution) -> tuple[datetime, str] | None:
    """The execution's next transition: (when, "end" | "start" | "finish")."""
    if execution.status not in RUNNING:
        return None
    running = execution.running()
    end = min((run.ends for run in running), default=None)
    start = None
    if not execution.failing and execution.stop_requested is None and len(running) < execution.parallelism:
        ready = execution.ready()
        if ready:
            start = max(min(since for since, _, _ in ready), execution.cursor)
    if end is None and start is None:
        finish = execution.cursor
        if execution.stop_requested is not None:
            finish = max(finish, execution.stop_requested + timedelta(seconds=STOP_SECONDS))
        return finish, "finish"
    if end is not None and (start is None or end <= start):
        return end, "end"
    assert start is not None
    return start, "start"


def _start(execution: Execution, at: datetime, region: str, account: str) -> None:
    _, _, spec = min((r for r in execution.ready() if r[0] <= at), key=lambda r: (r[0], r[1]))
    execution.cursor = at
    attempt = execution.attempts.get(spec.name, 0) + 1
    execution.attempts[spec.name] = attempt
    run = StepRun(spec, started=at, ends=at + timedelta(seconds=step_seconds(spec)), attempt=attempt)
    job = JOB_RESOURCES.get(spec.type)
    if job is not None:
        member, resource = job
        run.metadata[member] = {"Arn": execution.job_arn(spec.name, resource, region, account)}
    execution.runs[spec.name] = run


def _end(execution: Execution, register: Registrar, region: str, account: str) -> None:
    run = min(execution.running(), key=lambda r: r.ends)
    execution.cursor = run.ends
    spec = run.spec
    if run.stop_requested is not None:
        run.outcome = "Stopped"
        return
    scope = Scope(execution, region, account)
    armed = execution.armed
    try:
        if armed.fail_step == spec.name:
            raise StepFailure(armed.fail_reason or "Step failed.")
        if spec.type == "Fail":
            arguments = spec.arguments if isinstance(spec.arguments, dict) else {}
            message = scope.resolve(arguments.get("ErrorMessage", ""))
            text = "" if message is UNKNOWN else text_of(message)
            run.metadata["Fail"] = {"ErrorMessage": text}
            raise StepFailure(text or f"Fail step '{spec.name}' ran.")
        if spec.type == "RegisterModel":
            arguments = concrete(scope.resolve(spec.arguments or {}))
            run.registered_arn = register(arguments if isinstance(arguments, dict) else {}, run.ends)
            run.metadata["RegisterModel"] = {"Arn": run.registered_arn}
        if spec.type == "Condition":
            arguments = spec.arguments if isinstance(spec.arguments, dict) else {}
            chosen = armed.outcomes.get(spec.name)
            if chosen is None:
                decided = Scope(execution, region, account, runtime_unknown=True).conditions(
                    arguments.get("Conditions") or [])
                chosen = True if decided is None else decided
            run.metadata["Condition"] = {"Outcome": "True" if chosen else "False"}
            execution.skip_untaken(spec.name, chosen)
    except StepFailure as failure:
        run.outcome = "Failed"
        run.failure_reason = str(failure)[:MAX_STEP_REASON]
        if not execution.failing:
            execution.failing = True
            execution.failure_reason = STEP_FAILURE
        return
    run.outcome = "Succeeded"


def _finish(execution: Execution, at: datetime) -> None:
    execution.cursor = at
    execution.ended = at
    if execution.stop_requested is not None:
        execution.status = "Stopped"
    elif execution.failing:
        execution.status = "Failed"
    else:
        execution.status = "Succeeded"


def advance_all(backend: SageMakerModelBackend, now: datetime, register: Registrar) -> None:
    """Bring every running execution to ``now``, one transition at a time in time order across executions."""
    store = store_of(backend)
    region, account = backend.region_name, backend.account_id
    while store.active:
        best: tuple[datetime, str, Execution] | None = None
        for arn, execution in list(store.active.items()):
            event = _next_event(execution)
            if event is None:
                del store.active[arn]
                continue
            if event[0] <= now and (best is None or (event[0], execution.created) < (best[0], best[2].created)):
                best = (event[0], event[1], execution)
        if best is None:
            return
        at, kind, execution = best
        if kind == "start":
            _start(execution, at, region, account)
        elif kind == "end":
            _end(execution, register, region, account)
        else:
            _finish(execution, at)
            store.active.pop(execution.arn, None)


def request_stop(execution: Execution, now: datetime) -> None:
    """StopPipelineExecution at ``now`` (the execution brought to ``now`` first): Stopping, then Stopped."""
    execution.stop_requested = now
    execution.status = "Stopping"
    until = now + timedelta(seconds=STOP_SECONDS)
    for run in execution.running():
        run.stop_requested = now
        run.ends = until

