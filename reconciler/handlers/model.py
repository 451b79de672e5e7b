"""Handler for SageMaker models (`model/<name>-<hash>`): immutable and content-addressed.

A model has no update API: a changed spec is a new name, so the only in-place change is
to its tags. Its field policy fills SageMaker's defaults (container `Mode: SingleModel`) and
drops what SageMaker reports for unset fields (`EnableNetworkIsolation: false`). Missing
models: `find` returns None (SageMaker answers ValidationException "Could not find model").
"""

from __future__ import annotations

from reconciler.aws.shapes import InputMembers
from reconciler.diff.policy import FieldPolicy
from reconciler.handlers.immutable import ImmutableSageMakerHandler


class ModelHandler(ImmutableSageMakerHandler):
    type = "model"
    arn_type = "model"
    tagging_type = "sagemaker:model"
    operations = frozenset({"CreateModel", "DeleteModel", "AddTags", "DeleteTags"})
    noun = "model"
    create_operation = "CreateModel"
    describe_operation = "DescribeModel"
    delete_operation = "DeleteModel"
    name_param = "ModelName"
    arn_key = "ModelArn"
    shape = ("sagemaker", "CreateModel")
    policy = FieldPolicy(
        members=InputMembers("sagemaker", "CreateModel", omit=("ModelName", "Tags")),
        defaults=(("PrimaryContainer.Mode", "SingleModel"), ("Containers[].Mode", "SingleModel")),
        falsy_absent=("EnableNetworkIsolation",),
    )


HANDLER = ModelHandler
