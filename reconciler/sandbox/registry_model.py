"""The model registry's records and request checks: model package groups, their versions, unversioned packages.

moto 5.2.1 numbers a group's versions by counting them (a deleted version's number comes back),
cannot delete packages or groups, has no group policies and keeps no LastModifiedTime; the
sandbox keeps its own records on moto's SageMaker backend (``store_of``), so moto's reset forgets
them, and ``registry`` serves the API from them (moto's handlers are replaced).

- ``Group``: a model package group, its tags, its resource policy (the JSON text exactly as
  given) and its versions. Versions are numbered 1, 2, 3, ... in the order they are made;
  a number is never reused after a delete (AWS's behaviour here is unconfirmed).
- ``Package``: a versioned package (in a group; ARN ``model-package/<group, lower-cased>/<n>``)
  or an unversioned one (``model-package/<name, lower-cased>``): the CreateModelPackage request's
  members as given, ``ModelApprovalStatus`` (a versioned package's default is
  PendingManualApproval), ``ApprovalDescription``, CreationTime and LastModifiedTime on the
  sandbox clock. ``ModelPackageStatus`` is Completed at once (AWS validates for a moment first).
- ``register_from_step``: a RegisterModel step's version, made from the step's resolved
  arguments. A group the step names that does not exist is created (untagged), as SageMaker
  Pipelines does for the SDK's examples (not stated in the API reference).

Request checks follow botocore's model and AWS's documented rules (name pattern, exactly one
of ModelPackageName and ModelPackageGroupName, no Tags on a versioned package, the approval
enum); messages are AWS's where seen in AWS's own CloudFormation provider ("ModelPackageGroup
<arn> does not exist.", "Model Package Group already exists: <arn>") and AWS-like elsewhere.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from reconciler.sandbox.monitoring_model import check_name

STORE_ATTRIBUTE = "sandbox_model_registry"
GROUP_RESOURCE = "model-package-group"
PACKAGE_RESOURCE = "model-package"
GROUP_RESOURCE_TYPE = f"sagemaker:{GROUP_RESOURCE}"
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
DEFAULT_APPROVAL = "PendingManualApproval"
NOT_COPIED = frozenset({"ModelPackageName", "ModelPackageGroupName", "Tags", "ClientToken", "ModelApprovalStatus"})
"""CreateModelPackage members a package does not keep as given (they are fields of their own)."""


@dataclass
class Package:
    """A model package: a version of a group (``group`` and ``version`` set) or an unversioned package."""

    name: str
    arn: str
    group: str | None
    version: int | None
    request: dict[str, Any]
    created: datetime
    last_modified: datetime
    approval: str | None
    approval_description: str | None = None
    token: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        response: dict[str, Any] = copy.deepcopy(self.request)
        response.update(
            {
                "ModelPackageName": self.name,
                "ModelPackageGroupName": self.group,
                "ModelPackageVersion": self.version,
                "ModelPackageArn": self.arn,
                "CreationTime": self.created,
                "LastModifiedTime": self.last_modified,
                "ModelPackageStatus": "Completed",
                "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
                "ModelApprovalStatus": self.approval,
                "ApprovalDescription": self.approval_description,
            }
        )
        return {key: value for key, value in response.items() if value is not None}

    def summary(self) -> dict[str, Any]:
        response = {
            "ModelPackageName": self.name,
            "ModelPackageGroupName": self.group,
            "ModelPackageVersion": self.version,
            "ModelPackageArn": self.arn,
            "ModelPackageDescription": self.request.get("ModelPackageDescription"),
            "CreationTime": self.created,
            "ModelPackageStatus": "Completed",
            "ModelApprovalStatus": self.approval,
            "ModelPackageRegistrationType": self.request.get("ModelPackageRegistrationType"),
        }
        return {key: value for key, value in response.items() if value is not None}


@dataclass
class Group:
    """A model package group: description, tags, resource policy and versions (by number)."""

    name: str
    arn: str
    description: str | None
    created: datetime
    tags: list[dict[str, str]] = field(default_factory=list)
    policy: str | None = None
    packages: dict[int, Package] = field(default_factory=dict)
    next_version: int = 1
    managed: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        response = {
            "ModelPackageGroupName": self.name,
            "ModelPackageGroupArn": self.arn,
            "ModelPackageGroupDescription": self.description,
            "CreationTime": self.created,
            "ModelPackageGroupStatus": "Completed",
            "ManagedConfiguration": copy.deepcopy(self.managed),
        }
        return {key: value for key, value in response.items() if value is not None}

    def describe(self) -> dict[str, Any]:
        """The summary and CreatedBy (empty: the sandbox has no Studio user profile or IAM identity to name)."""
        return {**self.summary(), "CreatedBy": {}}


@dataclass
class RegistryStore:
    """Everything the model registry holds for one account and region."""

    groups: dict[str, Group] = field(default_factory=dict)
    unversioned: dict[str, Package] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    """CreateModelPackage's ClientToken -> the package's ARN (a retried create answers again)."""


def store_of(backend: SageMakerModelBackend) -> RegistryStore:
    store = getattr(backend, STORE_ATTRIBUTE, None)
    if store is None:
        store = RegistryStore()
        setattr(backend, STORE_ATTRIBUTE, store)
    return store


def _prefix(backend: SageMakerModelBackend) -> str:
    return f"arn:{backend.partition}:sagemaker:{backend.region_name}:{backend.account_id}"


def group_arn(backend: SageMakerModelBackend, name: str) -> str:
    return f"{_prefix(backend)}:{GROUP_RESOURCE}/{name}"


def package_arn(backend: SageMakerModelBackend, name: str, version: int | None = None) -> str:
    suffix = f"/{version}" if version is not None else ""
    return f"{_prefix(backend)}:{PACKAGE_RESOURCE}/{name.lower()}{suffix}"


def group_name_of(value: str) -> str:
    """A ModelPackageGroupName member (a name or a group ARN) as a name."""
    marker = f":{GROUP_RESOURCE}/"
    return value.split(marker, 1)[1] if value.startswith("arn:") and marker in value else value


def missing_group(backend: SageMakerModelBackend, name: str) -> ValidationError:
    return ValidationError(f"ModelPackageGroup {group_arn(backend, name)} does not exist.")


def find_group(backend: SageMakerModelBackend, name: str) -> Group:
    """The group named ``name`` (or by ARN); ValidationException ``ModelPackageGroup <arn> does not exist.``"""
    name = group_name_of(name)
    group = store_of(backend).groups.get(name)
    if group is None:
        raise missing_group(backend, name)
    return group


def find_package(backend: SageMakerModelBackend, reference: str) -> Package:
    """The package ``reference`` names: its ARN (any case), ``<group>/<version>`` or an unversioned name."""
    store = store_of(backend)
    wanted = reference.lower()
    if wanted.startswith("arn:"):
        for group in store.groups.values():
            for package in group.packages.values():
                if package.arn.lower() == wanted:
                    return package
        for package in store.unversioned.values():
            if package.arn.lower() == wanted:
                return package
    else:
        name, _, version = reference.partition("/")
        if version.isdigit():
            group = store.groups.get(name)
            package = group.packages.get(int(version)) if group is not None else None
            if package is not None:
                return package
        elif reference in store.unversioned:
            return store.unversioned[reference]
    raise ValidationError(f"ModelPackage {reference} does not exist.")


def find_by_arn(backend: SageMakerModelBackend, arn: str) -> Group | Package | None:
    """The group or unversioned package behind ``arn`` (for the tag operations)."""
    store = store_of(backend)
    resource, _, name = arn.rpartition(":")[2].partition("/")
    if resource == GROUP_RESOURCE:
        group = store.groups.get(name)
        return group if group is not None and group.arn == arn else None
    if resource == PACKAGE_RESOURCE and "/" not in name:
        return next((p for p in store.unversioned.values() if p.arn.lower() == arn.lower()), None)
    return None


def tagged(backend: SageMakerModelBackend) -> Iterator[tuple[str, str, list[dict[str, str]]]]:
    """``(resource type, ARN, tags)`` of every group and unversioned package that has tags."""
    store = store_of(backend)
    for group in store.groups.values():
        if group.tags:
            yield GROUP_RESOURCE_TYPE, group.arn, list(group.tags)
    for package in store.unversioned.values():
        if package.tags:
            yield f"sagemaker:{PACKAGE_RESOURCE}", package.arn, list(package.tags)


# --- checks ---------------------------------------------------------------------------------------


def check_approval(value: Any) -> str:
    if value not in APPROVAL_STATUSES:
        raise ValidationError(
            f"1 validation error detected: Value '{value}' at 'modelApprovalStatus' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(APPROVAL_STATUSES)}]"
        )
    return str(value)


def tags_of(request: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in request.get("Tags") or []]


# --- making records -------------------------------------------------------------------------------


def add_group(
    backend: SageMakerModelBackend, request: Mapping[str, Any], now: datetime
) -> Group:
    """A new group from a CreateModelPackageGroup request; ValidationException for a taken name."""
    name = str(request.get("ModelPackageGroupName") or "")
    check_name(name, "modelPackageGroupName")
    store = store_of(backend)
    if name in store.groups:
        raise ValidationError(f"Model Package Group already exists: {group_arn(backend, name)}")
    group = Group(
        name=name,
        arn=group_arn(backend, name),
        description=request.get("ModelPackageGroupDescription"),
        created=now,
        tags=tags_of(request),
        managed=copy.deepcopy(request.get("ManagedConfiguration")),
    )
    store.groups[name] = group
    return group


def add_package(
    backend: SageMakerModelBackend, request: Mapping[str, Any], now: datetime, create_group: bool = False
) -> Package:
    """A new package from a CreateModelPackage request (or a RegisterModel step's arguments, ``create_group``
    then making a missing group). A retry with the same ClientToken answers with the first package."""
    store = store_of(backend)
    token = request.get("ClientToken")
    if token and token in store.tokens:
        return find_package(backend, store.tokens[token])
    group_name, name = request.get("ModelPackageGroupName"), request.get("ModelPackageName")
    if group_name and name:
        raise ValidationError(
            "Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one "
            "to use."
        )
    if not group_name and not name:
        raise ValidationError("Missing ARN. Give ModelPackageGroupName (a versioned package) or ModelPackageName.")
    body = {key: copy.deepcopy(value) for key, value in request.items() if key not in NOT_COPIED}
    if group_name:
        if request.get("Tags"):
            raise ValidationError(
                "Tags cannot be given for a versioned model package: it uses the tags of its model package group."
            )
        approval = check_approval(request.get("ModelApprovalStatus") or DEFAULT_APPROVAL)
        group_name = group_name_of(str(group_name))
        group = store.groups.get(group_name)
        if group is None:
            if not create_group:
                raise missing_group(backend, group_name)
            group = add_group(backend, {"ModelPackageGroupName": group_name}, now)
        number = group.next_version
        package = Package(
            name=group.name, arn=package_arn(backend, group.name, number), group=group.name, version=number,
            request=body, created=now, last_modified=now, approval=approval, token=token,
        )
        group.packages[number] = package
        group.next_version = number + 1
    else:
        check_name(str(name), "modelPackageName")
        if name in store.unversioned:
            raise ValidationError(f"Model Package already exists: {package_arn(backend, str(name))}")
        package = Package(
            name=str(name), arn=package_arn(backend, str(name)), group=None, version=None, request=body,
            created=now, last_modified=now, approval=None, token=token, tags=tags_of(request),
        )
        store.unversioned[package.name] = package
    if token:
        store.tokens[token] = package.arn
    return package


def register_from_step(backend: SageMakerModelBackend, arguments: Mapping[str, Any], at: datetime) -> Package:
    """The version a RegisterModel step registers at ``at``; ValidationError when its arguments cannot make one."""
    if not arguments.get("ModelPackageGroupName"):
        raise ValidationError("The RegisterModel step's arguments have no ModelPackageGroupName to register into.")
    request = {key: value for key, value in arguments.items() if key not in ("ModelPackageName", "Tags")}
    return add_package(backend, request, at, create_group=True)
