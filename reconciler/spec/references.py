"""References between spec documents: `${Kind.name.attr}` inside any string.

`attr` is `name` (the AWS name of the resource the document creates) or `arn`. This
module finds references, checks their targets exist, orders documents so that every
target is resolved before its users (cycles are errors), and substitutes resolved
values. `$${` writes a literal `${` (as in Terraform): `$${aws:username}` reaches AWS as
`${aws:username}`. It knows nothing about AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

REFERENCE = re.compile(r"(?<!\$)\$\{([A-Z][A-Za-z]+)\.([A-Za-z0-9](?:[A-Za-z0-9._-]*?[A-Za-z0-9])?)\.(name|arn)\}")
ANY_PLACEHOLDER = re.compile(r"(?<!\$)\$\{[^}]*\}?")
ESCAPED = "$${"  # written for a literal "${" (an IAM policy variable, a shell variable in a pipeline step)
ATTRS = ("name", "arn")


@dataclass(frozen=True)
class Reference:
    kind: str
    name: str
    attr: str
    path: tuple[Any, ...]  # where the string holding it sits, from the document root

    @property
    def target(self) -> str:
        return f"{self.kind}/{self.name}"


def find_references(value: Any, path: tuple[Any, ...] = ()) -> Iterator[Reference]:
    """Every reference in a JSON-like value, with the path of the string holding it."""
    if isinstance(value, str):
        for m in REFERENCE.finditer(value):
            yield Reference(m.group(1), m.group(2), m.group(3), path)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from find_references(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from find_references(v, (*path, i))


def malformed_references(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """`${...}` texts that are not valid references (they would otherwise reach AWS literally)."""
    if isinstance(value, str):
        for m in ANY_PLACEHOLDER.finditer(value):
            if not REFERENCE.fullmatch(m.group(0)):
                yield m.group(0), path
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from malformed_references(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from malformed_references(v, (*path, i))


def substitute(value: Any, resolve: Callable[[str, str, str], str]) -> Any:
    """A copy of `value` with every reference replaced by `resolve(kind, name, attr)`, and `$${` by `${`."""
    if isinstance(value, str):
        return REFERENCE.sub(lambda m: resolve(m.group(1), m.group(2), m.group(3)), value).replace(ESCAPED, "${")
    if isinstance(value, Mapping):
        return {k: substitute(v, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, resolve) for v in value]
    return value


def literal(value: Any) -> Any:
    """A copy of `value` (read from AWS) as a spec writes it: every `${` escaped as `$${`, so nothing in it reads
    as a reference or a variable."""
    if isinstance(value, str):
        return value.replace("${", ESCAPED)
    if isinstance(value, Mapping):
        return {k: literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [literal(v) for v in value]
    return value


def topological_order(nodes: list[str], edges: Mapping[str, set[str]]) -> tuple[list[str], list[list[str]]]:
    """Order `nodes` so each comes after the nodes it depends on (`edges[n]`).

    Returns the order and the cycles found (each as a list of nodes); ties keep the
    input order, so the result is deterministic.
    """
    state: dict[str, int] = {}
    order: list[str] = []
    cycles: list[list[str]] = []
    stack: list[str] = []

    def visit(n: str) -> None:
        st = state.get(n, 0)
        if st == 2:
            return
        if st == 1:
            cycles.append([*stack[stack.index(n):], n])
            return
        state[n] = 1
        stack.append(n)
        for dep in sorted(edges.get(n, ()), key=nodes.index if all(d in nodes for d in edges.get(n, ())) else str):
            if dep in nodes:
                visit(dep)
        stack.pop()
        state[n] = 2
        order.append(n)

    for n in nodes:
        visit(n)
    return order, cycles
