"""Readers for each external data format, normalised to canonical values, validated."""
