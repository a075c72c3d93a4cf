"""Core: the types that pass between stages, errors, text helpers, settings, input checks."""
