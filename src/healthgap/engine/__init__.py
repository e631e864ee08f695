"""The engine: record-level data to indicator values, on DuckDB or Spark through Ibis."""
