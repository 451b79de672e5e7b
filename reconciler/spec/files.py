"""Files a spec document names (a pipeline's `definitionFile`, a schema's `contentFile`): one JSON or YAML
object, read relative to the spec file, every problem reported at the file's own line (a JSON file's
as JSON's, not YAML's) or, for a missing file, at the member naming it."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.diagnostics import Diagnostics, Position
from reconciler.spec.documents import SpecDoc
from reconciler.spec.loader import Document, load_file


def read_object_file(doc: SpecDoc, member: str, relative: str, holds: str, where: Position | None,
                     diags: Diagnostics) -> Document | None:
    """The one JSON object in the file `relative` to `doc`'s spec file, as a positioned document; None (with
    the problem in `diags`) when it is missing, unreadable, invalid or not one object. `member` names it
    (`definitionFile`), `holds` what it must hold (`one pipeline definition`)."""
    path = Path(doc.doc.file).parent / relative
    if not path.is_file():
        diags.error(f"{member} {relative}: no such file ({path})", where)
        return None
    if path.suffix.lower() == ".json":  # YAML would accept it, but a JSON file's problems are JSON's
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            diags.error(f"{member} {relative}: cannot read it: {exc}", where)
            return None
        except json.JSONDecodeError as exc:
            diags.error(f"invalid JSON: {exc.msg}", Position(str(path), exc.lineno, exc.colno))
            return None
    found = Diagnostics()
    documents: list[Document] = load_file(path, str(path), found)
    diags.extend(found)
    if found.has_errors:
        return None
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        diags.error(f"{member} {relative} must hold {holds} (a JSON object)", where)
        return None
    return documents[0]
