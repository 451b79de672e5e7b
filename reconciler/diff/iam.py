"""IAM policy documents in one canonical form, so a policy read back from AWS compares equal to the one in git.

AWS returns resource policies rewritten: statements in another order, a one-element list as a
string (or the reverse), an account id principal as `arn:aws:iam::<id>:root`, keys in any order,
whitespace anywhere. `canonical_policy` undoes all of that:

- the document is parsed when it is JSON text; `Statement` is always a list, sorted (by `Sid`,
  then content);
- in each statement, `Action`, `NotAction`, `Resource` and `NotResource` are sorted lists without
  duplicates; `Principal`/`NotPrincipal` is `"*"` or a map of sorted lists, with a 12-digit
  account id written as its root ARN (`{"AWS": "*"}` stays distinct from `"*"`, as IAM keeps it);
- `Condition` values are sorted lists;
- keys are sorted when the result is serialized (`policy_text`).

Anything that is not a policy document (unparseable text, a non-object) is returned as given,
so it still compares (and shows) as itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

ACCOUNT_ID = re.compile(r"^\d{12}$")
LISTS = ("Action", "NotAction", "Resource", "NotResource")
PRINCIPALS = ("Principal", "NotPrincipal")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _sorted_unique(values: list[Any]) -> list[Any]:
    seen = {json.dumps(v, sort_keys=True): v for v in values}
    return [seen[k] for k in sorted(seen)]


def _principal(value: Any) -> Any:
    if not isinstance(value, dict):
        return value  # "*"
    out: dict[str, Any] = {}
    for kind, members in value.items():
        items = [f"arn:aws:iam::{m}:root" if kind == "AWS" and isinstance(m, str) and ACCOUNT_ID.match(m) else m
                 for m in _as_list(members)]
        out[kind] = _sorted_unique(items)
    return out


def _statement(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in LISTS:
            out[key] = _sorted_unique(_as_list(value))
        elif key in PRINCIPALS:
            out[key] = _principal(value)
        elif key == "Condition" and isinstance(value, dict):
            out[key] = {op: {k: _sorted_unique(_as_list(v)) for k, v in body.items()} if isinstance(body, dict)
                        else body for op, body in value.items()}
        else:
            out[key] = value
    return out


def canonical_policy(value: Any) -> Any:
    """`value` (a policy document or its JSON text) in canonical form; other values as given."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if not isinstance(value, dict):
        return value
    out = dict(value)
    if "Statement" in out:
        statements = [_statement(s) for s in _as_list(out["Statement"])]
        out["Statement"] = sorted(statements, key=lambda s: (str(s.get("Sid", "")) if isinstance(s, dict) else "",
                                                             json.dumps(s, sort_keys=True)))
    return json.loads(json.dumps(out, sort_keys=True))


def policy_text(value: Any) -> str:
    """The canonical policy as compact JSON with sorted keys (what is sent, and hashed)."""
    return json.dumps(canonical_policy(value), sort_keys=True, separators=(",", ":"))
