"""Readers for each external data format, normalised to the canonical value shape, with validation."""
