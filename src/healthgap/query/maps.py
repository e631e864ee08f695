"""Boundaries for web maps: one level's shapes within an area, simplified and quantised.

The bundled boundaries are generalised already (ONS BSC/BUC), but a page that draws a map
twice — as server-side SVG and as the spec vega-embed redraws — pays for every vertex. Each
ring is simplified with Douglas–Peucker (Douglas & Peucker 1973) at ``tolerance`` metres on a
local equirectangular projection, never below four points (a closed triangle), and its
coordinates are rounded to ``digits`` decimal places (5 ≈ 1 m). At the default 15 m — under
a tenth of a pixel on a 380 px-wide map of a borough — shapes look the same and shared edges
stay within the tolerance of each other (ADR 0820).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any, get_args

from healthgap.geography import LONDON
from healthgap.geography.boundaries import BoundaryLevel
from healthgap.query.reader import ReadLayer

__all__ = ["MAP_LEVELS", "map_boundaries", "simplify_ring"]

#: Map geographies: URL value → (boundary level, wording).
MAP_LEVELS: dict[str, tuple[str, str]] = {
    "ltla": ("ltla", "boroughs"),
    "icb": ("icb", "integrated care boards"),
    "msoa11": ("msoa11", "MSOAs (2011)"),
    "msoa21": ("msoa21", "MSOAs (2021)"),
    "lsoa11": ("lsoa11", "LSOAs (2011)"),
    "lsoa21": ("lsoa21", "LSOAs (2021)"),
}
_METRES_PER_DEGREE = 111_320.0
_CACHE: dict[tuple[int, str, str, float, int], dict[str, Any]] = {}
_LOCK = threading.Lock()


def simplify_ring(
    ring: Sequence[Sequence[float]], *, tolerance: float, digits: int
) -> list[list[float]]:
    """One closed lon/lat ring simplified (Douglas–Peucker, ``tolerance`` in metres) and
    rounded to ``digits`` places; at least four points, first equal to last."""
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) <= 4 or tolerance <= 0:
        kept = pts
    else:
        lat0 = math.radians(sum(p[1] for p in pts) / len(pts))
        kx, ky = _METRES_PER_DEGREE * math.cos(lat0), _METRES_PER_DEGREE
        xy = [(x * kx, y * ky) for x, y in pts]
        keep = [False] * len(pts)
        keep[0] = keep[-1] = True
        # the farthest point from the first splits the closed ring into two open chains
        far = max(range(1, len(pts) - 1), key=lambda i: _dist2(xy[i], xy[0]))
        keep[far] = True
        stack = [(0, far), (far, len(pts) - 1)]
        while stack:
            a, b = stack.pop()
            if b - a < 2:
                continue
            i, d = max(
                ((i, _seg_dist(xy[i], xy[a], xy[b])) for i in range(a + 1, b)),
                key=lambda t: t[1],
            )
            if d > tolerance:
                keep[i] = True
                stack += [(a, i), (i, b)]
        kept = [p for p, k in zip(pts, keep, strict=True) if k]
        if len(kept) < 4:  # too small to simplify: keep the original ring
            kept = pts
    out = [[round(x, digits), round(y, digits)] for x, y in kept]
    if out[0] != out[-1]:
        out.append(list(out[0]))
    return out


def _dist2(p: tuple[float, float], q: tuple[float, float]) -> float:
    return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2


def _seg_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = dx * dx + dy * dy
    if n == 0:
        return math.sqrt(_dist2(p, a))
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / n))
    return math.sqrt(_dist2(p, (a[0] + t * dx, a[1] + t * dy)))


def _geometry(geom: dict[str, Any], tolerance: float, digits: int) -> dict[str, Any]:
    def poly(rings: Sequence[Any]) -> list[Any]:
        return [simplify_ring(r, tolerance=tolerance, digits=digits) for r in rings]

    if geom["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": poly(geom["coordinates"])}
    if geom["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [poly(p) for p in geom["coordinates"]]}
    return dict(geom)


def _level(read: ReadLayer, level: str, tolerance: float, digits: int) -> list[dict[str, Any]]:
    """Every feature of ``level``, simplified once per process (per geography)."""
    key = (id(read.geography), level, "*", tolerance, digits)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return list(hit["features"])
    boundary: BoundaryLevel = MAP_LEVELS[level][0]  # type: ignore[assignment]
    assert boundary in get_args(BoundaryLevel)
    features = [
        {
            "type": "Feature",
            "properties": {"code": f["properties"]["code"], "name": f["properties"]["name"]},
            "geometry": _geometry(f["geometry"], tolerance, digits),
        }
        for f in read.geography.boundaries(boundary)["features"]
    ]
    with _LOCK:
        _CACHE[key] = {"type": "FeatureCollection", "features": features}
    return features


def map_boundaries(
    read: ReadLayer,
    level: str,
    *,
    within: str | None = None,
    tolerance: float = 15.0,
    digits: int = 5,
) -> dict[str, Any]:
    """A FeatureCollection of ``level``'s shapes (``MAP_LEVELS``) inside area ``within``
    (a borough, ICB or London; all of London when None), simplified and quantised. Features
    keep ``properties.code`` and ``properties.name``. Cached per level, area and settings;
    callers get a new outer dict but must not change the features."""
    read._check_choice("level", level, tuple(MAP_LEVELS))
    area = read.area(within).code if within else LONDON
    key = (id(read.geography), level, area, float(tolerance), int(digits))
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is None:
        every = _level(read, level, float(tolerance), int(digits))
        inside: set[str] | None = None
        if area != LONDON:
            inside = {a.code for a in read.areas(area_type=level, parent=area)}
            if read.area(area).area_type == level:
                inside.add(area)
        features = [f for f in every if inside is None or f["properties"]["code"] in inside]
        hit = {"type": "FeatureCollection", "features": features}
        with _LOCK:
            _CACHE[key] = hit
    return {"type": "FeatureCollection", "features": hit["features"]}
