"""One HEAT *setting*: the subgroup estimates of one indicator, dimension, place and time.

Validates once, then exposes what every summary measure needs (population shares,
the setting average μ, the best subgroup, cumulative mid-point ranks).

Reference: WHO (2024) Health Equity Assessment Toolkit Plus, technical notes;
Schlotheuber A, Hosseinpoor AR (2022) Int J Environ Res Public Health 19(6):3697.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

__all__ = ["HeatSetting", "heat_confidences", "heat_setting", "z_value"]

IntArray = NDArray[np.intp]


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile Φ⁻¹(1 − α/2)."""
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


def heat_confidences(confidence: float | Sequence[float]) -> tuple[float, ...]:
    """Confidence levels as fractions: 0.95, 95 and (0.95, 0.998) are all accepted."""
    raw = (confidence,) if isinstance(confidence, int | float) else tuple(confidence)
    if not raw:
        raise MethodInputError("at least one confidence level is needed", field="confidence")
    levels = []
    for value in raw:
        level = float(value) / 100.0 if float(value) > 1.0 else float(value)
        if not 0.0 < level < 1.0:
            raise MethodInputError(
                f"confidence must be in (0, 1) or (1, 100) per cent, got {value!r}",
                field="confidence",
            )
        levels.append(level)
    if len(set(levels)) != len(levels):
        raise MethodInputError("confidence levels repeat", field="confidence")
    return tuple(levels)


@dataclass(frozen=True)
class HeatSetting:
    """Validated subgroup data for one setting. Build it with :func:`heat_setting`.

    ``order`` holds each subgroup's HEAT ``subgroup_order`` (1 = most disadvantaged) for
    ordered dimensions, else ``None``. ``reference`` is a subgroup index or ``None``.
    """

    estimates: FloatArray
    population: FloatArray | None
    se: FloatArray | None
    ordered: bool
    favourable: bool
    scale: float
    reference: int | None
    order: IntArray | None
    setting_average: float | None
    labels: tuple[str, ...]

    @property
    def size(self) -> int:
        """Number of subgroups."""
        return len(self.estimates)

    @property
    def shares(self) -> FloatArray | None:
        """Population shares pⱼ (None without population)."""
        if self.population is None:
            return None
        shares: FloatArray = self.population / self.population.sum()
        return shares

    @property
    def mean(self) -> float:
        """Setting average μ: as supplied, else Σ pⱼyⱼ (NaN with neither)."""
        if self.setting_average is not None:
            return self.setting_average
        shares = self.shares
        return float("nan") if shares is None else float(shares @ self.estimates)

    @property
    def mean_is_estimated(self) -> bool:
        """True when μ is computed from the subgroup estimates (so it varies with them)."""
        return self.setting_average is None

    @property
    def best(self) -> int:
        """Index of the best subgroup: highest estimate if favourable, else lowest."""
        return int(np.argmax(self.estimates) if self.favourable else np.argmin(self.estimates))

    @property
    def upper_bound(self) -> float:
        """Largest value a simulated estimate may take (100 for percentages, as HEAT)."""
        return 100.0 if self.scale == 100 else float("inf")

    def by_order(self) -> IntArray:
        """Subgroup indices from most disadvantaged to most advantaged."""
        if self.order is None:
            raise MethodInputError("the dimension is not ordered", field="ordered")
        return np.argsort(self.order, kind="stable").astype(np.intp)

    def ranks(self) -> FloatArray:
        """Cumulative mid-point rank Xⱼ of each subgroup (population-weighted, in order)."""
        shares = self.shares
        if shares is None:
            raise MethodInputError("ranks need the subgroup population", field="population")
        idx = self.by_order()
        sorted_shares = shares[idx]
        mid = np.cumsum(sorted_shares) - sorted_shares / 2.0
        ranks = np.empty(self.size, dtype=np.float64)
        ranks[idx] = mid
        return ranks

    def label(self, index: int) -> str:
        """The subgroup's label."""
        return self.labels[index]


def _floats(field: str, values: ArrayLike, size: int | None) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"values must be numeric ({exc})", field=field) from exc
    if array.ndim != 1:
        raise MethodInputError(f"expected a 1-D array, got {array.ndim} dimensions", field=field)
    if size is not None and len(array) != size:
        raise MethodInputError(
            f"length {len(array)} differs from 'estimates' (length {size})", field=field
        )
    return array


def _reject(field: str, bad: NDArray[np.bool_], rule: str, labels: Sequence[str]) -> None:
    if bad.any():
        raise MethodInputError(rule, field=field, group=labels[int(np.flatnonzero(bad)[0])])


def heat_setting(
    estimates: ArrayLike,
    *,
    population: ArrayLike | None = None,
    se: ArrayLike | None = None,
    ordered: bool,
    favourable: bool,
    scale: float,
    reference: int | None = None,
    order: ArrayLike | None = None,
    setting_average: float | None = None,
    labels: Sequence[str] | None = None,
) -> HeatSetting:
    """Check one setting's subgroup data and return it as a :class:`HeatSetting`.

    ``estimates`` are on the indicator's scale (``scale`` = 100 for percentages, 1000 for
    rates per 1,000 …) and must be finite and ≥ 0 (≤ 100 when ``scale`` is 100).
    ``population`` (> 0) is needed by every weighted measure, ``se`` (≥ 0) by most intervals.
    For an ordered dimension ``order`` gives HEAT's ``subgroup_order`` (distinct integers,
    1 = most disadvantaged); without it the estimates are taken to be in that order.
    """
    y = _floats("estimates", estimates, None)
    size = len(y)
    if size < 2:
        raise MethodInputError("a setting needs at least two subgroups", field="estimates")
    names = tuple(str(i) for i in range(size)) if labels is None else tuple(map(str, labels))
    if len(names) != size:
        raise MethodInputError(
            f"length {len(names)} differs from 'estimates' (length {size})", field="labels"
        )
    if len(set(names)) != size:
        raise MethodInputError("subgroup labels repeat", field="labels")
    _reject("estimates", ~np.isfinite(y), "missing or non-finite estimate", names)
    _reject("estimates", y < 0, "HEAT measures need estimates ≥ 0", names)
    scale_value = float(scale)
    if not np.isfinite(scale_value) or scale_value <= 0:
        raise MethodInputError(f"scale must be a positive number, got {scale!r}", field="scale")
    if scale_value == 100:
        _reject("estimates", y > 100, "a percentage (scale 100) cannot exceed 100", names)
    pop = None
    if population is not None:
        pop = _floats("population", population, size)
        _reject("population", ~np.isfinite(pop), "missing or non-finite population", names)
        _reject("population", pop <= 0, "population must be greater than 0", names)
    sea = None
    if se is not None:
        sea = _floats("se", se, size)
        _reject("se", ~np.isfinite(sea), "missing or non-finite standard error", names)
        _reject("se", sea < 0, "standard errors must not be negative", names)
    ref = None
    if reference is not None:
        if isinstance(reference, bool) or not isinstance(reference, int | np.integer):
            raise MethodInputError(
                f"reference must be a subgroup index, got {reference!r}", field="reference"
            )
        ref = int(reference)
        if not 0 <= ref < size:
            raise MethodInputError(
                f"reference index {ref} is outside 0..{size - 1}", field="reference"
            )
    ranks = None
    if ordered:
        ranks = _order(order, size, names)
    elif order is not None:
        raise MethodInputError("order is given but the dimension is not ordered", field="order")
    avg = None
    if setting_average is not None:
        avg = float(setting_average)
        if not np.isfinite(avg) or avg <= 0:
            raise MethodInputError(
                f"setting average must be a positive number, got {setting_average!r}",
                field="setting_average",
            )
    return HeatSetting(
        estimates=y,
        population=pop,
        se=sea,
        ordered=bool(ordered),
        favourable=bool(favourable),
        scale=scale_value,
        reference=ref,
        order=ranks,
        setting_average=avg,
        labels=names,
    )


def _order(order: ArrayLike | None, size: int, names: Sequence[str]) -> IntArray:
    if order is None:
        return np.arange(1, size + 1, dtype=np.intp)
    raw = _floats("order", order, size)
    _reject("order", ~np.isfinite(raw) | (raw != np.round(raw)), "order must be integers", names)
    ranks = raw.astype(np.intp)
    if len(np.unique(ranks)) != size:
        raise MethodInputError("subgroup order values repeat", field="order")
    return ranks
