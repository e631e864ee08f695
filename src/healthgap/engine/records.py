"""Record-level inputs of the engine: declared schemas and their validation.

Four tables — ``deaths``, ``admissions``, ``registers`` and ``population`` — are declared as
data (:class:`RecordField`: name, type, nullable, allowed values or range, help). Validation
reads CSV or Parquet (a file or a directory of part files) or takes an Ibis table, and runs
every rule as one vectorised query through Ibis — on DuckDB by default, or on the engine's
own backend (DuckDB or Spark, ``con``): each rule reports its first offending row and how
many rows break it. Only those aggregates and the offending rows leave the backend; nothing
is loaded into Python row by row. Repeated keys: a group-by on the key's 64-bit hash (DuckDB's
``hash``, Spark's ``xxhash64``) first shows the usual case (no two rows share a hash, so no
key repeats) cheaply; only when a hash repeats does the exact search (group-by on the key,
joined back) name the rows.

Row numbers: for CSV, the line in the file (the header is line 1); for Parquet, the 1-based
row within the part file named; for an Ibis table, the 1-based position in the table's scan.
On Spark, a directory of Parquet files is read in one scan, each row placed by Spark's
``_metadata.file_path`` and ``_metadata.row_index``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

import ibis
import ibis.expr.datatypes as idt
import ibis.expr.types as ir
import pandas as pd

from healthgap.config import package_data_dir
from healthgap.errors import SourceValidationError

__all__ = [
    "ADMISSIONS",
    "DEATHS",
    "ETHNIC_GROUPS",
    "POPULATION",
    "POPULATION_ETHNIC_GROUPS",
    "RECORD_SCHEMAS",
    "REGISTERS",
    "RecordField",
    "RecordSchema",
    "RecordValidationError",
    "ValidationReport",
    "Violation",
    "check_records",
    "known_lsoa_codes",
    "validate_inputs",
    "validate_records",
]

FieldType = Literal["VARCHAR", "DATE", "BIGINT", "BOOLEAN"]
LsoaVintage = Literal["lsoa11", "lsoa21"]

#: ONS 2021 high-level ethnic groups, plus 'unknown' for not recorded.
ETHNIC_GROUPS: tuple[str, ...] = ("asian", "black", "mixed", "white", "other", "unknown")
#: Groups of a population denominator: no 'unknown' (ONS estimates assign everyone a group;
#: events of unknown ethnicity are left out of ethnic-specific rates).
POPULATION_ETHNIC_GROUPS: tuple[str, ...] = ETHNIC_GROUPS[:-1]
SEXES: tuple[str, ...] = ("male", "female")
#: ICD-10: a letter, two digits, then optionally a dot and one or two characters ('C34.1', 'C341').
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,2})?$"
_INTEGER_PATTERN = r"^\s*[+-]?[0-9]+\s*$"
_BOOLEAN_STRINGS = ("true", "false", "TRUE", "FALSE", "True", "False", "1", "0")


@dataclass(frozen=True)
class RecordField:
    """One declared column of a record table and the rules its values must meet."""

    name: str
    type: FieldType
    nullable: bool
    help: str
    allowed: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    pattern_help: str = ""
    lsoa: bool = False
    #: The column may be absent; when present, its values are checked like any other.
    optional: bool = False


@dataclass(frozen=True)
class RecordSchema:
    """A record table: its fields, its unique key, and date pairs that must be in order."""

    name: str
    help: str
    fields: tuple[RecordField, ...]
    key: tuple[str, ...] = ()
    #: (earlier, later): ``later`` must not be before ``earlier``.
    ordered_dates: tuple[tuple[str, str], ...] = ()

    def field(self, name: str) -> RecordField:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the declared fields, in order."""
        return tuple(f.name for f in self.fields)

    @property
    def required_names(self) -> tuple[str, ...]:
        """Names of the fields every file must have."""
        return tuple(f.name for f in self.fields if not f.optional)


def _lsoa() -> RecordField:
    return RecordField(
        "lsoa_code", "VARCHAR", False, "LSOA of residence (2011 or 2021, as declared)", lsoa=True
    )


def _age(help_: str = "age in completed years") -> RecordField:
    return RecordField("age", "BIGINT", False, help_, minimum=0, maximum=120)


def _sex() -> RecordField:
    return RecordField("sex", "VARCHAR", False, "male | female", allowed=SEXES)


def _ethnic() -> RecordField:
    return RecordField(
        "ethnic_group",
        "VARCHAR",
        False,
        "ONS 2021 high-level group: " + " | ".join(ETHNIC_GROUPS),
        allowed=ETHNIC_GROUPS,
    )


def _icd10(name: str, help_: str, *, nullable: bool = False) -> RecordField:
    return RecordField(
        name,
        "VARCHAR",
        nullable,
        help_,
        pattern=ICD10_PATTERN,
        pattern_help="an ICD-10 code such as 'C34.1' or 'C341'",
    )


DEATHS = RecordSchema(
    "deaths",
    "One row per registered death.",
    (
        RecordField("record_id", "VARCHAR", False, "unique identifier of the death record"),
        _lsoa(),
        RecordField("date_of_death", "DATE", False, "date of death"),
        RecordField("date_of_registration", "DATE", False, "date the death was registered"),
        _age("age at death in completed years"),
        _sex(),
        _ethnic(),
        _icd10("underlying_cause", "underlying cause of death (ICD-10)"),
    ),
    key=("record_id",),
    ordered_dates=(("date_of_death", "date_of_registration"),),
)

ADMISSIONS = RecordSchema(
    "admissions",
    "One row per hospital admission (episode or spell).",
    (
        RecordField("record_id", "VARCHAR", False, "unique identifier of the episode/spell"),
        RecordField("person_id", "VARCHAR", False, "pseudonymised person identifier"),
        _lsoa(),
        RecordField("admission_date", "DATE", False, "date of admission"),
        RecordField("discharge_date", "DATE", False, "date of discharge"),
        _age("age on admission in completed years"),
        _sex(),
        _ethnic(),
        _icd10("primary_diagnosis", "primary diagnosis (ICD-10)"),
        RecordField(
            "admission_method",
            "VARCHAR",
            False,
            "emergency | elective | other",
            allowed=("emergency", "elective", "other"),
        ),
        _icd10("external_cause", "external cause (ICD-10 V01–Y98), if any", nullable=True),
    ),
    key=("record_id",),
    ordered_dates=(("admission_date", "discharge_date"),),
)

REGISTERS = RecordSchema(
    "registers",
    "Person-level prevalence flags: one row per person × condition.",
    (
        RecordField("person_id", "VARCHAR", False, "pseudonymised person identifier"),
        _lsoa(),
        _age(),
        _sex(),
        _ethnic(),
        RecordField(
            "condition",
            "VARCHAR",
            False,
            "register condition, e.g. smoker, obese, dementia, depression, hypertension",
            pattern=r"^[a-z][a-z0-9_]*$",
            pattern_help="a lower-case condition name such as 'smoker'",
        ),
        RecordField("flag", "BOOLEAN", False, "the person has the condition"),
        RecordField("as_of", "DATE", False, "date the flag refers to"),
    ),
    key=("person_id", "condition", "as_of"),
)

POPULATION = RecordSchema(
    "population",
    "Population denominators: one row per LSOA × year × sex × single year of age.",
    (
        _lsoa(),
        RecordField(
            "year", "BIGINT", False, "mid-year of the estimate", minimum=1900, maximum=2100
        ),
        _sex(),
        RecordField("age", "BIGINT", False, "single year of age; 90 = 90+", minimum=0, maximum=90),
        RecordField(
            "ethnic_group",
            "VARCHAR",
            False,
            "optional; ONS 2021 high-level group: " + " | ".join(POPULATION_ETHNIC_GROUPS),
            allowed=POPULATION_ETHNIC_GROUPS,
            optional=True,
        ),
        RecordField("population", "BIGINT", False, "people", minimum=0, maximum=10_000_000),
    ),
    key=("lsoa_code", "year", "sex", "age", "ethnic_group"),
)

RECORD_SCHEMAS: dict[str, RecordSchema] = {
    s.name: s for s in (DEATHS, ADMISSIONS, REGISTERS, POPULATION)
}


def known_lsoa_codes(vintage: LsoaVintage) -> frozenset[str]:
    """London LSOA codes of a vintage (4,835 for 2011, 4,994 for 2021), from the bundled
    ONS best-fit lookup ``lookups/lsoa11_lsoa21_ltla22_london.csv``."""
    return _known_lsoa_codes(vintage)


@lru_cache(maxsize=2)
def _known_lsoa_codes(vintage: str) -> frozenset[str]:
    columns = {"lsoa11": "lsoa11_code", "lsoa21": "lsoa21_code"}
    if vintage not in columns:
        raise SourceValidationError(
            "must be 'lsoa11' or 'lsoa21'", key="lsoa_vintage", value=vintage
        )
    path = package_data_dir() / "lookups" / "lsoa11_lsoa21_ltla22_london.csv"
    col = columns[vintage]
    return frozenset(pd.read_csv(path, usecols=[col])[col].astype(str))


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Violation:
    """A broken rule: the first offending row, its value, and how many rows break the rule."""

    rule: str
    column: str | None
    file: str
    row: int | None
    value: object
    count: int

    def to_error(self) -> SourceValidationError:
        """This violation as the error validation raises."""
        rule = self.rule if self.count <= 1 else f"{self.rule} ({self.count:,} rows)"
        return SourceValidationError(
            rule, file=self.file, row=self.row, column=self.column, value=self.value
        )


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of checking a record source against a schema."""

    schema: str
    files: tuple[str, ...]
    rows: int
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        """No rule is broken."""
        return not self.violations


# ---------------------------------------------------------------- reading

_ORDER_STRIDE = 1 << 40  # order key = file index × stride + row


def _source_files(path: Path) -> tuple[list[Path], str]:
    if path.is_dir():
        parquet = sorted(path.rglob("*.parquet"))
        csv = sorted(path.rglob("*.csv"))
        if parquet and csv:
            raise SourceValidationError("holds both .parquet and .csv files", file=str(path))
        files = parquet or csv
        if not files:
            raise SourceValidationError("holds no .parquet or .csv files", file=str(path))
        return files, "parquet" if parquet else "csv"
    if not path.exists():
        raise SourceValidationError("file does not exist", file=str(path))
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise SourceValidationError("must be a .parquet or .csv file", file=str(path))
    return [path], suffix.lstrip(".")


def _is_compatible(dtype: Any, want: FieldType) -> bool:
    if want == "VARCHAR":
        return bool(dtype.is_string())
    if want == "BIGINT":
        return bool(dtype.is_integer())
    if want == "DATE":
        return bool(dtype.is_date() or dtype.is_timestamp())
    return bool(dtype.is_boolean())


_IBIS_TYPE = {"VARCHAR": "string", "DATE": "date", "BIGINT": "int64", "BOOLEAN": "boolean"}


@dataclass
class _Input:
    """One table to check: a file, or (Spark) several files read in one scan.

    ``row`` is the 1-based row within its file; ``file_no`` indexes ``labels`` (None: the
    table is one file, ``labels[0]``). ``label`` names the input in column-level reports.
    """

    label: str
    table: ir.Table
    row: ir.IntegerValue
    labels: tuple[str, ...]
    file_no: ir.IntegerValue | None = None


@dataclass
class _Prepared:
    """Per-input tables normalised to the declared columns, plus column-level violations.
    ``fields`` are the fields checked: the required ones, and the optional ones that the
    source has (then every file must have them). ``labels[i]`` names file number ``i``."""

    tables: list[ir.Table]
    labels: list[str]
    violations: list[Violation]
    fields: tuple[RecordField, ...]


def _prepare(inputs: Sequence[_Input], schema: RecordSchema) -> _Prepared:
    used = tuple(
        f for f in schema.fields if not f.optional or any(f.name in i.table.columns for i in inputs)
    )
    out = _Prepared([], [], [], used)
    for item in inputs:
        label, table, row = item.label, item.table, item.row
        present = set(table.columns)
        missing = [f for f in used if f.name not in present]
        if missing:
            out.violations.extend(
                Violation(
                    "missing column (other files of this table have it)"
                    if f.optional
                    else "missing required column",
                    f.name,
                    label,
                    None,
                    None,
                    0,
                )
                for f in missing
            )
            continue
        cols: dict[str, ir.Value] = {}
        bad_type = False
        for f in used:
            raw = table[f.name]
            dtype = raw.type()
            if dtype.is_string() or dtype.is_null():
                cols[f"raw__{f.name}"] = raw.cast("string")
            elif _is_compatible(dtype, f.type):
                cols[f"raw__{f.name}"] = raw.cast(_IBIS_TYPE[f.type])
            else:
                bad_type = True
                out.violations.append(
                    Violation(
                        f"must be of type {f.type}, found {dtype}", f.name, label, None, None, 0
                    )
                )
        if bad_type:
            continue
        first = ibis.literal(len(out.labels), "int64")
        file_no = first if item.file_no is None else first + item.file_no
        cols["order__"] = file_no * _ORDER_STRIDE + row
        cols["row__"] = row
        out.tables.append(table.select(**cols))
        out.labels.extend(item.labels)
    return out


def _typed(t: ir.Table, f: RecordField) -> tuple[ir.Value, ir.BooleanValue | None]:
    """The field cast to its declared type, and the predicate 'value does not parse'."""
    raw = t[f"raw__{f.name}"]
    if not raw.type().is_string() or f.type == "VARCHAR":
        return raw, None
    if f.type == "BIGINT":
        ok = raw.re_search(_INTEGER_PATTERN)
        typed = ok.ifelse(raw.strip().try_cast("int64"), ibis.null("int64"))
    elif f.type == "BOOLEAN":
        ok = raw.strip().isin(_BOOLEAN_STRINGS)
        typed = ok.ifelse(raw.strip().try_cast("boolean"), ibis.null("boolean"))
    else:
        typed = raw.strip().try_cast("date")
    return typed, raw.notnull() & typed.isnull()


def _rules(
    t: ir.Table,
    schema: RecordSchema,
    *,
    fields: tuple[RecordField, ...],
    lsoa_rule: str,
    earliest: dt.date,
    today: dt.date,
) -> list[tuple[str, str | None, ir.BooleanValue]]:
    rules: list[tuple[str, str | None, ir.BooleanValue]] = []
    typed: dict[str, ir.Value] = {}
    for f in fields:
        raw = t[f"raw__{f.name}"]
        value, unparsable = _typed(t, f)
        typed[f.name] = value
        if not f.nullable:
            rules.append(("must not be empty", f.name, raw.isnull()))
        if unparsable is not None:
            kind = {"BIGINT": "an integer", "DATE": "a date (YYYY-MM-DD)", "BOOLEAN": "true/false"}
            rules.append((f"must be {kind[f.type]}", f.name, unparsable))
        if f.allowed:
            rules.append(
                (f"must be one of: {', '.join(f.allowed)}", f.name, ~value.isin(f.allowed))
            )
        if f.minimum is not None and f.maximum is not None:
            rules.append(
                (
                    f"must be between {f.minimum} and {f.maximum}",
                    f.name,
                    (value < f.minimum) | (value > f.maximum),
                )
            )
        if f.pattern is not None:
            rules.append((f"must be {f.pattern_help}", f.name, ~value.re_search(f.pattern)))
        if f.type == "DATE":
            rules.append(
                (
                    f"must be a date from {earliest.isoformat()} to {today.isoformat()} "
                    "(not in the future)",
                    f.name,
                    (value < earliest) | (value > today),
                )
            )
        if f.lsoa:
            rules.append((lsoa_rule, f.name, t["known__"].isnull() & raw.notnull()))
    for earlier, later in schema.ordered_dates:
        rules.append((f"must not be before {earlier}", later, typed[later] < typed[earlier]))
    return rules


def _duplicate_rule(key: tuple[str, ...]) -> tuple[str, str | None, Any]:
    rule = f"repeats the key ({', '.join(key)}) of an earlier row"
    return rule, key[0], None


def _hash(value: object) -> Any:
    """DuckDB's own 64-bit ``hash`` (Ibis's ``.hash()`` adds two casts through BIT). A
    declaration only: Ibis compiles the call to DuckDB's builtin, and Python never runs it."""


def _xxhash64(value: object) -> Any:
    """Spark SQL's 64-bit ``xxhash64`` (its ``hash`` is 32-bit Murmur3: collisions would be
    common). A declaration only, like :func:`_hash`."""


_duckdb_hash: Any = ibis.udf.scalar.builtin(_hash, name="hash", signature=((None,), idt.uint64))
_spark_hash: Any = ibis.udf.scalar.builtin(
    _xxhash64, name="xxhash64", signature=((None,), idt.int64)
)


def _keys_distinct_by_hash(t: ir.Table, key: tuple[str, ...]) -> bool:
    """True when no two rows share the 64-bit hash of their key, so every key is distinct
    (equal keys have equal hashes). False means a repeated key or a hash collision:
    :func:`_duplicate_counts` then finds the exact rows. Grouping by one fixed-width hash
    costs a fraction of grouping by the key's strings and joining back (DuckDB: its
    ``hash``; on Spark, ``xxhash64`` over a million population rows took 2.7 s of JVM time
    where the exact search took 7.6 s)."""
    cols = {k: t[f"raw__{k}"] for k in key}
    hash_of = _duckdb_hash if t.get_backend().name == "duckdb" else _spark_hash
    hashed = t.select(h__=hash_of(ibis.struct(cols)))
    shared = hashed.group_by("h__").aggregate(n__=hashed.count()).filter(lambda g: g.n__ > 1)
    return int(shared.count().to_pyarrow().as_py()) == 0


def _duplicate_counts(t: ir.Table, key: tuple[str, ...], *, index: int) -> dict[str, Any]:
    """First row repeating an earlier row's key, and how many rows do: a group-by, then a
    join back to the (usually empty) set of repeated keys, in one query."""
    keys = [f"raw__{k}" for k in key]
    groups = t.group_by(keys).aggregate(n__=t.count(), min__=t["order__"].min())
    repeated = groups.filter(groups["n__"] > 1)
    later = t.join(repeated, keys).filter(lambda j: j["order__"] > j["min__"])
    out = later.aggregate(first=later["order__"].min(), count=later.count())
    row = out.to_pyarrow().to_pylist()[0]
    return {f"first{index}": row["first"], f"count{index}": int(row["count"] or 0)}


def _duckdb_inputs(con: Any, paths: Sequence[Path], fmt: str) -> list[_Input]:
    inputs = []
    for p in paths:
        try:
            if fmt == "parquet":
                t = con.read_parquet(str(p), file_row_number=True)
                inputs.append(_Input(str(p), t, t["file_row_number"] + 1, (str(p),)))
            else:
                t = con.read_csv(str(p), all_varchar=True)
                inputs.append(_Input(str(p), t, ibis.row_number() + 2, (str(p),)))
        except Exception as exc:  # DuckDB's own parse errors, re-raised with the file
            raise SourceValidationError(f"cannot be read: {exc}", file=str(p)) from exc
    return inputs


def _local_path(uri: str) -> str:
    """Spark's 'file:/…' URI as a local path; other schemes (dbfs:, s3a:) as given."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("file", "") else uri


def _spark_inputs(con: Any, source: Path, paths: Sequence[Path], fmt: str) -> list[_Input]:
    """The files as one Spark table, every row placed by file and row, without collecting
    more than the list of file names to the driver."""
    from pyspark.sql import Window
    from pyspark.sql import functions as sf

    session = con._session
    names = [str(p) for p in paths]
    try:
        if fmt == "parquet":
            df = session.read.parquet(*names).select(
                "*",
                sf.col("_metadata.file_path").alias("file__"),
                (sf.col("_metadata.row_index") + 1).alias("row__in_file"),
            )
        else:
            # CSV has no row index: rows keep their file order in Spark's scan ids
            raw = session.read.csv(names, header=True).select(
                "*", sf.col("_metadata.file_path").alias("file__")
            )
            order = Window.partitionBy("file__").orderBy(sf.monotonically_increasing_id())
            df = raw.withColumn("row__in_file", sf.row_number().over(order) + 1)
    except Exception as exc:  # Spark's own read errors, re-raised with the source
        raise SourceValidationError(f"cannot be read: {exc}", file=str(source)) from exc
    view = f"healthgap_check_{uuid.uuid4().hex}"
    df.createOrReplaceTempView(view)
    table = con.table(view)
    uris = sorted(
        str(u) for u in table.select("file__").distinct().to_pyarrow()["file__"].to_pylist()
    )
    file_no = table["file__"].substitute(
        dict(zip(uris, range(len(uris)), strict=True)), else_=ibis.literal(0, "int64")
    )
    labels = tuple(_local_path(u) for u in uris) or (str(source),)
    return [_Input(str(source), table, table["row__in_file"], labels, file_no.cast("int64"))]


def check_records(
    source: str | Path | ir.Table,
    *,
    schema: RecordSchema | str,
    lsoa_vintage: LsoaVintage,
    earliest: dt.date = dt.date(1900, 1, 1),
    today: dt.date | None = None,
    name: str = "<ibis table>",
    con: Any = None,
    lsoa_codes: frozenset[str] | None = None,
    lsoa_rule: str | None = None,
) -> ValidationReport:
    """Check a CSV/Parquet file, a directory of part files, or an Ibis table against a schema.

    Returns every broken rule with its first offending row (ordered by row); raises
    :class:`SourceValidationError` only when the source cannot be read at all.

    ``con``: the Ibis connection (DuckDB or PySpark) that reads the files and runs the
    checks (default: a new DuckDB one). ``lsoa_codes``/``lsoa_rule``: the LSOA codes accepted
    and the rule's wording, instead of London's codes of ``lsoa_vintage``.
    """
    sch = RECORD_SCHEMAS[schema] if isinstance(schema, str) else schema
    today = today or dt.date.today()
    known = lsoa_codes if lsoa_codes is not None else known_lsoa_codes(lsoa_vintage)
    if lsoa_rule is None:
        year = {"lsoa11": "2011", "lsoa21": "2021"}.get(lsoa_vintage, lsoa_vintage)
        lsoa_rule = f"must be a London LSOA {year} code"
    con = con if con is not None else ibis.duckdb.connect()
    inputs: list[_Input] = []
    if isinstance(source, ir.Table):
        table = source
        if table.get_backend().name not in ("duckdb", con.name):
            table = con.create_table("records__", table.to_pyarrow())
        inputs.append(_Input(name, table, ibis.row_number() + 1, (name,)))
        files: tuple[str, ...] = (name,)
    else:
        paths, fmt = _source_files(Path(source))
        if con.name == "pyspark":
            inputs = _spark_inputs(con, Path(source), paths, fmt)
            files = tuple(inputs[0].labels)
        else:
            inputs = _duckdb_inputs(con, paths, fmt)
            files = tuple(str(p) for p in paths)
    prepared = _prepare(inputs, sch)
    violations = list(prepared.violations)
    rows = 0
    if prepared.tables:
        t = prepared.tables[0]
        for other in prepared.tables[1:]:
            t = t.union(other)
        records = t  # before the LSOA join: what the duplicate test reads
        codes = ibis.memtable({"code__": sorted(known)})
        t = t.left_join(codes, t["raw__lsoa_code"] == codes["code__"]).select(
            *t.columns, known__=codes["code__"]
        )
        rules = _rules(
            t, sch, fields=prepared.fields, lsoa_rule=lsoa_rule, earliest=earliest, today=today
        )
        flagged = t.mutate(**{f"hit{i}": r[2].fill_null(False) for i, r in enumerate(rules)})
        on_duckdb = records.get_backend().name == "duckdb"
        aggs: dict[str, ir.Value] = {"n__": flagged.count()}
        if on_duckdb:
            # counts first; the first offending row only of the rules broken (a second scan,
            # on bad input only): the usual, valid input pays for half the aggregates
            for i in range(len(rules)):
                aggs[f"count{i}"] = flagged[f"hit{i}"].sum()
            res = flagged.aggregate(**aggs).to_pyarrow().to_pylist()[0]
            broken = [i for i in range(len(rules)) if res[f"count{i}"]]
            res.update({f"first{i}": None for i in range(len(rules))})
            if broken:
                firsts_of = {
                    f"first{i}": flagged["order__"].min(where=flagged[f"hit{i}"]) for i in broken
                }
                res.update(flagged.aggregate(**firsts_of).to_pyarrow().to_pylist()[0])
        else:  # Spark: one scan with every aggregate, as validated on Spark before
            for i in range(len(rules)):
                hit = flagged[f"hit{i}"]
                aggs[f"first{i}"] = flagged["order__"].min(where=hit)
                aggs[f"count{i}"] = hit.sum()
            res = flagged.aggregate(**aggs).to_pyarrow().to_pylist()[0]
        rows = int(res["n__"])
        used = {f.name for f in prepared.fields}
        key = tuple(k for k in sch.key if k in used)
        if key:
            rules.append(_duplicate_rule(key))
            index = len(rules) - 1
            # the hash check reads the records alone (one scan, one group-by, no join); the
            # exact search (a group-by on the key, joined back) runs only when a hash repeats,
            # on Spark over the table the other checks read (as validated on Spark before)
            if _keys_distinct_by_hash(records, key):
                res.update({f"first{index}": None, f"count{index}": 0})
            else:
                res.update(_duplicate_counts(records if on_duckdb else t, key, index=index))
        # the offending rows, fetched in one query: one row per broken rule at most
        firsts = sorted(
            {int(res[f"first{i}"]) for i in range(len(rules)) if res[f"first{i}"] is not None}
        )
        hits: dict[int, dict[str, Any]] = {}
        if firsts:
            columns = sorted({f"raw__{c}" for _, c, _ in rules if c})
            fetched = t.filter(t["order__"].isin(firsts)).select("order__", "row__", *columns)
            hits = {int(r["order__"]): r for r in fetched.to_pyarrow().to_pylist()}
        for i, (rule, column, _) in enumerate(rules):
            first = res[f"first{i}"]
            if first is None:
                continue
            file_idx, _ = divmod(int(first), _ORDER_STRIDE)
            hit_row = hits[int(first)]
            violations.append(
                Violation(
                    rule,
                    column,
                    prepared.labels[file_idx],
                    int(hit_row["row__"]),
                    hit_row.get(f"raw__{column}") if column else None,
                    int(res[f"count{i}"]),
                )
            )
    order = {f.name: i for i, f in enumerate(sch.fields)}
    violations.sort(
        key=lambda v: (
            files.index(v.file) if v.file in files else 0,
            v.row if v.row is not None else 0,
            order.get(v.column or "", 0),
        )
    )
    return ValidationReport(sch.name, files, rows, tuple(violations))


def validate_records(
    source: str | Path | ir.Table,
    *,
    schema: RecordSchema | str,
    lsoa_vintage: LsoaVintage,
    earliest: dt.date = dt.date(1900, 1, 1),
    today: dt.date | None = None,
    name: str = "<ibis table>",
) -> ValidationReport:
    """Like :func:`check_records`, but raise :class:`SourceValidationError` for the first
    broken rule (earliest file and row; then column order)."""
    report = check_records(
        source, schema=schema, lsoa_vintage=lsoa_vintage, earliest=earliest, today=today, name=name
    )
    if report.violations:
        raise report.violations[0].to_error()
    return report


class RecordValidationError(SourceValidationError):
    """Record tables that break their schemas: every broken rule with its first offending
    row (file, row, column, value, rule), table by table. Nothing was computed or written."""

    #: Broken rules listed in the message; the rest are counted.
    SHOWN = 20

    def __init__(self, reports: Sequence[ValidationReport], *, backend: str | None = None) -> None:
        self.reports = tuple(reports)
        #: The engine backend the checks ran on ('duckdb' or 'spark'), when the caller said.
        self.backend = backend
        broken = [(r.schema, v) for r in self.reports for v in r.violations]
        lines = [f"  {table}: {v.to_error()}" for table, v in broken[: self.SHOWN]]
        if len(broken) > self.SHOWN:
            lines.append(f"  … and {len(broken) - self.SHOWN} more")
        rules = "rule" if len(broken) == 1 else "rules"
        checked = f"checked on {backend}; " if backend else ""
        super().__init__(
            f"the input records break {len(broken)} {rules} ({checked}nothing was computed "
            "or written; each line gives the first offending row):\n" + "\n".join(lines)
        )
        if broken:  # the first broken rule, for callers that want it field by field
            first = broken[0][1]
            self.file, self.row, self.column, self.value = (
                first.file,
                first.row,
                first.column,
                first.value,
            )

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Every broken rule, table by table."""
        return tuple(v for r in self.reports for v in r.violations)


def validate_inputs(
    sources: Mapping[str, Path],
    *,
    con: Any = None,
    lsoa_vintage: LsoaVintage = "lsoa11",
    lsoa_codes: frozenset[str] | None = None,
    lsoa_rule: str | None = None,
    today: dt.date | None = None,
    backend: str | None = None,
) -> tuple[ValidationReport, ...]:
    """Check every record table (``{table name: file or directory}``) against its schema on
    ``con`` (DuckDB or Spark through Ibis); raise :class:`RecordValidationError` with every
    broken rule if any table breaks one (naming ``backend``, the name of ``con``'s engine
    backend, when given)."""
    reports = tuple(
        check_records(
            path,
            schema=name,
            lsoa_vintage=lsoa_vintage,
            today=today,
            con=con,
            lsoa_codes=lsoa_codes,
            lsoa_rule=lsoa_rule,
        )
        for name, path in sources.items()
    )
    if not all(r.ok for r in reports):
        raise RecordValidationError(reports, backend=backend)
    return reports
