"""The MonitoringSchedule kind's schema source: `monitoringType` chooses which job-definition request
`jobDefinition` is (one generated branch per type), beside `scheduleConfig` (the ScheduleConfig
shape) and `status`."""

from __future__ import annotations

from types import MappingProxyType

from reconciler.handlers.job_definition import MONITORING_TYPES
from reconciler.spec.fragments import ChoiceSource, MemberSource, RequestDef

STATUSES = ("Scheduled", "Stopped")

SOURCE = ChoiceSource(
    description=(
        "A SageMaker Model Monitor schedule with its job definition: monitoringType, jobDefinition (that "
        "type's job-definition request), scheduleConfig and status."
    ),
    discriminator="monitoringType",
    discriminator_description=(
        "The Model Monitor job: DataQuality, ModelQuality, ModelBias or ModelExplainability; it chooses "
        "which request jobDefinition is."
    ),
    member="jobDefinition",
    member_description=(
        "The job definition: the job-definition request of monitoringType (CreateDataQualityJobDefinition, ...) "
        "in lowerCamelCase, without jobDefinitionName (name and content hash) and tags."
    ),
    choices=tuple(
        (t.name, RequestDef(
            def_name=f"{t.name}JobDefinitionSpec",
            service="sagemaker",
            operation=t.create_operation,
            omit=("JobDefinitionName", "Tags"),
            description=(f"A {t.noun}: the {t.create_operation} request in lowerCamelCase, without "
                         "jobDefinitionName and tags."),
        ))
        for t in MONITORING_TYPES.values()
    ),
    members=(
        ("scheduleConfig", MemberSource(
            service="sagemaker",
            operation="CreateMonitoringSchedule",
            member="MonitoringScheduleConfig.ScheduleConfig",
            description=(
                "When the job runs: hourly cron(0 * ? * * *), daily cron(0 H ? * * *), every N hours "
                "cron(0 H/N ? * * *), or NOW (once, with dataAnalysisStartTime/EndTime); omitted: daily, at "
                "a time SageMaker picks."
            ),
        )),
        ("status", MappingProxyType({
            "enum": list(STATUSES),
            "description": "Scheduled (the default) runs the job on its schedule; Stopped keeps it stopped.",
        })),
    ),
    required=("monitoringType", "jobDefinition"),
)
