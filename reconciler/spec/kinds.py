"""Spec kinds as data: which kinds exist and the naming rules of what each creates.

Content-addressed kinds create AWS resources named `<name>-<hash>`, so their spec name
must leave room for the hash suffix within SageMaker's 63-character limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HASH_LEN = 8  # hex characters of the content hash in `<name>-<hash>`
SAGEMAKER_NAME_MAX = 63
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
STACK_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
STACK_NAME_MAX = 63


@dataclass(frozen=True)
class KindInfo:
    name: str
    content_addressed: bool  # creates `<name>-<hash>` resources
    name_max: int
    name_pattern: re.Pattern[str]
    name_rule: str  # human wording of the pattern


_SUFFIX_ROOM = SAGEMAKER_NAME_MAX - HASH_LEN - 1

KINDS: dict[str, KindInfo] = {
    "Stack": KindInfo("Stack", False, STACK_NAME_MAX, STACK_NAME, "letters, digits and hyphens"),
    "Model": KindInfo("Model", True, _SUFFIX_ROOM, SAGEMAKER_NAME, "letters, digits and hyphens"),
    # An Endpoint's name is also the prefix of its content-addressed EndpointConfig names.
    "Endpoint": KindInfo("Endpoint", True, _SUFFIX_ROOM, SAGEMAKER_NAME, "letters, digits and hyphens"),
}

RESOURCE_KINDS = tuple(k for k in KINDS if k != "Stack")
