"""The handler registry: every AWS resource type the engine knows, by address type and by ARN.

Every module (or small package) of `reconciler.handlers` that defines `HANDLER` (its
`Handler` class) is a resource type; adding a type is adding its module. The registry order
is the tiebreak between types with no ordering edge: the types that existed first keep their
order (`ORDER`), any other follows in module-name order. Handlers never import this module;
the planner, applier and drift do, and hand `handler_for` to handlers through their context.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import reconciler.handlers as package
from reconciler.handlers.base import Handler

ORDER = ("model", "endpoint_config", "endpoint", "scalable_target", "scaling_policy", "scheduled_action", "alarm",
         "inference_experiment")


@lru_cache(maxsize=1)
def handlers() -> dict[str, Handler]:
    """Address type -> handler, in registry order."""
    names = [m.name for m in pkgutil.iter_modules(package.__path__) if m.name != "registry"]
    ordered = [n for n in ORDER if n in names] + sorted(n for n in names if n not in ORDER)
    found: dict[str, Handler] = {}
    for name in ordered:
        cls = getattr(importlib.import_module(f"{package.__name__}.{name}"), "HANDLER", None)
        if cls is None:
            continue  # shared code, not a resource type
        handler = cls()
        if handler.type in found:
            raise ValueError(f"two handlers for resource type {handler.type!r}")
        found[handler.type] = handler
    for handler in found.values():
        for other in (*handler.after, *([handler.parent_type] if handler.parent_type else [])):
            if other not in found:
                raise ValueError(f"{handler.type} is ordered after unknown type {other!r}")
    return found


def handler_for(type_: str) -> Handler:
    try:
        return handlers()[type_]
    except KeyError:
        raise ValueError(f"no handler for resource type {type_!r}") from None


def handler_for_arn(arn: str) -> tuple[Handler, str] | None:
    """The handler and resource name for an ARN, or None for a type we do not manage."""
    for handler in handlers().values():
        if handler.parent_type:
            continue
        name = handler.name_from_arn(arn)
        if name:
            return handler, name
    return None
