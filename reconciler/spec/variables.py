"""Variables in spec documents: `${var.NAME}` and `${env.name}` / `${env.namePrefix}` inside any string.

A stack's variables are the Stack document's `variables` (defaults), overlaid with those of the
Environment chosen with `--env`. A string that is exactly one `${var.NAME}` takes the variable's
value with its type (a number stays a number, a list a list); inside a longer string a variable
must be a string, number or boolean and is written as text. `${env.name}` is the chosen
environment's name and `${env.namePrefix}` its prefix (for names a document cannot reference,
such as the endpoint an alarm's dimension watches while the endpoint's rollback watches the alarm).

Substitution happens on the loaded YAML, before schema validation, so a variable's value is
validated where it is used. Every problem (an undefined variable, an `${env...}` without an
environment, a list inside a longer string) is a diagnostic at the string's line; the string is
left as written so nothing else reports it again. Nothing here knows about kinds or AWS.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.spec.loader import Document

PLACEHOLDER = re.compile(r"(?<!\$)\$\{(var|env)\.([^}]*)\}")  # `$${var.x}` is the literal text ${var.x}
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENV_ATTRS = ("name", "namePrefix")


def is_variable_text(text: str) -> bool:
    """Whether a `${...}` text is a variable (reported here, not as a malformed reference)."""
    return text.startswith(("${var.", "${env."))


class Scope:
    """The values `${var.X}` and `${env.X}` take in one load of a stack."""

    def __init__(self, variables: Mapping[str, Any], env_name: str | None, name_prefix: str = "",
                 environments: tuple[str, ...] = ()) -> None:
        self.variables = dict(variables)
        self.env_name = env_name
        self.name_prefix = name_prefix
        self.environments = environments

    def value(self, space: str, name: str) -> tuple[bool, Any, str]:
        """(found, value, why not)."""
        if space == "env":
            if name not in ENV_ATTRS:
                close = difflib.get_close_matches(name, ENV_ATTRS, n=1)
                hint = f" (did you mean 'env.{close[0]}'?)" if close else ""
                return False, None, f"'${{env.{name}}}' is not known{hint}: use ${{env.name}} or ${{env.namePrefix}}"
            if self.env_name is None:
                return False, None, (f"'${{env.{name}}}' needs an environment: add `kind: Environment` documents "
                                     "and choose one with --env")
            return True, (self.env_name if name == "name" else self.name_prefix), ""
        if not VARIABLE_NAME.match(name):
            return False, None, (f"'${{var.{name}}}' is not a variable name (letters, digits and '_', not "
                                 "starting with a digit)")
        if name in self.variables:
            return True, self.variables[name], ""
        close = difflib.get_close_matches(name, list(self.variables), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        if self.env_name is not None:
            where = f"the Stack's variables or Environment {self.env_name!r}"
        elif self.environments:
            where = "the Stack's variables"
        else:
            where = "the Stack's variables (spec.variables)"
        return False, None, f"undefined variable '{name}'{hint}: define it in {where}"


def substitute(doc: Document, scope: Scope, diags: Diagnostics,
               skip: tuple[tuple[Any, ...], ...] = ()) -> None:
    """Replace the variables in every string of `doc.data` (in place), except under the `skip` paths."""
    doc.data = _walk(doc.data, (), doc, scope, diags, skip)


def _walk(value: Any, path: tuple[Any, ...], doc: Document, scope: Scope, diags: Diagnostics,
          skip: tuple[tuple[Any, ...], ...]) -> Any:
    if path in skip:
        return value
    if isinstance(value, str):
        return _string(value, path, doc, scope, diags) if "${" in value else value
    if isinstance(value, dict):
        return {k: _walk(v, (*path, k), doc, scope, diags, skip) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, (*path, i), doc, scope, diags, skip) for i, v in enumerate(value)]
    return value


def _string(text: str, path: tuple[Any, ...], doc: Document, scope: Scope, diags: Diagnostics) -> Any:
    whole = PLACEHOLDER.fullmatch(text)
    if whole:
        found, value, why = scope.value(whole.group(1), whole.group(2))
        if not found:
            diags.error(why, doc.pos(path))
            return text
        return value
    failed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal failed
        found, value, why = scope.value(match.group(1), match.group(2))
        if not found:
            diags.error(why, doc.pos(path))
            failed = True
            return match.group(0)
        if isinstance(value, (dict, list)) or value is None:
            what = "null" if value is None else "a list" if isinstance(value, list) else "a mapping"
            diags.error(f"'{match.group(0)}' is {what}: inside a "
                        "longer string a variable must be a string, number or boolean (use it as the whole value "
                        "to keep its type)", doc.pos(path))
            failed = True
            return match.group(0)
        return json.dumps(value) if isinstance(value, bool) else str(value)

    out = PLACEHOLDER.sub(replace, text)
    return text if failed else out
