"""healthgap catalogue …: every command, human and --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from healthgap.catalogue import DEFAULT_PATH
from healthgap.cli.catalogue import register

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """Test root."""

    register(root)
    return root


def _json(app: typer.Typer, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["catalogue", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_list_json(app: typer.Typer) -> None:
    data = _json(app, "list")
    assert data["version"] == "1.0.0"
    items = data["items"]
    assert isinstance(items, list)
    assert len(items) >= 45
    assert all({"id", "polarity", "sources"} <= set(i) for i in items)
    table1 = _json(app, "list", "--table1")["items"]
    assert isinstance(table1, list)
    assert len(table1) == 43


def test_list_other_kinds(app: typer.Typer) -> None:
    assert len(_json(app, "list", "--kind", "focus-areas")["items"]) == 10  # type: ignore[arg-type]
    assert len(_json(app, "list", "--kind", "six-tests")["items"]) == 6  # type: ignore[arg-type]
    bad = runner.invoke(app, ["catalogue", "list", "--kind", "widgets"])
    assert bad.exit_code == 1
    assert "--kind must be one of" in bad.output


def test_list_human_table(app: typer.Typer) -> None:
    result = runner.invoke(app, ["catalogue", "list", "--kind", "commitments"])
    assert result.exit_code == 0
    assert "anti_racist_hub" in result.output
    assert "TBC" in result.output


def test_show_indicator_json_includes_linked_commitments(app: typer.Typer) -> None:
    data = _json(app, "show", "year6_obesity")
    assert data["kind"] == "indicators"
    item = data["item"]
    assert isinstance(item, dict)
    assert item["polarity"] == "low_is_good"
    assert item["commitments"] == ["halve_year6_obesity_2030"]


def test_show_other_kinds_and_unknown(app: typer.Typer) -> None:
    assert _json(app, "show", "anti_racist_hub")["kind"] == "commitments"
    human = runner.invoke(app, ["catalogue", "show", "tobacco"])
    assert human.exit_code == 0
    assert "smoke-free" in human.output
    missing = runner.invoke(app, ["catalogue", "show", "smoking_prevalance"])
    assert missing.exit_code == 1
    assert "did you mean 'smoking_prevalence'" in missing.output


def test_search_json_and_human(app: typer.Typer) -> None:
    hits = _json(app, "search", "dementia")["hits"]
    assert isinstance(hits, list)
    assert hits
    # a word in the id or title scores 3 (+2 for the whole phrase); elsewhere 1, ranked after
    for hit in hits:
        named = "dementia" in f"{hit['id']} {hit['title']}".lower()
        assert hit["score"] == (5 if named else 1), hit
    assert "dementia" in f"{hits[0]['id']} {hits[0]['title']}".lower()
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    none = runner.invoke(app, ["catalogue", "search", "xylophone"])
    assert none.exit_code == 1  # an empty result is a message and exit 1 (issue 17)
    assert "nothing matches" in none.output


def test_validate_ok_and_broken(app: typer.Typer, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["catalogue", "validate"])
    assert ok.exit_code == 0
    assert "is valid" in ok.output
    assert _json(app, "validate") == {"valid": True, "problems": []}
    import shutil

    broken = tmp_path / "cat"
    shutil.copytree(DEFAULT_PATH, broken)
    aims = broken / "aims.yaml"
    aims.write_text(aims.read_text(encoding="utf-8").replace("number: 2", "number: 9"), "utf-8")
    result = runner.invoke(app, ["catalogue", "validate", str(broken), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["problems"][0]["key"] == "healthy_minds"
    assert data["problems"][0]["column"] == "number"


def test_coverage_without_a_store_uses_declared_flags(app: typer.Typer, tmp_path: Path) -> None:
    data = _json(app, "coverage", "--store", str(tmp_path / "absent.duckdb"))
    assert data["basis"] == "declared"
    assert "declared 'bundled' flags" in str(data["note"])
    assert not (tmp_path / "absent.duckdb").exists()  # looking must not create a store


def test_coverage_from_a_real_empty_store(app: typer.Typer, tmp_path: Path) -> None:
    from healthgap.store import open_store

    path = tmp_path / "store.duckdb"
    open_store(path).close()
    data = _json(app, "coverage", "--store", str(path))
    assert data["basis"] == "store"
    indicators = data["indicators"]
    assert isinstance(indicators, list)
    assert not any(i["has_data"] for i in indicators)
    human = runner.invoke(app, ["catalogue", "coverage", "--store", str(path)])
    assert human.exit_code == 0
    assert "0/" in human.output
