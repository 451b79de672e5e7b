"""Spec kinds as data: which kinds exist and the naming rules of what each creates.

Content-addressed kinds create AWS resources named `<name>-<hash>`, so their spec name
must leave room for the hash suffix within SageMaker's 63-character limit. Other kinds
name their AWS resource after the document, so the document name follows that
resource's naming rule.

Only names made of letters, digits, '.', '_' and '-', starting and ending with a letter or
digit, can be referenced (`${Kind.name.attr}`; see `fragments.REFERENCE_NAME_PATTERN`).
Every SageMaker name qualifies; an Alarm name with other characters is valid but cannot be
referenced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HASH_LEN = 8  # hex characters of the content hash in `<name>-<hash>`
SAGEMAKER_NAME_MAX = 63
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
STACK_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
STACK_NAME_MAX = 63
# CloudWatch alarm names: 1-255 characters without ASCII control characters; we also refuse
# leading and trailing whitespace (invisible in YAML, and easy to get wrong in the console).
ALARM_NAME = re.compile(r"^(?!\s)[^\x00-\x1f\x7f]+(?<!\s)\Z")
ALARM_NAME_MAX = 255
# CreateInferenceExperiment Name: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}
INFERENCE_EXPERIMENT_NAME_MAX = 120

ALPHANUMERIC_ENDS = "starting and ending with a letter or digit"


@dataclass(frozen=True)
class KindInfo:
    name: str
    content_addressed: bool  # creates `<name>-<hash>` resources
    name_max: int
    name_pattern: re.Pattern[str]
    name_rule: str  # human wording of the characters the pattern allows
    name_ends: str = ALPHANUMERIC_ENDS  # human wording of what the pattern requires at both ends

    @property
    def name_help(self) -> str:
        """The whole naming rule in words: ``letters, digits and hyphens, starting and ending with ...``."""
        return f"{self.name_rule}, {self.name_ends}"


_SUFFIX_ROOM = SAGEMAKER_NAME_MAX - HASH_LEN - 1

KINDS: dict[str, KindInfo] = {
    "Stack": KindInfo("Stack", False, STACK_NAME_MAX, STACK_NAME, "letters, digits and hyphens"),
    "Model": KindInfo("Model", True, _SUFFIX_ROOM, SAGEMAKER_NAME, "letters, digits and hyphens"),
    # An Endpoint's name is also the prefix of its content-addressed EndpointConfig names.
    "Endpoint": KindInfo("Endpoint", True, _SUFFIX_ROOM, SAGEMAKER_NAME, "letters, digits and hyphens"),
    # The alarm is named after the document (PutMetricAlarm replaces it in place).
    "Alarm": KindInfo(
        "Alarm",
        False,
        ALARM_NAME_MAX,
        ALARM_NAME,
        "any characters except control characters",
        "not starting or ending with whitespace",
    ),
    # The inference experiment (of type ShadowMode) is named after the document.
    "ShadowTest": KindInfo(
        "ShadowTest", False, INFERENCE_EXPERIMENT_NAME_MAX, SAGEMAKER_NAME, "letters, digits and hyphens"
    ),
}

RESOURCE_KINDS = tuple(k for k in KINDS if k != "Stack")
