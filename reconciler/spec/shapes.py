"""Botocore shape helpers: the mapping between spec (lowerCamelCase) form and the AWS API shape.

A kind's spec is an AWS request shape with the first letter of every structure member name
lowered and nothing else changed (``InitialInstanceCount`` -> ``initialInstanceCount``,
``S3Uri`` -> ``s3Uri``). Map keys (environment variable names, tag keys) are user data and never
change. Because member names are looked up in the shape rather than re-cased blindly, both
directions are exact, including members whose API name already starts in lower case.

Service models are loaded lazily, once per process (importing this module does not import
botocore). Shapes returned here are shared: treat them as read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from reconciler.spec.fragments import KIND_SOURCES

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
        return f"unknown field {self.key!r} at {where} (not a member of {self.shape_name})"


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

    ``Model`` -> ``CreateModelInput``, ``Endpoint`` -> ``CreateEndpointConfigInput``. The shape
    still contains the members the spec omits (the name, ``Tags``); extension members such as
    ``deploymentConfig`` are not in it and are handled by the caller. Raises ``KeyError`` for a
    kind without an AWS shape (``Stack``) or an unknown kind.
    """
    source = KIND_SOURCES.get(kind)
    if source is None:
        raise KeyError(f"kind {kind!r} has no AWS request shape (generated kinds: {', '.join(KIND_SOURCES)})")
    return operation_input(source.service, source.operation)


def deployment_config_shape() -> StructureShape:
    """``UpdateEndpointInput.DeploymentConfig``: the shape of an Endpoint's ``deploymentConfig``."""
    return cast("StructureShape", operation_input("sagemaker", "UpdateEndpoint").members["DeploymentConfig"])


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

    Keys that are not members of their structure raise ``UnknownFieldError`` unless
    ``drop_unknown`` is set, which lets a Describe* response be read through a Create* request
    shape (server-only fields such as ARNs and timestamps are then left out).
    """
    return _convert(value, shape, (), to_api=False, drop_unknown=drop_unknown)


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
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _wrong_type(expected: str, shape: Shape, path: Path, value: Any) -> TypeError:
    return TypeError(
        f"expected {expected} for {shape.name} at {_format_path(path)}, got {type(value).__name__}"
    )


def _format_path(path: Path) -> str:
    if not path:
        return "the top level"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
