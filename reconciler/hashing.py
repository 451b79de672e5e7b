"""Canonical JSON and content hashes: the identity of desired and live states.

Content-addressed names (`<name>-<hash>`), the `reconciler:hash` ownership tag and plan
fingerprints all hash the canonical JSON (sorted keys, no whitespace) of a value.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler.frozen import thaw


def canonical_json(value: Any) -> str:
    return json.dumps(thaw(value), sort_keys=True, separators=(",", ":"), default=str)


def content_hash(value: Any, length: int = 16) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:length]
