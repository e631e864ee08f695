"""Confidence-interval kernels shared by the indicator statistics.

All kernels are vectorised over NumPy arrays and take ``confidence`` as a fraction (0.95).

References
----------
* Wilson EB. Probable inference, the law of succession, and statistical inference.
  J Am Stat Assoc 1927;22:209-12.
* Breslow NE, Day NE. Statistical methods in cancer research, vol. II. IARC; 1987
  (Byar's approximation to the Poisson limits).
* Armitage P, Berry G. Statistical methods in medical research, 4th ed. Blackwell; 2002
  (exact Poisson limits from the chi-squared distribution).
* Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
  Poisson parameters. Stat Med 1991;10:457-62.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

__all__ = [
    "BYARS_MIN_COUNT",
    "byars_lower",
    "byars_upper",
    "dobson",
    "exact_poisson",
    "poisson_limits",
    "poisson_method",
    "wilson",
    "z_from_confidence",
]

BYARS_MIN_COUNT = 10
"""Counts at or above this use Byar's approximation; below it, the exact Poisson limits."""


#: z = ``scipy.special.ndtri(1 − α/2)`` at the usual confidence levels, bit for bit (a test
#: checks each), so that a rate, DSR or proportion need not import SciPy (~0.3 s at start-up);
#: other levels import it. SciPy is imported only inside the kernels that need it.
_Z: dict[float, float] = {
    0.8: 1.2815515655446004,
    0.9: 1.6448536269514722,
    0.95: 1.959963984540054,
    0.99: 2.5758293035489004,
    0.998: 3.090232306167813,
    0.999: 3.2905267314919255,
}


def z_from_confidence(confidence: float) -> float:
    """z = Φ⁻¹(1 − α/2) for a two-sided interval at ``confidence`` (0 < confidence ≤ 1).

    >>> round(z_from_confidence(0.95), 6), round(z_from_confidence(0.998), 6)
    (1.959964, 3.090232)
    """
    if not 0.0 < confidence <= 1.0 or not np.isfinite(confidence):
        raise MethodInputError(
            f"confidence must be a fraction in (0, 1], got {confidence!r}", field="confidence"
        )
    known = _Z.get(confidence)
    if known is not None:
        return known
    from scipy import special

    return float(special.ndtri(1.0 - (1.0 - confidence) / 2.0))


def wilson(
    x: ArrayLike, n: ArrayLike, *, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score limits of the proportion x/n (on the 0-1 scale).

    L, U = [2x + z² ∓ z·√(z² + 4x(1 − x/n))] / [2(n + z²)]; at confidence 1 the limits are (0, 1).
    """
    xa = np.asarray(x, dtype=np.float64)
    na = np.asarray(n, dtype=np.float64)
    if confidence == 1.0:
        return np.zeros(np.broadcast(xa, na).shape), np.ones(np.broadcast(xa, na).shape)
    z = z_from_confidence(confidence)
    z2 = z * z
    root = z * np.sqrt(z2 + 4.0 * xa * (1.0 - xa / na))
    denominator = 2.0 * (na + z2)
    centre = 2.0 * xa + z2
    return (centre - root) / denominator, (centre + root) / denominator


def byars_lower(count: ArrayLike, *, confidence: float = 0.95) -> FloatArray:
    """Byar's lower limit of a Poisson count: O(1 − 1/(9O) − z/(3√O))³ (NaN where negative)."""
    o = np.asarray(count, dtype=np.float64)
    z = z_from_confidence(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * np.sqrt(o))) ** 3
    return np.where(lower < 0.0, np.nan, lower)


def byars_upper(count: ArrayLike, *, confidence: float = 0.95) -> FloatArray:
    """Byar's upper limit of a Poisson count: (O+1)(1 − 1/(9(O+1)) + z/(3√(O+1)))³."""
    o1 = np.asarray(count, dtype=np.float64) + 1.0
    z = z_from_confidence(confidence)
    upper: FloatArray = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * np.sqrt(o1))) ** 3
    return upper


def exact_poisson(count: ArrayLike, *, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact Poisson limits: O_L = ½χ²_{α/2}(2O) (0 when O = 0), O_U = ½χ²_{1−α/2}(2O + 2)."""
    o = np.asarray(count, dtype=np.float64)
    from scipy import special

    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        # ½χ²_p(2a) = Γ⁻¹ of the regularised upper incomplete gamma at 1 − p (scipy.special
        # spares importing scipy.stats; the same function chi2.ppf evaluates).
        lower = np.where(
            o > 0.0, special.gammainccinv(np.maximum(o, 1e-300), 1.0 - alpha / 2.0), 0.0
        )
    upper = special.gammainccinv(o + 1.0, alpha / 2.0)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def poisson_limits(count: ArrayLike, *, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Limits of a Poisson count: Byar's where O ≥ 10, exact below (Fingertips' rule)."""
    o = np.asarray(count, dtype=np.float64)
    small = o < BYARS_MIN_COUNT
    lower = byars_lower(np.where(small, BYARS_MIN_COUNT, o), confidence=confidence)
    upper = byars_upper(np.where(small, BYARS_MIN_COUNT, o), confidence=confidence)
    if np.any(small):
        exact_low, exact_up = exact_poisson(o[small], confidence=confidence)
        lower[small] = exact_low
        upper[small] = exact_up
    return lower, upper


def poisson_method(count: ArrayLike) -> NDArray[np.str_]:
    """The method text per element, as PHEindicatormethods writes it: 'Byars' or 'Exact'."""
    o = np.asarray(count, dtype=np.float64)
    return np.where(o < BYARS_MIN_COUNT, "Exact", "Byars")


def dobson(
    value: ArrayLike,
    total: ArrayLike,
    variance: ArrayLike,
    *,
    confidence: float = 0.95,
    multiplier: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Dobson limits of a weighted sum of Poisson rates.

    L, U = value + √(var/O)·(O_{L,U} − O)·multiplier with O_{L,U} Byar's limits of the total
    count O (exact limits below 10). ``value`` is already multiplied; ``variance`` is not.
    """
    v = np.asarray(value, dtype=np.float64)
    o = np.asarray(total, dtype=np.float64)
    var = np.asarray(variance, dtype=np.float64)
    o_lower, o_upper = poisson_limits(o, confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(var / o) * multiplier
    return v + scale * (o_lower - o), v + scale * (o_upper - o)
