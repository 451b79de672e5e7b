"""Specs: loading YAML with positions, schema and semantic validation, expansion into resources."""
