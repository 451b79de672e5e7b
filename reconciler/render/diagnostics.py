"""`validate --format json|github|sarif`: the diagnostics of a stack for editors and CI annotations.

- `json`: `{"valid", "stack", "documents", "diagnostics": [{severity, message, file, line, column}]}`;
- `github`: GitHub Actions workflow commands (`::error file=...,line=...,col=...::message`), which
  annotate the pull request's files;
- `sarif`: SARIF 2.1.0, for code-scanning uploads and editors (one run, tool `reconciler`).

Pure: diagnostics in, text out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from reconciler.diagnostics import Diagnostic

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _fields(d: Diagnostic) -> dict[str, Any]:
    p = d.position
    return {"severity": d.severity.value, "message": d.message, "file": p.file if p else None,
            "line": p.line if p else None, "column": p.col if p else None}


def render_json(diagnostics: Iterable[Diagnostic], stack: str | None, documents: int) -> str:
    items = [_fields(d) for d in diagnostics]
    valid = not any(i["severity"] == "error" for i in items)
    return json.dumps({"valid": valid, "stack": stack, "documents": documents, "diagnostics": items}, indent=2)


def _escape(text: str, *, property_value: bool = False) -> str:
    """GitHub's workflow-command escaping (of a message, or of a property value)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        command = "error" if d.severity.value == "error" else "warning"
        p = d.position
        where = (f" file={_escape(p.file, property_value=True)},line={p.line},col={p.col}" if p else "")
        lines.append(f"::{command}{where}::{_escape(d.message)}")
    return "\n".join(lines)


def _uri(file: str) -> str:
    """A relative path as a relative URI reference (what code scanning resolves against the checkout), an
    absolute one as a file URI."""
    path = PurePath(file)
    return path.as_uri() if path.is_absolute() else path.as_posix()


def render_sarif(diagnostics: Iterable[Diagnostic], version: str) -> str:
    results = []
    for d in diagnostics:
        result: dict[str, Any] = {"ruleId": "reconciler/spec", "level": "error" if d.severity.value == "error"
                                  else "warning", "message": {"text": d.message}}
        if d.position:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(d.position.file)},
                "region": {"startLine": d.position.line, "startColumn": d.position.col}}}]
        results.append(result)
    return json.dumps({
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "reconciler", "version": version,
                                      "rules": [{"id": "reconciler/spec",
                                                 "shortDescription": {"text": "A spec problem found before any "
                                                                               "AWS call"}}]}},
                  "results": results}],
    }, indent=2)
