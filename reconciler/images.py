"""Container images named by framework (`image: {framework: xgboost, version: "1.7-1"}`), resolved to ECR URIs.

The data is the SageMaker Python SDK's own image table (``sagemaker/core/image_uri_config/*.json``,
installed with the ``sdk`` extra), read as JSON: the SDK itself is never imported (importing it
costs over a second; reading one file costs under a millisecond). The resolution follows the SDK's
``image_uris.retrieve`` for the framework images it describes with a plain table (XGBoost,
scikit-learn, PyTorch, TensorFlow, MXNet, the built-in algorithms, Model Monitor, ...):

- the scope (`scope`, default ``inference``; a framework with one scope uses it);
- the version, or its alias (``"2.3"`` for ``2.3.0``); a framework with one version needs none;
- the Python version (`pyVersion`), needed only where a version has more than one;
- the processor (`processor`: cpu, gpu, ...), needed only where a version has more than one;
- the registry account of the region, the repository, and the tag
  ``<tag prefix or version>-<processor>-<python>-<container version>`` (parts that do not apply
  left out).

Frameworks whose URIs the SDK builds from more than the table (Hugging Face's base framework,
Neuron SDK versions, Graviton tags) are refused with a message to give the URI instead.

``check`` reports what is wrong with a reference without a region (at validate time); ``resolve``
also needs the region (at plan time). Both raise ``ImageError`` with a one-line message.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCOPES = ("inference", "training", "inference_graviton", "eia")
UNSUPPORTED_PREFIXES = ("huggingface", "djl-", "pytorch-neuron", "pytorch-smp", "pytorch-training-compiler",
                        "hyperpod-recipes", "inferentia-", "neo-", "xgboost-neo", "image-classification-neo")
"""Frameworks whose URIs the SDK computes from more than its table: not resolved here."""
TRITON = "sagemaker-tritonserver"
INSTALL_HINT = "install the SDK's image data with `pip install 'reconciler[sdk]'`, or give the image URI"


class ImageError(ValueError):
    """A framework image reference that cannot be resolved (the message is one line)."""


@functools.lru_cache(maxsize=1)
def data_dir() -> Path | None:
    """The SDK's image_uri_config directory, or None when the SDK is not installed (nothing imported)."""
    try:
        spec = importlib.util.find_spec("sagemaker")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "core" / "image_uri_config"
        if candidate.is_dir():
            return candidate
    return None


def frameworks() -> list[str]:
    """The framework names the installed SDK describes (empty without it)."""
    directory = data_dir()
    if directory is None:
        return []
    return sorted(p.stem for p in directory.glob("*.json") if p.stem != "instance_gpu_info")


@functools.lru_cache(maxsize=128)
def _framework_config(framework: str) -> Mapping[str, Any]:
    directory = data_dir()
    if directory is None:
        raise ImageError(f"image framework {framework!r} needs the SageMaker SDK's image data: {INSTALL_HINT}")
    path = directory / f"{framework}.json"
    if framework.startswith(".") or "/" in framework or not path.is_file() or framework == "instance_gpu_info":
        raise ImageError(f"unknown image framework {framework!r}{_suggest(framework, frameworks())}")
    if framework.startswith(UNSUPPORTED_PREFIXES):
        raise ImageError(f"images of framework {framework!r} are built from more than a version (base framework, "
                         "SDK or instance family): give the image URI")
    loaded: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _suggest(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if len(options) <= 12:
        return f" (one of: {', '.join(options)})"
    return ""


def _choose(kind: str, value: str | None, options: list[str], what: str) -> str:
    if value is None:
        if len(options) == 1:
            return options[0]
        raise ImageError(f"{what} has more than one {kind}: set one of {', '.join(options)}")
    if value not in options:
        raise ImageError(f"{what} has no {kind} {value!r}{_suggest(value, options)}; it has {', '.join(options)}")
    return value


def _scope_config(framework: str, scope: str | None) -> tuple[str, Mapping[str, Any]]:
    config = _framework_config(framework)
    available = list(config.get("scope", [k for k in config if k in SCOPES]))
    if not available:
        raise ImageError(f"image framework {framework!r} has no versioned images: give the image URI")
    if len(available) == 1:
        chosen = available[0]
    else:
        chosen = _choose("scope", scope or ("inference" if "inference" in available else None), available,
                         f"image framework {framework!r}")
    if chosen in ("eia", "inference_graviton"):
        raise ImageError(f"{chosen} images of {framework!r} are built from the instance family: give the image URI")
    return chosen, config if "scope" in config else config[chosen]


def _version_config(framework: str, config: Mapping[str, Any], version: str | None) -> tuple[str, Mapping[str, Any]]:
    versions = list(config.get("versions", {}))
    aliases = dict(config.get("version_aliases", {}))
    if not versions:
        raise ImageError(f"image framework {framework!r} has no versioned images: give the image URI")
    if version is None:
        if len(versions) == 1:
            return versions[0], config["versions"][versions[0]]
        shown = ", ".join(_shown(versions, aliases))
        raise ImageError(f"image framework {framework!r} needs a version: one of {shown}")
    if version not in versions and version not in aliases:
        recent = ", ".join(_shown(versions, aliases)[-6:])
        raise ImageError(f"image framework {framework!r} has no version {version!r}"
                         f"{_suggest(version, versions + list(aliases))}; recent: {recent}")
    return version, config["versions"][aliases.get(version, version)]


def _shown(versions: list[str], aliases: Mapping[str, str]) -> list[str]:
    return sorted(set(versions) | set(aliases), key=_version_key)


def _version_key(version: str) -> tuple[Any, ...]:
    parts: list[Any] = []
    for piece in version.replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)


def _parts(reference: Mapping[str, Any]) -> tuple[str, dict[str, Any], str | None, str | None, str | None]:
    framework = str(reference["framework"])
    _, config = _scope_config(framework, _optional(reference, "scope"))
    version, version_config = _version_config(framework, config, _optional(reference, "version"))
    what = f"{framework} {version}"
    py_version: str | None = _optional(reference, "pyVersion")
    if "repository" in version_config:
        py_versions = list(version_config.get("py_versions") or [])
        if py_versions and framework != "spark":
            py_version = _choose("Python version", py_version, py_versions, what)
        elif not py_versions:
            py_version = None
    else:
        py_version = _choose("Python version", py_version, list(version_config), what)
        version_config = version_config[py_version]
    processors = list(config.get("processors") or version_config.get("processors") or [])
    processor = _choose("processor", _optional(reference, "processor"), processors, what) if processors else None
    return version, dict(version_config), py_version, processor, what


def _optional(reference: Mapping[str, Any], key: str) -> str | None:
    value = reference.get(key)
    return None if value is None else str(value)


def check(reference: Mapping[str, Any]) -> None:
    """Raise ImageError when `reference` names no image of the SDK's table (any region)."""
    _parts(reference)


def resolve(reference: Mapping[str, Any], region: str) -> str:
    """The ECR URI of the image `reference` names in `region`; ImageError when there is none."""
    framework = str(reference["framework"])
    version, version_config, py_version, processor, what = _parts(reference)
    registries = dict(version_config.get("registries") or {})
    if region not in registries:
        raise ImageError(f"{what} images are not published in region {region!r}")
    container_version = None
    if version_config.get("container_version") and processor is not None:
        container_version = version_config["container_version"].get(processor)
    if not version_config.get("processor_in_tag", True):
        processor = None
    tag_prefix = version_config.get("tag_prefix", version)
    tag = "-".join(str(x) for x in (tag_prefix, processor, py_version, container_version) if x)
    if framework == TRITON and processor == "gpu":
        tag = tag.removesuffix("-gpu")
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    repository = version_config["repository"]
    return f"{registries[region]}.dkr.ecr.{region}.{suffix}/{repository}" + (f":{tag}" if tag else "")
