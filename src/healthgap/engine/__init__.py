"""The engine: record-level data to indicator values, on DuckDB or Spark through Ibis."""

from healthgap.engine.records import (
    ADMISSIONS,
    DEATHS,
    POPULATION,
    RECORD_SCHEMAS,
    REGISTERS,
    RecordField,
    RecordSchema,
    ValidationReport,
    Violation,
    check_records,
    known_lsoa_codes,
    validate_records,
)
from healthgap.engine.synth import (
    SYNTH_TABLES,
    SynthPlan,
    SynthSummary,
    generate_synthetic_london,
    plan_synthetic_london,
)

__all__ = [
    "ADMISSIONS",
    "DEATHS",
    "POPULATION",
    "RECORD_SCHEMAS",
    "REGISTERS",
    "SYNTH_TABLES",
    "RecordField",
    "RecordSchema",
    "SynthPlan",
    "SynthSummary",
    "ValidationReport",
    "Violation",
    "check_records",
    "generate_synthetic_london",
    "known_lsoa_codes",
    "plan_synthetic_london",
    "validate_records",
]
