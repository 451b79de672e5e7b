"""The `ModelPackageGroup` kind: a SageMaker model registry group (`model-package-group/<name>`).

Its spec is the CreateModelPackageGroup request in lowerCamelCase without the name (the document
name) and tags, plus `resourcePolicy` (a policy document as YAML, for cross-account registries)
and `deleteVersions` (whether removing the document may delete the versions pipelines registered).
Versions themselves are made by pipelines, not by specs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.diff.iam import policy_text
from reconciler.handlers.model_package_group import ModelPackageGroupHandler, group_view
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import sagemaker_named
from reconciler.spec.references import substitute

HANDLER = ModelPackageGroupHandler()
POLICY_MAX = 20480  # ResourcePolicy's length limit (PolicyString)

SOURCE = KindSource(
    service="sagemaker",
    operation="CreateModelPackageGroup",
    omit=("ModelPackageGroupName", "Tags"),
    extensions=(
        ("resourcePolicy", MappingProxyType({
            "type": "object",
            "description": "The group's resource policy (an IAM policy document, as YAML), e.g. for a "
                           "cross-account registry.",
        })),
        ("deleteVersions", MappingProxyType({
            "type": "boolean",
            "description": "Whether removing this document may delete the group's versions with it (default "
                           "false: a plan error while it holds versions).",
        })),
    ),
    description=(
        "A SageMaker model package group (model registry): the CreateModelPackageGroup request in "
        "lowerCamelCase, without its name and tags, plus resourcePolicy and deleteVersions."
    ),
)


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    policy = spec.pop("resourcePolicy", None)
    delete_versions = bool(spec.pop("deleteVersions", False))
    request = {"ModelPackageGroupName": doc.aws_name,
               **to_api(spec, operation_input("sagemaker", "CreateModelPackageGroup"))}
    text = policy_text(policy) if policy else None
    tags = ctx.user_tags(doc)
    ctx.define(doc, doc.aws_name, ctx.arn(HANDLER.arn_type, doc.aws_name))
    return [desired(doc, Address(HANDLER.type, doc.aws_name), request, group_view(request, text, delete_versions, tags),
                    tags, extra={"policy": text, "delete_versions": delete_versions})]


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """A resource policy is a policy document within SageMaker's size limit."""
    policy = doc.spec.get("resourcePolicy")
    if policy is None:
        return
    where = doc.doc.pos(("spec", "resourcePolicy"))
    if "Statement" not in policy:
        diags.error("resourcePolicy needs a Statement (an IAM policy document: Version and Statement)", where)
    size = len(json.dumps(policy, separators=(",", ":")))
    if size > POLICY_MAX:
        diags.error(f"resourcePolicy is {size} characters as JSON; SageMaker takes at most {POLICY_MAX}", where)


KIND = SpecKind(
    name="ModelPackageGroup",
    naming=sagemaker_named(63),
    description="A SageMaker model registry group; its versions come from pipelines.",
    source=SOURCE,
    check=check,
    expand=expand,
)
