"""``Sandbox``: the local AWS emulation as an HTTP server on 127.0.0.1, built on moto.

A ``Sandbox`` serves moto's server application, wrapped in ``app.SandboxApp``, with
werkzeug's threaded server on a daemon thread (like moto's ``ThreadedMotoServer``)
and without request logging. moto and the patches are imported only in
``start()``, so importing this module is cheap.

moto keeps state per process, so every ``Sandbox`` in one process shares the same
AWS resources and the same clock (``runtime.RUNTIME``); ``start()`` sets the
clock's time scale. Fault injection (``fault_rate``, ``fault_seed``; see ``faults``)
is per server.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from reconciler.sandbox.clock import validate_time_scale
from reconciler.sandbox.faults import FaultInjector, validate_fault_rate, validate_fault_seed

logger = logging.getLogger(__name__)

FAKE_CREDENTIAL = "testing"


class Sandbox:
    """A local SageMaker-faithful AWS emulation served over HTTP.

    ``fault_rate`` (0 to 1) is the probability that an AWS request meets an injected
    fault (throttling, 503, or a response lost after the operation ran), drawn from a
    generator seeded with ``fault_seed`` (None: a random seed, shown in
    ``GET /_sandbox/faults`` and the start-up log line).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 60.0,
        latency_ms: float = 0.0,
        region: str = "us-east-1",
        fault_rate: float = 0.0,
        fault_seed: int | None = None,
    ) -> None:
        self.host = host
        self.time_scale = validate_time_scale(time_scale)
        self.latency_ms = float(latency_ms)
        self.region = region
        self.fault_rate = validate_fault_rate(fault_rate)
        self.fault_seed = validate_fault_seed(fault_seed)
        self.faults = FaultInjector(self.fault_rate, self.fault_seed)
        self._requested_port = int(port)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (the requested one until ``start()``)."""
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> str:
        """Bind, start serving on a daemon thread and return the base URL (idempotent)."""
        if self._server is not None:
            return self.url
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        logger.info("sandbox: serving on %s (time scale %s)", self.url, self.time_scale)
        if self.faults.rate:
            logger.info("sandbox: injecting faults at rate %s (seed %s)", self.faults.rate, self.faults.seed)
        return self.url

    def _make_server(self) -> Any:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        from reconciler.sandbox import sagemaker_patches
        from reconciler.sandbox.app import QuietRequestHandler, SandboxApp
        from reconciler.sandbox.runtime import RUNTIME

        sagemaker_patches.install()
        RUNTIME.configure(self.time_scale)
        app = SandboxApp(
            DomainDispatcherApplication(create_backend_app), self.region, self.latency_ms, self.faults
        )
        return make_server(
            self.host, self._requested_port, app, threaded=True, request_handler=QuietRequestHandler
        )

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        if thread is not None and thread.is_alive():
            server.shutdown()  # blocks until serve_forever returns, so only with a live thread
            thread.join(timeout=5)
        server.server_close()
        self._server, self._thread = None, None
        logger.info("sandbox: stopped")

    def client_env(self) -> dict[str, str]:
        """Environment variables that point boto3 (or any AWS SDK/CLI) at this sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    def serve_forever(self) -> None:
        """Serve until KeyboardInterrupt (for ``reconciler sandbox``), then stop cleanly."""
        try:
            self.start()
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            logger.info("sandbox: interrupted")
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
