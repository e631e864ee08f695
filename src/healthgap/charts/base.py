"""The chart record and its SVG rendering."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import vl_convert as vlc
from altair.utils import schemapi

__all__ = ["OUTCOME_COLOURS", "OUTCOME_SHAPES", "Chart", "outcome_class", "svg", "unchecked"]

#: Significance classes, colour-blind-safe (ColorBrewer RdYlBu ends, purples for "no judgement"),
#: each also drawn with its own shape so colour is never the only signal.
OUTCOME_COLOURS: dict[str, str] = {
    "better": "#2c7bb6",
    "similar": "#ffd966",
    "worse": "#d7191c",
    "higher": "#cbc9e2",
    "lower": "#6a51a3",
    "not compared": "#ffffff",
}
OUTCOME_SHAPES: dict[str, str] = {
    "better": "triangle-up",
    "similar": "circle",
    "worse": "triangle-down",
    "higher": "square",
    "lower": "diamond",
    "not compared": "cross",
}
_CLASSES = {
    "better": "better",
    "best": "better",
    "worse": "worse",
    "worst": "worse",
    "same": "similar",
    "similar": "similar",
    "middle": "similar",
    "higher": "higher",
    "highest": "higher",
    "lower": "lower",
    "lowest": "lower",
}


def outcome_class(outcome: str | None) -> str:
    """A stored comparison outcome ('Better', 'Same', 'Higher' …) as one of the display
    classes of :data:`OUTCOME_COLOURS`; anything else is 'not compared'."""
    if outcome is None:
        return "not compared"
    return _CLASSES.get(outcome.strip().lower(), "not compared")


@dataclass(frozen=True)
class Chart:
    """One chart: its Vega-Lite spec, the records it draws (table and CSV), a summary."""

    id: str
    title: str
    spec: dict[str, Any]
    columns: tuple[str, ...]
    records: tuple[dict[str, Any], ...]
    summary: str
    labels: dict[str, str] = field(default_factory=dict)

    def spec_json(self) -> str:
        return json.dumps(self.spec, sort_keys=True, default=str)

    def svg(self) -> str:
        """The chart rendered to SVG on the server (cached by spec)."""
        return svg(self.spec_json())

    def csv(self) -> str:
        """Exactly the records the chart draws, as CSV with a header row."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(self.columns), lineterminator="\n")
        w.writeheader()
        for r in self.records:
            w.writerow({c: "" if r.get(c) is None else r.get(c) for c in self.columns})
        return buf.getvalue()

    def header(self, column: str) -> str:
        return self.labels.get(column, column.replace("_", " ").capitalize())


_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 512
_LOCK = threading.Lock()


def svg(spec_json: str) -> str:
    """Render a Vega-Lite spec (JSON text) to SVG with vl-convert; an LRU cache keeps the
    last renderings, as the same spec always draws the same picture."""
    with _LOCK:
        hit = _CACHE.get(spec_json)
        if hit is not None:
            _CACHE.move_to_end(spec_json)
            return hit
    out: str = vlc.vegalite_to_svg(json.loads(spec_json))
    with _LOCK:
        _CACHE[spec_json] = out
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


class _PerThreadDebugMode:
    """Altair's ``DEBUG_MODE`` switch, seen per thread: false on a thread inside
    :func:`unchecked`, Altair's own setting (``base``) everywhere else."""

    def __init__(self, base: bool) -> None:
        self.base = base
        self.off = threading.local()

    def __bool__(self) -> bool:
        return self.base and not getattr(self.off, "depth", 0)

    def __repr__(self) -> str:
        return repr(bool(self))


_P = ParamSpec("_P")
_T = TypeVar("_T")
_DEBUG_LOCK = threading.Lock()


def _debug_switch() -> _PerThreadDebugMode:
    """The per-thread switch in Altair's module, installed over Altair's plain bool (again if
    someone set the bool since, keeping their value as the default)."""
    with _DEBUG_LOCK:
        current: object = schemapi.DEBUG_MODE
        if isinstance(current, _PerThreadDebugMode):
            return current
        switch = _PerThreadDebugMode(bool(current))
        setattr(schemapi, "DEBUG_MODE", switch)  # noqa: B010 (Altair types it as bool)
        return switch


def unchecked(build: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run a chart builder without Altair's ``DEBUG_MODE`` validation of every schema object
    at construction (jsonschema on each ``Scale``, ``Axis``, ``Tooltip``…, most of the cost
    of a cold page; the specs are made with ``to_dict(validate=False)`` anyway). Only the
    calling thread is affected: other threads, and other users of Altair in the process,
    keep Altair's setting; ``alt.utils.schemapi.debug_mode``/``enable_debug_mode`` still
    work. Every chart kind's spec is validated against the Vega-Lite schema by the tests
    (``tests/unit/web/test_chart_schema.py``)."""

    @wraps(build)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        off = _debug_switch().off
        off.depth = getattr(off, "depth", 0) + 1
        try:
            return build(*args, **kwargs)
        finally:
            off.depth -= 1

    return run
