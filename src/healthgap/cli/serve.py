"""``healthgap serve``: the REST API v1 (FastAPI + uvicorn) over one store.

One process holds the store (DuckDB's file lock): it reads on per-request cursors and writes
through its single writer (ADR 0800, 0810). ``--workers`` sets the request threads,
``--send-buffer`` each connection's socket send buffer (ADR 0814).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]

#: Imported once the server starts (not before it listens): what loads need.
_DERIVE = "healthgap.publish.derive"


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve_command)


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free)."),
    workers: int = typer.Option(
        8, "--workers", min=1, max=256, help="Request threads (one process holds the store)."
    ),
    store: Path | None = typer.Option(
        None,
        "--store",
        help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
        dir_okay=False,
    ),
    read_only: bool = typer.Option(False, "--read-only", help="Serve reads only (no writes)."),
    warm: bool = typer.Option(
        True,
        "--warm/--no-warm",
        help="Answer the API's hot questions before listening and render the website in the "
        "background (--no-warm: every first request is cold, e.g. to measure it).",
    ),
    send_buffer: int = typer.Option(
        128 * 1024,
        "--send-buffer",
        min=0,
        help="Socket send buffer per connection in bytes (SO_SNDBUF; 0: the kernel's "
        "automatic sizing; else at least 65536). Small keeps large answers in the CPU cache "
        "(faster behind a proxy on the same machine); 0 suits far clients on slow links.",
    ),
) -> None:
    """Serve the REST API v1 (docs at /docs, changelog at /v1/changelog)."""
    import anyio.to_thread

    from healthgap.api import create_app
    from healthgap.api.serving import check_send_buffer, run
    from healthgap.api.warm import HOT_PATHS, warm_answers
    from healthgap.config import default_store_path
    from healthgap.errors import StoreError
    from healthgap.publish import open_writer
    from healthgap.query import ReadLayer, open_read_layer
    from healthgap.reports.web import mount_reports
    from healthgap.web import mount_website

    try:
        check_send_buffer(send_buffer)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--send-buffer'") from exc
    path = store if store is not None else default_store_path()
    if not path.exists():
        typer.echo(f"error: no store at {path}; run `healthgap init` first", err=True)
        raise typer.Exit(1)
    try:
        if read_only:
            reader, writer = open_read_layer(path, read_only=True), None
        else:
            writer = open_writer(path)
            reader = ReadLayer(writer.store)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    reader.warm()
    api = create_app(reader, writer=writer)
    # The public website at /, same read layer. Its warmer starts with the server, yields to
    # live requests and, after a load or publication, rebuilds the API's hot answers first,
    # then every page (ADR 0811, 0820).
    mount_website(api, reader, warm=warm, warm_first=HOT_PATHS)
    mount_reports(api, reader)  # and its reports at /reports (HTML and PDF)
    if warm:
        warm_answers(api)  # before listening (the app's middleware are all added by now)
    inner = api.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = workers
        async with inner(app) as state:
            if writer is not None:
                # The derivations a load needs (pandas, tracking, scipy: about a second) are
                # imported beside the first requests, not before them, and not by the first load.
                threading.Thread(target=import_module, args=(_DERIVE,), daemon=True).start()
            yield state

    api.router.lifespan_context = lifespan

    try:
        started = run(api, host=host, port=port, send_buffer=send_buffer)
    finally:
        if writer is not None:
            writer.close()
        reader.close()
    if not started:
        raise typer.Exit(3)
