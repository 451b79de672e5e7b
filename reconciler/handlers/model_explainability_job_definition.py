"""Handler for SageMaker model explainability job definitions (`model-explainability-job-definition/<name>-<hash>`), the
job a MonitoringSchedule of type ModelExplainability runs: immutable and content-addressed (see
`reconciler.handlers.job_definition`). Missing definitions: `find` returns None.
"""

from __future__ import annotations

from reconciler.handlers.job_definition import MONITORING_TYPES, JobDefinitionHandler


class ModelExplainabilityJobDefinitionHandler(JobDefinitionHandler):
    monitoring = MONITORING_TYPES["ModelExplainability"]


HANDLER = ModelExplainabilityJobDefinitionHandler
