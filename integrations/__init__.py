"""Integrations of reconciler with other systems, each in its own package (kubeflow/)."""
