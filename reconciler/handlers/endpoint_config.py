"""Handler for SageMaker endpoint configs (`endpoint-config/<name>-<hash>`): immutable.

An endpoint config has no update API. Its content-addressed name hashes the normalized
request without what the endpoint owns live: the variants' initial weights and instance
counts and serverless concurrency are changed in place with
UpdateEndpointWeightsAndCapacities, so a weight-only change never needs a new config (the
field policy declares them owned elsewhere). A config uses the models its variants serve.
Missing configs: `find` returns None.
"""

from __future__ import annotations

from reconciler.addressing import Address
from reconciler.handlers.base import View
from reconciler.handlers.immutable import ImmutableSageMakerHandler
from reconciler.handlers.variants import CONFIG_POLICY, models_of
from reconciler.resources import Desired, Live


class EndpointConfigHandler(ImmutableSageMakerHandler):
    type = "endpoint-config"
    arn_type = "endpoint-config"
    tagging_type = "sagemaker:endpoint-config"
    after = ("model",)
    operations = frozenset({"CreateEndpointConfig", "DeleteEndpointConfig", "AddTags", "DeleteTags"})
    noun = "endpoint config"
    create_operation = "CreateEndpointConfig"
    describe_operation = "DescribeEndpointConfig"
    delete_operation = "DeleteEndpointConfig"
    name_param = "EndpointConfigName"
    arn_key = "EndpointConfigArn"
    shape = ("sagemaker", "CreateEndpointConfig")
    policy = CONFIG_POLICY

    def uses(self, view: View, desired: Desired | None, live: Live | None) -> set[Address]:
        """The models its variants serve (a live config is described to find them)."""
        if desired is not None:
            return {Address("model", m) for m in models_of(desired.request)}
        if live is None:
            return set()
        return {Address("model", m) for m in models_of(self.request_of(view.describe(live)) or {})}


HANDLER = EndpointConfigHandler
