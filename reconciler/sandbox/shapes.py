"""botocore's SageMaker model as the sandbox uses it: request members and enum checks.

``request_of`` reads every member of an operation's input from a moto response
handler as plain data (moto's own handlers read only what they know);
``check_instance_type`` accepts exactly the instance types botocore lists (moto's
list is outdated). Errors are moto's ``ValidationException`` with AWS's wording.
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.model import ServiceModel
from moto.core.responses import BaseResponse
from moto.core.utils import get_service_model
from moto.sagemaker.exceptions import ValidationError


@functools.lru_cache(maxsize=1)
def sagemaker_model() -> ServiceModel:
    return get_service_model("sagemaker")


def check_instance_type(instance_type: str) -> None:
    """Accept exactly the instance types botocore's model lists."""
    allowed = sagemaker_model().shape_for("ProductionVariantInstanceType").enum
    if instance_type not in allowed:
        raise ValidationError(
            f"Value '{instance_type}' at 'instanceType' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )


def request_of(response: BaseResponse, operation: str) -> dict[str, Any]:
    """Every member of ``operation``'s input that the request carried, as plain data."""
    members = sagemaker_model().operation_model(operation).input_shape.members
    request = {}
    for name in members:
        value = response._get_param(name)
        if value is not None:
            request[name] = plain(value)
    return request


def plain(value: Any) -> Any:
    if hasattr(value, "original_dict"):
        value = value.original_dict()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
