"""The `Endpoint` kind, one small package: `schema` (its request source and extensions, spec <-> API
conversion), `expand` (config, endpoint and autoscaling resources), `limits` (semantic checks).

Its spec is the CreateEndpointConfig request in lowerCamelCase without `endpointConfigName`
and `tags`, plus `deploymentConfig` and each production variant's `autoscaling`.
"""

from reconciler.kinds.endpoint.adopt import adopt
from reconciler.kinds.endpoint.expand import expand
from reconciler.kinds.endpoint.importer import import_endpoint, list_endpoints
from reconciler.kinds.endpoint.limits import check
from reconciler.kinds.endpoint.schema import SOURCE
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import SAGEMAKER_CONTENT_ADDRESSED


def outputs(name: str, arn: str, region: str) -> dict[str, str]:
    """Where the endpoint is invoked (InvokeEndpoint's URL)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return {"invocationUrl": f"https://runtime.sagemaker.{region}.{suffix}/endpoints/{name}/invocations"}


# An Endpoint's name is also the prefix of its content-addressed EndpointConfig names.
KIND = SpecKind(
    name="Endpoint",
    naming=SAGEMAKER_CONTENT_ADDRESSED,
    description="A SageMaker endpoint with its endpoint configuration, rollout policy and autoscaling.",
    source=SOURCE,
    check=check,
    expand=expand,
    adopt=adopt,
    outputs=outputs,
    importer=import_endpoint,
    lister=list_endpoints,
)

__all__ = ["KIND"]
