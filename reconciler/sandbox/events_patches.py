"""moto's EventBridge API where it is unlike AWS, apart from delivery (``event_delivery``): bus policies and
TestEventPattern.

- PutPermission with a whole ``Policy`` document replaces the bus's resource policy, as on AWS (the
  Terraform provider documents that a bus policy overwrites the permissions granted statement by
  statement); moto 5.2.1 merges the document's statements into the ones already there, so a statement
  added by hand survives a re-apply of the policy. The statement form (``StatementId``, ``Action``,
  ``Principal``) still adds or replaces one statement, as moto does. Statements are still moto's
  ``EventBusPolicyStatement`` (a statement without ``Sid`` is refused by moto, as before).
- TestEventPattern answers ``{"Result": true | false}`` with moto's pattern matcher, the one delivery
  uses (moto's handler is a stub whose answer has no ``Result``); a pattern moto cannot parse is moto's
  InvalidEventPatternException, an ``Event`` that is not a JSON object a ValidationException. Whether
  AWS also insists on the event's envelope fields (``id``, ``account``, ``time``, ...) is not checked.
"""

from __future__ import annotations

import json
from typing import Any

from moto.events.exceptions import ValidationException
from moto.events.models import EventBus, EventPattern
from moto.events.responses import EventsHandler

_installed: list[bool] = []
_original_add_policy = EventBus.add_policy


def add_policy(self: EventBus, policy: dict[str, Any]) -> None:
    """PutPermission(Policy=...): the document becomes the bus's whole policy."""
    self.remove_statements()
    _original_add_policy(self, policy)


def test_event_pattern(self: EventsHandler) -> str:
    """TestEventPattern with moto's matcher."""
    pattern = EventPattern.load(self._get_param("EventPattern"))
    try:
        event = json.loads(self._get_param("Event") or "")
    except ValueError:
        raise ValidationException("Parameter Event is not valid.") from None
    if not isinstance(event, dict):
        raise ValidationException("Parameter Event is not valid.")
    return json.dumps({"Result": bool(pattern.matches_event(event))})  # type: ignore[arg-type]


def install() -> None:
    """Patch moto's EventBridge classes (idempotent)."""
    if _installed:
        return
    EventBus.add_policy = add_policy  # type: ignore[method-assign]
    EventsHandler.test_event_pattern = test_event_pattern  # type: ignore[method-assign,assignment]
    _installed.append(True)
