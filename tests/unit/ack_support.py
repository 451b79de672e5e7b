"""The ACK CRDs the export is checked against (tests/data/ack-crds), as JSON Schemas, and a validator.

`validate(manifest)` returns every problem of one exported manifest: its object against the CRD's
`spec.versions[].schema.openAPIV3Schema` (converted by `json_schema`: `x-kubernetes-*` keys
ignored, `nullable` as a null type, and unknown fields an error where the API server would prune
them silently), and its metadata (a DNS-1123 name, label keys and values Kubernetes accepts).

Run as `python -m tests.unit.ack_support` to regenerate `reconciler/export/ack_fields.py` from the CRDs.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

from reconciler.export.ack import field_tree

CRD_DIR = Path(__file__).resolve().parents[1] / "data" / "ack-crds"
FIELDS_MODULE = Path(__file__).resolve().parents[2] / "reconciler" / "export" / "ack_fields.py"
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


@functools.lru_cache(maxsize=1)
def crds() -> dict[tuple[str, str], dict[str, Any]]:
    """{(apiVersion, kind): the CRD version's openAPIV3Schema} of every CRD file."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            found[(f"{group}/{version['name']}", kind)] = version["schema"]["openAPIV3Schema"]
    return found


def json_schema(node: Any) -> Any:
    """An OpenAPI v3 structural schema as a JSON Schema (draft 7)."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = json_schema(value)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (out.get("type") == "object" and "properties" in out and "additionalProperties" not in out
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@functools.cache
def _validator(api_version: str, kind: str) -> Draft7Validator:
    return Draft7Validator(json_schema(crds()[(api_version, kind)]))


def validate(manifest: Mapping[str, Any]) -> list[str]:
    """Every problem of `manifest` against its CRD and Kubernetes' metadata rules ([] when it is valid)."""
    key = (manifest.get("apiVersion"), manifest.get("kind"))
    if key not in crds():
        return [f"no CRD for {key}"]
    where = f"{key[1]} {manifest.get('metadata', {}).get('name')}"
    problems = [f"{where}: {'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
                for e in sorted(_validator(*key).iter_errors(manifest), key=lambda e: list(map(str, e.path)))]
    metadata = manifest.get("metadata") or {}
    name = metadata.get("name", "")
    if not (DNS_SUBDOMAIN.match(name) and len(name) <= 253):
        problems.append(f"{where}: metadata.name {name!r} is not a DNS-1123 subdomain")
    if "namespace" in metadata and not re.match(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", metadata["namespace"]):
        problems.append(f"{where}: metadata.namespace {metadata['namespace']!r} is not a DNS-1123 label")
    for label, value in (metadata.get("labels") or {}).items():
        if not (_qualified(label) and (value == "" or (LABEL_NAME.match(value) and len(value) <= 63))):
            problems.append(f"{where}: label {label}={value!r} is not valid")
    for annotation, value in (metadata.get("annotations") or {}).items():
        if not (_qualified(annotation) and isinstance(value, str)):
            problems.append(f"{where}: annotation {annotation}={value!r} is not valid")
    return problems


def _qualified(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    return bool(LABEL_NAME.match(name) and len(name) <= 63
                and (not prefix or (DNS_SUBDOMAIN.match(prefix) and len(prefix) <= 253)))


def field_trees() -> dict[str, Any]:
    """{ACK kind: the field tree of its spec} from the CRD files (what ack_fields.FIELDS must be)."""
    return {kind: field_tree(schema["properties"]["spec"]) for (_, kind), schema in sorted(crds().items(),
                                                                                           key=lambda i: i[0][1])}


def fields_module() -> str:
    """The text of reconciler/export/ack_fields.py for the CRD files."""
    return ('"""The spec field trees of the ACK CRDs the export writes (generated from tests/data/ack-crds by\n'
            '`python -m tests.unit.ack_support`; a test checks it is up to date).\n\n'
            'An object is {field: tree} (`{"*": tree}` for a map), an array `[tree]`, a scalar its type name.\n'
            '"""\n\nfrom __future__ import annotations\n\nfrom typing import Any\n\n'
            f"FIELDS: dict[str, Any] = {_literal(field_trees(), 0, 25)}\n")


def _literal(value: Any, indent: int, used: int) -> str:
    """`value` (strings, dicts, lists) as a Python literal: on one line when it fits in 120 characters after
    the `used` ones, else one entry a line, indented by 4."""
    inline = json.dumps(value)
    if used + len(inline) + 2 <= 120 or not isinstance(value, (dict, list)) or not value:
        return inline
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        entries = [f"{pad}{json.dumps(k)}: {_literal(v, indent + 4, len(pad) + len(json.dumps(k)) + 2)}"
                   for k, v in value.items()]
    else:
        entries = [f"{pad}{_literal(v, indent + 4, len(pad))}" for v in value]
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + ",\n".join(entries) + ",\n" + " " * indent + closing


if __name__ == "__main__":
    FIELDS_MODULE.write_text(fields_module(), encoding="utf-8")
    sys.stdout.write(f"wrote {FIELDS_MODULE}\n")
