"""Handler for SageMaker data quality job definitions (`data-quality-job-definition/<name>-<hash>`), the
job a MonitoringSchedule of type DataQuality runs: immutable and content-addressed (see
`reconciler.handlers.job_definition`). Missing definitions: `find` returns None.
"""

from __future__ import annotations

from reconciler.handlers.job_definition import MONITORING_TYPES, JobDefinitionHandler


class DataQualityJobDefinitionHandler(JobDefinitionHandler):
    monitoring = MONITORING_TYPES["DataQuality"]


HANDLER = DataQualityJobDefinitionHandler
