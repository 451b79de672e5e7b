"""Deployment guardrails of UpdateEndpoint: alarms, live-state rules and the reasons a rollback gives.

- Alarms: ``AutoRollbackConfiguration.Alarms`` are read from moto's CloudWatch
  backend in the endpoint's account and Region (tests fire one with CloudWatch
  ``SetAlarmState``). Whether AWS validates at UpdateEndpoint time that the alarms
  exist is unconfirmed; the sandbox does, and rejects the update with a
  ValidationException naming the missing ones, so a typo cannot silently disable
  the rollback guard.
- Live-state rules: an asynchronous endpoint cannot lose its AsyncInferenceConfig
  (the start of the message is AWS's, from a reported error; the rest is ours);
  an instance-based endpoint cannot move to serverless variants (wording ours),
  while serverless to instance-based is allowed.
- Reasons (FailureReason after a rollback): alarm(s) in ALARM, the deployment
  timeout, and a failed rollback. AWS's exact wording is unconfirmed; each names
  the alarm(s) or limit and the phase, as DescribeEndpoint's FailureReason does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

FAILURE_REASON_LIMIT = 1024


def alarm_names(deployment_config: Mapping[str, Any] | None) -> list[str]:
    rollback = (deployment_config or {}).get("AutoRollbackConfiguration") or {}
    return [alarm["AlarmName"] for alarm in rollback.get("Alarms") or []]


def missing_alarms(account_id: str, region: str, names: Sequence[str]) -> list[str]:
    alarms = cloudwatch_backends[account_id][region].alarms
    return [name for name in names if name not in alarms]


def firing_alarms(account_id: str, region: str, names: Sequence[str]) -> list[str]:
    """The alarms among ``names`` whose state is ALARM (a deleted alarm does not fire)."""
    alarms = cloudwatch_backends[account_id][region].alarms
    return [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]


def missing_alarms_message(names: Sequence[str]) -> str:
    return (
        f"The CloudWatch alarm(s) [{', '.join(names)}] in DeploymentConfig.AutoRollbackConfiguration do not exist "
        "in this account and Region."
    )


def live_state_error(
    endpoint_name: str, endpoint_arn: str, live: Mapping[str, Any], new: Mapping[str, Any]
) -> str | None:
    """Why SageMaker refuses to move the endpoint from config ``live`` to ``new``; None when it does not."""
    if live.get("AsyncInferenceConfig") and not new.get("AsyncInferenceConfig"):
        return (
            f"The AsyncInferenceConfig parameter cannot be removed from this endpoint {endpoint_name}. To change "
            "the endpoint type, create a new endpoint."
        )
    live_instances = any(v.get("InstanceType") for v in live.get("ProductionVariants", []))
    new_serverless = any(v.get("ServerlessConfig") for v in new.get("ProductionVariants", []))
    if live_instances and new_serverless:
        return (
            f'Endpoint "{endpoint_arn}" uses instance-based production variants and cannot be updated to serverless '
            "variants. To use serverless inference, create a new endpoint."
        )
    return None


def alarm_reason(names: Sequence[str], phase_label: str | None) -> str:
    return _limit(
        f"Alarm(s) [{', '.join(names)}] went into ALARM state during the {phase_label or 'deployment'}; "
        "the deployment was rolled back to the previous endpoint configuration."
    )


def timeout_reason(seconds: float, phase_label: str | None) -> str:
    return _limit(
        f"The deployment did not finish within MaximumExecutionTimeoutInSeconds ({seconds:g} seconds); it was "
        f"stopped during the {phase_label or 'deployment'} and rolled back to the previous endpoint configuration."
    )


def rollback_failed_reason(reason: str, failure: str) -> str:
    return _limit(f"{reason} {failure}")


def _limit(text: str) -> str:
    return text if len(text) <= FAILURE_REASON_LIMIT else text[: FAILURE_REASON_LIMIT - 3] + "..."
