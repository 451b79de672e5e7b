"""The Resource Groups Tagging API's view of sandbox-only resources, and its pages.

moto's GetResources only knows the SageMaker resources moto models; AWS's tagging API also
returns inference experiments, Model Monitor's job definitions and schedules, and model package
groups (and unversioned model packages), which the sandbox keeps itself (pipelines stay moto's,
and moto lists them). ``install()`` extends moto's resource generator so `GetResources` with
`sagemaker:inference-experiment`, `sagemaker:data-quality-job-definition`,
`sagemaker:model-quality-job-definition`, `sagemaker:model-bias-job-definition`,
`sagemaker:model-explainability-job-definition`, `sagemaker:monitoring-schedule`,
`sagemaker:model-package-group`, `sagemaker:model-package` or
`sagemaker:inference-recommendations-job` (or
`sagemaker`, or no type filter) returns those that are tagged, honouring tag filters like
moto does.

It also returns what moto leaves out beyond SageMaker: EventBridge rules (`events:rule`, or
`events`; moto returns buses only) and EventBridge Schemas' registries, schemas and discoverers
(`schemas:registry`, `schemas:schema`, `schemas:discoverer`, or `schemas`; see `schemas_model`),
the tagged ones, with their tags.

It also pages like AWS: TagsPerPage and ResourcesPerPage cannot be used together, so a request
with ResourcesPerPage is not also cut at moto's default of 100 tags a page (which made a page of
100 resources with 4 tags each hold 25).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import events_backends
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
from moto.sagemaker.models import sagemaker_backends

from reconciler.sandbox import monitoring_model, recommender, registry_model, schemas_model
from reconciler.sandbox.experiment_model import experiments_of

EXPERIMENT_TYPE = "sagemaker:inference-experiment"
_installed: list[bool] = []


def _matches(tags: list[dict[str, str]], tag_filters: list[dict[str, Any]] | None) -> bool:
    for tag_filter in tag_filters or []:
        key, values = tag_filter["Key"], tag_filter.get("Values") or []
        if not any(t["Key"] == key and (not values or t.get("Value") in values) for t in tags):
            return False
    return True


def install() -> None:
    """Wrap moto's `_get_resources_generator` once per process."""
    if _installed:
        return
    original = ResourceGroupsTaggingAPIBackend._get_resources_generator

    def generator(self: ResourceGroupsTaggingAPIBackend, tag_filters: list[dict[str, Any]] | None = None,
                  resource_type_filters: list[str] | None = None) -> Iterator[dict[str, Any]]:
        yield from original(self, tag_filters=tag_filters, resource_type_filters=resource_type_filters)
        def wanted(resource_type: str) -> bool:
            return not resource_type_filters or "sagemaker" in resource_type_filters or \
                resource_type in resource_type_filters

        backend = sagemaker_backends[getattr(self, "account_id", DEFAULT_ACCOUNT_ID)][self.region_name]
        if wanted(EXPERIMENT_TYPE):
            for experiment in experiments_of(backend).values():
                if experiment.tags and _matches(experiment.tags, tag_filters):
                    yield {"ResourceARN": experiment.arn, "Tags": list(experiment.tags)}
        tagged = [*monitoring_model.tagged(backend), *registry_model.tagged(backend), *recommender.tagged(backend)]
        for resource_type, arn, tags in tagged:
            if wanted(resource_type) and _matches(tags, tag_filters):
                yield {"ResourceARN": arn, "Tags": tags}
        account = getattr(self, "account_id", DEFAULT_ACCOUNT_ID)
        yield from _other_services(account, self.region_name, tag_filters, resource_type_filters)

    ResourceGroupsTaggingAPIBackend._get_resources_generator = generator  # type: ignore[method-assign]
    _install_pages()
    _installed.append(True)


def _other_services(
    account: str, region: str, tag_filters: list[dict[str, Any]] | None, resource_type_filters: list[str] | None
) -> Iterator[dict[str, Any]]:
    """Tagged EventBridge rules and Schemas resources of ``account`` and ``region``."""

    def wanted(resource_type: str) -> bool:
        service = resource_type.split(":", 1)[0]
        return not resource_type_filters or service in resource_type_filters or resource_type in resource_type_filters

    if wanted("events:rule"):
        events = events_backends[account][region]
        for bus in list(events.event_buses.values()):
            for rule in list(bus.rules.values()):
                tags = events.tagger.list_tags_for_resource(rule.arn)["Tags"]
                if tags and _matches(tags, tag_filters):
                    yield {"ResourceARN": rule.arn, "Tags": tags}
    store = schemas_model.find_store(account, region)
    for resource_type, arn, mapping in schemas_model.tagged(store) if store is not None else []:
        tags = [{"Key": key, "Value": value} for key, value in mapping.items()]
        if wanted(resource_type) and _matches(tags, tag_filters):
            yield {"ResourceARN": arn, "Tags": tags}


def _install_pages() -> None:
    original_response = ResourceGroupsTaggingAPIResponse.get_resources

    def get_resources(self: ResourceGroupsTaggingAPIResponse) -> str:
        if self._get_param("ResourcesPerPage") is not None and self._get_param("TagsPerPage") is None:
            backend = self.backend
            original_backend = backend.get_resources

            def by_resources(**kwargs: Any) -> Any:
                return original_backend(**{**kwargs, "tags_per_page": 10**9})

            backend.get_resources = by_resources  # type: ignore[method-assign]
            try:
                return original_response(self)  # type: ignore[no-any-return]
            finally:
                del backend.get_resources
        return original_response(self)  # type: ignore[no-any-return]

    ResourceGroupsTaggingAPIResponse.get_resources = get_resources  # type: ignore[method-assign]
