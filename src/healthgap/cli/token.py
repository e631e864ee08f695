"""``healthgap token create | list | revoke``: API tokens (shown once, stored hashed)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]

token_app = typer.Typer(help="API tokens for writes: shown once, stored hashed.")

STORE_OPTION = typer.Option(
    None,
    "--store",
    help="Store file (default: $HEALTHGAP_STORE, else healthgap.duckdb in the user data dir).",
    dir_okay=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``token`` command group to ``app``."""
    app.add_typer(token_app, name="token")


def _writer(store: Path | None):  # type: ignore[no-untyped-def]
    from healthgap.config import default_store_path
    from healthgap.errors import StoreError
    from healthgap.publish import open_writer

    path = store if store is not None else default_store_path()
    if not path.exists():
        typer.echo(f"error: no store at {path}; run `healthgap init` first", err=True)
        raise typer.Exit(1)
    try:
        return open_writer(path)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@token_app.command("create")
def create(
    name: str = typer.Argument(..., help="Who holds the token (recorded in the audit log)."),
    role: str = typer.Option("editor", "--role", help="editor or admin."),
    store: Path | None = STORE_OPTION,
) -> None:
    """Create a token and print it once (it cannot be shown again)."""
    from healthgap.errors import HealthgapError
    from healthgap.publish import access

    writer = _writer(store)
    try:
        token, info = writer.run(
            lambda s: access.audited(
                s,
                "cli",
                "token.create",
                lambda st: access.create_token(st, name, role),
                lambda got: {"token_id": got[1].token_id, "role": role},
            )
        )
    except HealthgapError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        writer.close()
        writer.store.close()
    typer.echo(f"token {info.token_id} for '{info.name}' ({info.role}); shown once:")
    typer.echo(token)


@token_app.command("list")
def list_(store: Path | None = STORE_OPTION) -> None:
    """List tokens (id, holder, role, created, revoked); never the tokens themselves."""
    from healthgap.publish import access

    writer = _writer(store)
    try:
        rows = access.list_tokens(writer.store)
    finally:
        writer.close()
        writer.store.close()
    if not rows:
        typer.echo("no tokens")
    for t in rows:
        revoked = "" if t.revoked_at is None else f"  revoked {t.revoked_at:%Y-%m-%d %H:%M}"
        typer.echo(f"{t.token_id}\t{t.name}\t{t.role}\t{t.created_at:%Y-%m-%d %H:%M}{revoked}")


@token_app.command("revoke")
def revoke(
    token_id: int = typer.Argument(..., help="The token's id (from `healthgap token list`)."),
    store: Path | None = STORE_OPTION,
) -> None:
    """Revoke a token: it stops working at once."""
    from healthgap.errors import HealthgapError
    from healthgap.publish import access

    writer = _writer(store)
    try:
        writer.run(
            lambda s: access.audited(
                s,
                "cli",
                "token.revoke",
                lambda st: access.revoke_token(st, token_id),
                lambda _: {"token_id": token_id},
            )
        )
    except HealthgapError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        writer.close()
        writer.store.close()
    typer.echo(f"token {token_id} revoked")
