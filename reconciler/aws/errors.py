"""Classify AWS errors: not-found, eventual-consistency misses, and one-line messages."""

from __future__ import annotations

from typing import Any

NOT_FOUND_CODES = {"ResourceNotFound", "ResourceNotFoundException", "NotFoundException", "ObjectNotFoundException"}
CONFLICT_CODES = {"ResourceInUse", "ResourceInUseException", "ConflictException", "ResourceAlreadyExistsException"}


def error_code(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "")) or str(exc)


def is_client_error(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError)


def is_not_found(exc: BaseException) -> bool:
    """SageMaker answers ValidationException 'Could not find ...' for missing models/configs/endpoints (and
    'Cannot find ...' for a missing group policy)."""
    if not is_client_error(exc):
        return False
    code = error_code(exc)
    if code in NOT_FOUND_CODES:
        return True
    msg = error_message(exc).lower()
    return code in ("ValidationException", "ValidationError") and (
        "could not find" in msg or "cannot find" in msg or "does not exist" in msg or "not found" in msg
    )


def is_conflict(exc: BaseException) -> bool:
    """The request collides with what exists or is in progress: a duplicate create ("Cannot create already
    existing model"), an update of an endpoint that is already updating. After a lost response, botocore's
    retry of our own request meets exactly this."""
    if not is_client_error(exc):
        return False
    code = error_code(exc)
    if code in CONFLICT_CODES:
        return True
    msg = error_message(exc).lower()
    return code in ("ValidationException", "ValidationError") and (
        "already exist" in msg or "in-progress" in msg or "in progress" in msg
    )


def is_eventual_consistency_miss(exc: BaseException) -> bool:
    """A just-created dependency not yet visible (SageMaker says to retry these)."""
    return is_not_found(exc)


def describe_error(exc: BaseException) -> str:
    """One line for the user: `Code: message` for AWS errors, the text otherwise."""
    if is_client_error(exc):
        op = getattr(exc, "operation_name", "")
        prefix = f"{op}: " if op else ""
        return f"{prefix}{error_code(exc)}: {error_message(exc)}"
    return str(exc) or exc.__class__.__name__
