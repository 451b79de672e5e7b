"""Handler for Application Auto Scaling scheduled actions of endpoint variants
(`scheduled-action/endpoint/<ep>/variant/<v>/<action name>`).

Behaves like scaling policies (same ordering around target re-registration) with
PutScheduledAction / DeleteScheduledAction. Missing actions: `find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler.handlers import autoscaling as aas
from reconciler.handlers.scaling_base import ScalingChildHandler


class ScheduledActionHandler(ScalingChildHandler):
    type = "scheduled-action"
    restore_operation = "PutScheduledAction"
    operations = frozenset({"PutScheduledAction", "DeleteScheduledAction"})
    list_operation = "DescribeScheduledActions"
    list_key = "ScheduledActions"
    name_key = "ScheduledActionName"
    names_param = "ScheduledActionNames"
    put_operation = "PutScheduledAction"
    delete_operation = "DeleteScheduledAction"
    noun = "scheduled action"
    policy = aas.ACTION_FIELDS

    def child_comparable(self, data: dict[str, Any]) -> dict[str, Any]:
        return aas.action_comparable(data)


HANDLER = ScheduledActionHandler
