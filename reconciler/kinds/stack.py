"""The `Stack` kind: stack-wide settings, exactly one document per stack directory; owns no AWS resources."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.spec.documents import Stack
from reconciler.spec.fragments import TAG_MAP_DEF
from reconciler.spec.kind import SpecKind
from reconciler.spec.loader import Document
from reconciler.spec.naming import HYPHENATED, NameRule
from reconciler.spec.validate import check_tags
from reconciler.sync_windows import WindowError, parse_window

REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"
STACK_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
STACK_NAME_MAX = 63
VARIABLES_SCHEMA: Mapping[str, Any] = MappingProxyType({
    "type": "object",
    "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
    "description": "Values of ${var.NAME} in any string of the stack's documents.",
})

SPEC_SCHEMA: Mapping[str, Any] = MappingProxyType(
    {
        "type": "object",
        "description": "Stack-wide settings; exactly one Stack document per stack directory.",
        "properties": {
            "region": {
                "type": "string",
                "description": "AWS region of the stack, e.g. us-east-1.",
                "pattern": REGION_PATTERN,
            },
            "accountId": {
                "type": "string",
                "description": "Guard: refuse to plan or apply in any other AWS account (12 digits).",
                "pattern": ACCOUNT_ID_PATTERN,
            },
            "tags": {
                "$ref": f"#/$defs/{TAG_MAP_DEF}",
                "description": "Tags for every resource of the stack; a document's tags override these.",
            },
            "prune": {
                "type": "boolean",
                "default": False,
                "description": (
                    "Delete owned resources whose documents left the specs; when false, plan reports them."
                ),
            },
            "variables": {**VARIABLES_SCHEMA, "description": (
                "Values of ${var.NAME} in any string of the stack's documents; an Environment's override them.")},
            "ignoreTags": {
                "type": "array",
                "description": "Tag-key prefixes other tools add (backup, cost allocation): never drift or removed.",
                "items": {"type": "string", "minLength": 1, "maxLength": 128},
                "uniqueItems": True,
            },
            "syncWindows": {
                "type": "array",
                "description": (
                    "When `reconciler watch --self-heal` may apply (Argo CD's sync windows): deny wins; with allow "
                    "windows, only while one is open; with none, always."
                ),
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["allow", "deny"],
                                 "description": "allow: self-heal may apply while open; deny: it may not."},
                        "schedule": {"type": "string", "minLength": 1,
                                     "description": "Cron, 5 fields (minute hour day-of-month month day-of-week): "
                                                    "'0 22 * * MON-FRI'."},
                        "duration": {"type": "string", "minLength": 1,
                                     "description": "How long each opening lasts: 1h, 30m, 1h30m, 2d."},
                        "timezone": {"type": "string", "minLength": 1,
                                     "description": "IANA time zone the schedule is read in (default UTC)."},
                    },
                    "required": ["kind", "schedule", "duration"],
                    "additionalProperties": False,
                },
            },
            "lock": {
                "type": "object",
                "description": (
                    "One apply at a time: a DynamoDB table with a string partition key LockID (the layout of "
                    "Terraform's S3-backend lock table) where apply holds the stack's lock."
                ),
                "properties": {
                    "table": {
                        "type": "string",
                        "pattern": "^[a-zA-Z0-9_.-]{3,255}$",
                        "description": "Name of the DynamoDB lock table, in the stack's region.",
                    },
                },
                "required": ["table"],
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }
)


def check_sync_windows(doc: Document, windows: Any, diags: Diagnostics) -> None:
    """Each `syncWindows` entry's schedule, duration and timezone readable, or an error at its line."""
    for index, item in enumerate(windows if isinstance(windows, list) else ()):
        try:
            parse_window(item)
        except WindowError as exc:
            path: tuple[Any, ...] = ("spec", "syncWindows", index)
            diags.error(f"syncWindows[{index}]: {exc}", doc.pos((*path, exc.field) if exc.field else path))


def settings(doc: Document, diags: Diagnostics) -> Stack | None:
    """The stack's settings from its (schema-valid) document."""
    data = doc.data
    spec = data.get("spec") or {}
    check_tags(doc, spec.get("tags") or {}, ("spec", "tags"), diags)
    for index, prefix in enumerate(spec.get("ignoreTags") or ()):
        if str(prefix).lower().startswith("reconciler:") or "reconciler:".startswith(str(prefix).lower()):
            diags.error(f"ignoreTags {prefix!r} would hide the ownership tags (reconciler:...): ignore other "
                        "tools' tags only", doc.pos(("spec", "ignoreTags", index)))
    check_sync_windows(doc, spec.get("syncWindows") or (), diags)
    return Stack(name=data["name"], region=spec.get("region"), account_id=spec.get("accountId"),
                 tags={str(k): str(v) for k, v in (spec.get("tags") or {}).items()},
                 prune=bool(spec.get("prune", False)), doc=doc, lock_table=(spec.get("lock") or {}).get("table"),
                 ignore_tags=tuple(str(p) for p in spec.get("ignoreTags") or ()))


KIND = SpecKind(
    name="Stack",
    naming=NameRule(False, STACK_NAME_MAX, STACK_NAME, HYPHENATED),
    description="Stack-wide settings: region, account guard, tags, prune, lock, sync windows.",
    spec_schema=SPEC_SCHEMA,
    owns_resources=False,
    settings=settings,
)
