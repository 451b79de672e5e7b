"""Naming rules of spec documents: what a document name may be, given what it names in AWS.

Content-addressed kinds create AWS resources named `<name>-<hash>`, so their document name
must leave room for the hash suffix within SageMaker's 63-character limit. Other kinds
name their AWS resource after the document, so the document name follows that resource's
naming rule. Each kind declares its `NameRule`; the patterns shared by several kinds live here.

Only names made of letters, digits, '.', '_' and '-', starting and ending with a letter or
digit, can be referenced (`${Kind.name.attr}`; see `fragments.REFERENCE_NAME_PATTERN`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HASH_LEN = 8  # hex characters of the content hash in `<name>-<hash>`
SAGEMAKER_NAME_MAX = 63
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
SUFFIX_ROOM = SAGEMAKER_NAME_MAX - HASH_LEN - 1  # a content-addressed name's room before `-<hash>`

ALPHANUMERIC_ENDS = "starting and ending with a letter or digit"
HYPHENATED = "letters, digits and hyphens"


@dataclass(frozen=True)
class NameRule:
    """How a kind's document may be named."""

    content_addressed: bool  # creates `<name>-<hash>` resources
    name_max: int
    name_pattern: re.Pattern[str]
    name_rule: str  # human wording of the characters the pattern allows
    name_ends: str = ALPHANUMERIC_ENDS  # human wording of what the pattern requires at both ends
    name_max_why: str = ""  # why `name_max` is what it is, when the generic wording does not say it

    @property
    def name_help(self) -> str:
        """The whole naming rule in words: ``letters, digits and hyphens, starting and ending with ...``."""
        return f"{self.name_rule}, {self.name_ends}"


SAGEMAKER_CONTENT_ADDRESSED = NameRule(True, SUFFIX_ROOM, SAGEMAKER_NAME, HYPHENATED)


def sagemaker_named(name_max: int = SAGEMAKER_NAME_MAX) -> NameRule:
    """A kind whose AWS resource is named after the document with SageMaker's name pattern."""
    return NameRule(False, name_max, SAGEMAKER_NAME, HYPHENATED)
