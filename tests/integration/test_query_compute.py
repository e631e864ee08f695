"""A computed release (``healthgap compute``) is loaded through ``healthgap.publish``: the
engine's comparisons are kept and the commitment assessments are derived with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.query import open_read_layer, public

pytestmark = pytest.mark.slow


def test_computed_release_carries_comparisons_and_assessments(computed_store) -> None:
    """The session's store (tests/conftest.py): the bundled Fingertips life expectancy, then
    ``healthgap compute -i life_expectancy`` on six boroughs of Synthetic London."""
    store: Path = computed_store.path
    rid = computed_store.summary["release_id"]
    with open_read_layer(store) as q:
        assert set(q.store.assessments().column("release_id").to_pylist()) == {rid}
        rows = q.latest(public(), indicator="life_expectancy", area="E09000002")
        computed = [r for r in rows if r.series.startswith("engine:")]
        assert computed  # the store also holds Fingertips values: the engine's are here too
        assert all(r.comparison("country") is not None for r in computed)
