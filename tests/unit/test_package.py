"""The package imports, has a version and carries the licence attribution."""

from __future__ import annotations

from typer.testing import CliRunner

import healthgap
from healthgap.cli.main import app


def test_version_is_exposed() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert healthgap.__version__ in result.output


def test_attribution_names_every_required_source() -> None:
    for part in (
        "Open Government Licence v3.0",
        "Office for National Statistics",
        "Fingertips",
        "English Indices of Deprivation",
        "GLA",
        "Crown copyright",
    ):
        assert part in healthgap.ATTRIBUTION
