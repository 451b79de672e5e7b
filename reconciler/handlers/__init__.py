"""Resource handlers: one small module per AWS resource type, found through the registry."""
