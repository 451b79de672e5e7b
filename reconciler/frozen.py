"""Deep-frozen JSON values: mappings become read-only views, lists become tuples.

Plans and desired states are pure values. `freeze` makes a JSON-like value immutable
while keeping `==` against plain dicts/lists-as-tuples working; `thaw` turns it back into
plain JSON types for serialization or for boto3 calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


def freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value
