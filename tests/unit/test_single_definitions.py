"""One definition of each constant and key (issue #11, item 8).

The package's source is parsed (not imported) and scanned for copies of things that have one
owner: the London and England area codes and the London-borough test (``geography.areas``,
ADR 0300), the mapping of catalogue polarity names to Fingertips ids
(``methods.compare.Polarity.of``, ADR 0420) and the series-key builder
(``catalogue.series``, ADR 0201). Docstrings, messages and data files do not count: only code
that holds the literal value itself, a mapping table or a builder function.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import healthgap
from healthgap.catalogue import Polarity as CataloguePolarity
from healthgap.catalogue.series import series_key, slug
from healthgap.engine.compute import engine_series_key
from healthgap.methods.compare import Polarity
from healthgap.methods.errors import MethodInputError

PACKAGE = Path(healthgap.__file__).parent
AREA_OWNER = "geography/areas.py"
KEY_OWNER = "catalogue/series.py"
#: Area codes defined once, in ``geography/areas.py``.
AREA_CODES = {"E12000007", "E92000001"}
POLARITY_NAMES = {p.name.lower() for p in Polarity} | {p.value for p in CataloguePolarity}
POLARITY_MEMBERS = {p.name for p in Polarity} | {p.name for p in CataloguePolarity}


@functools.cache
def _modules() -> tuple[tuple[str, ast.Module], ...]:
    """Every module of the package, parsed once per test session (the trees are only read)."""
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50, "the package source was not found"
    return tuple(
        (f.relative_to(PACKAGE).as_posix(), ast.parse(f.read_text("utf-8"))) for f in files
    )


def _polarity_token(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in POLARITY_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in POLARITY_MEMBERS
    return False


def _where(path: str, node: ast.AST) -> str:
    return f"src/healthgap/{path}:{getattr(node, 'lineno', '?')}"


def test_london_and_england_codes_are_written_only_in_geography_areas() -> None:
    copies = [
        _where(path, node)
        for path, tree in _modules()
        if path != AREA_OWNER
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in AREA_CODES
    ]
    assert copies == [], "import ENGLAND / LONDON from healthgap.geography instead"


def test_london_boroughs_are_not_recognised_by_their_code_prefix() -> None:
    prefix_tests = [
        _where(path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "startswith"
        and any(isinstance(a, ast.Constant) and a.value == "E09" for a in node.args)
    ]
    assert prefix_tests == [], "use `code in LONDON_BOROUGHS` (healthgap.geography)"


def test_no_second_polarity_mapping_table() -> None:
    tables = [
        _where(path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict) and sum(map(_polarity_token, [*node.keys, *node.values])) >= 2
    ]
    assert tables == [], "map polarity names to ids with methods.compare.Polarity.of"


def test_every_catalogue_polarity_maps_to_the_fingertips_id_of_its_name() -> None:
    ids = {p.value: int(Polarity.of(p)) for p in CataloguePolarity}
    assert ids == {"high_is_good": 1, "low_is_good": 0, "no_judgement": 99}
    assert [Polarity.of(i) for i in (1, "0", 99, "-1")] == [
        Polarity.HIGH_IS_GOOD,
        Polarity.LOW_IS_GOOD,
        Polarity.NO_JUDGEMENT,
        Polarity.NOT_APPLICABLE,
    ]
    for bad in ("up", "HIGH_IS_GOOD", 2):
        with pytest.raises(MethodInputError, match=r"use one of .*high_is_good.* or -1, 0, 1, 99"):
            Polarity.of(bad)


def test_series_keys_have_one_builder() -> None:
    copies: list[str] = []
    for path, tree in _modules():
        if path == KEY_OWNER:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"slug", "series_key"}:
                copies.append(_where(path, node))
            elif (
                isinstance(node, ast.FunctionDef)
                and node.name.endswith("series_key")
                and not node.decorator_list  # a pydantic validator checks a key, builds none
            ):
                calls = [
                    c
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Name)
                    and c.func.id == "series_key"
                ]
                if not calls:  # a wrapper must delegate to the one builder
                    copies.append(_where(path, node))
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "[^a-z0-9]" in node.value
            ):
                copies.append(_where(path, node))  # a second slug pattern
    assert copies == [], "build series keys with healthgap.catalogue.series.series_key"


def test_the_one_builder_serves_catalogue_sources_and_engine() -> None:
    from healthgap import sources

    assert (sources.series_key, sources.slug) == (series_key, slug)
    assert series_key("ons_sdg", "3-4-2") == "ons_sdg:3-4-2"
    assert series_key("ons_sdg", "4-2-1", "Boys", "age 3-4") == "ons_sdg:4-2-1/boys/age-3-4"
    assert engine_series_key("life_expectancy") == "engine:life-expectancy"
    assert (
        engine_series_key("life_expectancy", "sii-imd2019-decile-london")
        == "engine:life-expectancy/sii-imd2019-decile-london"
    )
    # HEAT spread measures (e.g. D_p80_p20) now follow the hyphenated-slug convention
    assert (
        engine_series_key("x", "heat-d_p80_p20-ethnic-group")
        == "engine:x/heat-d-p80-p20-ethnic-group"
    )
