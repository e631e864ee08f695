"""The local action library and the self-assessment checklist: content, validation, round trip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from healthgap.catalogue import load_catalogue
from healthgap.catalogue.actions import (
    ACTIONS_FILE,
    ReviewStatus,
    Sector,
    actions_to_yaml,
    load_actions,
    load_checklist,
)
from healthgap.errors import CatalogueError
from healthgap.geography import LONDON_BOROUGHS

CAT = load_catalogue()
AIMS = {a.id for a in CAT.aims}
FOCUS = {f.id for f in CAT.focus_areas}
#: The strategy seeds, beside the project (``../shared/seeds``).
SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seeds"


def _load(path: Path | None = None, boroughs: object = LONDON_BOROUGHS):  # type: ignore[no-untyped-def]
    return load_actions(path, aims=AIMS, focus_areas=FOCUS, boroughs=boroughs)  # type: ignore[arg-type]


def test_shipped_library_loads_with_ten_case_studies_from_each_guide() -> None:
    entries = _load()
    for doc in ("000", "001"):
        cases = [
            e for e in entries if e.source.document == doc and "Case study" in e.source.section
        ]
        assert len(cases) == 10, doc
    assert {e.source.document for e in entries} >= {"000", "001", "002", "004"}
    assert all(e.status is ReviewStatus.PUBLISHED for e in entries)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'")).strip()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the strategy seeds are beside the project")
@pytest.mark.parametrize("prefix", ["000", "001"])
def test_every_case_study_heading_in_the_guide_has_an_entry(prefix: str) -> None:
    lines = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8").splitlines()
    headings = [i for i, line in enumerate(lines) if line.strip() == "Case study"]
    assert len(headings) == 10
    entries = [e for e in _load() if e.source.document == prefix]
    titles = {_norm(e.title): e for e in entries}
    matched = set()
    for i in headings:
        # The title follows the heading, over one or two lines.
        one = _norm(lines[i + 1])
        two = _norm(lines[i + 1] + " " + lines[i + 2])
        hit = titles.get(two) or titles.get(one)
        assert hit is not None, f"{prefix}: case study {lines[i + 1]!r} has no entry"
        # The organisation named in the entry appears in the case study's text.
        body = _norm(" ".join(lines[i : i + 40]))
        first_word = _norm(hit.organisation).split()[0]
        assert first_word in body, (hit.id, first_word)
        matched.add(hit.id)
    assert len(matched) == 10


def test_round_trip(tmp_path: Path) -> None:
    entries = _load()
    path = tmp_path / "actions.yaml"
    path.write_text(actions_to_yaml(entries), encoding="utf-8")
    assert _load(path) == entries


@pytest.mark.parametrize(
    ("field", "old", "new", "rule"),
    [
        ("aims", "[healthy_children]", "[healthy_kids]", "aims must be one of"),
        ("focus_areas", "[]", "[obesity]", "focus_areas must be one of"),
        ("boroughs", "[E09000019, E09000007", "[E09000099, E09000007", "boroughs must be one of"),
        ("boroughs", "[E09000019, E09000007", "[Islington, E09000007", "GSS codes"),
        ("sector", "healthcare", "charity", "sector must be one of"),
    ],
)
def test_unknown_reference_names_file_line_key_value_and_rule(
    tmp_path: Path, field: str, old: str, new: str, rule: str
) -> None:
    text = ACTIONS_FILE.read_text(encoding="utf-8")
    start = text.index("- id: whittington-supervised-toothbrushing")
    block_end = text.index("- id:", start + 5)
    block = text[start:block_end].replace(f"{field}: {old}", f"{field}: {new}", 1)
    assert new in block
    path = tmp_path / "actions.yaml"
    path.write_text(block, encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        _load(path)
    msg = str(err.value)
    line = next(n for n, t in enumerate(block.splitlines(), 1) if t.strip().startswith(field))
    assert msg.startswith(f"actions.yaml:{line}: key 'whittington-supervised-toothbrushing'")
    assert rule in msg
    assert new.strip("[]").split(",")[0] in msg


def test_borough_not_in_the_geography_given_is_an_error(tmp_path: Path) -> None:
    text = ACTIONS_FILE.read_text(encoding="utf-8")
    with pytest.raises(CatalogueError, match="boroughs must be one of"):
        load_actions(aims=AIMS, focus_areas=FOCUS, boroughs={"E09000001"})
    assert "E09000019" in text


def test_duplicate_id_is_an_error(tmp_path: Path) -> None:
    text = ACTIONS_FILE.read_text(encoding="utf-8")
    start = text.index("- id: whittington-supervised-toothbrushing")
    block = text[start : text.index("- id:", start + 5)]
    path = tmp_path / "actions.yaml"
    path.write_text(block + block, encoding="utf-8")
    with pytest.raises(CatalogueError, match="id must be unique"):
        _load(path)


def test_checklist_covers_every_aim_for_healthcare_and_vcse() -> None:
    items = load_checklist(aims=AIMS, focus_areas=FOCUS)
    for sector in (Sector.HEALTHCARE, Sector.VCSE):
        assert {i.aim for i in items if i.sector is sector} == AIMS
    assert {i.source.document for i in items if i.sector is Sector.HEALTHCARE} == {"000"}
    assert {i.source.document for i in items if i.sector is Sector.VCSE} == {"001"}


def test_checklist_unknown_aim_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "selfassess.yaml"
    path.write_text(
        "- {id: x-1, sector: council, aim: healthy_pets, text: T, "
        "source: {document: '000', section: S}}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=r"selfassess.yaml:1: key 'x-1': column 'aim'"):
        load_checklist(path, aims=AIMS, focus_areas=FOCUS)
