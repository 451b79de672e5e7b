"""Handler for Application Auto Scaling scaling policies of endpoint variants
(`scaling-policy/endpoint/<ep>/variant/<v>/<policy name>`).

PutScalingPolicy creates or replaces a policy by name. Policies are deleted before their
target is deregistered and put again after it is registered again. Missing policies:
`find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler.handlers import autoscaling as aas
from reconciler.handlers.scaling_base import ScalingChildHandler


class ScalingPolicyHandler(ScalingChildHandler):
    type = "scaling-policy"
    restore_operation = "PutScalingPolicy"
    operations = frozenset({"PutScalingPolicy", "DeleteScalingPolicy"})
    list_operation = "DescribeScalingPolicies"
    list_key = "ScalingPolicies"
    name_key = "PolicyName"
    names_param = "PolicyNames"
    put_operation = "PutScalingPolicy"
    delete_operation = "DeleteScalingPolicy"
    noun = "scaling policy"
    policy = aas.POLICY_FIELDS

    def child_comparable(self, data: dict[str, Any]) -> dict[str, Any]:
        return aas.policy_comparable(data)


HANDLER = ScalingPolicyHandler
