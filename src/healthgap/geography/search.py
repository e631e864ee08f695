"""Finding areas by name or code, and suggesting the closest code for an unknown one.

Search ranks matches in tiers, then by area size (largest first) and name:

0. the code itself; 1. the whole name; 2. a name or code that starts with the text;
3. a word in the name that starts with the text; 4. the text anywhere in the name or code;
5. fuzzy: names whose best run of words is close to the text (``difflib`` ratio ≥ 0.75).

All matching ignores case. Fuzzy matching skips LSOA and MSOA names ("Camden 001A" carries no
place name to misspell) unless those types are asked for.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from healthgap.geography.areas import Area, looks_like_code, type_rank

__all__ = ["closest_code", "search_areas"]

_FUZZY_CUTOFF = 0.75
_SMALL = frozenset({"lsoa11", "lsoa21", "msoa11", "msoa21"})


def _tier(text: str, area: Area) -> int | None:
    code = area.code.lower()
    name = area.name.lower()
    if text == code:
        return 0
    if text == name:
        return 1
    if name.startswith(text) or code.startswith(text):
        return 2
    if any(word.startswith(text) for word in name.replace("-", " ").split()):
        return 3
    if text in name or text in code:
        return 4
    return None


def _fuzzy(text: str, name: str) -> float:
    """Best ``difflib`` ratio between ``text`` and any run of consecutive words of ``name``."""
    words = name.lower().split()
    best = 0.0
    matcher = difflib.SequenceMatcher(b=text, autojunk=False)
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            matcher.set_seq1(" ".join(words[i:j]))
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
    return best


def search_areas(
    areas: Iterable[Area], text: str, *, area_type: str | None = None, limit: int = 20
) -> list[Area]:
    """Areas matching ``text`` best first (see the module docstring for the order)."""
    needle = " ".join(text.lower().split())
    if not needle:
        return []
    scored: list[tuple[int, float, int, str, Area]] = []
    fuzzy_pool: list[Area] = []
    for area in areas:
        if area_type is not None and area.area_type != area_type:
            continue
        tier = _tier(needle, area)
        size = -type_rank(area.area_type)
        if tier is not None:
            scored.append((tier, 0.0, size, area.name, area))
        elif area_type is not None or area.area_type not in _SMALL:
            fuzzy_pool.append(area)
    if len(scored) < limit and not looks_like_code(needle):
        ratios: dict[str, float] = {}
        for area in fuzzy_pool:
            if area.name not in ratios:
                ratios[area.name] = _fuzzy(needle, area.name)
            ratio = ratios[area.name]
            if ratio >= _FUZZY_CUTOFF:
                scored.append((5, -ratio, -type_rank(area.area_type), area.name, area))
    scored.sort(key=lambda t: (t[0], t[1], t[2], t[3], t[4].code))
    return [t[4] for t in scored[:limit]]


def closest_code(text: str, codes: Sequence[str]) -> str | None:
    """The known code most like ``text``: same 3-character prefix first, then ``difflib``.

    Ties in similarity go to the longest shared prefix, then the nearest number, so
    ``E09000034`` → ``E09000033``.
    """
    probe = text.strip().upper()
    if not probe:
        return None
    same = [c for c in codes if c[:3] == probe[:3]]
    pool = same or list(codes)
    close = difflib.get_close_matches(probe, pool, n=20, cutoff=0.5)
    if not close:
        return None

    def key(code: str) -> tuple[float, int, int]:
        ratio = difflib.SequenceMatcher(a=probe, b=code).ratio()
        shared = len(_common_prefix(probe, code))
        return (-ratio, -shared, _distance(probe, code))

    return min(close, key=key)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def _distance(a: str, b: str) -> int:
    da, db = a[1:], b[1:]
    if da.isdigit() and db.isdigit() and len(da) == len(db):
        return abs(int(da) - int(db))
    return abs(len(a) - len(b))
