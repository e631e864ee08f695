"""Bad catalogues are refused with a message naming file, key, value and rule."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from healthgap.catalogue import DEFAULT_PATH, load_catalogue, validate_catalogue
from healthgap.errors import CatalogueError, InputError

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def _break(root: Path, patch: dict[str, Any]) -> None:
    path = root / patch["file"]
    if "text" in patch:
        path.write_text(patch["text"], encoding="utf-8")
        return
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    target = data
    if "item" in patch:
        target = next(x for x in data if x["id"] == patch["item"])
    target.update(patch.get("set", {}))
    for field in patch.get("drop", []):
        del target[field]
    if "source0" in patch:
        target["sources"][0].update(patch["source0"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_PATH, root)
    return root


def test_the_bundled_catalogue_is_valid() -> None:
    assert validate_catalogue() == ()


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_broken_catalogue_gives_the_expected_message(copy: Path, case: str) -> None:
    """Given one broken rule, loading raises CatalogueError whose text has every fragment."""
    patch = yaml.safe_load((BAD / case / "patch.yaml").read_text(encoding="utf-8"))
    expected = (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    _break(copy, patch)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(copy)
    message = str(info.value)
    for fragment in filter(None, expected):
        assert fragment in message, f"{case}: {fragment!r} not in {message!r}"
    assert isinstance(info.value, InputError)
    problems = validate_catalogue(copy)
    assert problems
    assert str(problems[0]) == message


def test_error_carries_the_yaml_line_of_the_bad_field(copy: Path) -> None:
    path = copy / "indicators" / "suicide_rate.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines, 1) if line.startswith("polarity:"))
    lines[n - 1] = "polarity: sideways"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(copy)
    assert info.value.row == n
    assert info.value.column == "polarity"
    assert info.value.value == "sideways"


def test_all_problems_are_reported_not_just_the_first(copy: Path) -> None:
    for name, field in (("suicide_rate", "polarity"), ("life_expectancy", "statistic")):
        path = copy / "indicators" / f"{name}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data[field] = "nonsense"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    keys = {p.key for p in validate_catalogue(copy)}
    assert keys == {"suicide_rate", "life_expectancy"}


def test_a_missing_file_is_named(copy: Path) -> None:
    (copy / "missions.yaml").unlink()
    with pytest.raises(CatalogueError, match=r"missions\.yaml: file is missing"):
        load_catalogue(copy)


def test_duplicate_ids_are_refused(copy: Path) -> None:
    path = copy / "aims.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.append(dict(data[0]))
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"id must be unique|number already used"):
        load_catalogue(copy)


def test_a_series_cannot_directly_feed_two_indicators(copy: Path) -> None:
    path = copy / "indicators" / "reception_obesity.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sources"][0]["series"] = "fingertips:90323"
    data["sources"][0]["fingertips_id"] = 90323
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogueError, match="already the direct source of"):
        load_catalogue(copy)


def test_changelog_must_end_at_the_catalogue_version(copy: Path) -> None:
    (copy / "catalogue.yaml").write_text("version: 1.1.0\ntitle: t\n", encoding="utf-8")
    with pytest.raises(
        CatalogueError, match=r"last change must carry the catalogue version 1\.1\.0"
    ):
        load_catalogue(copy)
