"""Every file in the bad-input corpus is rejected with a message naming line, column and rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from healthgap.errors import SourceValidationError
from healthgap.sources import SOURCE_KINDS, read_file

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "bad_input"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text())["cases"]


def test_every_corpus_file_is_listed_once() -> None:
    listed = [c["file"] for c in CASES]
    assert len(listed) == len(set(listed))
    assert set(listed) == {p.name for p in CORPUS.glob("*.csv")}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input_is_rejected_precisely(case: dict[str, Any]) -> None:
    """Given a malformed file, when read, then the error names file, line, column and rule."""
    assert case["kind"] in SOURCE_KINDS
    with pytest.raises(SourceValidationError) as info:
        read_file(CORPUS / case["file"], kind=case["kind"], resolve_indicator=lambda _: None)
    error = info.value
    message = str(error)
    assert error.file == case["file"]
    assert error.row == case["row"]
    assert message.startswith(f"{case['file']}:{case['row']}")
    assert error.column == case["column"]
    if case["column"] is not None:
        assert f"column '{case['column']}'" in message
    for fragment in case["expect"]:
        assert fragment in message
