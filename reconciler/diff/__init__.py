"""Comparing states: field policies that normalize both sides, and path-addressed deltas."""
