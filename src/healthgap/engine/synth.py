"""Synthetic London: seeded record-level deaths, admissions and registers at any size.

Built from real LSOA populations, the real London sex ratio and age–sex mortality, with a
deprivation gradient (IMD 2019) and ethnic effects (``synth_rates``). The population of every
LSOA × sex × age cell is split once into ethnic groups (a fixed draw); events take their
ethnic group from that split, so ``population/`` — by LSOA × year × sex × age × ethnic group,
zero cells omitted — is the denominator of ethnic-specific rates too. Every simulated year is
an independent replicate of London's mid-2020 population; when fewer rows are asked for than
one full year holds, each replicate is a random sample (binomial thinning) of the population
and ``population/`` holds that sample's denominators, so rates stay right at any size.
Output is Parquet, one directory per table with part files, written chunk by chunk with
``pyarrow.parquet.ParquetWriter`` so memory does not grow with the number of rows.
See ``docs/design/0600-synthetic-london.md``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from healthgap.engine import synth_rates as rates
from healthgap.engine.synth_inputs import MORTALITY_BAND_EDGES, LondonInputs, london_inputs
from healthgap.errors import InputError

__all__ = [
    "MIN_SYNTH_YEARS",
    "SYNTH_TABLES",
    "SynthPlan",
    "SynthSummary",
    "generate_synthetic_london",
    "plan_synthetic_london",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Event tables the generator can write (``population`` is always written).
SYNTH_TABLES: tuple[str, ...] = ("deaths", "admissions", "registers")

#: Fewest years ``healthgap synth`` simulates by default: five years give the pooled
#: indicators (life expectancy, suicide, violence) the periods ``healthgap compute`` needs.
MIN_SYNTH_YEARS = 5

#: LSOA vintage of the synthetic records (the population base is LSOA 2011).
SYNTH_LSOA_VINTAGE = "lsoa11"

_AGES = np.arange(rates.AGE_MAX + 1, dtype=np.int64)
_SEXES = pa.array(["male", "female"])
_ETHNIC = pa.array([*rates.ETHNIC_GROUPS, "unknown"])
_UNKNOWN = len(rates.ETHNIC_GROUPS)
_N_ETHNIC = len(rates.ETHNIC_GROUPS)
#: Seed of the one fixed split of London's cells into ethnic groups (Census day 2021): the
#: synthetic population is the same in every run; only sampling and events depend on ``seed``.
_ETHNIC_SPLIT_SEED = 20210321
_TARGET_CHUNK_ROWS = 400_000
_EPOCH = dt.date(1970, 1, 1)
_PERSON_STRIDE = 10_000_000  # > London's population: person ids unique across replicates

SCHEMAS: dict[str, pa.Schema] = {
    "deaths": pa.schema(
        [
            ("record_id", pa.string()),
            ("lsoa_code", pa.string()),
            ("date_of_death", pa.date32()),
            ("date_of_registration", pa.date32()),
            ("age", pa.int64()),
            ("sex", pa.string()),
            ("ethnic_group", pa.string()),
            ("underlying_cause", pa.string()),
        ]
    ),
    "admissions": pa.schema(
        [
            ("record_id", pa.string()),
            ("person_id", pa.string()),
            ("lsoa_code", pa.string()),
            ("admission_date", pa.date32()),
            ("discharge_date", pa.date32()),
            ("age", pa.int64()),
            ("sex", pa.string()),
            ("ethnic_group", pa.string()),
            ("primary_diagnosis", pa.string()),
            ("admission_method", pa.string()),
            ("external_cause", pa.string()),
        ]
    ),
    "registers": pa.schema(
        [
            ("person_id", pa.string()),
            ("lsoa_code", pa.string()),
            ("age", pa.int64()),
            ("sex", pa.string()),
            ("ethnic_group", pa.string()),
            ("condition", pa.string()),
            ("flag", pa.bool_()),
            ("as_of", pa.date32()),
        ]
    ),
    "population": pa.schema(
        [
            ("lsoa_code", pa.string()),
            ("year", pa.int64()),
            ("sex", pa.string()),
            ("age", pa.int64()),
            ("ethnic_group", pa.string()),
            ("population", pa.int64()),
        ]
    ),
}


# ---------------------------------------------------------------- the model (built once)


@dataclass(frozen=True, eq=False)
class _Model:
    """Per-cell quantities; cells are LSOA × sex (0 male, 1 female) × age 0..90 (× group)."""

    inputs: LondonInputs
    population: IntArray  # (L, 2, A) persons split by sex
    ethnic_population: npt.NDArray[np.int32]  # (L, 2, A, E) the same persons by ethnic group
    mortality: FloatArray  # (L, 2, A) deaths per person-year at ethnic rate ratio 1 (White)
    person_offset: IntArray  # (L, 2, A) first person number of each cell
    full_year_rows: dict[str, float]


#: Raking iterations of the ethnic shares (the shares must not change: every synthetic record
#: depends on them).
_RAKING_ITERATIONS = 60
#: Cells per block of the raking loop (its working set stays in the CPU cache).
_RAKING_BLOCK = 16_384


def _ethnic_shares(inputs: LondonInputs) -> FloatArray:
    """Shares by LSOA × age × group: log-linear in deprivation and age, raked to Census 2021.

    Each iteration is ``e = exp(logit + alpha)``, ``shares = e / e.sum(-1)`` and
    ``alpha += log(target / (shares * weight).sum((0, 1)) / weight.sum())``. It is computed
    here group-major (group × cell) in cache-sized blocks of cells, with the very floating-point
    operations of those numpy expressions in their order — the sum over groups left to right,
    the weighted sum over cells one cell after another (how numpy reduces those axes) — so
    the shares are bit-identical to the plain expressions, four times faster
    (``tests/unit/engine/test_engine_synth_model.py`` checks both).
    """
    agec = (np.minimum(_AGES, 80) - 35) / 45.0
    dep_slope = np.asarray(rates.ETHNIC_DEPRIVATION_SLOPE)
    age_slope = np.asarray(rates.ETHNIC_AGE_SLOPE)
    groups = len(dep_slope)
    logit = (
        dep_slope[:, None, None] * inputs.deprivation_z[None, :, None]
        + age_slope[:, None, None] * agec[None, None, :]
    ).reshape(groups, -1)  # (group, cell), cells LSOA-major as in ``inputs.population``
    cells = logit.shape[1]
    target = np.asarray(rates.CENSUS_2021_LONDON_SHARES)
    total = inputs.population.astype(np.float64)[..., None].sum()
    weight = inputs.population.astype(np.float64).ravel()
    alpha = np.zeros(groups)
    shares = np.empty_like(logit)
    block = min(_RAKING_BLOCK, cells)
    norm = np.empty(block)
    weighted = np.empty((groups, block))
    for _ in range(_RAKING_ITERATIONS):
        running: FloatArray | None = None  # the weighted sum over the cells so far, by group
        for lo in range(0, cells, block):
            hi = min(lo + block, cells)
            e, s, w = shares[:, lo:hi], norm[: hi - lo], weighted[:, : hi - lo]
            np.add(logit[:, lo:hi], alpha[:, None], out=e)
            np.exp(e, out=e)
            np.add(e[0], e[1], out=s)
            for g in range(2, groups):
                np.add(s, e[g], out=s)
            np.divide(e, s, out=e)
            np.multiply(e, weight[lo:hi], out=w)
            if running is not None:
                w[:, 0] += running
            np.add.accumulate(w, axis=1, out=w)
            running = w[:, -1].copy()
        assert running is not None
        alpha += np.log(target / (running / total))
    by_cell = shares.reshape(groups, *inputs.population.shape)
    return np.ascontiguousarray(np.moveaxis(by_cell, 0, -1))


def _split_by_shares(
    rng: np.random.Generator, n: IntArray, shares: FloatArray
) -> npt.NDArray[np.int64]:
    """Multinomial split of counts ``n`` (any shape) by ``shares`` (same shape + groups), drawn
    as a chain of conditional binomials; the groups sum to ``n`` exactly."""
    out = np.zeros((*n.shape, shares.shape[-1]), dtype=np.int64)
    left = n.astype(np.int64)
    rest = np.ones(n.shape)
    for e in range(shares.shape[-1] - 1):
        p = np.clip(np.divide(shares[..., e], rest, out=np.zeros(n.shape), where=rest > 0), 0, 1)
        out[..., e] = rng.binomial(left, p)
        left = left - out[..., e]
        rest = rest - shares[..., e]
    out[..., -1] = left
    return out


def _split_sample(
    rng: np.random.Generator, n: IntArray, full: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Which of ``full`` (cells × groups) persons a sample of ``n`` per cell holds: a
    multivariate hypergeometric draw, as a chain of conditional hypergeometrics. With
    ``n`` ~ Binomial(Σ full, f) this is the same as thinning each group with fraction f."""
    out = np.zeros(full.shape, dtype=np.int64)
    rows = np.flatnonzero(n)  # at small fractions most cells are empty: draw only the others
    taken = full[rows]
    left = n[rows].astype(np.int64)
    pool = taken.sum(axis=1)
    for e in range(full.shape[1] - 1):
        x = rng.hypergeometric(taken[:, e], pool - taken[:, e], left)
        out[rows, e] = x
        left = left - x
        pool = pool - taken[:, e]
    out[rows, -1] = left
    return out


@lru_cache(maxsize=1)
def _model() -> _Model:
    inputs = london_inputs()
    male = np.rint(inputs.population * inputs.male_share[None, :]).astype(np.int64)
    population = np.stack([male, inputs.population - male], axis=1)

    shares = _ethnic_shares(inputs)
    ethnic_population = _split_by_shares(
        np.random.default_rng(_ETHNIC_SPLIT_SEED),
        population,
        np.broadcast_to(shares[:, None, :, :], (*population.shape, _N_ETHNIC)),
    )
    # person-weighted ethnic rate ratio of each cell, from its actual ethnic split
    ethnic_rr = ethnic_population.astype(np.float64) @ np.asarray(rates.ETHNIC_MORTALITY_RR)
    relative = np.empty(population.shape)
    for s in (0, 1):
        beta = rates.mortality_deprivation_beta(_AGES, female=np.full(_AGES.shape, s == 1))
        relative[:, s, :] = np.exp(beta[None, :] * inputs.deprivation_z[:, None])
    # calibrate: in each sex × ONS age band, London's expected deaths equal the real 2014 rate
    edges = np.array((*MORTALITY_BAND_EDGES, rates.AGE_MAX + 1))
    mortality = np.empty(population.shape)
    pop_f = population.astype(np.float64)
    for s in (0, 1):
        for lo, hi in itertools.pairwise(edges):
            r = relative[:, s, lo:hi]
            norm = (ethnic_rr[:, s, lo:hi] * r).sum() / pop_f[:, s, lo:hi].sum()
            mortality[:, s, lo:hi] = inputs.mortality[s, lo:hi][None, :] * r / norm

    offset = np.concatenate([[0], np.cumsum(population.ravel())[:-1]]).reshape(population.shape)
    model = _Model(
        inputs=inputs,
        population=population,
        ethnic_population=ethnic_population.astype(np.int32),
        mortality=mortality,
        person_offset=offset,
        full_year_rows={},
    )
    model.full_year_rows.update(_expected_rows(model))
    return model


def _admission_rate(
    kind: rates.AdmissionType, *, age: IntArray, female: npt.NDArray[np.bool_], z: FloatArray
) -> FloatArray:
    rate = rates.step_lookup(age, edges=kind.age_edges, values=kind.rate_by_age)
    rate = rate * np.where(female, kind.female_ratio, 1.0) * np.exp(kind.beta * z)
    if kind.females_only:
        rate = np.where(female, rate, 0.0)
    return rate


def _expected_rows(model: _Model) -> dict[str, float]:
    pop = model.population.astype(np.float64)
    ethnic_rr = model.ethnic_population.astype(np.float64) @ np.asarray(rates.ETHNIC_MORTALITY_RR)
    z = np.broadcast_to(model.inputs.deprivation_z[:, None, None], pop.shape)
    age = np.broadcast_to(_AGES[None, None, :], pop.shape)
    female = np.broadcast_to(np.array([False, True])[None, :, None], pop.shape)
    admissions = sum(
        float((pop * _admission_rate(k, age=age, female=female, z=z)).sum())
        for k in rates.ADMISSION_TYPES
    )
    eligible = sum((age >= c.min_age).astype(np.float64) for c in rates.CONDITIONS)
    return {
        "deaths": float((ethnic_rr * model.mortality).sum()),
        "admissions": admissions,
        "registers": float((pop * eligible).sum()),
    }


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class SynthPlan:
    """How many replicate years, and what sampling fraction of London, make ``rows`` rows.

    ``years`` = ⌈rows / R⌉ where R is the expected rows of one full year of London for the
    chosen tables; ``fraction`` = rows / (years × R) ≤ 1 is the binomial sampling fraction.
    """

    rows: int
    tables: tuple[str, ...]
    years: tuple[int, ...]
    fraction: float
    expected_rows: dict[str, float]
    lsoas_per_chunk: int


def plan_synthetic_london(
    rows: int,
    *,
    year: int = 2020,
    tables: tuple[str, ...] = SYNTH_TABLES,
    min_years: int = 1,
) -> SynthPlan:
    """Plan a run of about ``rows`` event rows ending in calendar year ``year``.

    At least ``min_years`` years are simulated (fewer rows per year if need be); the command
    line asks for :data:`MIN_SYNTH_YEARS` so that the pooled indicators have their periods.
    """
    if rows < 1:
        raise InputError("must be a positive number of rows", key="rows", value=rows)
    unknown = [t for t in tables if t not in SYNTH_TABLES]
    if unknown or not tables:
        raise InputError(
            f"tables must be a non-empty selection of {', '.join(SYNTH_TABLES)}",
            key="tables",
            value=",".join(unknown) if unknown else "",
        )
    last_full = dt.date.today().year - 1
    if not 1900 < year <= last_full:
        raise InputError(
            f"year must be a complete past calendar year (1901–{last_full})",
            key="year",
            value=year,
        )
    model = _model()
    per_year = sum(model.full_year_rows[t] for t in tables)
    if min_years < 1:
        raise InputError("must be at least 1", key="min_years", value=min_years)
    n_years = max(min_years, math.ceil(rows / per_year))
    if year - n_years < 1900:
        raise InputError(
            f"{rows} rows need {n_years} replicate years, reaching before 1901",
            key="rows",
            value=rows,
        )
    fraction = min(1.0, rows / (n_years * per_year))
    per_lsoa = fraction * per_year / len(model.inputs.lsoa_codes)
    per_chunk = int(
        min(len(model.inputs.lsoa_codes), max(1, _TARGET_CHUNK_ROWS // max(per_lsoa, 1)))
    )
    expected = {t: model.full_year_rows[t] * fraction * n_years for t in tables}
    return SynthPlan(
        rows=rows,
        tables=tuple(t for t in SYNTH_TABLES if t in tables),
        years=tuple(range(year - n_years + 1, year + 1)),
        fraction=fraction,
        expected_rows=expected,
        lsoas_per_chunk=per_chunk,
    )


# ---------------------------------------------------------------- writing


class _PartWriter:
    """Appends tables to ``part-NNNNN.parquet`` files in one directory, rotating by rows."""

    def __init__(self, directory: Path, schema: pa.Schema, *, rows_per_file: int) -> None:
        self.directory = directory
        self.schema = schema
        self.rows_per_file = rows_per_file
        self.files: list[str] = []
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._in_file = 0
        directory.mkdir(parents=True)

    def write(self, table: pa.Table) -> None:
        """Append ``table``, splitting it across part files of ``rows_per_file`` rows."""
        offset = 0
        while offset < table.num_rows:
            if self._writer is None or self._in_file >= self.rows_per_file:
                self.close()
                name = f"part-{len(self.files):05d}.parquet"
                self.files.append(name)
                self._writer = pq.ParquetWriter(self.directory / name, self.schema)
                self._in_file = 0
            take = min(self.rows_per_file - self._in_file, table.num_rows - offset)
            self._writer.write_table(table.slice(offset, take))
            self._in_file += take
            self.rows += take
            offset += take

    def finish(self) -> None:
        """Close the open file; a table with no rows still gets one empty part file."""
        if not self.files:
            self.files.append("part-00000.parquet")
            pq.write_table(self.schema.empty_table(), self.directory / self.files[0])
        self.close()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@dataclass(frozen=True)
class SynthSummary:
    """What a run wrote: rows per table, part files, and the plan and seed that made them."""

    out_dir: Path
    seed: int
    plan: SynthPlan
    rows: dict[str, int]
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def event_rows(self) -> int:
        """Rows of the event tables (deaths + admissions + registers)."""
        return sum(n for t, n in self.rows.items() if t != "population")


# ---------------------------------------------------------------- row-level helpers


def _mix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64 finaliser: a fast, well-mixed hash of 64-bit integers."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _uniform_hash(pid: IntArray, *, salt: int) -> FloatArray:
    """A uniform number in [0, 1) that depends only on the person and the salt."""
    h = _mix64(pid.astype(np.uint64) ^ _mix64(np.full(1, salt, dtype=np.uint64)))
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _pick(cum: FloatArray, u: FloatArray) -> IntArray:
    """Category index from cumulative probabilities per row (rows × k) and uniforms."""
    idx: IntArray = np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1).astype(np.int64)
    return idx


def _ids(prefix: str, start: int, n: int) -> pa.Array:
    numbers = pc.cast(pa.array(np.arange(start, start + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, numbers, "")


def _person_ids(pid: IntArray) -> pa.Array:
    return pc.binary_join_element_wise("P", pc.cast(pa.array(pid), pa.string()), "")


def _dates(days: IntArray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())


def _day_of_year(rng: np.random.Generator, n: int, *, year: int, winter_excess: float) -> IntArray:
    """Days since 1970-01-01 within ``year``, with a cosine winter peak (mid-January)."""
    start = (dt.date(year, 1, 1) - _EPOCH).days
    n_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    doy = np.arange(n_days)
    w = 1.0 + winter_excess * np.cos(2 * np.pi * (doy - 14) / n_days)
    cum = np.cumsum(w / w.sum())
    picked = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), n_days - 1)
    return start + picked.astype(np.int64)


def _old_age(age: IntArray, u: FloatArray) -> IntArray:
    """Single years of age; the open 90+ cell gets 90 + an exponential excess (mean 3.5 y)."""
    extra = np.floor(-np.log1p(-u) * 3.5).astype(np.int64)
    return np.where(age >= rates.AGE_MAX, np.minimum(rates.AGE_MAX + extra, 110), age)


def _choose_codes(
    rng: np.random.Generator, n: int, codes: tuple[str, ...], weights: tuple[float, ...]
) -> IntArray:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(codes), size=n, p=p / p.sum())


def _unknown_ethnicity(ethnic: IntArray, u: FloatArray, *, table: str) -> IntArray:
    return np.where(u < rates.UNKNOWN_ETHNICITY_SHARE[table], _UNKNOWN, ethnic)


# ---------------------------------------------------------------- one chunk


@dataclass
class _Counters:
    deaths: int = 0
    admissions: int = 0


@dataclass(frozen=True, eq=False)
class _Chunk:
    year: int
    replicate: int
    lsoa: IntArray  # per cell
    sex: IntArray
    age: IntArray
    n: IntArray  # sampled persons per cell
    ethnic_n: IntArray  # (cells, E) the sampled persons by ethnic group; rows sum to ``n``
    ethnic_cum: IntArray  # (cells, E) cumulative sum of ``ethnic_n`` along groups
    z: FloatArray
    first_person: IntArray  # person number of the first person in each cell

    def person_ids(self, cell: IntArray, k: IntArray) -> IntArray:
        return self.replicate * _PERSON_STRIDE + self.first_person[cell] + k

    def ethnic_of(self, cell: IntArray, k: IntArray) -> IntArray:
        """Ethnic group of the ``k``-th sampled person of each cell: persons are numbered
        group by group, so every group holds exactly ``ethnic_n`` of them."""
        group: IntArray = (k[:, None] >= self.ethnic_cum[cell]).sum(axis=1).astype(np.int64)
        return group


def _population_table(chunk: _Chunk, codes: pa.Array) -> pa.Table:
    """Denominators by LSOA × sex × age × ethnic group; cells with nobody are omitted."""
    cell, ethnic = np.nonzero(chunk.ethnic_n)
    return pa.table(
        {
            "lsoa_code": codes.take(pa.array(chunk.lsoa[cell])),
            "year": pa.array(np.full(cell.shape, chunk.year, dtype=np.int64)),
            "sex": _SEXES.take(pa.array(chunk.sex[cell])),
            "age": pa.array(chunk.age[cell]),
            "ethnic_group": _ETHNIC.take(pa.array(ethnic)),
            "population": pa.array(chunk.ethnic_n[cell, ethnic]),
        },
        schema=SCHEMAS["population"],
    )


def _deaths_table(
    chunk: _Chunk, rng: np.random.Generator, model: _Model, codes: pa.Array, counters: _Counters
) -> pa.Table:
    rate = model.mortality[chunk.lsoa, chunk.sex, chunk.age]
    # deaths per cell × ethnic group: the group's persons × the cell's rate × the group's RR
    counts = rng.poisson(chunk.ethnic_n * rate[:, None] * np.asarray(rates.ETHNIC_MORTALITY_RR))
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    cell, ethnic = np.divmod(flat, _N_ETHNIC)
    n = cell.size
    age = _old_age(chunk.age[cell], rng.random(n))
    ethnic = _unknown_ethnicity(ethnic, rng.random(n), table="deaths")
    death = _day_of_year(rng, n, year=chunk.year, winter_excess=0.15)
    coroner = rng.random(n) < 0.08
    lag = np.where(coroner, 20 + rng.poisson(60, n), 1 + rng.poisson(4, n))
    # cause: group by age, then a code within the group
    age_group = (
        np.searchsorted(np.asarray(rates.CAUSE_AGE_EDGES), chunk.age[cell], side="right") - 1
    )
    shares = np.array([g.share_by_age for g in rates.CAUSE_GROUPS])  # groups × age groups
    cum = np.cumsum(shares / shares.sum(axis=0, keepdims=True), axis=0).T  # age groups × groups
    group = _pick(cum[age_group], rng.random(n))
    all_codes: list[str] = []
    code_index = np.empty(n, dtype=np.int64)
    for g, cg in enumerate(rates.CAUSE_GROUPS):
        rows = np.flatnonzero(group == g)
        code_index[rows] = len(all_codes) + _choose_codes(rng, rows.size, cg.codes, cg.code_weights)
        all_codes.extend(cg.codes)
    start = counters.deaths
    counters.deaths += n
    return pa.table(
        {
            "record_id": _ids("D", start + 1, n),
            "lsoa_code": codes.take(pa.array(chunk.lsoa[cell])),
            "date_of_death": _dates(death),
            "date_of_registration": _dates(death + lag),
            "age": pa.array(age),
            "sex": _SEXES.take(pa.array(chunk.sex[cell])),
            "ethnic_group": _ETHNIC.take(pa.array(ethnic)),
            "underlying_cause": pa.array(all_codes).take(pa.array(code_index)),
        },
        schema=SCHEMAS["deaths"],
    )


def _admissions_table(
    chunk: _Chunk, rng: np.random.Generator, codes: pa.Array, counters: _Counters
) -> pa.Table:
    female = chunk.sex == 1
    parts: list[pa.Table] = []
    for kind in rates.ADMISSION_TYPES:
        rate = _admission_rate(kind, age=chunk.age, female=female, z=chunk.z)
        counts = rng.poisson(chunk.n * rate)
        cell = np.repeat(np.arange(counts.size), counts)
        n = cell.size
        if n == 0:
            continue
        k = np.floor(rng.random(n) * chunk.n[cell]).astype(np.int64)
        pid = chunk.person_ids(cell, k)
        age = _old_age(chunk.age[cell], _uniform_hash(pid, salt=1))
        ethnic = chunk.ethnic_of(cell, k)
        ethnic = _unknown_ethnicity(ethnic, _uniform_hash(pid, salt=3), table="admissions")
        winter = 0.08 if kind.method == "emergency" else 0.0
        admitted = _day_of_year(rng, n, year=chunk.year, winter_excess=winter)
        stay = np.where(
            rng.random(n) < kind.day_case_share, 0, rng.geometric(1.0 / kind.mean_stay_days, n)
        )
        diagnosis = _choose_codes(rng, n, kind.diagnoses, kind.diagnosis_weights)
        if kind.external_causes:
            ext_codes = pa.array(kind.external_causes)
            ext = ext_codes.take(pa.array(rng.integers(0, len(kind.external_causes), n)))
        else:
            ext_codes = pa.array(rates.OTHER_EXTERNAL_CAUSES)
            has = rng.random(n) < rates.OTHER_EXTERNAL_SHARE
            idx = rng.integers(0, len(rates.OTHER_EXTERNAL_CAUSES), n)
            ext = ext_codes.take(pa.array(idx, mask=~has))
        start = counters.admissions
        counters.admissions += n
        parts.append(
            pa.table(
                {
                    "record_id": _ids("A", start + 1, n),
                    "person_id": _person_ids(pid),
                    "lsoa_code": codes.take(pa.array(chunk.lsoa[cell])),
                    "admission_date": _dates(admitted),
                    "discharge_date": _dates(admitted + stay),
                    "age": pa.array(age),
                    "sex": _SEXES.take(pa.array(chunk.sex[cell])),
                    "ethnic_group": _ETHNIC.take(pa.array(ethnic)),
                    "primary_diagnosis": pa.array(kind.diagnoses).take(pa.array(diagnosis)),
                    "admission_method": pa.array(np.full(n, kind.method)),
                    "external_cause": ext,
                },
                schema=SCHEMAS["admissions"],
            )
        )
    if not parts:
        return SCHEMAS["admissions"].empty_table()
    return pa.concat_tables(parts)


def _registers_table(chunk: _Chunk, rng: np.random.Generator, codes: pa.Array) -> pa.Table:
    eligible_any = chunk.age >= min(c.min_age for c in rates.CONDITIONS)
    n = np.where(eligible_any, chunk.n, 0)
    cell = np.repeat(np.arange(n.size), n)
    k = np.arange(cell.size) - np.repeat(np.cumsum(n) - n, n)
    pid = chunk.person_ids(cell, k)
    age = _old_age(chunk.age[cell], _uniform_hash(pid, salt=1))
    ethnic = chunk.ethnic_of(cell, k)
    recorded = _unknown_ethnicity(ethnic, _uniform_hash(pid, salt=4), table="registers")
    female = chunk.sex[cell] == 1
    z = chunk.z[cell]
    as_of = (dt.date(chunk.year, 12, 31) - _EPOCH).days
    parts: list[pa.Table] = []
    for cond in rates.CONDITIONS:
        rows = np.flatnonzero(chunk.age[cell] >= cond.min_age)
        if rows.size == 0:
            continue
        p0 = rates.step_lookup(age[rows], edges=cond.age_edges, values=cond.prevalence_by_age)
        odds = p0 / (1 - p0)
        odds = odds * np.where(female[rows], cond.female_ratio, 1.0) * np.exp(cond.beta * z[rows])
        odds = odds * np.asarray(cond.ethnic_or)[ethnic[rows]]
        flag = rng.random(rows.size) < odds / (1 + odds)
        parts.append(
            pa.table(
                {
                    "person_id": _person_ids(pid[rows]),
                    "lsoa_code": codes.take(pa.array(chunk.lsoa[cell[rows]])),
                    "age": pa.array(age[rows]),
                    "sex": _SEXES.take(pa.array(chunk.sex[cell[rows]])),
                    "ethnic_group": _ETHNIC.take(pa.array(recorded[rows])),
                    "condition": pa.array(np.full(rows.size, cond.name)),
                    "flag": pa.array(flag),
                    "as_of": _dates(np.full(rows.size, as_of, dtype=np.int64)),
                },
                schema=SCHEMAS["registers"],
            )
        )
    if not parts:
        return SCHEMAS["registers"].empty_table()
    return pa.concat_tables(parts)


# ---------------------------------------------------------------- the run


def generate_synthetic_london(
    out_dir: str | Path,
    *,
    rows: int,
    seed: int = 0,
    year: int = 2020,
    tables: tuple[str, ...] = SYNTH_TABLES,
    rows_per_file: int = 1_000_000,
    progress: Callable[[int], None] | None = None,
    min_years: int = 1,
) -> SynthSummary:
    """Write about ``rows`` event rows of Synthetic London to ``out_dir`` (which must not exist
    or be empty): ``<table>/part-NNNNN.parquet`` for each table, ``population/`` and
    ``synth.json``. The same arguments give byte-identical files. ``progress`` is called with
    the number of event rows written after each chunk.

    Files are written to a sibling temporary directory and moved into place at the end, so a
    failed run leaves no partial output.
    """
    plan = plan_synthetic_london(rows, year=year, tables=tables, min_years=min_years)
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("output directory exists and is not empty", file=str(out))
    if rows_per_file < 1:
        raise InputError("must be positive", key="rows_per_file", value=rows_per_file)
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        summary = _run(tmp, plan=plan, seed=seed, rows_per_file=rows_per_file, progress=progress)
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SynthSummary(out_dir=out, seed=seed, plan=plan, rows=summary.rows, files=summary.files)


def _run(
    tmp: Path,
    *,
    plan: SynthPlan,
    seed: int,
    rows_per_file: int,
    progress: Callable[[int], None] | None,
) -> SynthSummary:
    model = _model()
    inputs = model.inputs
    codes = pa.array(inputs.lsoa_codes)
    n_lsoa = len(inputs.lsoa_codes)
    writers = {
        t: _PartWriter(tmp / t, SCHEMAS[t], rows_per_file=rows_per_file)
        for t in (*plan.tables, "population")
    }
    counters = _Counters()
    sex_grid, age_grid = np.meshgrid([0, 1], _AGES, indexing="ij")
    try:
        for replicate, year in enumerate(plan.years):
            for c, lo in enumerate(range(0, n_lsoa, plan.lsoas_per_chunk)):
                rng = np.random.default_rng([seed, replicate, c])
                lsoa = np.arange(lo, min(lo + plan.lsoas_per_chunk, n_lsoa))
                lsoa_c = np.repeat(lsoa, sex_grid.size)
                sex_c = np.tile(sex_grid.ravel(), lsoa.size)
                age_c = np.tile(age_grid.ravel(), lsoa.size)
                full = model.population[lsoa_c, sex_c, age_c]
                full_e = model.ethnic_population[lsoa_c, sex_c, age_c].astype(np.int64)
                if plan.fraction >= 1.0:
                    n, ethnic_n = full, full_e
                else:
                    n = rng.binomial(full, plan.fraction)
                    ethnic_n = _split_sample(rng, n, full_e)
                chunk = _Chunk(
                    year=year,
                    replicate=replicate,
                    lsoa=lsoa_c,
                    sex=sex_c,
                    age=age_c,
                    n=n.astype(np.int64),
                    ethnic_n=ethnic_n,
                    ethnic_cum=np.cumsum(ethnic_n, axis=1),
                    z=inputs.deprivation_z[lsoa_c],
                    first_person=model.person_offset[lsoa_c, sex_c, age_c],
                )
                writers["population"].write(_population_table(chunk, codes))
                written = 0
                if "deaths" in writers:
                    t = _deaths_table(chunk, rng, model, codes, counters)
                    writers["deaths"].write(t)
                    written += t.num_rows
                if "admissions" in writers:
                    t = _admissions_table(chunk, rng, codes, counters)
                    writers["admissions"].write(t)
                    written += t.num_rows
                if "registers" in writers:
                    t = _registers_table(chunk, rng, codes)
                    writers["registers"].write(t)
                    written += t.num_rows
                if progress is not None:
                    progress(written)
    finally:
        for w in writers.values():
            w.close()
    for w in writers.values():
        w.finish()
    counts = {t: w.rows for t, w in writers.items()}
    files = {t: tuple(w.files) for t, w in writers.items()}
    manifest = {
        "generator": "healthgap Synthetic London",
        "seed": seed,
        "lsoa_vintage": SYNTH_LSOA_VINTAGE,
        "plan": asdict(plan),
        "rows": counts,
        "files": files,
    }
    (tmp / "synth.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return SynthSummary(out_dir=tmp, seed=seed, plan=plan, rows=counts, files=files)
