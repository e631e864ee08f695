"""``healthgap actions | selfassess | impact`` through Typer's CliRunner on a real store:
exit codes 0 (done), 1 (store problem), 2 (bad input) and the messages users see."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.partners.impact import chromium_path

runner = CliRunner()
ABBEY_BD = "E05014053"


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_actions_list_filters_and_json(store_path: Path) -> None:
    code, out, _ = _run(
        "actions", "list", "--borough", "E09000019", "--json", "--store", str(store_path)
    )
    assert code == 0
    ids = [e["id"] for e in json.loads(out)]
    assert set(ids) >= {"stuart-low-trust", "twenty-is-plenty"}
    code, out, _ = _run("actions", "list", "--sector", "vcse", "--store", str(store_path))
    assert code == 0
    assert "Dagenham Farm" in out


def test_actions_list_unknown_value_exits_2_with_suggestion(store_path: Path) -> None:
    code, _, err = _run("actions", "list", "--aim", "healthy_mind", "--store", str(store_path))
    assert code == 2
    assert "did you mean 'healthy_minds'" in err
    assert "Traceback" not in err


def test_actions_search_and_show(store_path: Path) -> None:
    code, out, _ = _run(
        "actions", "search", "parkinsns dance", "--json", "--store", str(store_path)
    )
    assert code == 0
    assert json.loads(out)[0]["id"] == "enb-dance-for-parkinsons"
    code, out, _ = _run("actions", "show", "dotw-excluded-access", "--store", str(store_path))
    assert code == 0
    assert "1,617 people" in out
    assert "Source: document 000" in out
    code, _, err = _run("actions", "show", "dotw-excluded", "--store", str(store_path))
    assert code == 2
    assert "dotw-excluded-access" in err


def test_missing_store_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("actions", "list", "--store", str(tmp_path / "none.duckdb"))
    assert code == 2  # a --store that does not exist is bad input
    assert "error:" in err


def test_actions_add_then_publish(store_path: Path, tmp_path: Path) -> None:
    entry = {
        "id": "hackney-carers-walks",
        "title": "Walks for carers",
        "organisation": "Hackney Carers",
        "boroughs": ["E09000012"],
        "aims": ["healthy_living"],
        "sector": "vcse",
        "what": "Weekly walks.",
        "for_whom": "Carers.",
        "results": "No results stated.",
        "source": {"document": "004", "section": "editor"},
    }
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(entry), encoding="utf-8")
    code, out, _ = _run("actions", "add", str(path), "--by", "ed", "--store", str(store_path))
    assert code == 0
    assert "added draft" in out
    code, _, _ = _run("actions", "show", "hackney-carers-walks", "--store", str(store_path))
    assert code == 2  # public reads do not see drafts
    code, out, _ = _run(
        "actions", "show", "hackney-carers-walks", "--drafts", "--store", str(store_path)
    )
    assert code == 0
    assert "draft" in out
    code, _, _ = _run("actions", "publish", "hackney-carers-walks", "--store", str(store_path))
    assert code == 0
    code, out, _ = _run("actions", "show", "hackney-carers-walks", "--store", str(store_path))
    assert code == 0
    assert "published" in out
    bad = dict(entry, id="hackney-two", boroughs=["E09000077"])
    path.write_text(json.dumps(bad), encoding="utf-8")
    code, _, err = _run("actions", "add", str(path), "--store", str(store_path))
    assert code == 2
    assert "E09000077" in err
    assert "nothing was written" in err
    path.write_text(json.dumps(dict(entry, id="x", sector="charity")), encoding="utf-8")
    code, _, err = _run("actions", "add", str(path), "--store", str(store_path))
    assert code == 2
    assert "field 'sector'" in err


def test_selfassess_template_score_json_csv(store_path: Path, tmp_path: Path) -> None:
    blank = tmp_path / "mine.json"
    code, _, _ = _run(
        "selfassess", "template", "--sector", "vcse", "--organisation", "Org", "--out", str(blank)
    )
    assert code == 0
    data = json.loads(blank.read_text(encoding="utf-8"))
    data["items"][0]["done"] = True
    blank.write_text(json.dumps(data), encoding="utf-8")
    out_csv = tmp_path / "r.csv"
    code, out, _ = _run(
        "selfassess",
        "score",
        str(blank),
        "--json",
        "--csv",
        str(out_csv),
        "--store",
        str(store_path),
    )
    assert code == 0
    result = json.loads(out)
    assert result["score"]["done"] == 1
    assert len(list(csv.DictReader(out_csv.open(encoding="utf-8")))) == len(data["items"])
    again = tmp_path / "again.json"
    again.write_text(out, encoding="utf-8")
    code, out, _ = _run("selfassess", "score", str(again), "--store", str(store_path))
    assert code == 0
    assert "Org (vcse): 1 of" in out
    assert "Gaps:" in out


def test_selfassess_bad_input_exits_2(store_path: Path, tmp_path: Path) -> None:
    code, _, err = _run("selfassess", "template", "--sector", "charity")
    assert code == 2
    assert "sector must be one of" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = _run("selfassess", "score", str(bad), "--store", str(store_path))
    assert code == 2
    assert "not valid JSON" in err
    bad.write_text(
        json.dumps(
            {
                "format": "healthgap-selfassessment/1",
                "sector": "vcse",
                "items": [{"id": "vcse-nope", "done": True}],
            }
        ),
        encoding="utf-8",
    )
    code, _, err = _run("selfassess", "score", str(bad), "--store", str(store_path))
    assert code == 2
    assert "bad.json" in err
    assert "vcse-nope" in err


def test_impact_writes_html_and_json(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, stdout, _ = _run(
        "impact",
        "--areas",
        ABBEY_BD,
        "--title",
        "Moving a clinic",
        "--out",
        str(out),
        "--store",
        str(store_path),
    )
    assert code == 0
    assert "LSOAs profiled" in stdout
    html = (out / "impact.html").read_text(encoding="utf-8")
    assert "Moving a clinic" in html
    data = json.loads((out / "impact.json").read_text(encoding="utf-8"))
    assert data["catchment"]["boroughs"] == [["E09000002", "Barking and Dagenham"]]


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ([], "no areas given"),
        (["E0501405"], "did you mean"),
        (["E01000010", "E01034473"], "2011 only: E01000010"),
    ],
)
def test_impact_bad_catchment_exits_2_and_writes_nothing(
    store_path: Path, tmp_path: Path, areas: list[str], message: str
) -> None:
    out = tmp_path / "report"
    args = [a for code in areas for a in ("--areas", code)]
    code, _, err = _run(
        "impact", *args, "--title", "T", "--out", str(out), "--store", str(store_path)
    )
    assert code == 2
    assert message in err
    assert "nothing was written" in err
    assert not out.exists()


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
def test_impact_pdf(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, _, _ = _run(
        "impact",
        "--areas",
        ABBEY_BD,
        "--title",
        "T",
        "--out",
        str(out),
        "--pdf",
        "--store",
        str(store_path),
    )
    assert code == 0
    assert (out / "impact.pdf").read_bytes().startswith(b"%PDF")
