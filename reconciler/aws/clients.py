"""boto3 clients for the engine: read-only ones for plan and drift, writable ones for apply.

Read-only by type: `ReadClients` hands out `ReadOnlyClient` wrappers that expose only read
operations (Describe*, List*, Get*, Search*), so a mutating call is unreachable from plan and
drift by construction (and a botocore `before-call` hook refuses one anyway, as a second
line). `WriteClients` hands out the boto3 clients themselves and is what only the applier
gets; `WriteClients.reader()` gives the read-only view of the same clients. Every client uses
botocore's adaptive retry mode and counts each API call (shown by `--verbose`).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

READ_PREFIXES = ("Describe", "List", "Get", "Search", "BatchDescribe", "BatchGet")
SERVICES = ("sagemaker", "resourcegroupstaggingapi", "sts")


def is_read_operation(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


class ReadOnlyViolation(RuntimeError):
    """A mutating AWS call was attempted through a read-only client (a bug)."""


@dataclass
class CallCounter:
    """Thread-safe count of API calls, by `service:Operation`."""

    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)


@dataclass(frozen=True)
class AwsTarget:
    """Where to talk to: region, optional profile and endpoint URL (the sandbox)."""

    region: str
    profile: str | None = None
    endpoint_url: str | None = None


_LOADER: Any = None
_LOADER_LOCK = threading.Lock()


def _shared_loader() -> Any:
    """One botocore data loader per process: its cache of parsed service models is reused."""
    global _LOADER
    with _LOADER_LOCK:
        if _LOADER is None:
            import botocore.loaders

            _LOADER = botocore.loaders.create_loader()
        return _LOADER


class ClientFactory:
    """Creates and caches boto3 clients for one AWS target, counting every call."""

    def __init__(self, target: AwsTarget, counter: CallCounter | None = None, max_pool: int = 16) -> None:
        self.target = target
        self.counter = counter or CallCounter()
        self._max_pool = max_pool
        self._clients: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()
        self._session: Any = None

    def _boto_session(self) -> Any:
        if self._session is None:
            import boto3
            import botocore.session

            core = botocore.session.get_session()
            core.register_component("data_loader", _shared_loader())  # parse service models once per process
            self._session = boto3.Session(botocore_session=core, profile_name=self.target.profile,
                                          region_name=self.target.region)
        return self._session

    def client(self, service: str, *, read_only: bool) -> Any:
        key = (service, read_only)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make(service, read_only)
            return self._clients[key]

    def _make(self, service: str, read_only: bool) -> Any:
        from botocore.config import Config

        config = Config(
            region_name=self.target.region,
            retries={"mode": "adaptive", "total_max_attempts": 8},
            max_pool_connections=self._max_pool,
            connect_timeout=10,
            read_timeout=60,
        )
        kwargs: dict[str, Any] = {"config": config}
        if self.target.endpoint_url:
            kwargs["endpoint_url"] = self.target.endpoint_url
        client = self._boto_session().client(service, **kwargs)
        counter = self.counter

        def before_call(model: Any, **_: Any) -> None:
            if read_only and not is_read_operation(model.name):
                raise ReadOnlyViolation(f"{model.name} is not allowed on a read-only client")
            counter.add(f"{service}:{model.name}")

        client.meta.events.register("before-call", before_call)
        if read_only:
            return ReadOnlyClient(client)
        return client


class ReadOnlyClient:
    """A boto3 client restricted to read operations; `meta` and paginators still work."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.meta = client.meta
        self.exceptions = client.exceptions

    def __getattr__(self, name: str) -> Any:
        api = self._client.meta.method_to_api_mapping.get(name)
        if api is not None and not is_read_operation(api):
            raise ReadOnlyViolation(f"{api} is not available on a read-only client")
        if name in ("get_paginator", "can_paginate", "get_waiter"):
            return getattr(self._client, name)
        if api is None:
            raise AttributeError(name)
        return getattr(self._client, name)


class ReadClients:
    """The read-only clients of one engine run: what planning and drift receive."""

    read_only = True

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory

    def get(self, service: str) -> ReadOnlyClient:
        client: ReadOnlyClient = self.factory.client(service, read_only=True)
        return client

    @property
    def sagemaker(self) -> ReadOnlyClient:
        return self.get("sagemaker")

    @property
    def tagging(self) -> ReadOnlyClient:
        return self.get("resourcegroupstaggingapi")

    @property
    def sts(self) -> ReadOnlyClient:
        return self.get("sts")

    @property
    def region(self) -> str:
        return self.factory.target.region

    def reader(self) -> ReadClients:
        return self


class WriteClients:
    """The writable clients of one apply run; `reader()` is the read-only view of the same clients."""

    read_only = False

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory

    def get(self, service: str) -> Any:
        return self.factory.client(service, read_only=False)

    @property
    def sagemaker(self) -> Any:
        return self.get("sagemaker")

    @property
    def tagging(self) -> Any:
        return self.get("resourcegroupstaggingapi")

    @property
    def sts(self) -> Any:
        return self.get("sts")

    @property
    def region(self) -> str:
        return self.factory.target.region

    def reader(self) -> ReadClients:
        return ReadClients(self.factory)


AnyClients = ReadClients | WriteClients
