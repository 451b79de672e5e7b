"""The `Environment` kind: one of the independent stacks the same documents make (`--env NAME`); owns no AWS
resources.

Chosen with `--env NAME`, an environment makes the stack `<stack>-<NAME>` (its own ownership tags and
lock), puts its `namePrefix` before every AWS name the stack creates, gives `${var.X}` its variables
(over the Stack's), and may set the region, the account guard and more tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.stack import ACCOUNT_ID_PATTERN, REGION_PATTERN, VARIABLES_SCHEMA
from reconciler.spec.documents import Environment
from reconciler.spec.fragments import TAG_MAP_DEF
from reconciler.spec.kind import SpecKind
from reconciler.spec.loader import Document
from reconciler.spec.naming import HYPHENATED, NameRule
from reconciler.spec.validate import check_tags

ENVIRONMENT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
ENVIRONMENT_NAME_MAX = 20
NAME_PREFIX_MAX = 20

SPEC_SCHEMA: Mapping[str, Any] = MappingProxyType(
    {
        "type": "object",
        "description": "An environment of the stack (`--env NAME`): the stack STACK-NAME, with its own names "
                       "and variables.",
        "properties": {
            "namePrefix": {
                "type": "string",
                "description": "Put before every AWS name the stack creates (stg- makes Endpoint/churn stg-churn).",
                "pattern": "^[a-zA-Z0-9][a-zA-Z0-9-]*$",
                "maxLength": NAME_PREFIX_MAX,
            },
            "variables": {**VARIABLES_SCHEMA, "description": "Values of ${var.NAME} (over the Stack's variables)."},
            "region": {"type": "string", "description": "AWS region of this environment (over the Stack's).",
                       "pattern": REGION_PATTERN},
            "accountId": {"type": "string", "description": "Guard: the account of this environment (12 digits).",
                          "pattern": ACCOUNT_ID_PATTERN},
            "tags": {"$ref": f"#/$defs/{TAG_MAP_DEF}",
                     "description": "Tags for every resource of this environment (over the Stack's)."},
        },
        "additionalProperties": False,
    }
)


def environment(doc: Document, diags: Diagnostics) -> Environment | None:
    """The environment of a (schema-valid) document."""
    data = doc.data
    spec = data.get("spec") or {}
    check_tags(doc, spec.get("tags") or {}, ("spec", "tags"), diags)
    return Environment(name=data["name"], name_prefix=str(spec.get("namePrefix") or ""),
                       variables=dict(spec.get("variables") or {}), region=spec.get("region"),
                       account_id=spec.get("accountId"),
                       tags={str(k): str(v) for k, v in (spec.get("tags") or {}).items()}, doc=doc)


KIND = SpecKind(
    name="Environment",
    naming=NameRule(False, ENVIRONMENT_NAME_MAX, ENVIRONMENT_NAME, HYPHENATED),
    description="An environment of the stack, chosen with --env: name prefix, variables, region, account, tags.",
    spec_schema=SPEC_SCHEMA,
    owns_resources=False,
    environment=environment,
)
