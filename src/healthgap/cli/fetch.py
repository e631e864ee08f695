"""``healthgap fetch fingertips | ons-explore``: refresh from the official sources.

Everything is downloaded (or reused from the cache) and validated before the store is
opened for writing; the release is loaded in one transaction or not at all. Heavy modules
are imported inside the commands. See ADR 0510.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

__all__ = ["fetch_app", "register"]

fetch_app = typer.Typer(
    name="fetch",
    help="Refresh from the official sources (Fingertips, ONS Explore) when you have a network.",
    no_args_is_help=True,
)

STORE_OPTION = typer.Option(
    None,
    "--store",
    help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
    dir_okay=False,
)
CACHE_OPTION = typer.Option(
    None,
    "--cache-dir",
    help="Where downloads are kept until loaded (default: $HEALTHGAP_CACHE, else the user "
    "cache dir); a re-run fetches only what is missing.",
    file_okay=False,
)
RETRY_OPTION = typer.Option(1.0, "--retry-delay", help="Seconds before the first retry.", min=0)
ATTEMPTS_OPTION = typer.Option(4, "--attempts", help="Tries per download.", min=1)


def register(app: typer.Typer) -> None:
    """Add the ``fetch`` command group to ``app``."""
    app.add_typer(fetch_app, name="fetch")


def _fail(message: str, *, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _cache_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("HEALTHGAP_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("healthgap")) / "fetch"


def _fingertips_ids(
    indicators: list[str], all_catalogue: bool
) -> tuple[list[int], dict[str, int], dict[int, str]]:
    """Fingertips ids to fetch, indicator id → comparison method, Fingertips id → unit."""
    from healthgap.catalogue import load_catalogue

    cat = load_catalogue()
    methods = {i.id: int(i.comparison_method) for i in cat.indicators}
    units = {
        s.fingertips_id: i.unit
        for i in cat.indicators
        for s in i.sources
        if s.fingertips_id is not None and not s.proxy
    }
    by_indicator = {
        i.id: [s.fingertips_id for s in i.sources if s.fingertips_id is not None]
        for i in cat.indicators
    }
    ids: list[int] = []
    if all_catalogue:
        ids.extend(fid for fids in by_indicator.values() for fid in fids)
    for given in indicators:
        if given.isdigit():
            ids.append(int(given))
        elif given in by_indicator:
            if not by_indicator[given]:
                with_ids = sorted(k for k, v in by_indicator.items() if v)
                raise _fail(
                    f"--indicator {given}: the catalogue declares no Fingertips id for it; "
                    f"indicators with one: {', '.join(with_ids)}",
                    code=2,
                )
            ids.extend(by_indicator[given])
        else:
            raise _fail(
                f"--indicator {given}: not a Fingertips id (a number) nor a catalogue indicator "
                "id (see `healthgap catalogue list`)",
                code=2,
            )
    return sorted(set(ids)), methods, units


def _run(fetch: object, *, what: str, store: Path | None) -> None:
    """Run ``fetch(progress)`` with a progress bar (terminal) and load its release."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from healthgap.config import default_store_path
    from healthgap.errors import HealthgapError, InputError
    from healthgap.publish import load_release
    from healthgap.sources.fetch import FetchOutcome
    from healthgap.store import open_store

    console = Console(stderr=True)
    try:
        if console.is_terminal:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"fetching {what}", total=None)

                def report(done: int, total: int, label: str) -> None:
                    bar.update(task, completed=done, total=total, description=f"{what} {label}")

                outcome: FetchOutcome = fetch(report)  # type: ignore[operator]
        else:
            outcome = fetch(None)  # type: ignore[operator]
    except InputError as exc:
        raise _fail(f"{exc}; nothing was written", code=2) from exc
    except HealthgapError as exc:
        raise _fail(str(exc)) from exc
    path = store if store is not None else default_store_path()
    release = outcome.release
    try:
        with open_store(path) as s:
            from healthgap.query import ReadLayer

            ReadLayer(s)  # the load prepares the API's large answers too (ADR 0812)
            if s.has_release(release.source, [f.sha256 for f in release.files]):
                rid = None
            else:
                rid = load_release(s, release)
    except HealthgapError as exc:
        raise _fail(f"{exc}; nothing was written") from exc
    for file in outcome.files:
        file.unlink(missing_ok=True)
    rows = 0 if release.values is None else release.values.num_rows
    got = f"{outcome.downloaded} downloaded, {outcome.cached} from the cache"
    if rid is None:
        typer.echo(f"{what}: the store already holds exactly this data ({got}); nothing written")
    else:
        typer.echo(
            f"{what}: loaded release {rid} ({rows:,} values for London, its boroughs, ICBs and "
            f"England; {outcome.rows_outside_london:,} rows for other areas left out; {got}) "
            f"into {path}"
        )
    for note in outcome.notes:
        typer.echo(f"  note: {note}")


@fetch_app.command("fingertips")
def fingertips_command(
    indicator: list[str] | None = typer.Option(
        None,
        "--indicator",
        help="A Fingertips indicator id (e.g. 20601) or a catalogue indicator id (repeatable).",
    ),
    all_catalogue: bool = typer.Option(
        False, "--all-catalogue", help="Every catalogue indicator with a Fingertips id."
    ),
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="Fingertips API root (default: $HEALTHGAP_FINGERTIPS_URL, else "
        "https://fingertips.phe.org.uk/api).",
    ),
    cache_dir: Path | None = CACHE_OPTION,
    retry_delay: float = RETRY_OPTION,
    attempts: int = ATTEMPTS_OPTION,
    store: Path | None = STORE_OPTION,
) -> None:
    """Official all-areas data for London, its boroughs, the London ICBs and England."""
    from healthgap.sources.fetch import (
        DEFAULT_FINGERTIPS_URL,
        FINGERTIPS_URL_ENV,
        RetryPolicy,
        fetch_fingertips,
    )

    if not indicator and not all_catalogue:
        raise _fail("give --indicator ID (repeatable) or --all-catalogue", code=2)
    ids, methods, units = _fingertips_ids(list(indicator or []), all_catalogue)
    base = base_url or os.environ.get(FINGERTIPS_URL_ENV) or DEFAULT_FINGERTIPS_URL
    cache = _cache_dir(cache_dir)
    policy = RetryPolicy(attempts=attempts, delay=retry_delay)
    _run(
        lambda progress: fetch_fingertips(
            ids,
            base_url=base,
            cache_dir=cache,
            policy=policy,
            progress=progress,
            comparison_methods=methods,
            units=units,
        ),
        what=f"Fingertips ({len(ids)} indicator(s))",
        store=store,
    )


@fetch_app.command("ons-explore")
def ons_explore_command(
    dataset: str = typer.Argument(..., help="Dataset slug, e.g. healthy-life-expectancy."),
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="Root of the dataset files (default: $HEALTHGAP_ONS_EXPLORE_URL, else "
        "ONSdigital/explore-local-statistics-data on GitHub).",
    ),
    cache_dir: Path | None = CACHE_OPTION,
    retry_delay: float = RETRY_OPTION,
    attempts: int = ATTEMPTS_OPTION,
    store: Path | None = STORE_OPTION,
) -> None:
    """One ONS Explore Local Statistics dataset, London's rows, as a release."""
    from healthgap.sources.fetch import (
        DEFAULT_ONS_EXPLORE_URL,
        ONS_EXPLORE_URL_ENV,
        RetryPolicy,
        fetch_ons_explore,
    )

    base = base_url or os.environ.get(ONS_EXPLORE_URL_ENV) or DEFAULT_ONS_EXPLORE_URL
    cache = _cache_dir(cache_dir)
    policy = RetryPolicy(attempts=attempts, delay=retry_delay)
    _run(
        lambda progress: fetch_ons_explore(
            dataset, base_url=base, cache_dir=cache, policy=policy, progress=progress
        ),
        what=f"ONS Explore {dataset}",
        store=store,
    )
