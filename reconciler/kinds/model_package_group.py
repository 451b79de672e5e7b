"""The `ModelPackageGroup` kind: a SageMaker model registry group (`model-package-group/<name>`).

Its spec is the CreateModelPackageGroup request in lowerCamelCase without the name (the document
name) and tags, plus `resourcePolicy` (a policy document as YAML, for cross-account registries)
and `deleteVersions` (whether removing the document may delete the versions pipelines registered).
Versions themselves are made by pipelines, not by specs.

`import_model_package_group` (`reconciler import ModelPackageGroup NAME`) writes a live group as such
a document: its description (and managed configuration) as written, its resource policy parsed, never
`deleteVersions` (a choice to make, noted when the group holds versions).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.calls import paginate
from reconciler.aws.shapes import from_api, operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.diff.iam import policy_text
from reconciler.diff.policy import as_written
from reconciler.handlers.model_package_group import POLICY, ModelPackageGroupHandler, group_view, versions
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, unowned, user_tags
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import sagemaker_named
from reconciler.spec.references import literal, substitute

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


def import_model_package_group(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The ModelPackageGroup document of live group `name`: its description as written, its resource policy
    parsed, ARNs of the stack's documents as references; ImportRefused when it is missing or owned by a stack.
    Policy variables (`${aws:username}`) are written escaped (`$${aws:username}`)."""
    live = unowned(HANDLER.find(ctx.clients, name), "ModelPackageGroup", name)
    data = live.data or {}
    spec: dict[str, Any] = from_api(as_written(POLICY, data), operation_input("sagemaker", "CreateModelPackageGroup"),
                                    drop_unknown=True)
    text = data.get("ResourcePolicy")
    if text:
        try:
            spec["resourcePolicy"] = json.loads(text)
        except ValueError as exc:
            raise ImportRefused(f"ModelPackageGroup {name!r}: its resource policy is not valid JSON ({exc})") from None
    spec = ctx.arn_references(literal(spec))  # a `${aws:...}` policy variable is written $${aws:...}
    doc = ImportedDoc("ModelPackageGroup", ctx.doc_name(name), spec, user_tags(live), [live.address],
                      source=live.arn)
    held = len(versions(ctx.clients, name))
    if held:
        doc.notes.append(f"it holds {held} model package version(s), made by pipelines and not part of the document; "
                         "removing the document is refused while it holds them unless you add deleteVersions: true")
    return [doc]


def list_model_package_groups(clients: Any) -> list[str]:
    """The names of every model package group of the account and region (not those shared from other
    accounts); empty when there is none."""
    return [str(g["ModelPackageGroupName"])
            for g in paginate(clients.sagemaker, "ListModelPackageGroups", "ModelPackageGroupSummaryList")]


KIND = SpecKind(
    name="ModelPackageGroup",
    naming=sagemaker_named(63),
    description="A SageMaker model registry group; its versions come from pipelines.",
    source=SOURCE,
    check=check,
    expand=expand,
    importer=import_model_package_group,
    lister=list_model_package_groups,
)
