"""The SageMaker model registry in the sandbox: the API and the approve control action.

Create/Describe/List/DeleteModelPackageGroup, Put/Get/DeleteModelPackageGroupPolicy and
Create/Describe/List/Update/DeleteModelPackage, served from ``registry_model``'s records
(moto's handlers are replaced). Every function takes ``RUNTIME.lock`` and first brings the
pipeline executions to the current sandbox time (``pipelines.now_of``), so the versions
RegisterModel steps have made by now are there.

Errors: botocore's model gives these operations no not-found error, and AWS answers
ValidationException: "ModelPackageGroup <arn> does not exist." (describe, delete, list a
missing group's packages), "Cannot find Model Package Group: <arn>" and "Cannot find resource
policy for: <arn>" (the policy operations); those wordings are the ones AWS's CloudFormation
provider and the Terraform provider match. DeleteModelPackageGroup of a group that still holds
versions is a ConflictException (the error botocore's model gives it; AWS's wording is
unconfirmed). An invalid policy (not a JSON object) is a ValidationException.

A ``SageMaker Model Package State Change`` event (``sagemaker_events``) is emitted when a package is
created and whenever a version's ModelApprovalStatus changes (UpdateModelPackage, the approve control
action); an update that leaves the status as it was emits none (AWS's behaviour there is unconfirmed).

Choices where AWS's behaviour is unconfirmed: deleting a group or a package takes effect at
once (AWS shows a group Deleting for a moment); a versioned package is Completed at once;
ListModelPackages and ListModelPackageGroups page 10 at a time unless MaxResults says more;
without ModelPackageGroupName, ListModelPackages lists unversioned packages unless
ModelPackageType says Versioned or Both (botocore's documented default).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ConflictException, ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from reconciler.sandbox import registry_model as rm
from reconciler.sandbox import sagemaker_events
from reconciler.sandbox.pipelines import now_of, page_of, sorted_by, times_match
from reconciler.sandbox.runtime import RUNTIME

MAX_POLICY_CHARS = 20480
PACKAGE_TYPES = ("Versioned", "Unversioned", "Both")


# --- groups -----------------------------------------------------------------------------------------


def create_group(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> str:
    """CreateModelPackageGroup: a new name (ValidationException for a taken one), Completed at once."""
    with RUNTIME.lock:
        return rm.add_group(backend, request, now_of(backend)).arn


def describe_group(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
    with RUNTIME.lock:
        now_of(backend)
        return rm.find_group(backend, name).describe()


def list_groups(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListModelPackageGroups: NameContains, CreationTime filters, SortBy Name/CreationTime (Ascending); paged."""
    with RUNTIME.lock:
        now_of(backend)
        fragment = str(request.get("NameContains") or "").lower()
        found = [
            g
            for g in rm.store_of(backend).groups.values()
            if fragment in g.name.lower() and times_match(request, {"CreationTime": g.created})
        ]
        keys: dict[str, Callable[[rm.Group], Any]] = {"Name": lambda g: g.name, "CreationTime": lambda g: g.created}
        ordered = sorted_by(found, keys, request, "CreationTime", "Ascending", lambda g: g.name)
        page, token = page_of(ordered, request)
        response: dict[str, Any] = {"ModelPackageGroupSummaryList": [g.summary() for g in page]}
        if token:
            response["NextToken"] = token
        return response


def delete_group(backend: SageMakerModelBackend, name: str) -> None:
    """DeleteModelPackageGroup: ConflictException while it holds versions (delete them first)."""
    with RUNTIME.lock:
        now_of(backend)
        group = rm.find_group(backend, name)
        if group.packages:
            versions = ", ".join(str(v) for v in sorted(group.packages))
            raise ConflictException(
                f"Model Package Group {group.arn} still contains {len(group.packages)} model package version(s) "
                f"({versions}); delete them with DeleteModelPackage before deleting the group."
            )
        del rm.store_of(backend).groups[group.name]


# --- group policies ------------------------------------------------------------------------------------


def _policy_group(backend: SageMakerModelBackend, name: str) -> rm.Group:
    name = rm.group_name_of(name)
    group = rm.store_of(backend).groups.get(name)
    if group is None:
        raise ValidationError(f"Cannot find Model Package Group: {rm.group_arn(backend, name)}")
    return group


def put_policy(backend: SageMakerModelBackend, name: str, policy: Any) -> str:
    """PutModelPackageGroupPolicy: ``policy`` a JSON object as text (kept exactly as given)."""
    with RUNTIME.lock:
        now_of(backend)
        group = _policy_group(backend, name)
        text = policy if isinstance(policy, str) else ""
        if not 1 <= len(text) <= MAX_POLICY_CHARS:
            raise ValidationError(
                f"1 validation error detected: Value at 'resourcePolicy' failed to satisfy constraint: Member must "
                f"have length between 1 and {MAX_POLICY_CHARS}"
            )
        try:
            document = json.loads(text)
        except ValueError as error:
            raise ValidationError(f"The resource policy is not valid JSON: {error}.") from None
        if not isinstance(document, dict):
            raise ValidationError("The resource policy must be a JSON object (a policy document).")
        group.policy = text
        return group.arn


def get_policy(backend: SageMakerModelBackend, name: str) -> str:
    """GetModelPackageGroupPolicy: the policy as given; ValidationException when the group has none."""
    with RUNTIME.lock:
        now_of(backend)
        group = _policy_group(backend, name)
        if group.policy is None:
            raise ValidationError(f"Cannot find resource policy for: {group.arn}")
        return group.policy


def delete_policy(backend: SageMakerModelBackend, name: str) -> None:
    """DeleteModelPackageGroupPolicy; ValidationException when the group has none."""
    with RUNTIME.lock:
        now_of(backend)
        group = _policy_group(backend, name)
        if group.policy is None:
            raise ValidationError(f"Cannot find resource policy for: {group.arn}")
        group.policy = None


# --- packages --------------------------------------------------------------------------------------


def create_package(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> str:
    """CreateModelPackage: a group's next version, or an unversioned package."""
    with RUNTIME.lock:
        now = now_of(backend)
        retried = bool(request.get("ClientToken")) and request.get("ClientToken") in rm.store_of(backend).tokens
        package = rm.add_package(backend, request, now)
        if not retried:
            _announce(backend, package, now)
        return package.arn


def _announce(backend: SageMakerModelBackend, package: rm.Package, at: datetime) -> None:
    sagemaker_events.model_package_changed(backend.account_id, backend.region_name, package, at)


def describe_package(backend: SageMakerModelBackend, reference: str) -> dict[str, Any]:
    """DescribeModelPackage by ARN, ``<group>/<version>`` or an unversioned package's name."""
    with RUNTIME.lock:
        now_of(backend)
        return rm.find_package(backend, reference).describe()


def list_packages(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListModelPackages: a group's versions (or packages by ModelPackageType), ModelApprovalStatus,
    NameContains and CreationTime filters, SortBy CreationTime (default) or Name, SortOrder (Ascending
    by default); paged."""
    with RUNTIME.lock:
        now_of(backend)
        store = rm.store_of(backend)
        status = request.get("ModelApprovalStatus")
        if status is not None:
            rm.check_approval(status)
        kind = str(request.get("ModelPackageType") or "Unversioned")
        if kind not in PACKAGE_TYPES:
            raise ValidationError(
                f"1 validation error detected: Value '{kind}' at 'modelPackageType' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(PACKAGE_TYPES)}]"
            )
        if request.get("ModelPackageGroupName"):
            candidates = list(rm.find_group(backend, str(request["ModelPackageGroupName"])).packages.values())
        else:
            versioned = [p for g in store.groups.values() for p in g.packages.values()]
            unversioned = list(store.unversioned.values())
            candidates = {"Versioned": versioned, "Unversioned": unversioned, "Both": versioned + unversioned}[kind]
        fragment = str(request.get("NameContains") or "").lower()
        found = [
            p
            for p in candidates
            if (status is None or p.approval == status)
            and fragment in p.name.lower()
            and times_match(request, {"CreationTime": p.created})
        ]
        keys: dict[str, Callable[[rm.Package], Any]] = {"CreationTime": lambda p: p.created, "Name": lambda p: p.name}
        ordered = sorted_by(
            found, keys, request, "CreationTime", "Ascending", lambda p: (p.group or "", p.version or 0)
        )
        page, token = page_of(ordered, request)
        response: dict[str, Any] = {"ModelPackageSummaryList": [p.summary() for p in page]}
        if token:
            response["NextToken"] = token
        return response


def update_package(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> str:
    """UpdateModelPackage: approval status and description, customer metadata, additional inference
    specifications, and the members AWS lets it replace; LastModifiedTime is now."""
    with RUNTIME.lock:
        now = now_of(backend)
        package = rm.find_package(backend, str(request.get("ModelPackageArn") or ""))
        approval = package.approval
        if request.get("ModelApprovalStatus") is not None:
            if package.version is None:
                raise ValidationError("ModelApprovalStatus applies to versioned model packages only.")
            package.approval = rm.check_approval(request["ModelApprovalStatus"])
        if request.get("ApprovalDescription") is not None:
            package.approval_description = str(request["ApprovalDescription"])
        body = package.request
        if request.get("CustomerMetadataProperties") or request.get("CustomerMetadataPropertiesToRemove"):
            metadata = dict(body.get("CustomerMetadataProperties") or {})
            metadata.update(request.get("CustomerMetadataProperties") or {})
            for key in request.get("CustomerMetadataPropertiesToRemove") or []:
                metadata.pop(key, None)
            body["CustomerMetadataProperties"] = metadata
            if not metadata:
                del body["CustomerMetadataProperties"]
        if request.get("AdditionalInferenceSpecificationsToAdd"):
            body["AdditionalInferenceSpecifications"] = [
                *(body.get("AdditionalInferenceSpecifications") or []),
                *request["AdditionalInferenceSpecificationsToAdd"],
            ]
        for member in ("InferenceSpecification", "SourceUri", "ModelCard", "ModelLifeCycle",
                       "ModelPackageRegistrationType"):
            if request.get(member) is not None:
                body[member] = request[member]
        package.last_modified = now
        if package.approval != approval:
            _announce(backend, package, now)
        return package.arn


def delete_package(backend: SageMakerModelBackend, reference: str) -> None:
    """DeleteModelPackage (its version number is not reused)."""
    with RUNTIME.lock:
        now_of(backend)
        package = rm.find_package(backend, reference)
        store = rm.store_of(backend)
        if package.group is not None and package.version is not None:
            del store.groups[package.group].packages[package.version]
        else:
            del store.unversioned[package.name]


# --- the outside world --------------------------------------------------------------------------------


def set_approval(
    backend: SageMakerModelBackend,
    group: str | None,
    version: int | None,
    arn: str | None,
    status: str,
    description: str | None,
) -> dict[str, Any]:
    """Control action: set a version's ModelApprovalStatus as a reviewer would (UpdateModelPackage does the same).

    The version is ``arn``, or ``version`` of ``group``. ValueError (the route answers 400) for an unknown group or
    version or a bad status."""
    if status not in rm.APPROVAL_STATUSES:
        raise ValueError(f'"status" must be one of {", ".join(rm.APPROVAL_STATUSES)}, not {status!r}')
    with RUNTIME.lock:
        now = now_of(backend)
        if arn:
            try:
                package = rm.find_package(backend, arn)
            except ValidationError:
                raise ValueError(f'model package "{arn}" not found') from None
        else:
            found = rm.store_of(backend).groups.get(str(group))
            if found is None:
                raise ValueError(f'model package group "{group}" not found')
            package_or_none = found.packages.get(int(version or 0))
            if package_or_none is None:
                held = ", ".join(str(v) for v in sorted(found.packages)) or "none"
                raise ValueError(f'model package group "{group}" has no version {version} (its versions: {held})')
            package = package_or_none
        if package.version is None:
            raise ValueError(f'model package "{package.arn}" is unversioned: it has no approval status')
        changed = package.approval != status
        package.approval = status
        if description is not None:
            package.approval_description = description
        package.last_modified = now
        if changed:
            _announce(backend, package, now)
        return {
            "arn": package.arn,
            "group": package.group,
            "version": package.version,
            "status": status,
            "lastModifiedTime": now.isoformat(timespec="milliseconds") + "Z",
        }
