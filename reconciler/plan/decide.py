"""The one decision: what to do with a desired resource, from a handler's assessment.

Precedence, first match wins:

1. absent -> create (a replace when it supersedes an older version of a content-addressed
   resource: create the new one, move dependants, delete the old one);
2. failed, or a difference at a path that forces a replace -> replace;
3. held by another resource (an active shadow test) -> an update without steps when git changed
   since the last apply (shown as held until the holder ends), else nothing;
4. any other difference, or work due even when equal (ownership tags, a re-registration)
   -> update;
5. otherwise nothing.

The reason shown with a change is for display only; it never decides.
"""

from __future__ import annotations

from reconciler.changes import Action
from reconciler.handlers.base import Assessment


def decide(assessment: Assessment, *, exists: bool, supersedes: str | None = None) -> Action | None:
    """The action for one desired resource; None when nothing is to be done."""
    if not exists:
        return Action.replace if supersedes else Action.create
    delta = assessment.delta
    if assessment.failed or any(delta.different_at(path) for path in assessment.replace_paths):
        return Action.replace
    if assessment.held_by:
        return Action.update if assessment.pending else None
    if delta or assessment.pending:
        return Action.update
    return None
