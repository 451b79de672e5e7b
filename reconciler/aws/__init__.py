"""AWS access: read-only and read-write clients, call counting, error classification."""
