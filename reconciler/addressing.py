"""Addresses: how the engine names spec documents and AWS resources.

A spec address is `Kind/name` (what the user wrote: `Endpoint/churn`). A resource
address is `<aws type>/<aws name>` (`endpoint-config/churn-1a2b3c4d`); the type is the
key of the handler that knows that AWS resource type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Address:
    type: str
    name: str

    def __str__(self) -> str:
        return f"{self.type}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        type_, sep, name = text.partition("/")
        if not sep or not type_ or not name:
            raise ValueError(f"not a resource address: {text!r} (expected TYPE/NAME)")
        return cls(type_, name)
