"""The `Model` kind: a SageMaker model, immutable and content-addressed (`model/<name>-<hash>`).

Its spec is the CreateModel request in lowerCamelCase without `modelName` (derived from the
document name and a content hash of the normalized request) and `tags`. Checks: one of
`primaryContainer` or `containers`, and SageMaker's environment-variable limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.handlers.model import ModelHandler
from reconciler.hashing import content_hash
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import SAGEMAKER_CONTENT_ADDRESSED
from reconciler.spec.references import substitute

ENV_MAX_ENTRIES = 100
ENV_MAX_BYTES = 1024
ENV_MAX_TOTAL = 32 * 1024

HANDLER = ModelHandler()

SOURCE = KindSource(
    service="sagemaker",
    operation="CreateModel",
    omit=("ModelName", "Tags"),
    extensions=(),
    description=(
        "A SageMaker model: the CreateModel request in lowerCamelCase, without modelName "
        "(derived from the document name and a content hash) and tags (use the document's tags)."
    ),
)


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    request = to_api(spec, operation_input("sagemaker", "CreateModel"))
    name = ctx.content_name(doc.address, doc.name, HANDLER.normalized(request))
    ctx.define(doc, name, ctx.arn("model", name))
    tags = ctx.user_tags(doc)
    comparable = HANDLER.comparable_of(request, tags)
    state = content_hash({"name": name, "tags": tags})
    return [desired(doc, Address(HANDLER.type, name), {"ModelName": name, **request}, comparable, tags,
                    state_hash=state, adopt_key=doc.address)]


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    spec = doc.spec
    has_primary = "primaryContainer" in spec
    containers = spec.get("containers") or []
    if has_primary and containers:
        diags.error("set either primaryContainer or containers, not both", doc.doc.pos(("spec", "containers")))
    if not has_primary and not containers:
        diags.error("a Model needs primaryContainer or containers", doc.doc.pos(("spec",)))
    total = 0
    all_containers: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if has_primary:
        all_containers.append((("spec", "primaryContainer"), spec["primaryContainer"]))
    all_containers.extend((("spec", "containers", i), c) for i, c in enumerate(containers))
    for path, container in all_containers:
        env = container.get("environment") or {}
        epath = (*path, "environment")
        if len(env) > ENV_MAX_ENTRIES:
            diags.error(f"environment has {len(env)} entries; the limit is {ENV_MAX_ENTRIES}", doc.doc.pos(epath))
        for key, value in env.items():
            for what, text in (("key", str(key)), ("value", str(value))):
                size = len(text.encode())
                total += size
                if size > ENV_MAX_BYTES:
                    diags.error(f"environment {what} of '{key}' is {size} bytes; the limit is {ENV_MAX_BYTES}",
                                doc.doc.pos((*epath, key)))
    if total > ENV_MAX_TOTAL:
        diags.error(f"environment variables total {total} bytes across containers; the limit is {ENV_MAX_TOTAL}",
                    doc.doc.pos(("spec",)))


KIND = SpecKind(
    name="Model",
    naming=SAGEMAKER_CONTENT_ADDRESSED,
    description="A SageMaker model (immutable, content-addressed).",
    source=SOURCE,
    check=check,
    expand=expand,
)
