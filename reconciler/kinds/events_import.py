"""What the importers of the EventBridge kinds (EventBus, EventRule, SchemaRegistry) share: JSON text read back
as YAML, the refusal of live text a spec document cannot hold literally (`${...}`), and the account's buses.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.importing import ImportRefused
from reconciler.spec.references import ANY_PLACEHOLDER


def parsed_json(kind: str, name: str, what: str, text: Any) -> Any:
    """`text` (JSON as EventBridge returns it) parsed; ImportRefused naming `what` when it is not JSON."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise ImportRefused(f"{kind} {name!r}: its {what} is not JSON, so it cannot be written as YAML") from None


def refuse_placeholders(kind: str, name: str, value: Any, path: str = "spec") -> None:
    """ImportRefused naming the first string of `value` that holds `${...}` (a spec document reads it as a
    reference or a variable, and has no way to write it literally); nothing when there is none."""
    if isinstance(value, str):
        match = ANY_PLACEHOLDER.search(value)
        if match is not None:
            raise ImportRefused(f"{kind} {name!r}: {path} holds {match.group(0)!r}, which a spec document reads as a "
                                "reference or a variable; it cannot be written as a document")
        return
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        refuse_placeholders(kind, name, item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")


def event_buses(clients: Any) -> list[dict[str, Any]]:
    """Every ListEventBuses entry of the account and region (name, ARN, policy); [] when there are none."""
    events = clients.get("events")
    buses: list[dict[str, Any]] = []
    token = None
    while True:  # ListEventBuses has no paginator
        page = events.list_event_buses(**({"NextToken": token} if token else {}))
        buses += page.get("EventBuses") or []
        token = page.get("NextToken")
        if not token:
            return buses
