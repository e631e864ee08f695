"""Synthetic London's ethnic shares: the blocked raking loop gives the plain numpy loop's bits.

Every synthetic record (and so the README's figures) depends on these shares, so the fast loop
is checked bit for bit against the plain one it replaced, on the real inputs and on a part of
them with blocks that do not divide the cells.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from healthgap.engine import synth
from healthgap.engine.synth_inputs import LondonInputs, london_inputs
from healthgap.engine.synth_rates import (
    CENSUS_2021_LONDON_SHARES,
    ETHNIC_AGE_SLOPE,
    ETHNIC_DEPRIVATION_SLOPE,
)


def _plain_raking(inputs: LondonInputs) -> np.ndarray:
    """The raking as first written (and as ``_ethnic_shares`` documents it)."""
    agec = (np.minimum(np.arange(91), 80) - 35) / 45.0
    logit = (
        np.asarray(ETHNIC_DEPRIVATION_SLOPE)[None, None, :] * inputs.deprivation_z[:, None, None]
        + np.asarray(ETHNIC_AGE_SLOPE)[None, None, :] * agec[None, :, None]
    )
    target = np.asarray(CENSUS_2021_LONDON_SHARES)
    weight = inputs.population.astype(np.float64)[..., None]
    alpha = np.zeros(len(target))
    shares = np.empty_like(logit)
    for _ in range(60):
        e = np.exp(logit + alpha)
        shares = e / e.sum(axis=-1, keepdims=True)
        current = (shares * weight).sum(axis=(0, 1)) / weight.sum()
        alpha += np.log(target / current)
    return shares


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_the_shares_of_london_are_the_plain_loops_bit_for_bit() -> None:
    inputs = london_inputs()
    fast = synth._ethnic_shares(inputs)
    assert fast.flags.c_contiguous
    assert _same_bits(fast, _plain_raking(inputs))
    # and they are raked: London's person-weighted shares are Census 2021's
    weighted = (fast * inputs.population[..., None]).sum(axis=(0, 1)) / inputs.population.sum()
    assert np.allclose(weighted, CENSUS_2021_LONDON_SHARES, rtol=1e-9)


@pytest.mark.parametrize("block", [3, 1_000, 10**7])
def test_any_block_size_gives_the_same_bits(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of three cells, blocks that do not divide the cells, one block for all: the
    running sum carried across blocks keeps numpy's order of additions."""
    full = london_inputs()
    part = dataclasses.replace(
        full,
        deprivation_z=full.deprivation_z[::200],
        population=full.population[::200],
    )
    monkeypatch.setattr(synth, "_RAKING_BLOCK", block)
    assert _same_bits(synth._ethnic_shares(part), _plain_raking(part))
