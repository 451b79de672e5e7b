"""The `Model` kind: a SageMaker model, immutable and content-addressed (`model/<name>-<hash>`).

Its spec is the CreateModel request in lowerCamelCase without `modelName` (derived from the
document name and a content hash of the normalized request) and `tags`, plus two extensions:
`modelPackage` (deploy a registry version, resolved when planning: ``registry_version``) and a
container `image` named by framework (``{framework, version, ...}``, resolved from the SageMaker
SDK's image data by ``reconciler.images``). Checks: one of `primaryContainer`, `containers` or
`modelPackage`, image references (all but the region, known when planning), and SageMaker's
environment-variable limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.diagnostics import Diagnostics
from reconciler.handlers.model import ModelHandler
from reconciler.hashing import content_hash
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.fragments import KindSource, NestedExtension
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import SAGEMAKER_CONTENT_ADDRESSED
from reconciler.spec.references import substitute

ENV_MAX_ENTRIES = 100
ENV_MAX_BYTES = 1024
ENV_MAX_TOTAL = 32 * 1024

HANDLER = ModelHandler()

LATEST_APPROVED = "latestApproved"

IMAGE_BY_FRAMEWORK: Mapping[str, Any] = MappingProxyType({
    "type": "object",
    "description": (
        "An image named by framework and version, resolved to its ECR URI in the stack's region "
        "from the SageMaker SDK's image data (the sdk extra)."
    ),
    "properties": {
        "framework": {"type": "string", "minLength": 1, "description": "The framework, as the SDK names it."},
        "version": {"type": "string", "minLength": 1, "description": "The framework version (quoted: \"1.7-1\")."},
        "pyVersion": {"type": "string", "minLength": 1, "description": "The Python version (py310, py3, ...)."},
        "processor": {"type": "string", "minLength": 1, "description": "The processor: cpu, gpu, ..."},
        "scope": {"enum": ["inference", "training"], "description": "The image scope (default inference)."},
    },
    "required": ["framework"],
    "additionalProperties": False,
})


def _container_extension(path: str, def_name: str) -> NestedExtension:
    return NestedExtension(
        path=(path,), def_name=def_name, members=(), defs=MappingProxyType({}), requests=(),
        description="A container: the ContainerDefinition shape in lowerCamelCase; image may name a framework.",
        alternatives=(("image", IMAGE_BY_FRAMEWORK),),
    )


# `modelPackage: {group, version}`: a registry version, resolved when planning (``registry_version``)
MODEL_PACKAGE: Mapping[str, Any] = MappingProxyType({
    "type": "object",
    "description": (
        "Deploy a version from the model registry instead of containers: group (a "
        "ModelPackageGroup's name) and version (a number, or latestApproved, the default)."
    ),
    "properties": {
        "group": {"type": "string", "minLength": 1, "description": "The model package group."},
        "version": {
            "description": "latestApproved (resolved when planning, then pinned in the plan) or a version.",
            "anyOf": [{"const": LATEST_APPROVED}, {"type": "integer", "minimum": 1},
                      {"type": "string", "pattern": "^[1-9][0-9]*$"}],
        },
    },
    "required": ["group"],
    "additionalProperties": False,
})

SOURCE = KindSource(
    service="sagemaker",
    operation="CreateModel",
    omit=("ModelName", "Tags"),
    extensions=(("modelPackage", MODEL_PACKAGE),),
    description=(
        "A SageMaker model: the CreateModel request in lowerCamelCase, without modelName "
        "(derived from the document name and a content hash) and tags (use the document's tags)."
    ),
    nested=(_container_extension("PrimaryContainer", "ModelPrimaryContainer"),
            _container_extension("Containers", "ModelContainer")),
)


def _containers(spec: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    found: list[tuple[tuple[Any, ...], Mapping[str, Any]]] = []
    if isinstance(spec.get("primaryContainer"), Mapping):
        found.append((("spec", "primaryContainer"), spec["primaryContainer"]))
    for i, container in enumerate(spec.get("containers") or []):
        if isinstance(container, Mapping):
            found.append((("spec", "containers", i), container))
    return found


def _resolve_images(ctx: ExpandContext, doc: SpecDoc, spec: dict[str, Any]) -> None:
    """Replace every framework-named image of `spec` with its URI in the stack's region (a plan error at it)."""
    from reconciler.errors import PlanError
    from reconciler.images import ImageError, resolve

    for path, container in _containers(spec):
        image = container.get("image")
        if isinstance(image, Mapping):
            try:
                uri = resolve(image, ctx.region)
            except ImageError as exc:
                raise PlanError([f"{doc.doc.pos((*path, 'image'))}: {doc.address}: {exc}"]) from None
            target = spec["primaryContainer"] if path[1] == "primaryContainer" else spec["containers"][path[2]]
            target["image"] = uri


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    package = spec.pop("modelPackage", None)
    _resolve_images(ctx, doc, spec)
    request = to_api(spec, operation_input("sagemaker", "CreateModel"))
    if package is not None:
        version = package.get("version", LATEST_APPROVED)
        version = version if version == LATEST_APPROVED else int(version)
        arn = registry_version(ctx, doc, str(package["group"]), version)
        request["PrimaryContainer"] = {"ModelPackageName": arn}
    name = ctx.content_name(doc.address, doc.aws_name, HANDLER.normalized(request))
    ctx.define(doc, name, ctx.arn("model", name))
    tags = ctx.user_tags(doc)
    comparable = HANDLER.comparable_of(request, tags)
    state = content_hash({"name": name, "tags": tags})
    return [desired(doc, Address(HANDLER.type, name), {"ModelName": name, **request}, comparable, tags,
                    state_hash=state, adopt_key=doc.address)]


def registry_version(ctx: ExpandContext, doc: SpecDoc, group: str, version: Any,
                     path: tuple[Any, ...] = ("spec", "modelPackage")) -> str:
    """The ARN of the model package `version` (a number, or latestApproved) of `group`, read once per plan
    and pinned in it; a plan error at `path` of the document when there is none (or it is not approved)."""
    from reconciler.errors import PlanError
    from reconciler.handlers.sagemaker_common import read

    where = f"{doc.doc.pos(path)}: {doc.address}"

    def latest(clients: Any) -> dict[str, Any] | None:
        page = clients.sagemaker.list_model_packages(ModelPackageGroupName=group, ModelApprovalStatus="Approved",
                                                     SortBy="CreationTime", SortOrder="Descending", MaxResults=1)
        found = page.get("ModelPackageSummaryList") or []
        return read(clients.sagemaker, "DescribeModelPackage", {"ModelPackageName": found[0]["ModelPackageArn"]}) \
            if found else None

    def pinned(clients: Any) -> dict[str, Any] | None:
        # package ARNs carry the group's name in lower case
        arn = f"arn:aws:sagemaker:{ctx.region}:{ctx.account}:model-package/{group.lower()}/{version}"
        return read(clients.sagemaker, "DescribeModelPackage", {"ModelPackageName": arn})

    if version == LATEST_APPROVED:
        try:
            package = ctx.lookup(f"model-package/{group}/{LATEST_APPROVED}", latest)
        except Exception as exc:
            if isinstance(exc, PlanError):
                raise
            from reconciler.aws.errors import describe_error

            raise PlanError([f"{where}: cannot read model package group {group!r}: {describe_error(exc)}"]) from None
        if package is None:
            raise PlanError([f"{where}: model package group {group!r} has no approved version to deploy "
                             "(latestApproved); approve one (UpdateModelPackage ModelApprovalStatus=Approved), or pin "
                             "a version"])
    else:
        package = ctx.lookup(f"model-package/{group}/{version}", pinned)
        if package is None:
            raise PlanError([f"{where}: model package group {group!r} has no version {version}"])
        if package.get("ModelApprovalStatus") != "Approved":
            raise PlanError([f"{where}: version {version} of model package group {group!r} is "
                             f"{package.get('ModelApprovalStatus')}, not Approved; SageMaker deploys approved "
                             "versions"])
    when = package.get("LastModifiedTime") or package.get("CreationTime")
    if version == LATEST_APPROVED:
        shown = f"latestApproved -> version {package.get('ModelPackageVersion')}"
        if hasattr(when, "strftime"):
            shown += f" (approved {when:%Y-%m-%d})"
    else:
        shown = f"version {version} (pinned)"
    ctx.notes.append(f"{doc.address}: modelPackage {group} {shown}")
    return str(package["ModelPackageArn"])


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    spec = doc.spec
    has_primary = "primaryContainer" in spec
    containers = spec.get("containers") or []
    if "modelPackage" in spec:
        if has_primary or containers:
            diags.error("a Model deploys either a modelPackage or its own containers (primaryContainer, containers), "
                        "not both", doc.doc.pos(("spec", "modelPackage")))
        return
    if has_primary and containers:
        diags.error("set either primaryContainer or containers, not both", doc.doc.pos(("spec", "containers")))
    if not has_primary and not containers:
        diags.error("a Model needs primaryContainer, containers or modelPackage", doc.doc.pos(("spec",)))
    total = 0
    for path, container in _containers(spec):
        image = container.get("image")
        if isinstance(image, Mapping):
            from reconciler.images import ImageError
            from reconciler.images import check as check_image

            try:
                check_image(image)
            except ImageError as exc:
                diags.error(str(exc), doc.doc.pos((*path, "image")))
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


def import_model(ctx: Any, name: str) -> list[Any]:
    """The Model document of a live model: its CreateModel request as written (SageMaker's defaults left out),
    ARNs of the stack's documents as references."""
    from reconciler.imported import ImportedDoc, refuse_benchmark, unowned, user_tags, written_spec

    live = unowned(HANDLER.find(ctx.clients, name), "Model", name)
    refuse_benchmark(ctx, "Model", name)
    spec = ctx.arn_references(written_spec(HANDLER.policy, HANDLER.request_of(live) or {}, "sagemaker",
                                           "CreateModel"))
    return [ImportedDoc("Model", ctx.doc_name(name), spec, user_tags(live), [live.address], source=live.arn)]


def list_models(clients: Any) -> list[str]:
    """Every model of the account and region, but those a running Inference Recommender job deployed."""
    from reconciler.handlers.inference_recommendations import benchmark_prefixes

    skip = benchmark_prefixes(clients)
    pages = clients.sagemaker.get_paginator("list_models").paginate()
    return [m["ModelName"] for page in pages for m in page.get("Models", []) if not m["ModelName"].startswith(skip)]


KIND = SpecKind(
    name="Model",
    naming=SAGEMAKER_CONTENT_ADDRESSED,
    description="A SageMaker model (immutable, content-addressed).",
    source=SOURCE,
    check=check,
    expand=expand,
    importer=import_model,
    lister=list_models,
    import_after=("Endpoint",),  # a model an endpoint serves is written with that endpoint
)
