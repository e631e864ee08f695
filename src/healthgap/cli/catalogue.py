"""``healthgap catalogue``: list, show, search, validate and check the coverage of the framework."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from healthgap.catalogue import (
    Catalogue,
    Coverage,
    coverage,
    load_catalogue,
    validate_catalogue,
)
from healthgap.catalogue.coverage import (
    LEVELS,
    NOT_DECLARED,
    IndicatorCoverage,
    LevelCoverage,
)
from healthgap.cli import format as fmt
from healthgap.config import default_store_path
from healthgap.errors import CatalogueError, StoreError

__all__ = ["catalogue_app", "register"]

catalogue_app = typer.Typer(
    name="catalogue",
    help="The strategy's framework as data: aims, commitments, focus areas and indicators.",
    no_args_is_help=True,
)

_KINDS = {
    "indicators": "indicators",
    "commitments": "commitments",
    "focus-areas": "focus_areas",
    "aims": "aims",
    "priorities": "priorities",
    "missions": "missions",
    "six-tests": "six_tests",
    "key-figures": "key_figures",
    "changes": "changes",
}

JSON_OPTION = typer.Option(False, "--json", help="Print JSON for machines instead of a table.")
CATALOGUE_OPTION = typer.Option(
    None, "--catalogue", help="A catalogue directory other than the bundled one."
)


def register(app: typer.Typer) -> None:
    """Add the ``catalogue`` command group to ``app``."""
    app.add_typer(catalogue_app, name="catalogue")


def _console() -> Console:
    return Console(soft_wrap=False, width=160)


def _emit_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _load(path: Path | None) -> Catalogue:
    try:
        return load_catalogue(path)
    except CatalogueError as exc:
        raise _fail(str(exc)) from exc


def _plain(item: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = item.model_dump(mode="json")
    return data


def _title(item: BaseModel) -> str:
    for attr in ("name", "title", "statement", "change"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return ""


@catalogue_app.command("list")
def list_command(
    kind: str = typer.Option("indicators", "--kind", help=f"What to list: {', '.join(_KINDS)}."),
    table1: bool = typer.Option(False, "--table1", help="Only the Table 1 outcome measures."),
    as_json: bool = JSON_OPTION,
    path: Path | None = CATALOGUE_OPTION,
) -> None:
    """List indicators (default) or another part of the framework."""
    if kind not in _KINDS:
        raise _fail(f"--kind must be one of {', '.join(_KINDS)}")
    cat = _load(path)
    items: tuple[BaseModel, ...] = getattr(cat, _KINDS[kind])
    if table1:
        items = tuple(i for i in cat.indicators if i.table1)
    if as_json:
        _emit_json({"version": cat.version, "kind": kind, "items": [_plain(i) for i in items]})
        return
    table = Table(title=f"{kind} — catalogue {cat.version} ({len(items)})")
    if kind == "indicators" or table1:
        for col in ("id", "name", "statistic", "polarity", "bundled"):
            table.add_column(col)
        for ind in cat.indicators:
            if ind in items:
                table.add_row(
                    ind.id, ind.name, ind.statistic.value, ind.polarity.value,
                    "yes" if ind.bundled else "no",
                )  # fmt: skip
    elif kind == "commitments":
        for col in ("id", "title", "target", "deadline", "indicators"):
            table.add_column(col)
        for com in cat.commitments:
            t = com.target
            target = "TBC" if t.status.value == "tbc" else t.text if t.value is None else (
                fmt.quantity(t.value, t.unit)
            )  # fmt: skip
            table.add_row(com.id, com.title, target, com.deadline or "", ", ".join(com.indicators))
    else:
        table.add_column("id")
        table.add_column("name")
        for item in items:
            table.add_row(str(getattr(item, "id", getattr(item, "version", ""))), _title(item))
    _console().print(table)


def _find(cat: Catalogue, item_id: str) -> tuple[str, BaseModel]:
    for kind, attr in _KINDS.items():
        if attr == "changes":
            continue
        for item in getattr(cat, attr):
            if item.id == item_id:
                return kind, item
    cat.indicator(item_id)  # raises CatalogueError naming the closest indicator id
    raise CatalogueError("no such id", key=item_id)  # pragma: no cover - indicator() raised


@catalogue_app.command("show")
def show_command(
    item_id: str = typer.Argument(..., metavar="ID", help="An indicator, commitment or other id."),
    as_json: bool = JSON_OPTION,
    path: Path | None = CATALOGUE_OPTION,
) -> None:
    """Show everything declared about one id."""
    cat = _load(path)
    try:
        kind, item = _find(cat, item_id)
    except CatalogueError as exc:
        raise _fail(str(exc)) from exc
    data = _plain(item)
    if kind == "indicators":
        data["commitments"] = [c.id for c in cat.commitments_for_indicator(item_id)]
    if as_json:
        _emit_json({"kind": kind, "item": data})
        return
    table = Table(title=f"{kind[:-1] if kind.endswith('s') else kind} {item_id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in data.items():
        if value in (None, [], {}):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        table.add_row(key, shown)
    _console().print(table)


@catalogue_app.command("search")
def search_command(
    text: str = typer.Argument(..., help="Words that must all appear (case-insensitive)."),
    as_json: bool = JSON_OPTION,
    path: Path | None = CATALOGUE_OPTION,
) -> None:
    """Search indicators, commitments and focus areas."""
    cat = _load(path)
    hits = cat.search(text)
    if as_json:
        _emit_json({"query": text, "hits": [dataclasses.asdict(h) for h in hits]})
        if not hits:
            raise typer.Exit(code=1)
        return
    if not hits:
        typer.echo(f"nothing matches '{text}'", err=True)
        raise typer.Exit(code=1)
    table = Table(title=f"'{text}': {len(hits)} matches")
    for col in ("kind", "id", "title", "score"):
        table.add_column(col)
    for hit in hits:
        table.add_row(hit.kind, hit.id, hit.title, str(hit.score))
    _console().print(table)


@catalogue_app.command("validate")
def validate_command(
    path: Path | None = typer.Argument(None, help="Catalogue directory (default: bundled)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check every file and every cross-reference; exit 1 if anything is wrong."""
    problems = validate_catalogue(path)
    if as_json:
        _emit_json(
            {
                "valid": not problems,
                "problems": [
                    {"file": p.file, "row": p.row, "key": p.key, "column": p.column,
                     "value": None if p.value is None else str(p.value), "rule": p.rule,
                     "message": str(p)}
                    for p in problems
                ],
            }
        )  # fmt: skip
    elif problems:
        for p in problems:
            typer.echo(f"error: {p}", err=True)
    else:
        cat = load_catalogue(path)
        typer.echo(
            f"catalogue {cat.version} is valid: {len(cat.indicators)} indicators, "
            f"{len(cat.commitments)} commitments, {len(cat.focus_areas)} focus areas"
        )
    if problems:
        raise typer.Exit(code=1)


def _held_series(store_path: Path) -> dict[str, tuple[str, str, int]]:
    """What the store holds: ``{series key: (first period label, last period label, rows)}``."""
    from healthgap.store import open_store

    with open_store(store_path, read_only=True) as store:
        return store.series_summary()


Held = dict[str, tuple[str, str, int]]
Levels = dict[str, dict[str, tuple[str, str]]]


def _held_levels(store_path: Path, keys: list[str]) -> Levels:
    """Per series key and level (london, boroughs, icbs, england): (latest end, its label).

    Only published values count: rows with a value, without a breakdown.
    """
    import pyarrow.compute as pc

    from healthgap.geography import ENGLAND, LONDON, LONDON_BOROUGHS, LONDON_ICBS
    from healthgap.store import open_store

    level_of = {LONDON: "london", ENGLAND: "england"}
    level_of.update(dict.fromkeys(LONDON_BOROUGHS, "boroughs"))
    level_of.update(dict.fromkeys(LONDON_ICBS, "icbs"))
    with open_store(store_path, read_only=True) as store:
        table = store.values(series=keys, area_codes=sorted(level_of))
    mask = pc.and_(pc.is_valid(table["value"]), pc.equal(table["breakdown_type"], "none"))
    table = table.filter(mask).select(["series", "area_code", "period_end", "period_label"])
    out: Levels = {}
    for row in table.to_pylist():
        level = level_of[row["area_code"]]
        got = (row["period_end"].isoformat(), row["period_label"])
        slot = out.setdefault(row["series"], {})
        if level not in slot or got > slot[level]:
            slot[level] = got
    return out


def _held_ids(store_path: Path) -> set[str]:
    """The indicator ids a public read finds values under (what ``export --indicator`` reads)."""
    import pyarrow.compute as pc

    from healthgap.store import open_store

    with open_store(store_path, read_only=True) as store:
        ids = pc.unique(store.values().column("indicator_id")).to_pylist()
    return {i for i in ids if i is not None}


def store_coverage(cat: Catalogue, store_path: Path) -> tuple[Coverage, str, bool]:
    """Coverage from the store at ``store_path`` (or from the declared flags when there is no
    readable store), the note saying which, and whether levels were read."""
    keys = sorted({k for ind in cat.indicators for k in ind.series_keys})
    if not store_path.exists():
        note = f"no store at {store_path}: coverage from the declared 'bundled' flags"
        return coverage(cat, None), note, False
    try:
        held, levels = _held_series(store_path), _held_levels(store_path, keys)
        ids = _held_ids(store_path)
    except StoreError as exc:
        note = f"store not readable ({exc}): coverage from the declared 'bundled' flags"
        return coverage(cat, None), note, False
    note = f"coverage from the store at {store_path}"
    return coverage(cat, held, levels, held_ids=ids), note, True


def _print_levels(
    console: Console, title: str, rows: list[tuple[str, tuple[LevelCoverage, ...]]]
) -> None:
    """One row per id: each level's latest period ('—' a gap, 'n/a' not declared), then how
    to fill the gaps."""
    table = Table(title=title)
    table.add_column("id")
    for level in LEVELS:
        table.add_column(level)
    table.add_column("to fill the gaps", max_width=70)
    for item_id, levels in rows:
        gaps = [lv for lv in levels if not lv.held and lv.fill and lv.fill != NOT_DECLARED]
        table.add_row(
            item_id,
            *(
                lv.latest_period if lv.held else "n/a" if lv.fill == NOT_DECLARED else "—"
                for lv in levels
            ),
            "; ".join(dict.fromkeys(lv.fill for lv in gaps)),
        )
    console.print(table)


def _coverage_json(result: Coverage, note: str) -> dict[str, Any]:
    return {
        "basis": result.basis,
        "note": note,
        "indicators": [dataclasses.asdict(c) for c in result.indicators],
        "commitments": [dataclasses.asdict(c) for c in result.commitments],
    }


def _data_word(ic: IndicatorCoverage, basis: str) -> str:
    """'direct', 'held' (values under its id, from a series not declared for it), 'proxy
    only' (declared basis), or 'none' saying what is held instead."""
    if ic.direct:
        return "direct"
    if ic.has_data:
        return "proxy only" if basis == "declared" else "held"
    if any(s.proxy for s in ic.series):
        return "none (a proxy series is held)"
    return "none (its series is held under another indicator)" if ic.series else "none"


@catalogue_app.command("coverage")
def coverage_command(
    store: Path | None = typer.Option(
        None, "--store", help="Store file (default: $HEALTHGAP_STORE or the user data directory)."
    ),
    as_json: bool = JSON_OPTION,
    path: Path | None = CATALOGUE_OPTION,
) -> None:
    """Which indicators and commitments have data, from which series and periods."""
    cat = _load(path)
    result, note, with_levels = store_coverage(
        cat, store if store is not None else default_store_path()
    )
    if as_json:
        _emit_json(_coverage_json(result, note))
        return
    console = _console()
    console.print(note)
    table = Table(title=f"Indicators ({result.basis})")
    for col in ("indicator", "data", "series", "periods"):
        table.add_column(col)
    for ic in result.indicators:
        data = _data_word(ic, result.basis)
        periods = ", ".join(
            f"{s.first_period}–{s.last_period} ({s.rows})" for s in ic.series if s.rows
        )
        table.add_row(ic.indicator_id, data, ", ".join(s.key for s in ic.series), periods)
    console.print(table)
    if with_levels:
        _print_levels(console, "Indicators by geography", [
            (ic.indicator_id, ic.levels) for ic in result.indicators
        ])  # fmt: skip
        _print_levels(console, "Commitments by geography", [
            (cc.commitment_id, cc.levels) for cc in result.commitments
        ])  # fmt: skip
    with_data = sum(1 for c in result.commitments if c.has_data)
    console.print(
        f"{sum(1 for c in result.indicators if c.has_data)}/{len(result.indicators)} indicators "
        f"and {with_data}/{len(result.commitments)} commitments have data"
    )
