"""Bad bundled files fail loudly, naming file, row, column and rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from healthgap.config import package_data_dir
from healthgap.errors import InputError
from healthgap.geography import Geography

DATA = package_data_dir()


def _data_dir(
    tmp_path: Path, folder: str, file: str, edit: Callable[[list[str]], list[str]]
) -> Path:
    """A data folder linking to the real files, with ``folder/file`` replaced by an edited copy."""
    for sub in ("lookups", "deprivation", "boundaries", "population"):
        (tmp_path / sub).mkdir()
        for src in (DATA / sub).iterdir():
            if not (sub == folder and src.name == file):
                (tmp_path / sub / src.name).symlink_to(src)
    lines = (DATA / folder / file).read_text(encoding="utf-8").splitlines()
    (tmp_path / folder / file).write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return tmp_path


def test_borough_in_a_non_london_icb_names_row_and_column(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        lines[3] = lines[3].replace("E540000", "E540009", 1)
        return lines

    with pytest.raises(InputError) as info:
        Geography(_data_dir(tmp_path, "lookups", "london_borough_to_icb24.csv", edit))
    message = str(info.value)
    assert "london_borough_to_icb24.csv:4" in message
    assert "column 'icb24_code'" in message
    assert "not a London ICB" in message


def test_missing_borough_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="33 London boroughs"):
        Geography(_data_dir(tmp_path, "lookups", "london_borough_to_icb24.csv", lambda ls: ls[:-1]))


def test_missing_column_names_the_column(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        lines[0] = lines[0].replace("region24_name", "region_label")
        return lines

    with pytest.raises(InputError) as info:
        Geography(_data_dir(tmp_path, "lookups", "ltla24_region24_england.csv", edit))
    assert info.value.column == "region24_name"
    assert info.value.file == "ltla24_region24_england.csv"


def test_empty_value_names_row(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        parts = lines[5].split(",")
        parts[1] = ""
        lines[5] = ",".join(parts)
        return lines

    with pytest.raises(InputError) as info:
        Geography(_data_dir(tmp_path, "lookups", "ltla24_region24_england.csv", edit))
    assert (info.value.row, info.value.column) == (6, "ltla24_code")


def test_lsoa_without_an_msoa_fails_on_first_small_area_use(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        lines[1] = lines[1].replace("City of London 001A", "City of London 099A", 1)
        return lines

    geo = Geography(_data_dir(tmp_path, "lookups", "lsoa21_ward24_ltla24_london.csv", edit))
    assert geo.require("E09000001").name == "City of London"  # core still loads
    with pytest.raises(InputError) as info:
        geo.get("E01000001")
    assert info.value.row == 2
    assert info.value.column == "lsoa21_name"
    assert "MSOA 2021" in str(info.value)


def test_bad_change_code_names_row(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        lines[2] = lines[2].replace(",U,", ",Q,", 1)
        return lines

    geo = Geography(_data_dir(tmp_path, "lookups", "lsoa11_lsoa21_ltla22_london.csv", edit))
    with pytest.raises(InputError) as info:
        geo.lsoa11_to_lsoa21()
    assert (info.value.row, info.value.column, info.value.value) == (3, "change_code", "Q")


def test_change_code_that_disagrees_with_pairs_is_an_error(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        i = next(i for i, line in enumerate(lines) if ",S," in line)
        lines[i] = lines[i].replace(",S,", ",U,", 1)
        return lines

    geo = Geography(_data_dir(tmp_path, "lookups", "lsoa11_lsoa21_ltla22_london.csv", edit))
    with pytest.raises(InputError, match="disagrees"):
        geo.lsoa11_to_lsoa21()


def test_london_lsoa_missing_from_imd_is_an_error(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        return [("W" + line[1:]) if line.startswith("E01000001,") else line for line in lines]

    geo = Geography(
        _data_dir(tmp_path, "deprivation", "imd2025_lsoa21_england_scores_ranks_deciles.csv", edit)
    )
    with pytest.raises(InputError) as info:
        geo.deprivation("imd2025")
    assert info.value.value == "E01000001"
    assert "no IMD row" in str(info.value)


def test_imd_file_with_a_row_dropped_fails_its_rank_range(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        return [line for line in lines if not line.startswith("E01000001,")]

    geo = Geography(
        _data_dir(tmp_path, "deprivation", "imd2025_lsoa21_england_scores_ranks_deciles.csv", edit)
    )
    with pytest.raises(InputError, match=r"rank must be 1\.\.33754") as info:
        geo.deprivation("imd2025")
    assert info.value.column == "IMD_rank"


def test_non_numeric_rank_names_row_and_value(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        parts = lines[1].split(",")
        header = lines[0].split(",")
        parts[header.index("IMD_rank")] = "n/a"
        lines[1] = ",".join(parts)
        return lines

    geo = Geography(_data_dir(tmp_path, "deprivation", "imd2019_lsoa11_england.csv", edit))
    with pytest.raises(InputError) as info:
        geo.deprivation("imd2019")
    assert (info.value.row, info.value.column, info.value.value) == (2, "IMD_rank", "n/a")
