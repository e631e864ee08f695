"""Shared fixtures for the catalogue tests."""

from __future__ import annotations

import pytest

from healthgap.catalogue import Catalogue, load_catalogue


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    """The bundled catalogue."""
    return load_catalogue()
