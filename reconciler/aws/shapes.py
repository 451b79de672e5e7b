"""Botocore shapes: the service models, and the mapping between spec (lowerCamelCase) form and API form.

A spec is an AWS request shape with the first letter of every structure member name lowered
and nothing else changed (``InitialInstanceCount`` -> ``initialInstanceCount``, ``S3Uri`` ->
``s3Uri``). Map keys (environment variable names, tag keys) are user data and never change.
Because member names are looked up in the shape rather than re-cased blindly, both directions
are exact, including members whose API name already starts in lower case.

Reconciler extensions are not members of the API shapes, so ``to_api``/``from_api`` reject them
like any unknown key; the kind that owns an extension splits it off first (and may register a
hint for the error with ``UnknownFieldError.hint``).

Timestamps: their spec form is an ISO 8601 string (``2026-12-01T00:00:00Z``), which ``to_api``
passes on unchanged (botocore parses such strings itself), and ``from_api`` turns the
``datetime`` botocore returns back into that form, in UTC with a ``Z`` suffix.

Service models are loaded lazily, once per process (importing this module does not import
botocore). Shapes returned here are shared: treat them as read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, cast

from reconciler.frozen import thaw as _plain

if TYPE_CHECKING:
    from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape
    from botocore.session import Session

Path = tuple[str | int, ...]


class UnknownFieldError(KeyError):
    """A key that is not a member of the structure shape it appears in.

    ``key`` is the offending key, ``shape_name`` the botocore structure, ``path`` the location of
    the key in the converted value (keys and list indexes, in the input's naming).
    """

    # (structure shape name, key) -> advice, registered by the kind that owns an extension member
    hints: ClassVar[dict[tuple[str, str], str]] = {}

    def __init__(self, key: str, shape_name: str, path: Path) -> None:
        super().__init__(key)
        self.key = key
        self.shape_name = shape_name
        self.path = path

    @classmethod
    def hint(cls, shape_name: str, key: str, advice: str) -> None:
        """Register advice shown when ``key`` (an extension) reaches ``to_api`` inside ``shape_name``."""
        cls.hints[(shape_name, key)] = advice

    def __str__(self) -> str:
        where = _format_path(self.path)
        text = f"unknown field {self.key!r} at {where} (not a member of {self.shape_name})"
        advice = self.hints.get((self.shape_name, self.key))
        return f"{text}; {advice}" if advice else text


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


def request_to_api(value: Mapping[str, Any], service: str, operation: str, *, omit: Iterable[str] = (),
                   name: str | None = None) -> dict[str, Any]:
    """A spec-form value of ``operation``'s input shape, minus the API members ``omit``, in API form.

    Unknown keys, including the spec forms of omitted members, raise ``UnknownFieldError``
    reported against ``name`` (the spec shape's name, e.g. ``ScalingPolicySpec``).
    """
    shape = operation_input(service, operation)
    if not isinstance(value, Mapping):
        raise _wrong_type("a mapping", shape, (), value)
    members = _by_spec_name(shape)
    omitted = {spec_name(member) for member in omit}
    for key in value:
        if key not in members or key in omitted:
            raise UnknownFieldError(key, name or shape.name, (key,))
    return cast("dict[str, Any]", to_api(value, shape))


def request_from_api(value: Mapping[str, Any], service: str, operation: str, *, omit: Iterable[str] = (),
                     name: str | None = None, drop_unknown: bool = True) -> dict[str, Any]:
    """The inverse of ``request_to_api``: members not in the shape (or omitted) are dropped, or with
    ``drop_unknown=False`` raise ``UnknownFieldError`` against ``name``."""
    shape = operation_input(service, operation)
    if not isinstance(value, Mapping):
        raise _wrong_type("a mapping", shape, (), value)
    left_out = set(omit)
    kept: dict[str, Any] = {}
    for key, item in value.items():
        if key not in shape.members or key in left_out:
            if drop_unknown:
                continue
            raise UnknownFieldError(key, name or shape.name, (key,))
        kept[key] = item
    return cast("dict[str, Any]", from_api(kept, shape, drop_unknown=drop_unknown))


def input_members(service: str, operation: str, *, omit: Iterable[str] = ()) -> frozenset[str]:
    """The API member names of ``operation``'s input shape, without ``omit``."""
    return _input_members(service, operation, tuple(omit))


@functools.cache
def _input_members(service: str, operation: str, omit: tuple[str, ...]) -> frozenset[str]:
    return frozenset(operation_input(service, operation).members) - frozenset(omit)


class InputMembers:
    """The member names of an operation's input shape minus `omit`, resolved on first use
    (a field policy can name them without loading botocore at import)."""

    def __init__(self, service: str, operation: str, omit: Iterable[str] = ()) -> None:
        self.service = service
        self.operation = operation
        self.omit = tuple(omit)

    def __contains__(self, name: object) -> bool:
        return name in input_members(self.service, self.operation, omit=self.omit)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(input_members(self.service, self.operation, omit=self.omit)))
