"""``healthgap init | status | load | export``: build, inspect, extend and export the store.

The commands parse arguments and compute nothing themselves: ``status`` and ``export`` read
through ``healthgap.query`` (the read layer); ``init`` and ``load`` are writes, made through
``healthgap.publish`` (which derives comparisons and assessments with each release) on a store
they open for writing. ``register(app)`` adds them to a Typer application.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from healthgap import ATTRIBUTION
from healthgap.cli import format as fmt
from healthgap.config import default_store_path
from healthgap.errors import HealthgapError, InputError, StoreError
from healthgap.query import ReadLayer, UnknownParameter, editor, open_read_layer, public
from healthgap.store import ReleaseInput, Store, open_store

if TYPE_CHECKING:
    from healthgap.sources import PendingRelease

__all__ = ["ExportFormat", "InitOutcome", "populate", "register", "write_atomically"]

STORE_OPTION = typer.Option(
    None,
    "--store",
    help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
    dir_okay=False,
)


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


@dataclass(frozen=True)
class InitOutcome:
    """What ``populate`` did: releases loaded (and their rows) and releases skipped."""

    loaded: int
    skipped: int
    rows: int


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _store_path(store: Path | None) -> Path:
    return store if store is not None else default_store_path()


@contextmanager
def _opened(path: Path, *, read_only: bool) -> Iterator[Store]:
    try:
        s = open_store(path, read_only=read_only)
    except StoreError as exc:
        raise _fail(str(exc), code=1) from exc
    try:
        if not read_only:
            # A read layer over a writable store has each load (and init's last step)
            # prepare the API's large answers in the same transaction (ADR 0812).
            ReadLayer(s)
        yield s
    finally:
        s.close()


@contextmanager
def _reading(path: Path) -> Iterator[ReadLayer]:
    """The read layer over the store at ``path`` (read-only), or exit with its error."""
    try:
        q = open_read_layer(path, read_only=True)
    except StoreError as exc:
        raise _fail(str(exc), code=1) from exc
    try:
        yield q
    finally:
        q.close()


def populate(
    store: Store,
    releases: Iterable[ReleaseInput | PendingRelease],
    *,
    total: int | None = None,
    progress: Progress | None = None,
) -> InitOutcome:
    """Load each release the store does not already hold (same source and file checksums),
    with its comparisons and assessments derived (``healthgap.publish``).

    A :class:`~healthgap.sources.PendingRelease` is checked by its checksums and read only
    if the store does not hold it, so a rerun parses nothing it skips. Each release is its
    own transaction: if one fails, those before it stay loaded and a rerun resumes after
    them. The stored current records are derived once at the end (also on a rerun that
    loads nothing, if a killed run left them stale).
    """
    loaded = skipped = rows = 0
    overall = None if progress is None else progress.add_task("releases", total=total)
    for item in releases:
        if isinstance(item, ReleaseInput):
            sha256s: Iterable[str] = (f.sha256 for f in item.files)
        else:
            sha256s = item.sha256s
        if store.has_release(item.source, sha256s):
            skipped += 1
        else:
            task = None
            if progress is not None:
                task = progress.add_task(f"  {item.source}", total=None)

            def report(done: int, of: int, task: object = task) -> None:
                if progress is not None and task is not None:
                    progress.update(task, completed=done, total=of)  # type: ignore[arg-type]

            release = item if isinstance(item, ReleaseInput) else item.read()
            from healthgap.publish import load_release  # only when something is loaded

            load_release(store, release, progress=report, refresh_current=False)
            loaded += 1
            rows += sum(
                t.num_rows
                for t in (release.values, release.population, release.deaths, release.deprivation)
                if t is not None
            )
            if progress is not None and task is not None:
                progress.remove_task(task)
        if progress is not None and overall is not None:
            progress.advance(overall)
    if loaded or store.prepared_stale():
        store.refresh_current()  # once for the whole set (ADR 0811, 0812)
    return InitOutcome(loaded=loaded, skipped=skipped, rows=rows)


def _progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def init_command(
    store: Path | None = STORE_OPTION,
    empty: bool = typer.Option(
        False,
        "--empty",
        help="Create (or upgrade) the store without loading the bundled data: a store for "
        "`healthgap compute`'s or `load`'s own releases.",
    ),
) -> None:
    """Build or upgrade the store from the bundled data; releases already held are skipped."""
    from healthgap.sources import bundled_release_count, pending_bundled_releases

    path = _store_path(store)
    console = Console()
    if empty:
        existed = path.exists()
        with _opened(path, read_only=False) as s:
            held = len(s.releases())
            version = s.schema_version
        typer.echo(
            f"store {path}: {'already existed' if existed else 'created'}, bundled data not "
            f"loaded; {held} release(s) held (schema v{version})"
        )
        return
    with _opened(path, read_only=False) as s:
        try:
            if console.is_terminal:
                with _progress_bar(console) as bar:
                    outcome = populate(
                        s, pending_bundled_releases(), total=bundled_release_count(), progress=bar
                    )
            else:
                outcome = populate(s, pending_bundled_releases())
        except HealthgapError as exc:
            raise _fail(f"{exc} (releases loaded before this one are kept)", code=1) from exc
        held = len(s.releases())
        version = s.schema_version
    typer.echo(
        f"store {path}: loaded {outcome.loaded} release(s), {outcome.rows:,} rows; "
        f"skipped {outcome.skipped} already held; {held} release(s) in all (schema v{version})"
    )


def _iso(d: date | datetime | None) -> str:
    return "" if d is None else d.isoformat(sep=" ") if isinstance(d, datetime) else d.isoformat()


def status_command(
    store: Path | None = STORE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Releases, row counts and the periods held per source."""
    path = _store_path(store)
    with _reading(path) as q:
        sources = q.summary()
        releases = q.releases(public())
        version = q.schema_version
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "store": str(path),
                    "schema_version": version,
                    "sources": [x.to_dict() for x in sources],
                    "releases": [r.to_dict() for r in releases],
                    "attribution": ATTRIBUTION,
                },
                indent=2,
            )
        )
        if not releases:
            raise typer.Exit(1)
        return
    console = Console(width=max(Console().width, 120))
    if not releases:
        typer.echo(
            f"store {path} (schema v{version}) is empty: run `healthgap init` to load the "
            "bundled data",
            err=True,
        )
        raise typer.Exit(1)
    console.print(f"store {path} (schema v{version}): {fmt.number(len(releases))} release(s)")
    by_source = Table(title="Sources")
    numeric = {"releases", "rows", "value rows", "series"}
    for col in ("source", "releases", "rows", "value rows", "series", "periods from", "to"):
        by_source.add_column(col, justify="right" if col in numeric else "left")
    for x in sources:
        by_source.add_row(
            x.source,
            fmt.number(x.releases),
            fmt.number(x.rows),
            fmt.number(x.value_rows),
            fmt.number(x.series),
            _iso(x.first_period) or "—",
            _iso(x.last_period) or "—",
        )
    console.print(by_source)
    table = Table(title="Releases")
    for col in ("id", "source", "files", "rows", "published", "embargo until", "status"):
        table.add_column(col, justify="right" if col in {"id", "files", "rows"} else "left")
    for r in releases:
        table.add_row(
            str(r.release_id),
            r.source,
            fmt.number(len(r.files)),
            fmt.number(r.rows),
            _iso(r.published_at) or f"(loaded {r.loaded_at.date().isoformat()})",
            _iso(r.embargo_until),
            r.status,
        )
    console.print(table)
    console.print(f"[dim]{ATTRIBUTION}[/dim]", highlight=False)


def load_command(
    file: Path = typer.Argument(..., help="The data file to load.", dir_okay=True),
    source: str = typer.Option(..., "--source", help="Source kind of the file."),
    published_at: datetime | None = typer.Option(
        None, "--published-at", formats=["%Y-%m-%d"], help="Publication date (YYYY-MM-DD)."
    ),
    embargo_until: datetime | None = typer.Option(
        None,
        "--embargo-until",
        formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"],
        help="Hidden from public reads until this UTC time (YYYY-MM-DDTHH:MM).",
    ),
    store: Path | None = STORE_OPTION,
) -> None:
    """Load a file as a new release (validated first; nothing is written if it is bad)."""
    from healthgap.cli.inputs import check_input_file
    from healthgap.sources import SOURCE_KINDS, read_file
    from healthgap.sources.values import Flag

    if source not in SOURCE_KINDS:
        raise _fail(f"unknown source kind '{source}'; one of: {', '.join(SOURCE_KINDS)}", code=2)
    flags: list[Flag] = []
    try:
        check_input_file(file, delimiter_option=False)
        release = read_file(file, kind=source, flags=flags)
    except InputError as exc:
        raise _fail(f"{exc}; nothing was written", code=2) from exc
    for flag in flags:
        typer.echo(f"warning: {flag} (kept; noted on the row)", err=True)
    release = dataclasses.replace(
        release,
        published_at=published_at.date() if published_at is not None else release.published_at,
        embargo_until=embargo_until if embargo_until is not None else release.embargo_until,
        loaded_by=os.environ.get("USER") or release.loaded_by,
    )
    path = _store_path(store)
    with _opened(path, read_only=False) as s:
        if s.has_release(release.source, [f.sha256 for f in release.files]):
            typer.echo(f"{file} is already loaded from source '{release.source}'; nothing written")
            return
        from healthgap.publish import load_release  # writes only: derives with scipy

        try:
            rid = load_release(s, release)
        except HealthgapError as exc:
            raise _fail(f"{exc}; nothing was written", code=2) from exc
        rows = s.release(rid).rows
    typer.echo(f"loaded {file} as release {rid} ({rows:,} rows) into {path}")


def write_atomically(table: pa.Table, out: Path, *, fmt: ExportFormat) -> None:
    """Write ``table`` to ``out`` via a temporary file in the same directory and a rename."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt is ExportFormat.csv:
            pa_csv.write_csv(table, tmp)
        else:
            meta = dict(table.schema.metadata or {})
            meta[b"attribution"] = ATTRIBUTION.encode()
            pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _closest_ids(wanted: list[str]) -> str:
    """``; did you mean 'x'?`` for ids the catalogue does not know, naming its closest ids."""
    import difflib

    from healthgap.catalogue import load_catalogue

    known = [i.id for i in load_catalogue().indicators]
    hints = []
    for given in wanted:
        if given not in known:
            close = difflib.get_close_matches(given, known, n=3, cutoff=0.6)
            if close:
                hints.append(f"'{given}': did you mean {' or '.join(repr(c) for c in close)}?")
            else:
                hints.append(f"'{given}' is not a catalogue indicator (healthgap catalogue list)")
    return f" ({'; '.join(hints)})" if hints else ""


def _where_area(table: pa.Table, codes: list[str] | None, area_type: str | None) -> pa.Table:
    """Rows of ``table`` at ``codes`` and of ``area_type`` (each None: no filter)."""
    import pyarrow.compute as pc

    if codes:
        table = table.filter(pc.is_in(table.column("area_code"), value_set=pa.array(codes)))
    if area_type is not None:
        table = table.filter(pc.equal(table.column("area_type"), area_type))
    return table


def _export_format(out: Path, fmt: ExportFormat | None) -> ExportFormat:
    """The format ``--format`` names, else the one ``--out``'s extension names; a clash or
    neither is a usage error naming both choices."""
    by_suffix = {f".{f.value}": f for f in ExportFormat}.get(out.suffix.lower())
    if fmt is None:
        if by_suffix is None:
            choices = " or ".join(f.value for f in ExportFormat)
            raise _fail(f"--out {out}: give --format ({choices}) or end the name in .csv or "
                        ".parquet", code=2)  # fmt: skip
        return by_suffix
    if out.suffix.lower() in {".csv", ".parquet"} and by_suffix is not fmt:
        raise _fail(f"--format {fmt.value} but --out {out} ends in {out.suffix}", code=2)
    return fmt


def export_command(
    out: Path = typer.Option(..., "--out", help="File to write.", dir_okay=False),
    fmt: ExportFormat | None = typer.Option(
        None, "--format", help="csv or parquet (default: from --out's extension)."
    ),
    release: int | None = typer.Option(None, "--release", help="Only this release's values."),
    indicator: list[str] | None = typer.Option(
        None, "--indicator", help="Catalogue indicator id (repeatable)."
    ),
    as_published_on: datetime | None = typer.Option(
        None,
        "--as-published-on",
        formats=["%Y-%m-%d"],
        help="Values public at the end of this date (never later than now).",
    ),
    include_embargoed: bool = typer.Option(
        False,
        "--include-embargoed",
        help="Editor read: include releases still under embargo (not for publication).",
    ),
    area: list[str] | None = typer.Option(
        None, "--area", help="Only this area's values (GSS code; repeatable)."
    ),
    area_type: str | None = typer.Option(
        None, "--area-type", help="Only areas of this type (ltla, icb, region, …)."
    ),
    comparisons: bool = typer.Option(
        False,
        "--comparisons",
        help="Add the stored comparisons (London, ICB, England, quintile, previous) and trend.",
    ),
    store: Path | None = STORE_OPTION,
) -> None:
    """Export values, tidy, with their flags and release id (written atomically).

    A public read unless ``--include-embargoed``: nothing still under embargo is written.
    ``--comparisons`` writes the read layer's flat rows instead: each value with its
    comparison outcomes, benchmark values, recent trend and provenance.
    """
    if release is not None and as_published_on is not None:
        raise _fail("give --release or --as-published-on, not both", code=2)
    if release is not None and comparisons:
        raise _fail("--comparisons reads the current values: give it without --release", code=2)
    fmt = _export_format(out, fmt)
    day = None if as_published_on is None else as_published_on.date()
    viewer = editor(day) if include_embargoed else public(day)
    path = _store_path(store)
    with _reading(path) as q:
        try:
            codes = [q.area(a.strip().upper()).code for a in area] if area else None
            if area_type is not None:
                q.areas(area_type=area_type)  # UnknownParameter naming the valid types
        except UnknownParameter as exc:
            raise _fail(f"{exc}; {out} not written", code=2) from exc
        try:
            if comparisons:
                table = q.bulk(viewer, indicator=indicator or None, area=codes,
                               area_type=area_type)  # fmt: skip
            else:
                table = _where_area(
                    q.tidy_values(viewer, indicator=indicator or None, release_id=release),
                    codes,
                    area_type,
                )
        except HealthgapError as exc:
            hint = _closest_ids(indicator) if indicator else ""
            if day is not None:
                hint += f" (as published on {day.isoformat()})"
            raise _fail(f"{exc}{hint}; {out} not written", code=1) from exc
    if table.num_rows == 0:
        what = [f"release {release}"] if release is not None else []
        if indicator:
            what.append(f"indicator(s) {', '.join(indicator)}{_closest_ids(indicator)}")
        if as_published_on is not None:
            what.append(f"published on {as_published_on.date().isoformat()}")
        if area:
            what.append(f"area(s) {', '.join(area)}")
        if area_type is not None:
            what.append(f"area type {area_type}")
        raise _fail(
            f"no values match ({'; '.join(what) or 'the store holds no values'}); "
            f"{out} not written",
            code=1,
        )
    write_atomically(table, out, fmt=fmt)
    typer.echo(f"wrote {table.num_rows:,} values to {out} ({fmt.value})")


def register(app: typer.Typer) -> None:
    """Add ``init``, ``status``, ``load`` and ``export`` to ``app``."""
    app.command("init")(init_command)
    app.command("status")(status_command)
    app.command("load")(load_command)
    app.command("export")(export_command)
