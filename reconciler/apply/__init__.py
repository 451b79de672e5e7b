"""Apply: run a plan's steps in order, refusing stale plans and following long operations."""
