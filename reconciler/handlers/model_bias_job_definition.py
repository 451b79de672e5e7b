"""Handler for SageMaker model bias job definitions (`model-bias-job-definition/<name>-<hash>`), the
job a MonitoringSchedule of type ModelBias runs: immutable and content-addressed (see
`reconciler.handlers.job_definition`). Missing definitions: `find` returns None.
"""

from __future__ import annotations

from reconciler.handlers.job_definition import MONITORING_TYPES, JobDefinitionHandler


class ModelBiasJobDefinitionHandler(JobDefinitionHandler):
    monitoring = MONITORING_TYPES["ModelBias"]


HANDLER = ModelBiasJobDefinitionHandler
