"""``healthgap profile AREA``: an area's indicators with their latest value and comparisons.

For each catalogue indicator held at the area (its latest period, no breakdown): the value
with its unit and 95% interval, the London, ICB and England values, the stored comparison
outcomes in Fingertips' words ("Worse than England", "Similar to London"; "Higher"/"Lower"
where the indicator has no good direction), the borough quintile, the recent trend and the
red-red flag (worse than London, or England where London is not compared, and getting worse;
the same rule as ``healthgap.tracking.equity.is_red_red``). Everything is read through
``healthgap.query``; nothing is computed here. Exit codes: 0 shown, 1 no data, 2 bad input.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from healthgap import ATTRIBUTION
from healthgap.cli import format as fmt

if TYPE_CHECKING:
    from healthgap.query import AreaInfo, ReadLayer, ValueRow

__all__ = ["ProfileRow", "outcome_phrase", "profile_rows", "register"]

#: Benchmark → the name used in Fingertips' wording.
_BENCHMARK_NAMES = {"region": "London", "icb": "ICB", "country": "England"}
#: Comparison outcomes that mean significantly worse than the benchmark.
_WORSE = frozenset({"worse", "worst"})


def outcome_phrase(outcome: str | None, benchmark: str) -> str:
    """Fingertips' wording of a stored outcome: 'Worse than England', 'Similar to London',
    'Higher than ICB'; 'Not compared' as is; '' when there is no comparison.

    >>> outcome_phrase("Worse", "country"), outcome_phrase("Similar", "region")
    ('Worse than England', 'Similar to London')
    """
    if not outcome:
        return ""
    name = _BENCHMARK_NAMES.get(benchmark, benchmark)
    word = outcome.strip()
    if word.lower() in {"similar", "same"}:
        return f"Similar to {name}"
    if word.lower() in {"better", "worse", "higher", "lower"}:
        return f"{word} than {name}"
    return word


def is_red_red(outcome: str | None, trend: str | None) -> bool:
    """Significantly worse than the benchmark and getting worse (Fingertips' words)."""
    if not outcome or not trend:
        return False
    return outcome.strip().lower() in _WORSE and trend.strip().lower().endswith("getting worse")


@dataclass(frozen=True)
class ProfileRow:
    """One indicator's latest value at an area, with its comparisons, as ``profile`` shows."""

    indicator_id: str
    indicator_name: str
    series: str
    sex: str
    age: str
    period: str
    value: float | None
    lower95: float | None
    upper95: float | None
    unit: str
    polarity: str
    london_value: float | None
    icb_value: float | None
    england_value: float | None
    compared_to_london: str
    compared_to_icb: str
    compared_to_england: str
    borough_quintile: str
    recent_trend: str
    red_red: bool
    red_red_benchmark: str
    release_id: int
    source: str

    def shown(self) -> dict[str, str]:
        """The row as text for a table or CSV: units, rounding and period spelt one way."""
        interval = ""
        if self.lower95 is not None and self.upper95 is not None:
            interval = f"{fmt.number(self.lower95)}–{fmt.number(self.upper95)}"
        return {
            "indicator": self.indicator_id,
            "sex": self.sex,
            "period": self.period,
            "value": fmt.quantity(self.value, self.unit) or "withheld",
            "95% CI": interval,
            "London": fmt.number(self.london_value),
            "vs London": self.compared_to_london,
            "ICB": fmt.number(self.icb_value),
            "vs ICB": self.compared_to_icb,
            "England": fmt.number(self.england_value),
            "vs England": self.compared_to_england,
            "borough quintile": self.borough_quintile,
            "trend": self.recent_trend,
            "red-red": f"RED-RED (vs {self.red_red_benchmark})" if self.red_red else "",
        }


def _row(r: ValueRow) -> ProfileRow:
    def comparison(benchmark: str) -> tuple[float | None, str, str]:
        c = r.comparison(benchmark)
        if c is None:
            return None, "", ""
        return c.benchmark_value, c.outcome, outcome_phrase(c.outcome, benchmark)

    london, london_outcome, vs_london = comparison("region")
    icb, _, vs_icb = comparison("icb")
    england, england_outcome, vs_england = comparison("country")
    quintile = r.comparison("boroughs")
    # Red-red against London where London was compared, else England (tracking's rule).
    london_compared = london_outcome not in {"", "Not compared"}
    bench_outcome, bench_name = (
        (london_outcome, "London") if london_compared else (england_outcome, "England")
    )
    return ProfileRow(
        indicator_id=str(r.indicator_id),
        indicator_name=r.indicator_name,
        series=r.series,
        sex=r.sex,
        age=r.age,
        period=fmt.period(r.period_label),
        value=r.value,
        lower95=r.lower95_0cl,
        upper95=r.upper95_0cl,
        unit=fmt.unit(r.unit),
        polarity=r.polarity or "",
        london_value=london,
        icb_value=icb,
        england_value=england,
        compared_to_london=vs_london,
        compared_to_icb=vs_icb,
        compared_to_england=vs_england,
        borough_quintile="" if quintile is None else quintile.outcome,
        recent_trend=r.recent_trend or "",
        red_red=is_red_red(bench_outcome, r.recent_trend),
        red_red_benchmark=bench_name,
        release_id=r.provenance.release_id,
        source=r.provenance.source,
    )


def resolve_area(q: ReadLayer, given: str) -> AreaInfo:
    """The area a code or an exact name names; ``UnknownParameter`` with the closest codes
    and names otherwise."""
    from healthgap.query import UnknownParameter

    text = given.strip()
    try:
        return q.area(text.upper() if text[:1].isalpha() and text[1:].isdigit() else text)
    except UnknownParameter as unknown:
        try:
            hits = q.search_areas(text, limit=5)
        except UnknownParameter:
            raise unknown from None
        exact = [a for a in hits if a.name.lower() == text.lower()]
        if exact:
            return exact[0]
        shown = [f"{a.code} ({a.name})" for a in hits]
        raise UnknownParameter("area", given, suggestions=shown) from None


def profile_rows(
    q: ReadLayer,
    area: str,
    *,
    indicators: list[str] | None = None,
    as_of: date | None = None,
) -> tuple[AreaInfo, list[ProfileRow]]:
    """The area and its indicators' latest values with comparisons (public read as of
    ``as_of``). ``UnknownParameter`` for an unknown area or indicator; ``NoData`` when the
    area has no catalogue indicator's value."""
    from healthgap.query import NoData, public

    info = resolve_area(q, area)
    rows = q.values(
        public(as_of),
        area=info.code,
        indicator=indicators or None,
        breakdown="none",
        latest=True,
    )
    picked = [_row(r) for r in rows if r.indicator_id is not None]
    if not picked:
        raise NoData({"area": info.code, "indicator": indicators}, {})
    picked.sort(key=lambda p: (p.indicator_id, p.sex, p.series))
    return info, picked


def profile(
    area: str = typer.Argument(..., help="GSS code (E09000012) or exact name (Hackney)."),
    indicator: list[str] | None = typer.Option(
        None, "--indicator", "-i", help="Only this catalogue indicator id (repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    as_published_on: datetime | None = typer.Option(
        None, "--as-published-on", formats=["%Y-%m-%d"], help="As public on this date."
    ),
    store: Path | None = typer.Option(
        None,
        "--store",
        help="Store file (default: $HEALTHGAP_STORE or the user data dir).",
        dir_okay=False,
    ),
) -> None:
    """An area's indicators: latest value, interval, London/ICB/England, comparisons, trend."""
    from healthgap.config import default_store_path
    from healthgap.errors import StoreError
    from healthgap.query import NoData, UnknownParameter, open_read_layer

    if as_json and as_csv:
        typer.echo("error: give --json or --csv, not both", err=True)
        raise typer.Exit(2)
    path = store if store is not None else default_store_path()
    try:
        q = open_read_layer(path, read_only=True)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    try:
        day = None if as_published_on is None else as_published_on.date()
        info, rows = profile_rows(q, area, indicators=indicator, as_of=day)
    except UnknownParameter as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except NoData as exc:
        what = f" for indicator(s) {', '.join(indicator)}" if indicator else ""
        if day is not None:
            what += f" as published on {day.isoformat()}"
        typer.echo(
            f"no indicator values are held for {area}{what} "
            f"(healthgap catalogue coverage lists what the store holds) [{exc}]",
            err=True,
        )
        raise typer.Exit(1) from exc
    finally:
        q.close()
    _print(info, rows, as_json=as_json, as_csv=as_csv)


def _print(info: AreaInfo, rows: list[ProfileRow], *, as_json: bool, as_csv: bool) -> None:
    if as_json:
        data: dict[str, Any] = {
            "area": {"code": info.code, "name": info.name, "area_type": info.area_type},
            "indicators": [dataclasses.asdict(r) for r in rows],
            "attribution": ATTRIBUTION,
        }
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(ProfileRow.__dataclass_fields__))
        writer.writeheader()
        for r in rows:
            writer.writerow(dataclasses.asdict(r))
        typer.echo(out.getvalue(), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 180))
    table = Table(title=f"{info.name} ({info.code}, {info.area_type}): latest values")
    shown = [r.shown() for r in rows]
    # A benchmark no row has a value or a comparison for (often the ICB) is left out.
    empty = {c for c in shown[0] if all(s[c] in {"", "Not compared"} for s in shown)} & {
        "London",
        "vs London",
        "ICB",
        "vs ICB",
        "England",
        "vs England",
        "95% CI",
        "red-red",
    }
    columns = [c for c in shown[0] if c not in empty]
    for column in columns:
        right = column in {"value", "London", "ICB", "England"}
        table.add_column(column, justify="right" if right else "left")
    for s in shown:
        table.add_row(*(s[c] for c in columns))
    console.print(table)
    for line in _series_notes(rows):
        console.print(line, highlight=False)
    flagged = sum(r.red_red for r in rows)
    console.print(
        f"{len(rows)} value(s) of {len({r.indicator_id for r in rows})} indicator(s); "
        f"{flagged} red-red (significantly worse and getting worse)"
    )
    console.print(f"[dim]{ATTRIBUTION}[/dim]", highlight=False)


def _series_notes(rows: list[ProfileRow]) -> list[str]:
    """A line per indicator and sex shown from more than one series (the table's rows would
    otherwise look like one measure with two latest values), naming each row's series."""
    by: dict[tuple[str, str], list[ProfileRow]] = {}
    for r in rows:
        by.setdefault((r.indicator_id, r.sex), []).append(r)
    lines: list[str] = []
    for (ind, sex), group in by.items():
        if len({r.series for r in group}) > 1:
            lines.append(f"{ind} ({sex}) is shown from {len(group)} series:")
            lines += [f"  {r.period}: {r.series}" for r in group]
    return lines


def register(app: typer.Typer) -> None:
    """Add the ``profile`` command to ``app``."""
    app.command("profile")(profile)
