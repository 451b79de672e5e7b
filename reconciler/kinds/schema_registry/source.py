"""Where a SchemaRegistry document's schema contents come from: inline YAML, or a file.

`prepare` runs after the document's schema and before its references and checks: each schema with a
`contentFile` (JSON or YAML, relative to the spec file) gets the file's document as its `content`,
remembering where it came from, so a problem inside the file is reported at the file's own line and
references inside it resolve like any other. Every schema ends up with its content in `content`.
"""

from __future__ import annotations

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.schema_registry.schema import CONTENT_KEYS
from reconciler.spec.documents import SpecDoc
from reconciler.spec.files import read_object_file


def content_path(index: int) -> tuple[str, str, int, str]:
    """Where schema `index`'s content sits in the document."""
    return ("spec", "schemas", index, "content")


def prepare(doc: SpecDoc, diags: Diagnostics, region: str | None) -> None:
    """Read every `contentFile` into its schema's `content` (problems go to `diags`)."""
    for index, schema in enumerate(doc.spec.get("schemas") or []):
        given = [key for key in CONTENT_KEYS if key in schema]
        if len(given) != 1:
            what = "needs its content" if not given else "has its content twice (content and contentFile)"
            diags.error(f"schema {schema.get('name')} {what}: give exactly one of content (inline YAML) or "
                        "contentFile", doc.doc.pos(("spec", "schemas", index, *given[-1:])))
            continue
        if given[0] == "contentFile":
            _from_file(doc, index, str(schema.pop("contentFile")), diags)


def _from_file(doc: SpecDoc, index: int, relative: str, diags: Diagnostics) -> None:
    found = read_object_file(doc, "contentFile", relative, "one schema",
                             doc.doc.pos(("spec", "schemas", index, "contentFile")), diags)
    if found is None:
        return
    # SpecDoc.graft walks mappings only; a schema sits in a list, so the graft is recorded here.
    doc.spec["schemas"][index]["content"] = found.data
    doc.grafts[content_path(index)] = (found, ())
