"""What the importers of the EventBridge kinds (EventBus, EventRule, SchemaRegistry) share: JSON text read back
as YAML, and the account's buses.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.imported import ImportRefused


def parsed_json(kind: str, name: str, what: str, text: Any) -> Any:
    """`text` (JSON as EventBridge returns it) parsed; ImportRefused naming `what` when it is not JSON."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise ImportRefused(f"{kind} {name!r}: its {what} is not JSON, so it cannot be written as YAML") from None


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
