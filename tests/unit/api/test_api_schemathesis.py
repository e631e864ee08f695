"""Property-based tests over the OpenAPI document (schemathesis, bounded examples): no 5xx,
and every answer conforms to the document (status, content type, schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from healthgap.api import create_app
from healthgap.publish import load_release, open_writer
from healthgap.query import ReadLayer

from .conftest import Clock, release, values

pytestmark = pytest.mark.slow

#: Bounded so the run stays well under a minute (about 30 operations).
MAX_EXAMPLES = 12

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "store.duckdb"
    writer = open_writer(path)
    load_release(writer.store, release(values()))
    app = create_app(ReadLayer(writer.store), writer=writer, clock=Clock())
    yield schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    writer.close()
    writer.store.close()


def test_no_server_errors_and_answers_conform(api_schema: Any) -> None:
    operations = [op.ok() for op in api_schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        run()
