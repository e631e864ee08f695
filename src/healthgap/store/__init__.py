"""The DuckDB store: schema and migrations, releases, atomic loads, as-published reads."""
