"""Pipelines of the churn-sdk example stack, built with the SageMaker Python SDK."""
