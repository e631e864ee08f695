"""The DuckDB backend's resource settings."""

from __future__ import annotations

import pytest

from healthgap.engine.backends import connect
from healthgap.errors import ConfigurationError


def _setting(name: str, monkeypatch: pytest.MonkeyPatch, value: str | None) -> str:
    if value is None:
        monkeypatch.delenv("HEALTHGAP_DUCKDB_MEMORY", raising=False)
    else:
        monkeypatch.setenv("HEALTHGAP_DUCKDB_MEMORY", value)
    be = connect("duckdb")
    try:
        return str(be.con.raw_sql(f"SELECT current_setting('{name}')").fetchone()[0])
    finally:
        be.close()


def test_duckdb_memory_is_capped_by_default_and_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = _setting("memory_limit", monkeypatch, None)
    assert default == "953.6 MiB"  # 1GB (10^9 bytes), as DuckDB prints it
    assert _setting("memory_limit", monkeypatch, "512MB") == "488.2 MiB"
    assert _setting("preserve_insertion_order", monkeypatch, None) == "False"


def test_a_malformed_memory_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHGAP_DUCKDB_MEMORY", "lots")
    with pytest.raises(ConfigurationError, match="lots"):
        connect("duckdb")
