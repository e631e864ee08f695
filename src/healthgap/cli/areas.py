"""``healthgap areas``: list London boroughs, show an area, or search areas by name or code."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from healthgap.errors import InputError, UnknownAreaError
from healthgap.geography import AREA_TYPES, Area, Geography, load_geography
from healthgap.geography.areas import looks_like_code

__all__ = ["areas", "register"]


def _area_dict(area: Area) -> dict[str, Any]:
    return {
        "code": area.code,
        "name": area.name,
        "area_type": area.area_type,
        "parent_code": area.parent_code,
    }


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _boroughs(geo: Geography, *, as_json: bool, console: Console) -> None:
    rows = [
        {
            **_area_dict(b),
            "icb_code": geo.icb_of(b.code).code,
            "icb_name": geo.icb_of(b.code).name,
            "inner_london_ons": geo.is_inner_london(b.code, definition="ons"),
            "inner_london_lga1963": geo.is_inner_london(b.code, definition="lga1963"),
        }
        for b in geo.boroughs()
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="London local authorities (inner/outer: ONS statistical definition)")
    for col in ("code", "name", "ICB", "inner/outer"):
        table.add_column(col)
    for r in rows:
        icb = str(r["icb_name"]).removeprefix("NHS ").removesuffix(" Integrated Care Board")
        table.add_row(r["code"], r["name"], icb, "inner" if r["inner_london_ons"] else "outer")
    console.print(table)


def _listing(rows: list[Area], *, as_json: bool, console: Console, title: str) -> None:
    if as_json:
        _print_json([_area_dict(a) for a in rows])
        return
    table = Table(title=title)
    for col in ("code", "name", "type", "parent"):
        table.add_column(col)
    for a in rows:
        table.add_row(a.code, a.name, a.area_type, a.parent_code or "")
    console.print(table)


def _detail(
    geo: Geography, area: Area, *, as_json: bool, console: Console, limit: int | None = None
) -> None:
    parents = geo.parents(area.code, as_type=area.area_type)
    direct = [a for a in geo.children(area.code) if a.code != area.code]
    counts = Counter(
        a.area_type
        for t in AREA_TYPES
        for a in geo.children(area.code, area_type=t)
        if a.code != area.code
    )
    types = geo.types_of(area.code)
    if as_json:
        _print_json(
            {
                **_area_dict(area),
                "also_type": [t for t in types if t != area.area_type],
                "parents": [_area_dict(p) for p in parents],
                "children": {t: counts[t] for t in AREA_TYPES if counts[t]},
                "child_areas": [_area_dict(a) for a in direct[:limit]],
            }
        )
        return
    console.print(f"[bold]{area.code}[/bold]  {area.name}  ({area.area_type})")
    if len(types) > 1:
        console.print(f"same code also names: {', '.join(t for t in types if t != area.area_type)}")
    chain = " → ".join(f"{p.name} ({p.area_type} {p.code})" for p in parents)
    console.print(f"parents: {chain or 'none'}")
    if counts:
        console.print("children: " + ", ".join(f"{counts[t]} {t}" for t in AREA_TYPES if counts[t]))
    else:
        console.print("children: none")
    if direct:
        shown = direct[:limit] if limit else direct
        table = Table(title=f"{len(direct)} direct children of {area.name}")
        for col in ("code", "name", "type"):
            table.add_column(col)
        for a in shown:
            table.add_row(a.code, a.name, a.area_type)
        console.print(table)
        if len(shown) < len(direct):
            console.print(f"… {len(direct) - len(shown)} more (--limit)")


def areas(
    query: str | None = typer.Argument(None, help="An area code (shows it) or text to search."),
    area_type: str | None = typer.Option(
        None, "--type", "-t", help=f"Only areas of this type: {', '.join(AREA_TYPES)}."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    limit: int | None = typer.Option(
        None, "--limit", "-n", min=1, help="Most results to show (search default 20)."
    ),
) -> None:
    """List London boroughs, show an area with its parents and children, or search areas."""
    console = Console()
    err = Console(stderr=True)
    try:
        geo = load_geography()
        if area_type is not None and area_type not in AREA_TYPES:
            raise InputError(f"--type must be one of {', '.join(AREA_TYPES)}", value=area_type)
        if query is None:
            if area_type is None:
                _boroughs(geo, as_json=as_json, console=console)
                return
            rows = geo.areas(area_type=area_type)
            rows = rows[:limit] if limit else rows
            _listing(rows, as_json=as_json, console=console, title=f"{len(rows)} {area_type}")
            return
        if looks_like_code(query):
            area = geo.require(query, as_type=area_type, context="healthgap areas")
            _detail(geo, area, as_json=as_json, console=console, limit=limit)
            return
        hits = geo.search(query, area_type=area_type, limit=limit or 20)
        if not hits:
            err.print(f"no area matches '{query}'")
            raise typer.Exit(1)
        _listing(hits, as_json=as_json, console=console, title=f"areas matching '{query}'")
    except (UnknownAreaError, InputError) as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from exc


def register(app: typer.Typer) -> None:
    """Add the ``areas`` command to the ``healthgap`` app."""
    app.command("areas")(areas)
