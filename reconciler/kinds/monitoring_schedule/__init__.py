"""The `MonitoringSchedule` kind, one small package: `schema` (one job-definition request per
monitoring type), `expand` (the job definition and the schedule), `checks` (schedule forms,
runtime, inputs, data capture), `importer` (`reconciler import` of a live schedule).

A document is a Model Monitor schedule named after it (`monitoring-schedule/<name>`, updated in
place) and its job definition of the chosen `monitoringType` (content-addressed: a change is a
new definition the schedule is pointed at). Model Monitor is closed to new AWS customers:
accounts that never used it may be refused.
"""

from reconciler.kinds.monitoring_schedule.checks import check
from reconciler.kinds.monitoring_schedule.expand import expand
from reconciler.kinds.monitoring_schedule.importer import import_monitoring_schedule, list_monitoring_schedules
from reconciler.kinds.monitoring_schedule.schema import SOURCE
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import SAGEMAKER_CONTENT_ADDRESSED

# The document name is the schedule's name and the prefix of its job definitions' names.
KIND = SpecKind(
    name="MonitoringSchedule",
    naming=SAGEMAKER_CONTENT_ADDRESSED,
    description="A SageMaker Model Monitor schedule (data quality, model quality, bias or explainability).",
    source=SOURCE,
    check=check,
    expand=expand,
    importer=import_monitoring_schedule,
    lister=list_monitoring_schedules,
    import_after=("Endpoint",),
)

__all__ = ["KIND"]
