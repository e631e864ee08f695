"""``healthgap actions list | search | show | add | publish``: the local action library.

Reads go through ``healthgap.query.actions`` (public: published entries only; ``--drafts``
shows editors' drafts too); ``add`` and ``publish`` write an editor's entry through the
store's single writer (``healthgap.partners``). Exit codes: 0 done, 1 store problem,
2 bad input (unknown filter value, invalid entry file).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from healthgap.catalogue.actions import ActionEntry
    from healthgap.query import ReadLayer

__all__ = ["register"]

actions_app = typer.Typer(help="The local action library: what London organisations are doing.")

STORE_OPTION = typer.Option(
    None,
    "--store",
    help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
    dir_okay=False,
)
DRAFTS_OPTION = typer.Option(False, "--drafts", help="Include editors' drafts (editor view).")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


def register(app: typer.Typer) -> None:
    """Add the ``actions`` command group to ``app``."""
    app.add_typer(actions_app, name="actions")


def _fail(message: str, *, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _reading(store: Path | None) -> Iterator[ReadLayer]:
    from healthgap.config import default_store_path
    from healthgap.errors import StoreError
    from healthgap.query import open_read_layer

    try:
        read = open_read_layer(store if store is not None else default_store_path())
    except StoreError as exc:
        raise _fail(str(exc), code=1) from exc
    try:
        yield read
    finally:
        read.close()


def _viewer(drafts: bool) -> Any:
    from healthgap.query import editor, public

    return editor() if drafts else public()


def _show(entries: list[ActionEntry], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{len(entries)} action(s)")
    for col in ("id", "title", "organisation", "sector", "aims", "status"):
        t.add_column(col)
    for e in entries:
        t.add_row(e.id, e.title, e.organisation, e.sector.value, ", ".join(e.aims), e.status.value)
    Console(width=200).print(t)


def _bad_input(exc: Exception) -> typer.Exit:
    return _fail(str(exc), code=2)


@actions_app.command("list")
def list_command(
    aim: str | None = typer.Option(None, "--aim", help="Aim id (healthy_children …)."),
    focus_area: str | None = typer.Option(None, "--focus-area", help="Focus area id."),
    sector: str | None = typer.Option(None, "--sector", help="healthcare, vcse, council …"),
    borough: str | None = typer.Option(None, "--borough", help="Borough GSS code or name."),
    theme: str | None = typer.Option(None, "--theme", help="Theme (part of a theme's name)."),
    drafts: bool = DRAFTS_OPTION,
    as_json: bool = JSON_OPTION,
    store: Path | None = STORE_OPTION,
) -> None:
    """List the library, filtered by aim, focus area, sector, borough and theme."""
    from healthgap.errors import InputError
    from healthgap.query import UnknownParameter, actions

    with _reading(store) as read:
        try:
            found = actions.actions(
                read,
                _viewer(drafts),
                aim=aim,
                focus_area=focus_area,
                sector=sector,
                borough=borough,
                theme=theme,
            )
        except (UnknownParameter, InputError) as exc:
            raise _bad_input(exc) from exc
    _show(found, as_json)


@actions_app.command("search")
def search_command(
    text: str = typer.Argument(..., help="Words to find (typos tolerated)."),
    drafts: bool = DRAFTS_OPTION,
    as_json: bool = JSON_OPTION,
    store: Path | None = STORE_OPTION,
) -> None:
    """Search the library, best match first."""
    from healthgap.errors import InputError
    from healthgap.query import actions

    with _reading(store) as read:
        try:
            found = actions.search_library(read, _viewer(drafts), text)
        except InputError as exc:
            raise _bad_input(exc) from exc
    _show(found, as_json)


@actions_app.command("show")
def show_command(
    entry_id: str = typer.Argument(..., help="Entry id."),
    drafts: bool = DRAFTS_OPTION,
    as_json: bool = JSON_OPTION,
    store: Path | None = STORE_OPTION,
) -> None:
    """Show one entry in full."""
    from healthgap.query import UnknownParameter, actions

    with _reading(store) as read:
        try:
            e = actions.action(read, _viewer(drafts), entry_id)
        except UnknownParameter as exc:
            raise _bad_input(exc) from exc
    if as_json:
        typer.echo(json.dumps(e.model_dump(mode="json"), indent=2))
        return
    lines = [
        f"{e.title} ({e.id}, {e.status.value})",
        f"Organisation: {e.organisation}",
        f"Sector: {e.sector.value}",
        f"Boroughs: {', '.join(e.boroughs) or 'London-wide / not named'}",
        f"Aims: {', '.join(e.aims)}",
        f"Focus areas: {', '.join(e.focus_areas) or '-'}",
        f"Themes: {', '.join(e.themes) or '-'}",
        f"What: {e.what}",
        f"For whom: {e.for_whom}",
        f"Results (as stated): {e.results}",
        f"Source: document {e.source.document}, {e.source.section}"
        + ("" if e.source.page is None else f", page {e.source.page}"),
    ]
    typer.echo("\n".join(lines))


@contextmanager
def _writing(store: Path | None) -> Iterator[Any]:
    from healthgap.config import default_store_path
    from healthgap.errors import StoreError
    from healthgap.publish import open_writer

    try:
        writer = open_writer(store if store is not None else default_store_path())
    except StoreError as exc:
        raise _fail(str(exc), code=1) from exc
    try:
        yield writer
    finally:
        writer.close()
        writer.store.close()


@actions_app.command("add")
def add_command(
    file: Path = typer.Argument(..., help="YAML or JSON file holding one entry.", dir_okay=False),
    by: str | None = typer.Option(None, "--by", help="Editor's name (default: user name)."),
    store: Path | None = STORE_OPTION,
) -> None:
    """Add an editor's entry as a draft (publish it with ``actions publish``)."""
    import yaml
    from pydantic import ValidationError

    from healthgap.catalogue.actions import ActionEntry
    from healthgap.errors import HealthgapError, StoreError
    from healthgap.partners import add_action
    from healthgap.query import ReadLayer

    if not file.is_file():
        raise _fail(f"{file}: no such file", code=2)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _fail(f"{file}: not valid YAML or JSON: {exc}", code=2) from exc
    try:
        entry = ActionEntry.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "entry"
        raise _fail(
            f"{file}: field '{where}': {first['msg']}; nothing was written", code=2
        ) from exc
    with _writing(store) as writer:
        read = ReadLayer(writer.store)
        try:
            draft = add_action(
                writer,
                entry,
                recorded_by=by or getpass.getuser(),
                catalogue=read.catalogue,
                boroughs=[b.code for b in read.geography.boroughs()],
            )
        except StoreError as exc:
            raise _fail(str(exc), code=1) from exc
        except HealthgapError as exc:
            raise _fail(f"{file}: {exc}; nothing was written", code=2) from exc
    typer.echo(f"added draft '{draft.id}' (publish it with: healthgap actions publish {draft.id})")


@actions_app.command("publish")
def publish_command(
    entry_id: str = typer.Argument(..., help="Id of an editor's draft."),
    by: str | None = typer.Option(None, "--by", help="Editor's name (default: user name)."),
    store: Path | None = STORE_OPTION,
) -> None:
    """Publish an editor's draft so public reads show it."""
    from healthgap.errors import InputError
    from healthgap.partners import publish_action

    with _writing(store) as writer:
        try:
            publish_action(writer, entry_id, recorded_by=by or getpass.getuser())
        except InputError as exc:
            raise _fail(str(exc), code=2) from exc
    typer.echo(f"published '{entry_id}'")
