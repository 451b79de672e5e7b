"""Handler for SageMaker model quality job definitions (`model-quality-job-definition/<name>-<hash>`), the
job a MonitoringSchedule of type ModelQuality runs: immutable and content-addressed (see
`reconciler.handlers.job_definition`). Missing definitions: `find` returns None.
"""

from __future__ import annotations

from reconciler.handlers.job_definition import MONITORING_TYPES, JobDefinitionHandler


class ModelQualityJobDefinitionHandler(JobDefinitionHandler):
    monitoring = MONITORING_TYPES["ModelQuality"]


HANDLER = ModelQualityJobDefinitionHandler
