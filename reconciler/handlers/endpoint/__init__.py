"""The endpoint handler, one small package: `handler` (reading, planning, applying), `checks`
(live-state limits at plan time), `rollout` (deployment policies in words, timeouts, rollback
reports). Variant weights and counts are shared with other handlers in `handlers.variants`."""

from reconciler.handlers.endpoint.handler import EndpointHandler

HANDLER = EndpointHandler

__all__ = ["HANDLER", "EndpointHandler"]
