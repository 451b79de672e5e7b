"""A stack as AWS Controllers for Kubernetes (ACK) custom resources: pure, offline, no printing.

`export(stack, desired, region=...)` turns the stack's desired AWS resources (the offline expansion,
`reconciler.kinds.expand`: API-form requests, references resolved) into one manifest each and a list
of warnings for what ACK cannot express. `render` and `render_all` write them as YAML.

The mapping, resource type by resource type, is `KINDS`: the ACK kind, its API group (all
`v1alpha1`) and its apply tier. Field names come from each CRD's own field tree
(`reconciler.export.ack_fields.FIELDS`, generated from the CRDs): an API member maps to the CRD
field whose name is the same once case and `_` are ignored (`ResourceId` -> `resourceID`,
`S3Uri` -> `s3URI`, `Type` -> `type_`), plus the renames a kind declares (a MetricAlarm's
`AlarmName` is `name`). A member the CRD lacks is left out with a warning naming it, so nothing is
dropped silently. Tags are ACK's `[{key, value}]` list of the user's tags (never the reconciler's
ownership tags: ACK owns what it creates).

Names: `metadata.name` is the AWS name when that is a DNS-1123 label (at most 63 lowercase
letters, digits and '-'); otherwise it is lowered, every other run of characters becomes '-', and
`-<8 hex digits>` of the AWS identity is added, so distinct resources never share a name.
Autoscaling resources are named `<endpoint>-<variant>` (ScalableTarget) and
`<endpoint>-<variant>-<policy>` (ScalingPolicy). An EndpointConfig is named `<document>-<hash of
its whole request>`: ACK cannot update an EndpointConfig, so any change (weights and counts too,
which the reconciler's own config name leaves out) must be a new one the Endpoint moves to.

Metadata: labels `reconciler/stack`, `reconciler/kind`, `reconciler/document` (label-safe),
annotations `reconciler/spec` (the spec address, exact), `reconciler/file` (the spec file, relative
to the stack directory), `services.k8s.aws/region` (the stack's region) and, for `protect: true`,
`services.k8s.aws/deletion-policy: retain`. References: a Rule on a bus the export also holds uses
`eventBusRef`; every other reference is the resolved name or ARN (the SageMaker CRDs have no
reference fields).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.export.ack_fields import FIELDS
from reconciler.frozen import thaw
from reconciler.hashing import content_hash
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc, StackSpec
from reconciler.spec.naming import HASH_LEN

VERSION = "v1alpha1"
SAGEMAKER = "sagemaker.services.k8s.aws"
AUTOSCALING = "applicationautoscaling.services.k8s.aws"
CLOUDWATCH = "cloudwatch.services.k8s.aws"
EVENTBRIDGE = "eventbridge.services.k8s.aws"

HEADER = "# reconciler export ack: stack "  # the first line of every manifest, then the stack's name
LABEL_STACK, LABEL_KIND, LABEL_DOCUMENT = "reconciler/stack", "reconciler/kind", "reconciler/document"
ANNOTATION_SPEC, ANNOTATION_FILE = "reconciler/spec", "reconciler/file"
ANNOTATION_REGION = "services.k8s.aws/region"
ANNOTATION_DELETION = "services.k8s.aws/deletion-policy"
NAME_MAX = 63
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
HASHED = re.compile(rf"^(.+)-[0-9a-f]{{{HASH_LEN}}}$")
DEFAULT_BUS = "default"


@dataclass(frozen=True)
class AckKind:
    """How one reconciler resource type is written as an ACK custom resource."""

    kind: str
    group: str
    tier: int  # apply order (the file-name prefix): what a resource names comes in a lower tier
    renames: Mapping[str, str] = field(default_factory=dict)  # API member -> the CRD's, both as the API spells

    @property
    def api_version(self) -> str:
        return f"{self.group}/{VERSION}"


KINDS: Mapping[str, AckKind] = {
    "model": AckKind("Model", SAGEMAKER, 10),
    "model-package-group": AckKind("ModelPackageGroup", SAGEMAKER, 10),
    "alarm": AckKind("MetricAlarm", CLOUDWATCH, 10, {"AlarmName": "Name"}),
    "event-bus": AckKind("EventBus", EVENTBRIDGE, 10),
    "endpoint-config": AckKind("EndpointConfig", SAGEMAKER, 20),
    "pipeline": AckKind("Pipeline", SAGEMAKER, 20),
    "endpoint": AckKind("Endpoint", SAGEMAKER, 30),
    "scalable-target": AckKind("ScalableTarget", AUTOSCALING, 40),
    "data-quality-job-definition": AckKind("DataQualityJobDefinition", SAGEMAKER, 40),
    "model-quality-job-definition": AckKind("ModelQualityJobDefinition", SAGEMAKER, 40),
    "model-bias-job-definition": AckKind("ModelBiasJobDefinition", SAGEMAKER, 40),
    "model-explainability-job-definition": AckKind("ModelExplainabilityJobDefinition", SAGEMAKER, 40),
    "event-rule": AckKind("Rule", EVENTBRIDGE, 40),
    "scaling-policy": AckKind("ScalingPolicy", AUTOSCALING, 50),
    "monitoring-schedule": AckKind("MonitoringSchedule", SAGEMAKER, 50),
}

# Resource types with no ACK resource: why, as the warning says it.
NOT_EXPRESSIBLE: Mapping[str, str] = {
    "inference-experiment": "ACK has no resource for SageMaker inference experiments (shadow tests); run the "
                            "shadow test with the reconciler or by hand against the endpoint ACK creates",
    "scheduled-action": "the ACK Application Auto Scaling controller has no ScheduledAction resource; the "
                        "schedule's capacity changes do not happen",
    "schema-registry": "ACK has no EventBridge Schemas controller (registries, schemas, discoverers)",
    "inference-recommendations-job": "ACK has no resource for SageMaker Inference Recommender jobs",
}

RETAINED = ("ACK updates endpoints with RetainAllVariantProperties=true and has no weight-only update "
            "(UpdateEndpointWeightsAndCapacities): a change of a variant's initialVariantWeight or "
            "initialInstanceCount is a new EndpointConfig and a redeploy that keeps the live weights and counts")
AUTOSCALED = ("ACK does not deregister a scalable target around an endpoint update that changes the variant's "
              "instance type or removes the variant, and SageMaker rejects such an update while the target is "
              "registered: delete the ScalableTarget first and apply it again after the update")
SAGEMAKER_TAGS = ("tags of SageMaker resources are set when ACK creates them: the ACK SageMaker controller "
                  "ignores later tag changes")


@dataclass(frozen=True)
class Manifest:
    """One ACK custom resource: its kind, `metadata.name`, the whole object, and what it stands for."""

    kind: AckKind
    name: str
    body: Mapping[str, Any]  # apiVersion, kind, metadata, spec: plain JSON values
    spec: str  # the reconciler spec address it comes from (`Endpoint/churn`)
    resource: str  # the reconciler resource address (`endpoint-config/churn-0150ed47`)

    @property
    def file_name(self) -> str:
        """`<tier>-<kind>-<name>.yaml`: file names sort in apply order."""
        return f"{self.kind.tier:02d}-{self.kind.kind.lower()}-{self.name}.yaml"


@dataclass(frozen=True)
class Export:
    """The manifests of one stack in apply order, and the warnings about what ACK cannot express."""

    stack: str
    manifests: tuple[Manifest, ...]
    warnings: tuple[str, ...]


@dataclass
class _Warnings:
    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def export(stack: StackSpec, desired: Iterable[Desired], *, region: str, namespace: str | None = None) -> Export:
    """Every desired resource ACK can express as a manifest (in apply order), and warnings (one line each,
    starting with the spec address) for what it cannot: resources with no ACK kind, fields a CRD lacks,
    behaviour ACK does not have."""
    items = list(desired)
    warnings = _Warnings()
    kept: list[tuple[int, Desired, AckKind]] = []
    for index, d in enumerate(items):
        kind = KINDS.get(d.address.type)
        if kind is None:
            why = NOT_EXPRESSIBLE.get(d.address.type, f"there is no ACK mapping for {d.address.type} resources")
            warnings.add(f"{d.spec}: {d.address} is not exported: {why}")
        elif d.address.type == "event-bus" and d.address.name == DEFAULT_BUS:
            warnings.add(f"{d.spec}: the default event bus is not exported: it exists in every account, ACK would "
                         "try to create it, and its policy has no ACK resource")
        else:
            kept.append((index, d, kind))
    config_names = {d.address.name: ack_config_name(d) for _, d, _ in kept if d.address.type == "endpoint-config"}
    names = _names([(d, kind, _base_name(d, config_names)) for _, d, kind in kept])
    bus_names = {d.address.name: names[_key(d)] for _, d, _ in kept if d.address.type == "event-bus"}
    manifests = []
    for _, d, kind in sorted(kept, key=lambda item: (item[2].tier, item[0])):
        doc = stack.get(d.spec)
        name = names[_key(d)]
        spec = _spec(d, kind, name, config_names, bus_names, warnings)
        body = {"apiVersion": kind.api_version, "kind": kind.kind,
                "metadata": _metadata(stack, doc, d, name, region, namespace), "spec": spec}
        manifests.append(Manifest(kind, name, body, d.spec, str(d.address)))
        _behaviour(d, warnings)
        if _has_sensitive(d):
            warnings.add(f"{d.spec}: its sensitive values are written in clear text (these ACK fields take no "
                         "secret reference): keep the export out of git, or encrypt it")
    _document_warnings(stack, manifests, warnings)
    if any(m.kind.group == SAGEMAKER and m.body["spec"].get("tags") for m in manifests):
        warnings.add(f"{stack.stack.name}: {SAGEMAKER_TAGS}")
    return Export(stack.stack.name, tuple(manifests), tuple(warnings.items))


# --- names -------------------------------------------------------------------------------
def k8s_name(text: str, identity: str | None = None) -> str:
    """`text` when it is a DNS-1123 label; else lowered, other characters as '-', shortened, plus
    `-<hash of identity>` (`identity` defaults to `text`)."""
    if DNS_LABEL.match(text) and len(text) <= NAME_MAX:
        return text
    return _hashed(text, identity or text)


def _hashed(text: str, identity: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[: NAME_MAX - HASH_LEN - 1].strip("-")
    digest = content_hash(identity, HASH_LEN)
    return f"{base}-{digest}" if base else digest


def label_value(text: str) -> str:
    """`text` as a Kubernetes label value (at most 63 of letters, digits, '-', '_', '.', alphanumeric ends)."""
    if LABEL_VALUE.match(text) and len(text) <= NAME_MAX:
        return text
    value = re.sub(r"[^-A-Za-z0-9_.]+", "-", text)[:NAME_MAX]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", value)


def ack_config_name(d: Desired) -> str:
    """An endpoint config's name for ACK: its document's base name and a hash of its whole request (ACK
    cannot update a config, so every change, weights and counts included, is a new name)."""
    match = HASHED.match(d.address.name)
    base = match.group(1) if match else d.address.name[: NAME_MAX - HASH_LEN - 1]
    request = {k: v for k, v in thaw(d.request).items() if k != "EndpointConfigName"}
    return f"{base}-{content_hash(request, HASH_LEN)}"


def _key(d: Desired) -> str:
    return str(d.address)


def _base_name(d: Desired, config_names: Mapping[str, str]) -> str:
    """The name a manifest is named after: the AWS name, or what stands for it."""
    extra, request = d.extra, d.request
    if d.address.type == "endpoint-config":
        return config_names[d.address.name]
    if d.address.type == "scalable-target":
        return f"{extra['endpoint']}-{extra['variant']}"
    if d.address.type == "scaling-policy":
        return f"{extra['endpoint']}-{extra['variant']}-{request['PolicyName']}"
    if d.address.type == "event-rule":
        return str(request["Name"])
    return d.address.name


def _names(items: list[tuple[Desired, AckKind, str]]) -> dict[str, str]:
    """{resource address: metadata.name}; names two resources of one kind would share get the hash form."""
    found = {_key(d): k8s_name(base, _key(d)) for d, _, base in items}
    taken: dict[tuple[str, str], list[tuple[Desired, str]]] = {}
    for d, kind, base in items:
        taken.setdefault((kind.kind, found[_key(d)]), []).append((d, base))
    for group in taken.values():
        if len(group) > 1:
            for d, base in group:
                found[_key(d)] = _hashed(base, _key(d))
    return found


# --- metadata ----------------------------------------------------------------------------
def _metadata(stack: StackSpec, doc: SpecDoc | None, d: Desired, name: str, region: str,
              namespace: str | None) -> dict[str, Any]:
    kind, _, doc_name = d.spec.partition("/")
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    labels = {LABEL_STACK: label_value(stack.stack.name), LABEL_KIND: label_value(kind),
              LABEL_DOCUMENT: label_value(doc.name if doc else doc_name)}
    metadata["labels"] = {k: v for k, v in labels.items() if v}
    annotations = {ANNOTATION_SPEC: d.spec}
    source = _source_file(stack, d)
    if source:
        annotations[ANNOTATION_FILE] = source
    annotations[ANNOTATION_REGION] = region
    if d.protect:
        annotations[ANNOTATION_DELETION] = "retain"
    metadata["annotations"] = annotations
    return metadata


def _source_file(stack: StackSpec, d: Desired) -> str | None:
    """The spec file of the document, relative to the stack directory (None when unknown)."""
    if d.position is None:
        return None
    path = Path(d.position.file)
    for root in (stack.root, stack.root.resolve()):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    try:
        return path.resolve().relative_to(stack.root.resolve()).as_posix()
    except ValueError:
        return path.name


# --- spec --------------------------------------------------------------------------------
def _spec(d: Desired, kind: AckKind, name: str, config_names: Mapping[str, str], bus_names: Mapping[str, str],
          warnings: _Warnings) -> dict[str, Any]:
    """The manifest's spec: the request (with what the kind keeps beside it) in the CRD's field names."""
    request = thaw(d.request)
    extra = thaw(d.extra)
    refs: dict[str, Any] = {}
    if d.address.type == "endpoint-config":
        request["EndpointConfigName"] = config_names[d.address.name]
    elif d.address.type == "endpoint":
        request["EndpointConfigName"] = config_names.get(request["EndpointConfigName"], request["EndpointConfigName"])
        if extra.get("deploymentConfig"):
            request["DeploymentConfig"] = extra["deploymentConfig"]
    elif d.address.type == "event-rule":
        if extra.get("targets"):
            request["Targets"] = extra["targets"]
        bus = request.get("EventBusName")
        if bus in bus_names:
            del request["EventBusName"]
            refs["eventBusRef"] = {"from": {"name": bus_names[bus]}}
    tree = FIELDS[kind.kind]
    dropped: list[str] = []
    spec = to_crd(request, tree, "spec", dropped, kind.renames)
    spec.update(refs)
    for path in dropped:
        warnings.add(f"{d.spec}: {path} has no field in the ACK {kind.kind} CRD: left out")
    if isinstance(spec.get("pipelineDefinition"), str):
        spec["pipelineDefinition"] = _pretty_json(spec["pipelineDefinition"])
    tags = thaw(d.user_tags)
    if tags and "tags" in tree:
        spec["tags"] = [{"key": k, "value": v} for k, v in sorted(tags.items())]
    return spec


def to_crd(value: Any, node: Any, path: str, dropped: list[str], renames: Mapping[str, str] | None = None) -> Any:
    """`value` (API form) in the field names of the CRD field tree `node`: an object is {field: node}
    (`{"*": node}` for a map, whose keys stay), an array `[node]`, a scalar its type name. Members the
    tree lacks are left out and their paths added to `dropped`; `renames` applies at this level only."""
    if isinstance(node, dict) and isinstance(value, Mapping):
        if set(node) == {"*"}:
            return {k: to_crd(v, node["*"], f"{path}.{k}", dropped) for k, v in value.items()}
        fields = {_norm(k): k for k in node}
        out: dict[str, Any] = {}
        for key, item in value.items():
            target = fields.get(_norm((renames or {}).get(key, key)))
            if target is None:
                dropped.append(f"{path}.{key[:1].lower()}{key[1:]}")
                continue
            out[target] = to_crd(item, node[target], f"{path}.{target}", dropped)
        return out
    if isinstance(node, list) and isinstance(value, (list, tuple)):
        return [to_crd(v, node[0], f"{path}[{i}]", dropped) for i, v in enumerate(value)]
    if node == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return thaw(value)


def field_tree(schema: Mapping[str, Any]) -> Any:
    """The field tree of an OpenAPI v3 schema (a CRD's `spec`), as `to_crd` reads it."""
    kind = schema.get("type")
    if kind == "object":
        if "properties" in schema:
            return {k: field_tree(v) for k, v in sorted(schema["properties"].items())}
        more = schema.get("additionalProperties")
        return {"*": field_tree(more)} if isinstance(more, Mapping) else "object"
    if kind == "array":
        return [field_tree(schema.get("items") or {})]
    return kind or "any"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2) + "\n"
    except ValueError:
        return text


# --- what ACK cannot express -------------------------------------------------------------
def _behaviour(d: Desired, warnings: _Warnings) -> None:
    """Warnings for what a resource does under the reconciler that its ACK resource does not."""
    extra = d.extra
    where = d.spec
    if d.address.type == "endpoint":
        warnings.add(f"{where}: {RETAINED}")
        scaled = sorted(extra.get("autoscaled") or ())
        if scaled:
            warnings.add(f"{where}: variant {', '.join(scaled)} is autoscaled: {AUTOSCALED}")
    elif d.address.type == "event-bus" and extra.get("policy"):
        warnings.add(f"{where}: policy is not exported: the ACK EventBus has no policy field and the EventBridge "
                     "controller no resource for a bus's permissions (PutPermission)")
    elif d.address.type == "model-package-group":
        if extra.get("policy"):
            warnings.add(f"{where}: resourcePolicy is not exported: the ACK ModelPackageGroup has no policy field "
                         "(PutModelPackageGroupPolicy)")
        if extra.get("delete_versions"):
            warnings.add(f"{where}: deleteVersions is not exported: ACK deletes only an empty group (delete its "
                         "model packages first)")
    elif d.address.type == "pipeline" and extra.get("start") is not None:
        warnings.add(f"{where}: startOnChange is not exported: ACK starts no execution when the definition "
                     "changes (PipelineExecution is a resource of its own)")
    elif d.address.type == "monitoring-schedule" and extra.get("status") == "Stopped":
        warnings.add(f"{where}: status Stopped is not exported: ACK cannot stop a schedule; it runs")


def _has_sensitive(d: Desired) -> bool:
    """Whether the resource's request holds a value of its document's `sensitive:` paths, or a default-sensitive
    environment variable."""
    from reconciler.sensitive import mask_tree

    found: set[str] = set()
    mask_tree(thaw(d.request), d.sensitive, found)
    return bool(found)


def _document_warnings(stack: StackSpec, manifests: list[Manifest], warnings: _Warnings) -> None:
    """Warnings about documents: a modelPackage pinned at export time."""
    exported = {m.spec for m in manifests}
    for doc in stack.docs:
        if doc.address not in exported:
            continue
        package = doc.spec.get("modelPackage") if doc.kind == "Model" else None
        if isinstance(package, Mapping) and package.get("version", "latestApproved") == "latestApproved":
            warnings.add(f"{doc.address}: modelPackage {package.get('group')} latestApproved is pinned to the "
                         "version approved at export: ACK does not follow later approvals; export again after one")


# --- YAML --------------------------------------------------------------------------------
def render(manifest: Manifest, stack: str) -> str:
    """One manifest as a YAML document, after its header line (`# reconciler export ack: stack NAME`)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value and not re.search(r"[ \t]\n", value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    body = yaml.dump(thaw(manifest.body), Dumper=Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=1 << 16)
    return f"{HEADER}{stack}\n{body}"


def render_all(result: Export) -> str:
    """Every manifest as one multi-document YAML stream, in apply order."""
    return "".join(f"---\n{render(m, result.stack)}" for m in result.manifests)
