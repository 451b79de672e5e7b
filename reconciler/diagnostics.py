"""Diagnostics: problems found in specs or live state, accumulated and reported together.

A diagnostic carries a severity, a message and, for spec problems, the file, line and
column it points at (1-based). Engines append to a `Diagnostics` collection instead of
raising one error at a time; the CLI renders them as `file:line:col: message`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Position:
    """A place in a spec file; line and column are 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    message: str
    position: Position | None = None

    def __str__(self) -> str:
        prefix = f"{self.position}: " if self.position else ""
        kind = "" if self.severity is Severity.error else "warning: "
        return f"{prefix}{kind}{self.message}"


@dataclass
class Diagnostics:
    """An ordered, append-only collection of diagnostics."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, message: str, position: Position | None = None) -> None:
        self.items.append(Diagnostic(Severity.error, message, position))

    def warning(self, message: str, position: Position | None = None) -> None:
        self.items.append(Diagnostic(Severity.warning, message, position))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.warning]

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        """Errors in file order (file, line, col), position-less ones last."""

        def key(d: Diagnostic) -> tuple[int, str, int, int]:
            if d.position is None:
                return (1, "", 0, 0)
            return (0, d.position.file, d.position.line, d.position.col)

        return sorted(self.items, key=key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
