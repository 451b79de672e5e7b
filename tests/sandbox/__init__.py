"""Sandbox-fidelity tests: the local AWS emulation behaves like AWS where the engine depends on it."""
