"""Where a Pipeline document's definition comes from: inline, a file, or a Python function.

`prepare` runs after the document's schema and before its references and checks: it reads a
`definitionFile` (JSON or YAML, relative to the spec file) or builds a `definitionPython`
(`module:function` in the stack's repository returning a SageMaker SDK `Pipeline` or its
definition) and grafts the result into the spec as `pipelineDefinition`, remembering where it
came from, so references inside a file work and a problem in it is reported at the file's line.

Building runs the function offline: no socket may leave the machine while it runs (the SDK's
telemetry thread fails silently), `SAGEMAKER_VALIDATE_ROLE=false` is set, the stack's region is the
default region, what it prints, logs (up to warnings) and warns is dropped, and the SageMaker SDK
(the `sdk` extra) is imported only by the function itself, only when such a document exists.
A built definition is kept for the process (validate then plan builds it once).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import ipaddress
import logging
import os
import socket
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.handlers.pipeline_definition import parse
from reconciler.kinds.pipeline.schema import DEFINITION_KEYS
from reconciler.spec.documents import SpecDoc
from reconciler.spec.files import read_object_file

DEFINITION = ("spec", "pipelineDefinition")
_BUILT: dict[tuple[str, str], Any] = {}
TELEMETRY_JOIN_SECONDS = 3.0
SDK_HINT = "install the SageMaker SDK: pip install 'reconciler[sdk]'"


class BuildError(Exception):
    """A definitionPython function that could not be run; the message is one line."""


def prepare(doc: SpecDoc, diags: Diagnostics, region: str | None) -> None:
    """Graft the document's definition into `spec.pipelineDefinition` (problems go to `diags`); a
    definitionPython function runs with the stack's `region` as the default AWS region."""
    given = [key for key in DEFINITION_KEYS if key in doc.spec]
    if len(given) != 1:
        what = "needs its definition" if not given else f"has its definition {len(given)} ways ({', '.join(given)})"
        diags.error(f"a Pipeline {what}: give exactly one of pipelineDefinition (inline), definitionFile or "
                    "definitionPython", doc.doc.pos(("spec", given[-1]) if given else ("spec",)))
        return
    key = given[0]
    if key == "definitionFile":
        _from_file(doc, str(doc.spec[key]), diags)
    elif key == "definitionPython":
        where = doc.doc.pos(("spec", key))
        try:
            value = build(str(doc.spec[key]), Path(doc.doc.file).parent, region)
        except BuildError as exc:
            diags.error(f"definitionPython {doc.spec[key]}: {exc}", where)
            return
        if not isinstance(value, dict):
            diags.error(f"definitionPython {doc.spec[key]} returned {type(value).__name__}, not a pipeline or its "
                        "definition", where)
            return
        doc.graft(DEFINITION, value, doc.doc, ("spec", key))
    if key != "pipelineDefinition":
        del doc.spec[key]


def _from_file(doc: SpecDoc, relative: str, diags: Diagnostics) -> None:
    found = read_object_file(doc, "definitionFile", relative, "one pipeline definition",
                             doc.doc.pos(("spec", "definitionFile")), diags)
    if found is not None:
        doc.graft(DEFINITION, found.data, found)


def build(reference: str, spec_dir: Path, region: str | None = None) -> Any:
    """The definition `module:function` returns (a Pipeline's `definition()`, parsed), built offline
    with `region` as the default AWS region (the SDK creates clients while it is imported)."""
    root = _repository_root(spec_dir)
    key = (reference, str(spec_dir.resolve()), str(root), region)
    if key not in _BUILT:
        module_name, _, function = reference.partition(":")
        with _importable(spec_dir, root), _offline(region):
            try:
                module = importlib.import_module(module_name)
                result = getattr(module, function)()
                if hasattr(result, "definition"):
                    result = result.definition()
            except ModuleNotFoundError as exc:
                if (exc.name or "").split(".")[0] == "sagemaker":
                    raise BuildError(f"needs the SageMaker SDK ({exc}): {SDK_HINT}") from None
                raise BuildError(f"cannot import it: {exc}") from None
            except AttributeError as exc:
                raise BuildError(f"failed: {exc}") from None
            except Exception as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise BuildError(f"failed: {type(exc).__name__}: {first}") from None
        try:
            _BUILT[key] = parse(result)
        except ValueError as exc:
            raise BuildError(f"returned a definition that is not JSON: {exc}") from None
    return _BUILT[key]


def _repository_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding .git or pyproject.toml (else `start`'s parent)."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists() or (candidate / "pyproject.toml").exists():
            return candidate
    return here.parent


@contextlib.contextmanager
def _importable(*directories: Path) -> Iterator[None]:
    added = [str(d.resolve()) for d in directories if str(d.resolve()) not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for entry in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(entry)


def _loopback(host: Any) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host) in ("localhost",)


@contextlib.contextmanager
def _offline(region: str | None) -> Iterator[None]:
    """No connection leaves the machine while the function runs (loopback is allowed: a local sandbox);
    `region` is the default region unless the environment names one."""
    connect, resolve = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if not _loopback(host):
            raise OSError(f"reconciler builds pipeline definitions offline: no connection to {host}")
        return connect(self, address)

    def guarded_resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback(host):
            raise socket.gaierror(f"reconciler builds pipeline definitions offline: {host} is not resolved")
        return resolve(host, *args, **kwargs)

    quiet = contextlib.ExitStack()
    quiet.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    quiet.enter_context(contextlib.redirect_stdout(io.StringIO()))
    quiet.enter_context(contextlib.redirect_stderr(io.StringIO()))
    logging_disabled = logging.root.manager.disable
    logging.disable(logging.WARNING)  # the SDK logs what it pops from the definition, telemetry, ...
    settings = {"SAGEMAKER_VALIDATE_ROLE": "false"}
    if region and not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        settings["AWS_DEFAULT_REGION"] = region
    previous = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_resolve  # type: ignore[assignment]
    try:
        yield
    finally:
        for thread in threading.enumerate():  # the SDK's telemetry sends on a thread: let it fail offline
            if thread.name.startswith("sagemaker-telemetry") and thread is not threading.current_thread():
                thread.join(timeout=TELEMETRY_JOIN_SECONDS)
        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.getaddrinfo = resolve  # type: ignore[assignment]
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        logging.disable(logging_disabled)
        quiet.close()
