"""Derive the golden reference CSVs by hand, from the formulas in METHODS.md §7.1-7.6.

Plain Python on scalars with the ``math`` module only: no NumPy, no SciPy, no healthgap.
Normal, Student-t and Poisson quantiles are found by bisection on their distribution
functions (Φ from ``math.erf``; the t density integrated by Simpson's rule; the Poisson CDF
summed term by term). Run ``python tests/reference/derive_reference.py`` to rewrite the CSVs;
the derivations are written up in ``README.md`` beside this file.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

HERE = Path(__file__).parent


def bisect(f, lo: float, hi: float, target: float) -> float:  # type: ignore[no-untyped-def]
    """x in [lo, hi] with f(x) = target, f increasing."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def z_of(confidence: float) -> float:
    return bisect(phi, 0.0, 10.0, 1 - (1 - confidence) / 2)


def poisson_cdf(k: int, mu: float) -> float:
    term, total = math.exp(-mu), 0.0
    for i in range(k + 1):
        if i:
            term *= mu / i
        total += term
    return total


def exact_limits(o: int, confidence: float) -> tuple[float, float]:
    """O_L: P(X ≥ O | μ) = α/2; O_U: P(X ≤ O | μ) = α/2 (≡ ½χ² quantiles)."""
    a = 1 - confidence
    upper = bisect(lambda mu: -poisson_cdf(o, mu), 0.0, 200.0, -a / 2)
    lower = 0.0 if o == 0 else bisect(lambda mu: -poisson_cdf(o - 1, mu), 0.0, 200.0, -(1 - a / 2))
    return lower, upper


def byars(o: float, confidence: float) -> tuple[float, float]:
    z = z_of(confidence)
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def poisson_limits(o: float, confidence: float) -> tuple[float, float]:
    return byars(o, confidence) if o >= 10 else exact_limits(int(o), confidence)


def t_cdf(t: float, df: int) -> float:
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
    steps = 20000
    h = t / steps
    total = 0.0
    for i in range(steps + 1):
        u = i * h
        w = 1 if i in (0, steps) else (4 if i % 2 else 2)
        total += w * c * (1 + u * u / df) ** (-(df + 1) / 2)
    return 0.5 + total * h / 3


def write(name: str, rows: list[dict[str, object]]) -> None:
    with (HERE / f"{name}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in row.items()}
            )


def proportion() -> None:
    rows = []
    for case, x, n, conf, mult in (
        ("10 of 100 at 95%", 10, 100, 0.95, 1),
        ("none of 50 at 95%", 0, 50, 0.95, 1),
        ("all of 50 at 99.8%", 50, 50, 0.998, 1),
        ("30 of 120 as a percentage at 95%", 30, 120, 0.95, 100),
    ):
        z = z_of(conf)
        root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
        low = (2 * x + z * z - root) / (2 * (n + z * z)) * mult
        up = (2 * x + z * z + root) / (2 * (n + z * z)) * mult
        rows.append(
            {"case": case, "x": x, "n": n, "confidence": conf, "multiplier": mult,
             "value": x / n * mult, "lower": low, "upper": up}
        )  # fmt: skip
    write("proportion", rows)


def rate() -> None:
    rows = []
    for case, x, n, conf, mult in (
        ("no events (exact)", 0, 1000, 0.95, 100000),
        ("one event (exact)", 1, 1000, 0.95, 100000),
        ("nine events (exact) at 99.8%", 9, 20000, 0.998, 100000),
        ("ten events (Byar's)", 10, 50000, 0.95, 100000),
        ("150 events (Byar's) at 99.8% per 1,000", 150, 200000, 0.998, 1000),
    ):
        low, up = poisson_limits(x, conf)
        rows.append(
            {"case": case, "x": x, "n": n, "confidence": conf, "multiplier": mult,
             "value": x / n * mult, "lower": low / n * mult, "upper": up / n * mult}
        )  # fmt: skip
    write("rate", rows)


def mean() -> None:
    rows = []
    cases = (("eight values at 95%", (2, 4, 4, 4, 5, 5, 7, 9), 0.95),
             ("three values at 99.8%", (10.5, 12.0, 13.5), 0.998))  # fmt: skip
    for case, values, conf in cases:
        k = len(values)
        m = sum(values) / k
        sd = math.sqrt(sum((v - m) ** 2 for v in values) / (k - 1))
        t = bisect(lambda u, df=k - 1: t_cdf(u, df), 0.0, 100.0, 1 - (1 - conf) / 2)
        half = t * sd / math.sqrt(k)
        for v in values:
            rows.append({"case": case, "x": v, "confidence": conf, "value": m,
                         "lower": m - half, "upper": m + half})  # fmt: skip
    write("mean", rows)


def dsr() -> None:
    rows = []
    cases = (
        ("three bands, user standard, 95%", (10, 20, 40), (1000, 2000, 1000),
         (30, 50, 20), 0.95, 1000),
        ("three bands, user standard, 99.8%", (10, 20, 40), (1000, 2000, 1000),
         (30, 50, 20), 0.998, 1000),
        ("total count 9 is withheld", (2, 3, 4), (1000, 1000, 1000), (1, 1, 1), 0.95, 100000),
    )  # fmt: skip
    for case, xs, ns, ws, conf, mult in cases:
        o = sum(xs)
        sw = sum(ws)
        value = sum(w * x / n for x, n, w in zip(xs, ns, ws, strict=True)) / sw * mult
        var = sum(w * w * x / n**2 for x, n, w in zip(xs, ns, ws, strict=True)) / sw**2
        if o < 10:
            value = low = up = math.nan
        else:
            ol, ou = byars(o, conf)
            low = value + math.sqrt(var / o) * (ol - o) * mult
            up = value + math.sqrt(var / o) * (ou - o) * mult
        for x, n, w in zip(xs, ns, ws, strict=True):
            rows.append({"case": case, "x": x, "n": n, "stdpop": w, "confidence": conf,
                         "multiplier": mult, "value": value, "lower": low,
                         "upper": up})  # fmt: skip
    write("dsr", rows)


def isr() -> None:
    rows = []
    cases = (
        ("rate, 25 observed (Byar's)", "rate", (5, 20), (2000, 3000), (100, 900),
         (100000, 100000), 0.95, 100000),
        ("ratio x 100, 4 observed (exact)", "ratio", (1, 3), (500, 500), (50, 150),
         (100000, 50000), 0.95, 100),
    )  # fmt: skip
    for case, kind, xs, ns, xr, nr, conf, factor in cases:
        o = sum(xs)
        e = sum(a / b * n for a, b, n in zip(xr, nr, ns, strict=True))
        scale = (sum(xr) / sum(nr) * factor if kind == "rate" else factor) / e
        ol, ou = poisson_limits(o, conf)
        for x, n, a, b in zip(xs, ns, xr, nr, strict=True):
            rows.append({"case": case, "statistic": kind, "x": x, "n": n, "x_ref": a,
                         "n_ref": b, "confidence": conf, "factor": factor, "value": o * scale,
                         "lower": ol * scale, "upper": ou * scale})  # fmt: skip
    write("isr", rows)


STARTS = (0, 1, *range(5, 95, 5))
POP = (7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 44208,
       44443, 37286, 27947, 20292, 14110, 8788, 4490, 2198)  # fmt: skip
DEATHS = (17, 6, 4, 7, 32, 22, 41, 60, 92, 132, 188, 255, 389, 571, 844, 1234, 1738, 1945,
          1845, 1661)  # fmt: skip


def life_table(deaths: tuple[float, ...], pops: tuple[float, ...], prevalence=None, size=None):  # type: ignore[no-untyped-def]
    """Chiang II with Silcocks' final band; with prevalence, Sullivan HLE (README §HLE)."""
    k = 20
    width = [1, 4] + [5] * 17
    ax = [0.1] + [0.5] * 18
    p = prevalence or [1.0] * k
    q, l_ = [], [100000.0]
    for i in range(k - 1):
        m = deaths[i] / pops[i]
        qi = width[i] * m / (1 + width[i] * m * (1 - ax[i]))
        if deaths[i] > pops[i] / (width[i] * ax[i]):
            qi = 1.0
        q.append(qi)
        l_.append(l_[i] * (1 - qi))
    big_l = [width[i] * (l_[i + 1] + ax[i] * (l_[i] - l_[i + 1])) for i in range(k - 1)]
    m_last = deaths[-1] / pops[-1]
    big_l.append(l_[-1] / m_last)
    e = [sum(big_l[j] * p[j] for j in range(i, k)) / l_[i] for i in range(k)]
    terms = []
    for i in range(k - 1):
        s2 = q[i] ** 2 * (1 - q[i]) / deaths[i] if deaths[i] > 0 else 0.0
        terms.append(l_[i] ** 2 * ((1 - ax[i]) * width[i] * p[i] + e[i + 1]) ** 2 * s2)
    terms.append(p[-1] ** 2 * l_[-1] ** 2 / (deaths[-1] * m_last**2))
    if size is not None:
        terms = [t + big_l[i] ** 2 * p[i] * (1 - p[i]) / size[i] for i, t in enumerate(terms)]
    se = [math.sqrt(sum(terms[i:])) / l_[i] for i in range(k)]
    return e, se


OLD_POP = (*POP[:15], 900, 600, 350, 150, 40)
OLD_DEATHS = (*DEATHS[:15], 20, 25, 30, 25, 12)


def life_expectancy() -> None:
    """PHEindicatormethods 2.1.0 rules (ADR 0102): a group whose total population is <= 5,000
    has NA value and limits at every band; otherwise every band is calculated, and the value
    alone is NA where the 95% interval is wider than 20 years (1.96 SE > 10)."""
    rows = []
    z = z_of(0.95)
    scaled = tuple(3 * p for p in POP)
    for case, deaths, pops in (
        ("one area, 20 bands", DEATHS, scaled),
        ("small area: population from 85 on <= 5,000, all bands calculated",
         tuple(d / 3 for d in DEATHS), POP),
        ("total > 5,000 but only 40 aged 90+ (R gives every band)", OLD_DEATHS, OLD_POP),
        ("total population <= 5,000: every band NA",
         tuple(d / 450 for d in DEATHS), tuple(p / 150 for p in POP)),
    ):  # fmt: skip
        e, se = life_table(deaths, pops)
        suppressed = sum(pops) <= 5000
        for i in range(20):
            wide = 1.959964 * se[i] > 10
            rows.append({"case": case, "startage": STARTS[i], "deaths": deaths[i],
                         "population": pops[i],
                         "value": math.nan if suppressed or wide else e[i],
                         "lower": math.nan if suppressed else e[i] - z * se[i],
                         "upper": math.nan if suppressed else e[i] + z * se[i]})  # fmt: skip
    write("life_expectancy", rows)


def hle() -> None:
    rows = []
    z = z_of(0.95)
    pops = tuple(3 * p for p in POP)
    prevalence = [round(0.95 - 0.02 * i, 2) for i in range(20)]
    size = [200 + 10 * i for i in range(20)]
    e, se = life_table(DEATHS, pops, prevalence, size)
    for i in range(20):
        rows.append({"case": "one area, 20 bands", "startage": STARTS[i], "deaths": DEATHS[i],
                     "population": pops[i], "prevalence": prevalence[i],
                     "sample_size": size[i], "value": e[i], "lower": e[i] - z * se[i],
                     "upper": e[i] + z * se[i]})  # fmt: skip
    write("hle", rows)


if __name__ == "__main__":
    for derive in (proportion, rate, mean, dsr, isr, life_expectancy, hle):
        derive()
