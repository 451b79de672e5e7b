"""Expansion of a RecommendationJob document: one content-addressed job, `<name>-<hash>`.

The hash is taken over the request as the handler normalizes it, with `modelPackage` resolved to the
version's ARN (read once per plan and pinned in it), so a changed spec, a newly approved version or a new
model named by `modelName` is a new job; the earlier ones stay as history.
"""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.handlers.recommendation_job import RecommendationJobHandler
from reconciler.hashing import content_hash
from reconciler.kinds.base import ExpandContext, desired
from reconciler.kinds.model import LATEST_APPROVED, registry_version
from reconciler.kinds.recommendation_job.schema import MODEL_PACKAGE_KEY, OPERATION
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import substitute

HANDLER = RecommendationJobHandler()


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    given: dict[str, Any] = spec.get("inputConfig") or {}
    package = given.pop(MODEL_PACKAGE_KEY, None)
    request = to_api(spec, operation_input("sagemaker", OPERATION))
    if package is not None:
        version = package.get("version", LATEST_APPROVED)
        version = version if version == LATEST_APPROVED else int(version)
        arn = registry_version(ctx, doc, str(package["group"]), version,
                               path=("spec", "inputConfig", MODEL_PACKAGE_KEY))
        request.setdefault("InputConfig", {})["ModelPackageVersionArn"] = arn
    name = ctx.content_name(doc.address, doc.aws_name, HANDLER.normalized(request))
    ctx.define(doc, name, ctx.arn(HANDLER.arn_type, name))
    tags = ctx.user_tags(doc)
    return [desired(doc, Address(HANDLER.type, name), {"JobName": name, **request},
                    HANDLER.comparable_of(request, tags), tags, state_hash=content_hash({"name": name, "tags": tags}),
                    adopt_key=doc.address)]
