"""Botocore shape helpers: the mapping between spec (lowerCamelCase) form and the AWS API shape.

A kind's spec is an AWS request shape with the first letter of every structure member name
lowered and nothing else changed (``InitialInstanceCount`` -> ``initialInstanceCount``,
``S3Uri`` -> ``s3Uri``). Map keys (environment variable names, tag keys) are user data and never
change. Because member names are looked up in the shape rather than re-cased blindly, both
directions are exact, including members whose API name already starts in lower case.

Reconciler extensions are not members of the API shapes, so ``to_api``/``from_api`` reject them
like any unknown key; callers split them off first. For the Endpoint variant ``autoscaling``
extension: ``split_variant_extensions`` / ``join_variant_extensions`` separate it from (and put it
back on) ``productionVariants``, and ``policy_to_api`` / ``scheduled_action_to_api`` (with their
inverses ``policy_from_api`` / ``scheduled_action_from_api``) convert its ``policies`` and
``scheduledActions`` entries to and from the Application Auto Scaling ``PutScalingPolicy`` /
``PutScheduledAction`` request shapes, without the members that identify the scalable target
(``ServiceNamespace``, ``ResourceId``, ``ScalableDimension``: the caller adds those) and, for
policies, without the ECS-only ``PredictiveScalingPolicyConfiguration``.

Timestamps: their spec form is an ISO 8601 string (``2026-12-01T00:00:00Z``), which ``to_api``
passes on unchanged (botocore parses such strings itself), and ``from_api`` turns the
``datetime`` botocore returns back into that form, in UTC with a ``Z`` suffix.

Service models are loaded lazily, once per process (importing this module does not import
botocore). Shapes returned here are shared: treat them as read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from reconciler.frozen import thaw as _plain
from reconciler.spec.fragments import (
    AUTOSCALING_KEY,
    KIND_SOURCES,
    SCALING_POLICY,
    SCHEDULED_ACTION,
    RequestDef,
)

if TYPE_CHECKING:
    from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape
    from botocore.session import Session

Path = tuple[str | int, ...]


class UnknownFieldError(KeyError):
    """A key that is not a member of the structure shape it appears in.

    ``key`` is the offending key, ``shape_name`` the botocore structure, ``path`` the location of
    the key in the converted value (keys and list indexes, in the input's naming).
    """

    def __init__(self, key: str, shape_name: str, path: Path) -> None:
        super().__init__(key)
        self.key = key
        self.shape_name = shape_name
        self.path = path

    def __str__(self) -> str:
        where = _format_path(self.path)
        text = f"unknown field {self.key!r} at {where} (not a member of {self.shape_name})"
        if self.key == AUTOSCALING_KEY and self.shape_name == "ProductionVariant":
            text += "; autoscaling is a reconciler extension: split it off with split_variant_extensions() first"
        return text


def spec_name(api_name: str) -> str:
    """The spec key for an API member name: its first letter lowered (``S3Uri`` -> ``s3Uri``)."""
    return api_name[:1].lower() + api_name[1:]


@functools.lru_cache(maxsize=1)
def _session() -> Session:
    import botocore.session

    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The botocore service model for ``service`` (e.g. ``sagemaker``), loaded once per process."""
    return _session().get_service_model(service)


@functools.cache
def operation_input(service: str, operation: str) -> StructureShape:
    """The input structure of ``operation`` (e.g. ``CreateModel``) of ``service``."""
    shape = service_model(service).operation_model(operation).input_shape
    if shape is None:
        raise KeyError(f"{service}.{operation} has no input shape")
    return shape


def spec_shape(kind: str) -> StructureShape:
    """The AWS request shape a generated kind's spec is written in.

    ``Model`` -> ``CreateModelInput``, ``Endpoint`` -> ``CreateEndpointConfigInput``, ``Alarm`` ->
    ``PutMetricAlarmInput`` (CloudWatch), ``ShadowTest`` -> ``CreateInferenceExperimentRequest``.
    The shape still contains the members the spec omits (the name, ``Tags``, a ShadowTest's
    ``Type``: see ``spec_omitted``); extension members such as
    ``deploymentConfig`` are not in it and are handled by the caller. Raises ``KeyError`` for a
    kind without an AWS shape (``Stack``) or an unknown kind.
    """
    source = KIND_SOURCES.get(kind)
    if source is None:
        raise KeyError(f"kind {kind!r} has no AWS request shape (generated kinds: {', '.join(KIND_SOURCES)})")
    return operation_input(source.service, source.operation)


def spec_omitted(kind: str) -> tuple[str, ...]:
    """The API members of ``spec_shape(kind)`` a spec never holds (the caller fills them in):
    ``("AlarmName", "Tags")`` for an Alarm, ``("Name", "Type", "Tags")`` for a ShadowTest."""
    source = KIND_SOURCES.get(kind)
    if source is None:
        raise KeyError(f"kind {kind!r} has no AWS request shape (generated kinds: {', '.join(KIND_SOURCES)})")
    return source.omit


def deployment_config_shape() -> StructureShape:
    """``UpdateEndpointInput.DeploymentConfig``: the shape of an Endpoint's ``deploymentConfig``."""
    return cast("StructureShape", operation_input("sagemaker", "UpdateEndpoint").members["DeploymentConfig"])


def scaling_policy_shape() -> StructureShape:
    """``PutScalingPolicyRequest`` (Application Auto Scaling): the shape of an autoscaling policy.

    The spec form leaves out ``SCALING_POLICY.omit`` (``ServiceNamespace``, ``ResourceId``,
    ``ScalableDimension``, ``PredictiveScalingPolicyConfiguration``), which this shape still contains.
    """
    return operation_input(SCALING_POLICY.service, SCALING_POLICY.operation)


def scheduled_action_shape() -> StructureShape:
    """``PutScheduledActionRequest`` (Application Auto Scaling): the shape of a scheduled action,
    including the members the spec form leaves out (see ``scaling_policy_shape``)."""
    return operation_input(SCHEDULED_ACTION.service, SCHEDULED_ACTION.operation)


@functools.cache
def _by_spec_name(shape: Shape) -> Mapping[str, tuple[str, Shape]]:
    """spec key -> (API member name, member shape), for a structure shape."""
    members: Mapping[str, Shape] = getattr(shape, "members", {})
    return {spec_name(name): (name, member) for name, member in members.items()}


@functools.cache
def _by_api_name(shape: Shape) -> Mapping[str, tuple[str, Shape]]:
    """API member name -> (spec key, member shape), for a structure shape."""
    members: Mapping[str, Shape] = getattr(shape, "members", {})
    return {name: (spec_name(name), member) for name, member in members.items()}


def member_shape(shape: Shape, camel_key: str) -> Shape | None:
    """The member of structure ``shape`` for the lowerCamelCase key ``camel_key``, or None.

    Keys in API form (``S3Uri``) are not members here: only the spec form (``s3Uri``) matches.
    Returns None for non-structure shapes.
    """
    if shape.type_name != "structure":
        return None
    entry = _by_spec_name(shape).get(camel_key)
    return entry[1] if entry is not None else None


def to_api(value: Any, shape: Shape, *, drop_unknown: bool = False) -> Any:
    """Convert a spec-form value to the API form of ``shape``; map keys are left untouched.

    Accepts plain or frozen JSON values (any Mapping, list or tuple) and returns plain dicts and
    lists; scalars (including reference strings) are returned as they are. A key that is not a
    member of its structure raises ``UnknownFieldError`` (a ``KeyError``), unless ``drop_unknown``
    is set. A value of the wrong container type raises ``TypeError``.
    """
    return _convert(value, shape, (), to_api=True, drop_unknown=drop_unknown)


def from_api(value: Any, shape: Shape, *, drop_unknown: bool = False) -> Any:
    """Convert an API-form value of ``shape`` to spec form: the inverse of ``to_api``.

    ``datetime`` values of timestamp members become ISO 8601 strings in UTC with a ``Z`` suffix
    (their spec form; a naive ``datetime`` is taken to be UTC). Keys that
    are not members of their structure raise ``UnknownFieldError`` unless
    ``drop_unknown`` is set, which lets a Describe* response be read through a Create* request
    shape (server-only fields such as ARNs and timestamps are then left out).
    """
    return _convert(value, shape, (), to_api=False, drop_unknown=drop_unknown)


def split_variant_extensions(
    spec_variants: Iterable[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any] | None]]:
    """Separate the ``autoscaling`` extension from an Endpoint spec's ``productionVariants``.

    Returns ``(variants, autoscaling)``: the variants without ``autoscaling`` (ready for
    ``to_api``), in their order, and ``{variantName: autoscaling spec, or None when the variant has
    none}`` for every variant. Accepts plain or frozen values and returns plain ones. Raises
    ``ValueError`` when a variant has no string ``variantName`` or two variants share one, and
    ``TypeError`` when a variant is not a mapping.
    """
    variants: list[dict[str, Any]] = []
    autoscaling: dict[str, dict[str, Any] | None] = {}
    for index, variant in enumerate(spec_variants):
        if not isinstance(variant, Mapping):
            raise TypeError(f"expected a mapping at productionVariants[{index}], got {type(variant).__name__}")
        name = variant.get("variantName")
        if not isinstance(name, str):
            raise ValueError(f"productionVariants[{index}] has no variantName")
        if name in autoscaling:
            raise ValueError(f"productionVariants[{index}]: variantName {name!r} is used twice")
        extension = variant.get(AUTOSCALING_KEY)
        autoscaling[name] = _plain(extension) if extension is not None else None
        variants.append({key: _plain(item) for key, item in variant.items() if key != AUTOSCALING_KEY})
    return variants, autoscaling


def join_variant_extensions(
    spec_variants: Iterable[Mapping[str, Any]], autoscaling: Mapping[str, Mapping[str, Any] | None]
) -> list[dict[str, Any]]:
    """The inverse of ``split_variant_extensions``: each variant with ``autoscaling`` set from
    ``autoscaling[variantName]`` when that is present and not None. Returns plain values."""
    out: list[dict[str, Any]] = []
    for variant in spec_variants:
        joined = {key: _plain(item) for key, item in variant.items()}
        extension = autoscaling.get(variant.get("variantName", ""))
        if extension is not None:
            joined[AUTOSCALING_KEY] = _plain(extension)
        out.append(joined)
    return out


def policy_to_api(policy: Mapping[str, Any]) -> dict[str, Any]:
    """One ``autoscaling.policies`` entry -> ``PutScalingPolicy`` parameters (API casing), without
    ``ServiceNamespace``/``ResourceId``/``ScalableDimension``. Unknown keys, including the spec
    forms of those three and the ECS-only ``predictiveScalingPolicyConfiguration``, raise
    ``UnknownFieldError``."""
    return _request_to_api(policy, SCALING_POLICY)


def policy_from_api(api: Mapping[str, Any], *, drop_unknown: bool = True) -> dict[str, Any]:
    """A scaling policy in API form (a ``DescribeScalingPolicies`` entry or ``PutScalingPolicy``
    parameters) -> its ``autoscaling.policies`` spec form: the inverse of ``policy_to_api``.

    By default members the spec does not have (``PolicyARN``, ``Alarms``, ``CreationTime``, the
    scalable-target members, ``PredictiveScalingPolicyConfiguration``) are dropped; with
    ``drop_unknown=False`` they raise ``UnknownFieldError``.
    """
    return _request_from_api(api, SCALING_POLICY, drop_unknown=drop_unknown)


def scheduled_action_to_api(action: Mapping[str, Any]) -> dict[str, Any]:
    """One ``autoscaling.scheduledActions`` entry -> ``PutScheduledAction`` parameters (API casing),
    without ``ServiceNamespace``/``ResourceId``/``ScalableDimension``; see ``policy_to_api``."""
    return _request_to_api(action, SCHEDULED_ACTION)


def scheduled_action_from_api(api: Mapping[str, Any], *, drop_unknown: bool = True) -> dict[str, Any]:
    """A scheduled action in API form (a ``DescribeScheduledActions`` entry or ``PutScheduledAction``
    parameters) -> its spec form: the inverse of ``scheduled_action_to_api``; see ``policy_from_api``.
    Timestamps (``StartTime``, ``EndTime``) come back as ISO 8601 strings."""
    return _request_from_api(api, SCHEDULED_ACTION, drop_unknown=drop_unknown)


def _request_to_api(value: Mapping[str, Any], request: RequestDef) -> dict[str, Any]:
    shape = operation_input(request.service, request.operation)
    if not isinstance(value, Mapping):
        raise _wrong_type("a mapping", shape, (), value)
    members = _by_spec_name(shape)
    omitted = {spec_name(name) for name in request.omit}
    for key in value:
        if key not in members or key in omitted:  # reported against the spec shape, e.g. ScalingPolicySpec
            raise UnknownFieldError(key, request.def_name, (key,))
    return cast("dict[str, Any]", to_api(value, shape))


def _request_from_api(value: Mapping[str, Any], request: RequestDef, *, drop_unknown: bool) -> dict[str, Any]:
    shape = operation_input(request.service, request.operation)
    if not isinstance(value, Mapping):
        raise _wrong_type("a mapping", shape, (), value)
    kept: dict[str, Any] = {}
    for key, item in value.items():
        if key not in shape.members or key in request.omit:
            if drop_unknown:
                continue
            raise UnknownFieldError(key, request.def_name, (key,))
        kept[key] = item
    return cast("dict[str, Any]", from_api(kept, shape, drop_unknown=drop_unknown))


def _convert(value: Any, shape: Shape, path: Path, *, to_api: bool, drop_unknown: bool) -> Any:
    if value is None:
        return None
    type_name = shape.type_name
    if type_name == "structure":
        if getattr(shape, "is_document_type", False):
            return _plain(value)
        if not isinstance(value, Mapping):
            raise _wrong_type("a mapping", shape, path, value)
        lookup = _by_spec_name(shape) if to_api else _by_api_name(shape)
        out: dict[str, Any] = {}
        for key, item in value.items():
            entry = lookup.get(key)
            if entry is None:
                if drop_unknown:
                    continue
                raise UnknownFieldError(key, shape.name, (*path, key))
            out_key, member = entry
            out[out_key] = _convert(item, member, (*path, key), to_api=to_api, drop_unknown=drop_unknown)
        return out
    if type_name == "list":
        if not isinstance(value, (list, tuple)):
            raise _wrong_type("a list", shape, path, value)
        member = cast("ListShape", shape).member
        return [
            _convert(item, member, (*path, index), to_api=to_api, drop_unknown=drop_unknown)
            for index, item in enumerate(value)
        ]
    if type_name == "map":
        if not isinstance(value, Mapping):
            raise _wrong_type("a mapping", shape, path, value)
        value_shape = cast("MapShape", shape).value
        return {
            key: _convert(item, value_shape, (*path, key), to_api=to_api, drop_unknown=drop_unknown)
            for key, item in value.items()
        }
    if type_name == "timestamp" and not to_api and isinstance(value, datetime):
        return _timestamp_spec(value)  # spec form of a timestamp is a string; botocore parses to datetime
    return value


def _timestamp_spec(value: datetime) -> str:
    """A timestamp's spec form: ISO 8601 in UTC with a ``Z`` suffix (``2026-12-01T00:00:00Z``).

    botocore returns timestamps in the local time zone, so converting to UTC keeps the spec form
    independent of where the reconciler runs; fractions of a second are kept when present.
    """
    utc = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return utc.replace(tzinfo=None).isoformat() + "Z"


def _wrong_type(expected: str, shape: Shape, path: Path, value: Any) -> TypeError:
    return TypeError(f"expected {expected} for {shape.name} at {_format_path(path)}, got {type(value).__name__}")


def _format_path(path: Path) -> str:
    if not path:
        return "the top level"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
