"""Handler for Application Auto Scaling scheduled actions of endpoint variants
(`scheduled-action/endpoint/<ep>/variant/<v>/<action name>`).

Behaves like scaling policies (same ordering around target re-registration) with
PutScheduledAction / DeleteScheduledAction. Missing actions: `find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler.handlers import autoscaling as aas
from reconciler.handlers.scaling_policy import ScalingPolicyHandler


class ScheduledActionHandler(ScalingPolicyHandler):
    type = "scheduled-action"
    parent_type = "scalable-target"
    operations = frozenset({"PutScheduledAction", "DeleteScheduledAction"})
    create_order = 50
    delete_order = 2
    list_operation = "DescribeScheduledActions"
    list_key = "ScheduledActions"
    name_key = "ScheduledActionName"
    names_param = "ScheduledActionNames"
    put_operation = "PutScheduledAction"
    delete_operation = "DeleteScheduledAction"
    what = "scheduled action"

    def _comparable(self, data: dict[str, Any]) -> dict[str, Any]:
        return aas.action_comparable(data)
