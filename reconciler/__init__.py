"""reconciler: declarative plan/apply/drift for Amazon SageMaker deployments kept in git."""

__version__ = "0.1.0"
