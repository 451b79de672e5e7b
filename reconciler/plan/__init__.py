"""The plan: what must change, as a pure value, and how it is decided."""
