"""Adoption for an Endpoint document: an endpoint reconciler manages that serves a config it did not
create (made by hand before the endpoint was adopted, or by a shadow test that was promoted) keeps
serving it when its content is what the document wants, instead of being redeployed.

The config may name models the spec's Model documents do not (hand-made ones): such a model is
adopted too when its content equals the Model document's and that document's own model is not
live yet (so no other endpoint is moved). Adoption is by name: the adopted names replace the
content-addressed ones for this plan (and every later plan, as long as the content matches), and
the handlers tag the adopted resources as owned.
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.handlers.endpoint_config import EndpointConfigHandler
from reconciler.handlers.model import ModelHandler
from reconciler.handlers.variants import VARIANT_LISTS
from reconciler.kinds.endpoint.expand import config_key
from reconciler.resources import Desired, Live
from reconciler.spec.documents import SpecDoc

CONFIG, MODEL = EndpointConfigHandler(), ModelHandler()


def _adoptable(live: Live | None, stack: str) -> bool:
    return live is not None and live.tags.get(tagmod.STACK) in (None, stack)


def _live(view: Any, handler: Any, name: str) -> Live | None:
    """The live resource by name: from the plan's view (described) or read (not owned yet)."""
    known = view.live.get(Address(handler.type, name))
    if known is not None:
        return view.describe(known)  # type: ignore[no-any-return]
    return handler.find(view.clients, name)  # type: ignore[no-any-return]


def adopt(view: Any, doc: SpecDoc, own: list[Desired], desired: list[Desired]) -> dict[str, Address]:
    """{adoption key: live address} for the config (and models) the document's live endpoint serves
    when their content is the document's; {} when anything differs."""
    endpoint = next((d for d in own if d.address.type == "endpoint"), None)
    config = next((d for d in own if d.address.type == CONFIG.type), None)
    if endpoint is None or config is None:
        return {}
    live = view.live.get(endpoint.address)
    if live is None or live.data is None or view.holder_of(endpoint.address) is not None:
        return {}
    serving = live.data.get("EndpointConfigName")
    if not serving or serving == config.address.name:
        return {}
    served = _live(view, CONFIG, serving)
    if not _adoptable(served, view.stack):
        return {}
    assert served is not None
    if config.address in view.live and served.tags.get(tagmod.STACK) != view.stack:
        return {}  # git's own config exists: a hand-made one is not preferred to it (that is drift)
    have = CONFIG.request_of(served) or {}
    want = thaw(config.request)
    models = {d.address.name: d for d in desired if d.address.type == MODEL.type}
    found: dict[str, Address] = {}
    renamed: dict[str, str] = {}
    for lst in VARIANT_LISTS:
        live_variants = {v.get("VariantName"): v for v in have.get(lst, [])}
        for variant in want.get(lst, []):
            other = live_variants.get(variant.get("VariantName"))
            if other is None:
                return {}
            wanted_model, live_model = variant.get("ModelName"), other.get("ModelName")
            if wanted_model == live_model or renamed.get(wanted_model) == live_model:
                continue
            model = models.get(wanted_model)
            if model is None or model.address in view.live or wanted_model in renamed:
                return {}  # not a Model document's, already managed (moving it would move others), or ambiguous
            candidate = _live(view, MODEL, live_model)
            if not _adoptable(candidate, view.stack):
                return {}
            assert candidate is not None
            if MODEL.normalized(MODEL.request_of(candidate) or {}) != MODEL.normalized(model.request):
                return {}
            renamed[wanted_model] = live_model
            found[model.spec] = Address(MODEL.type, live_model)
    for lst in VARIANT_LISTS:
        for variant in want.get(lst, []):
            if variant.get("ModelName") in renamed:
                variant["ModelName"] = renamed[variant["ModelName"]]
    if CONFIG.normalized(want) != CONFIG.normalized(have):
        return {}
    found[config_key(doc)] = Address(CONFIG.type, serving)
    return found
