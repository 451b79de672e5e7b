"""Semantic AWS limits checked at validate time, beyond what the JSON Schema expresses.

Each check appends diagnostics at the offending value's `file:line:col`, naming the
limit and the value. Checks are registered per kind; limits that depend on live state
are checked by the planner instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconciler.diagnostics import Diagnostics

if TYPE_CHECKING:
    from reconciler.spec.validate import SpecDoc

ENV_MAX_ENTRIES = 100
ENV_MAX_BYTES = 1024
ENV_MAX_TOTAL = 32 * 1024


def _check_model(doc: SpecDoc, diags: Diagnostics) -> None:
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


def _check_endpoint(doc: SpecDoc, diags: Diagnostics) -> None:
    spec = doc.spec
    seen: dict[str, tuple[Any, ...]] = {}
    for list_name in ("productionVariants", "shadowProductionVariants"):
        for i, variant in enumerate(spec.get(list_name) or []):
            path = ("spec", list_name, i)
            name = variant.get("variantName")
            if name in seen:
                diags.error(f"duplicate variantName '{name}' (variant names must be unique across production "
                            "and shadow variants)", doc.doc.pos((*path, "variantName")))
            elif name is not None:
                seen[name] = path
            serverless = "serverlessConfig" in variant
            if not serverless and "instanceType" not in variant:
                diags.error(f"variant '{name}' needs instanceType (or serverlessConfig for a serverless variant)",
                            doc.doc.pos(path))
            if not serverless and "initialInstanceCount" not in variant and "managedInstanceScaling" not in variant:
                diags.error(f"variant '{name}' needs initialInstanceCount", doc.doc.pos(path))
            if serverless and "instanceType" in variant:
                diags.error(f"variant '{name}' sets both instanceType and serverlessConfig; a variant is either "
                            "instance-based or serverless", doc.doc.pos((*path, "instanceType")))


CHECKS: dict[str, Callable[[SpecDoc, Diagnostics], None]] = {
    "Model": _check_model,
    "Endpoint": _check_endpoint,
}


def check_document(doc: SpecDoc, diags: Diagnostics) -> None:
    check = CHECKS.get(doc.kind)
    if check is not None:
        check(doc, diags)
