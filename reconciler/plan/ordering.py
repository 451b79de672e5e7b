"""Ordering of plan steps from the handlers' declared edges (`Handler.after`), deletes in reverse.

Each type gets a level: its distance from the last type of its dependency chain, counted
back (a type runs as late as its dependants allow, so independent types such as alarms run
right before what needs them). Creates and updates run by level, deletes by reverse level;
between types of the same level the handler registry's order decides, then the resource's
position in the specs. Stages come first: deletions that must precede every change, the
shared resources, then each group (an endpoint with its autoscaling and shadow test), then
the remaining deletions.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.handlers.base import Handler

STAGE_PRE, STAGE_MAIN, STAGE_POST, STAGE_DELETE = range(4)
NO_GROUP = 10**6

Rank = tuple[int, int]


def levels(handlers: Mapping[str, Handler]) -> dict[str, int]:
    """Type -> level (as late as possible: longest chain to the end, counted back from the deepest)."""
    dependants: dict[str, set[str]] = {t: set() for t in handlers}
    for handler in handlers.values():
        for before in handler.after:
            dependants[before].add(handler.type)
    height: dict[str, int] = {}
    visiting: set[str] = set()

    def depth(t: str) -> int:
        if t in height:
            return height[t]
        if t in visiting:
            raise ValueError(f"ordering edges form a cycle through {t!r}")
        visiting.add(t)
        height[t] = 1 + max((depth(d) for d in dependants[t]), default=-1)
        visiting.discard(t)
        return height[t]

    deepest = max((depth(t) for t in handlers), default=0)
    return {t: deepest - depth(t) for t in handlers}


def ranks(handlers: Mapping[str, Handler]) -> dict[str, tuple[Rank, Rank]]:
    """Type -> (create rank, delete rank): (level, registry index) and (-level, registry index)."""
    level = levels(handlers)
    index = {t: i for i, t in enumerate(handlers)}
    return {t: ((level[t], index[t]), (-level[t], index[t])) for t in handlers}


def sort_key(stage: int, rank: Rank, position: int, group: int | None) -> tuple[int, ...]:
    """Pre-steps first; then shared resources (models, configs, alarms); then each group with its
    main and post steps, one group after the other; deletes last."""
    if stage == STAGE_PRE:
        return (0, 0, 0, *rank, position)
    if stage == STAGE_DELETE:
        return (3, 0, 0, *rank, position)
    if group is None:
        return (1, 0, 0, *rank, position) if stage == STAGE_MAIN else (2, NO_GROUP, 1, *rank, position)
    return (2, group, 0 if stage == STAGE_MAIN else 1, *rank, position)
