"""Readers of the NCMP (ONS ELS app) and SDG TB/smoking files: bad input names file, row, column."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.errors import SourceValidationError
from healthgap.sources.common import DATA_DIR
from healthgap.sources.ons_els_app import read_ncmp_directory
from healthgap.sources.ons_sdg_health import SMOKING_FILE, TB_FILE, read_smoking, read_tb
from healthgap.sources.resolve import context_for

CONTEXT = context_for(lambda key: None)
RECEPTION = "excess_weight_reception_london.csv"


def _copy_ncmp(tmp_path: Path, edit: tuple[str, str] | None = None) -> Path:
    target = tmp_path / "ons_els_app"
    target.mkdir()
    for name in (RECEPTION, "excess_weight_year6_london.csv"):
        text = (DATA_DIR / "ons_els_app" / name).read_text(encoding="utf-8")
        if edit is not None and name == RECEPTION:
            assert edit[0] in text
            text = text.replace(edit[0], edit[1], 1)
        (target / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_ncmp_reads_both_files_as_one_release(tmp_path: Path) -> None:
    release = read_ncmp_directory(context=CONTEXT, base=_copy_ncmp(tmp_path))
    assert release.source == "ons_els_app"
    assert [s.key for s in release.series] == [
        "ons_els_app:ncmp-reception-overweight-obese",
        "ons_els_app:ncmp-year6-overweight-obese",
    ]


def test_ncmp_unknown_area_is_named(tmp_path: Path) -> None:
    base = _copy_ncmp(tmp_path, ("E09000007,Camden", "E09000099,Camden"))
    with pytest.raises(SourceValidationError, match=r"reception_london\.csv:\d+") as e:
        read_ncmp_directory(context=CONTEXT, base=base)
    assert "E09000099" in str(e.value)
    assert "AREACD" in str(e.value)


def test_ncmp_bad_period_is_named(tmp_path: Path) -> None:
    base = _copy_ncmp(tmp_path, ("2021-08-01T00:00:00/P1Y", "2021-13-01T00:00:00/P1Y"))
    with pytest.raises(SourceValidationError, match="Period") as e:
        read_ncmp_directory(context=CONTEXT, base=base)
    assert ":2:" in str(e.value) or ":3:" in str(e.value)


def _sdg(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (DATA_DIR / "ons_sdg" / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_tb_region_other_than_london_is_refused(tmp_path: Path) -> None:
    path = _sdg(tmp_path, TB_FILE, ",London,Normal value", ",Wales,Normal value")
    with pytest.raises(SourceValidationError, match="GeoCode") as e:
        read_tb(path, f"ons_sdg/{TB_FILE}", CONTEXT)
    assert "Wales" in str(e.value)


def test_smoking_unreadable_age_is_named(tmp_path: Path) -> None:
    path = _sdg(tmp_path, SMOKING_FILE, ",18 to 24,", ",eighteen,")
    with pytest.raises(SourceValidationError, match="Age") as e:
        read_smoking(path, f"ons_sdg/{SMOKING_FILE}", CONTEXT)
    assert "eighteen" in str(e.value)


def test_smoking_row_with_two_splits_is_refused(tmp_path: Path) -> None:
    text = (DATA_DIR / "ons_sdg" / SMOKING_FILE).read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    eth = header.index("Ethnicity")
    nssec = header.index("Socio-economic classification")
    for i, line in enumerate(text[1:], start=1):
        cells = line.split(",")
        if len(cells) == len(header) and cells[eth]:
            cells[nssec] = "Routine and manual"
            text[i] = ",".join(cells)
            break
    path = tmp_path / SMOKING_FILE
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(SourceValidationError, match="more than one"):
        read_smoking(path, f"ons_sdg/{SMOKING_FILE}", CONTEXT)
