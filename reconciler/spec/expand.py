"""Expansion: validated spec documents -> desired AWS resources, references resolved.

Each kind has an expander (as data in `EXPANDERS`). Content-addressed resources are
named `<name>-<hash>`, the hash taken over the canonical JSON of the resolved, normalized
create request, so a changed spec is a new name known at plan time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.addressing import Address
from reconciler.handlers.base import Desired
from reconciler.hashing import content_hash
from reconciler.spec.kinds import HASH_LEN
from reconciler.spec.references import substitute
from reconciler.spec.validate import SpecDoc, StackSpec


@dataclass
class ExpandContext:
    stack: StackSpec
    region: str
    account: str
    names: dict[str, str] = field(default_factory=dict)  # spec address -> AWS name
    arns: dict[str, str] = field(default_factory=dict)  # spec address -> AWS ARN

    def resolve(self, kind: str, name: str, attr: str) -> str:
        address = f"{kind}/{name}"
        return self.names[address] if attr == "name" else self.arns[address]

    def arn(self, type_: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{type_}/{name}"

    def user_tags(self, doc: SpecDoc) -> dict[str, str]:
        return dict(sorted({**self.stack.stack.tags, **doc.tags}.items()))


def _expand_model(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    from reconciler.handlers import model as modelmod
    from reconciler.spec.shapes import operation_input, to_api

    spec = substitute(doc.spec, ctx.resolve)
    request = to_api(spec, operation_input("sagemaker", "CreateModel"))
    name = f"{doc.name}-{content_hash(modelmod.normalize_request(request), HASH_LEN)}"
    ctx.names[doc.address] = name
    ctx.arns[doc.address] = ctx.arn("model", name)
    tags = ctx.user_tags(doc)
    comparable = modelmod.to_comparable(request, tags)
    address = Address("model", name)
    state = content_hash({"name": name, "tags": tags})
    return [Desired(address, doc.address, {"ModelName": name, **request}, comparable, tags, state,
                    position=doc.doc.pos(("name",)))]


def _expand_endpoint(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    from reconciler.handlers import endpoint_config as cfgmod
    from reconciler.spec.shapes import deployment_config_shape, operation_input, to_api

    spec = substitute(doc.spec, ctx.resolve)
    deployment = spec.pop("deploymentConfig", None)
    request = to_api(spec, operation_input("sagemaker", "CreateEndpointConfig"))
    config_name = f"{doc.name}-{content_hash(cfgmod.identity(request), HASH_LEN)}"
    tags = ctx.user_tags(doc)
    pos = doc.doc.pos(("name",))
    config_address = Address("endpoint-config", config_name)
    config_state = content_hash({"name": config_name, "tags": tags})
    config = Desired(config_address, doc.address, {"EndpointConfigName": config_name, **request},
                     cfgmod.to_comparable(request, tags), tags, config_state, position=pos)
    variants = cfgmod.initial_values(request)
    endpoint_comparable = {"endpointConfigName": config_name, "variants": variants, "tags": tags}
    extra: dict[str, Any] = {}
    if deployment:
        extra["deploymentConfig"] = to_api(deployment, deployment_config_shape())
    endpoint = Desired(Address("endpoint", doc.name), doc.address,
                       {"EndpointName": doc.name, "EndpointConfigName": config_name}, endpoint_comparable, tags,
                       content_hash(endpoint_comparable), extra=extra, position=pos)
    ctx.names[doc.address] = doc.name
    ctx.arns[doc.address] = ctx.arn("endpoint", doc.name)
    return [config, endpoint]


EXPANDERS: dict[str, Callable[[ExpandContext, SpecDoc], list[Desired]]] = {
    "Model": _expand_model,
    "Endpoint": _expand_endpoint,
}


def expand(stack: StackSpec, region: str, account: str) -> list[Desired]:
    """Desired resources in dependency order (references resolved before their users)."""
    ctx = ExpandContext(stack, region, account)
    out: list[Desired] = []
    for address in stack.order:
        doc = stack.get(address)
        assert doc is not None
        out.extend(EXPANDERS[doc.kind](ctx, doc))
    return out
