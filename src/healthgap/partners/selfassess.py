"""Organisation self-assessment (ADR 0900): the checklist of actions the sector guides
recommend to "organisations like yours", completed by an organisation and scored.

A completed checklist is JSON (``FORMAT``): the organisation, its sector and one answer per
item (``done`` true/false, an optional note). :func:`template` writes one to fill in;
:func:`parse` reads one back (also the JSON :func:`score` writes, so a result can be loaded
again); :func:`score` gives coverage by aim and links each gap to case studies and indicators.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from healthgap.catalogue import Aim, Indicator
from healthgap.catalogue.actions import ActionEntry, ChecklistItem, Sector
from healthgap.errors import InputError
from healthgap.partners.library import DOCUMENT_TITLES

__all__ = [
    "FORMAT",
    "AimCoverage",
    "Answer",
    "Gap",
    "SelfAssessment",
    "SelfAssessmentScore",
    "parse",
    "read_file",
    "render_html",
    "score",
    "template",
    "to_csv",
    "to_json",
]

#: The format tag of a self-assessment file.
FORMAT = "healthgap-selfassessment/1"
#: Case studies and indicators linked to each gap (most relevant first).
_LINKS = 3


@dataclass(frozen=True)
class Answer:
    """An organisation's answer to one checklist item."""

    item_id: str
    done: bool
    note: str = ""


@dataclass(frozen=True)
class SelfAssessment:
    """A completed (or partly completed) checklist."""

    organisation: str
    sector: Sector
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class AimCoverage:
    """How many of an aim's recommended actions the organisation does."""

    aim: str
    aim_name: str
    done: int
    total: int

    @property
    def percent(self) -> float:
        return 0.0 if self.total == 0 else round(100.0 * self.done / self.total, 1)


@dataclass(frozen=True)
class Gap:
    """A recommended action not yet done, with case studies and indicators to look at."""

    item: ChecklistItem
    case_studies: tuple[ActionEntry, ...]
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class SelfAssessmentScore:
    """Coverage by aim and the gaps, for one organisation."""

    assessment: SelfAssessment
    coverage: tuple[AimCoverage, ...]
    gaps: tuple[Gap, ...]

    @property
    def done(self) -> int:
        return sum(c.done for c in self.coverage)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.coverage)


def _items_for(checklist: Sequence[ChecklistItem], sector: Sector) -> list[ChecklistItem]:
    items = [i for i in checklist if i.sector is sector]
    if not items:
        held = sorted({i.sector.value for i in checklist})
        raise InputError(
            f"no checklist is held for this sector yet; one of {', '.join(held)}",
            column="sector",
            value=sector.value,
        )
    return items


def template(
    checklist: Sequence[ChecklistItem], sector: Sector | str, *, organisation: str = ""
) -> dict[str, Any]:
    """A blank checklist for ``sector`` as JSON-ready data (every item ``done: false``)."""
    sec = _sector(sector, checklist, file=None)
    return {
        "format": FORMAT,
        "organisation": organisation,
        "sector": sec.value,
        "items": [
            {"id": i.id, "aim": i.aim, "text": i.text, "done": False, "note": ""}
            for i in _items_for(checklist, sec)
        ],
    }


def _sector(value: object, checklist: Sequence[ChecklistItem], *, file: str | None) -> Sector:
    """The sector named by ``value`` (case and spacing ignored); the error lists only the
    sectors that have a checklist, the choices that would work."""
    valid = [s.value for s in Sector]
    name = value.strip().lower() if isinstance(value, str) else value
    if not isinstance(name, str) or name not in valid:
        held = sorted({i.sector.value for i in checklist})
        raise InputError(
            f"sector must be one of {', '.join(held)}", file=file, key="sector", value=value
        )
    return Sector(name)


def parse(
    data: object, checklist: Sequence[ChecklistItem], *, file: str | None = None
) -> SelfAssessment:
    """Read a completed checklist (the output of :func:`template` or :func:`to_json`).
    ``InputError`` names the file, the item and the rule for anything wrong."""
    if not isinstance(data, Mapping):
        raise InputError(
            "must be a JSON object with format, organisation, sector, items", file=file
        )
    if data.get("format") != FORMAT:
        raise InputError(
            f"format must be {FORMAT!r}", file=file, key="format", value=data.get("format")
        )
    sector = _sector(data.get("sector"), checklist, file=file)
    organisation = data.get("organisation", "")
    if not isinstance(organisation, str):
        raise InputError(
            "organisation must be text", file=file, key="organisation", value=organisation
        )
    known = {i.id: i for i in _items_for(checklist, sector)}
    raw = data.get("items")
    if not isinstance(raw, list):
        raise InputError("items must be a list", file=file, key="items", value=raw)
    answers: list[Answer] = []
    seen: set[str] = set()
    for n, item in enumerate(raw):
        where = f"items[{n}]"  # a JSON path (0-based), as an API problem names it
        if not isinstance(item, Mapping):
            raise InputError("each item must be an object with id and done", file=file, key=where)
        if not isinstance(item.get("id"), str):
            raise InputError(
                "each item needs an id (text)", file=file, key=f"{where}.id", value=item.get("id")
            )
        item_id = item["id"]
        if item_id not in known:
            from difflib import get_close_matches

            near = get_close_matches(item_id, list(known), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise InputError(
                f"not an item of the {sector.value} checklist{hint}",
                file=file,
                key=f"{where}.id",
                value=item_id,
            )
        if item_id in seen:
            raise InputError("item listed twice", file=file, key=f"{where}.id", value=item_id)
        seen.add(item_id)
        done = item.get("done")
        if done is None:  # left blank: not answered, counted as not done
            done = False
        if not isinstance(done, bool):
            raise InputError(
                f"done must be true or false (item '{item_id}')",
                file=file,
                key=f"{where}.done",
                value=done,
            )
        note = item.get("note", "") or ""
        if not isinstance(note, str):
            raise InputError(
                f"note must be text (item '{item_id}')", file=file, key=f"{where}.note", value=note
            )
        answers.append(Answer(item_id, done, note))
    return SelfAssessment(organisation, sector, tuple(answers))


#: Answers accepted in the ``done`` column of a CSV (blank: not answered, so not done).
_YES = frozenset({"yes", "y", "true", "1", "done", "x"})
_NO = frozenset({"no", "n", "false", "0", "not done", ""})


def read_file(
    raw: bytes, checklist: Sequence[ChecklistItem], *, file: str | None = None
) -> SelfAssessment:
    """A completed checklist from a file's bytes: the JSON of :func:`template` or
    :func:`to_json`, or the CSV of :func:`to_csv` (as saved again by a spreadsheet: a UTF-8
    byte-order mark, ``;`` or tab separators and extra columns are fine; only ``sector``,
    ``item_id`` and ``done`` are needed). ``InputError`` names the file, row, column and rule."""
    import json

    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputError(
            "a spreadsheet workbook, not a CSV; in Excel use File > Save As > 'CSV UTF-8', "
            "keeping the columns sector, item_id and done",
            file=file,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}); save it as JSON or as 'CSV UTF-8'", file=file
        ) from None
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", file=file
            ) from None
        return parse(data, checklist, file=file)
    return _parse_csv(text, checklist, file=file)


def _parse_csv(
    text: str, checklist: Sequence[ChecklistItem], *, file: str | None
) -> SelfAssessment:
    lines = text.splitlines()
    header = lines[0] if lines else ""
    delimiter = max((",", ";", "\t"), key=header.count)
    rows = list(csv.reader(lines, delimiter=delimiter))
    names = [h.strip().lower() for h in (rows[0] if rows else [])]
    needed = ("sector", "item_id", "done")
    missing = [c for c in needed if c not in names]
    if missing:
        raise InputError(
            "neither a healthgap self-assessment JSON file nor its CSV: the header row lacks "
            f"{', '.join(missing)} (columns needed: {', '.join(needed)}; optional: "
            "organisation, note)",
            file=file,
        )
    col = {n: names.index(n) for n in (*needed, "organisation", "note") if n in names}

    def cell(row: list[str], name: str) -> str:
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    body = [(n, r) for n, r in enumerate(rows[1:], 2) if any(c.strip() for c in r)]
    sectors = {cell(r, "sector") for _, r in body} - {""}
    if len(sectors) > 1:
        raise InputError(
            f"column 'sector' holds more than one sector ({', '.join(sorted(sectors))})",
            file=file,
        )
    organisations = [cell(r, "organisation") for _, r in body if cell(r, "organisation")]
    items: list[dict[str, Any]] = []
    for n, r in body:
        answer = cell(r, "done").lower()
        if answer not in _YES | _NO:
            raise InputError(
                "not an answer; use yes or no (blank means not done)",
                file=file,
                row=n,
                column="done",
                value=cell(r, "done"),
            )
        item_id = cell(r, "item_id")
        if not item_id:
            raise InputError("item_id is blank", file=file, row=n, column="item_id")
        items.append({"id": item_id, "done": answer in _YES, "note": cell(r, "note"), "row": n})
    data = {
        "format": FORMAT,
        "organisation": organisations[0] if organisations else "",
        "sector": sectors.pop() if sectors else None,
        "items": items,
    }
    try:
        return parse(data, checklist, file=file)
    except InputError as exc:
        # parse names an item by its JSON path (items[3].done); a CSV's user needs its row
        # and column.
        at = {f"items[{k}]": item["row"] for k, item in enumerate(items)}
        where, _, field = (exc.key or "").partition(".")
        if where in at:
            column = {"id": "item_id"}.get(field, field or "item_id")
            raise InputError(
                exc.rule, file=file, row=at[where], column=column, value=exc.value
            ) from None
        if exc.key == "sector":
            raise InputError(exc.rule, file=file, column="sector", value=exc.value) from None
        raise


def score(
    assessment: SelfAssessment,
    checklist: Sequence[ChecklistItem],
    *,
    aims: Sequence[Aim],
    entries: Sequence[ActionEntry],
    indicators: Sequence[Indicator],
) -> SelfAssessmentScore:
    """Coverage by aim (an item not answered counts as not done) and each gap linked to the
    most relevant published case studies (same focus area, then shared theme, same aim, same
    sector first) and indicators (same focus area, then same aim; headline ones first)."""
    items = _items_for(checklist, assessment.sector)
    done = {a.item_id for a in assessment.answers if a.done}
    coverage = tuple(
        AimCoverage(
            aim.id,
            aim.name,
            sum(1 for i in items if i.aim == aim.id and i.id in done),
            sum(1 for i in items if i.aim == aim.id),
        )
        for aim in aims
        if any(i.aim == aim.id for i in items)
    )
    gaps = tuple(
        Gap(i, _case_studies(i, entries, assessment.sector), _indicators(i, indicators))
        for i in items
        if i.id not in done
    )
    return SelfAssessmentScore(assessment, coverage, gaps)


def _case_studies(
    item: ChecklistItem, entries: Sequence[ActionEntry], sector: Sector
) -> tuple[ActionEntry, ...]:
    themes = {t.lower() for t in item.themes}
    ranked: list[tuple[int, int, ActionEntry]] = []
    for n, e in enumerate(entries):
        points = 0
        if set(e.focus_areas) & set(item.focus_areas):
            points += 4
        if themes & {t.lower() for t in e.themes}:
            points += 3
        if item.aim in e.aims:
            points += 2
        if e.sector is sector:
            points += 1
        if points >= 3:
            ranked.append((-points, n, e))
    return tuple(e for *_, e in sorted(ranked, key=lambda t: (t[0], t[1]))[:_LINKS])


def _indicators(item: ChecklistItem, indicators: Sequence[Indicator]) -> tuple[Indicator, ...]:
    by_focus = [i for i in indicators if set(i.focus_areas) & set(item.focus_areas)]
    by_aim = [i for i in indicators if i not in by_focus and item.aim in i.aims]
    ranked = sorted(by_focus, key=lambda i: not i.table1) + sorted(
        by_aim, key=lambda i: not i.table1
    )
    return tuple(ranked[:_LINKS])


def to_json(result: SelfAssessmentScore, checklist: Sequence[ChecklistItem]) -> dict[str, Any]:
    """The result as JSON-ready data; :func:`parse` reads it back as the same assessment."""
    a = result.assessment
    answers = {x.item_id: x for x in a.answers}
    items = _items_for(checklist, a.sector)
    return {
        "format": FORMAT,
        "organisation": a.organisation,
        "sector": a.sector.value,
        "items": [
            {
                "id": i.id,
                "aim": i.aim,
                "text": i.text,
                "done": i.id in answers and answers[i.id].done,
                "note": answers[i.id].note if i.id in answers else "",
            }
            for i in items
        ],
        "score": {
            "done": result.done,
            "total": result.total,
            "coverage": [
                {
                    "aim": c.aim,
                    "aim_name": c.aim_name,
                    "done": c.done,
                    "total": c.total,
                    "percent": c.percent,
                }
                for c in result.coverage
            ],
            "gaps": [
                {
                    "item": g.item.id,
                    "aim": g.item.aim,
                    "text": g.item.text,
                    "case_studies": [
                        {"id": e.id, "title": e.title, "organisation": e.organisation}
                        for e in g.case_studies
                    ],
                    "indicators": [{"id": i.id, "name": i.name} for i in g.indicators],
                }
                for g in result.gaps
            ],
        },
    }


def to_csv(result: SelfAssessmentScore, checklist: Sequence[ChecklistItem]) -> str:
    """One row per checklist item: aim, item, done, note, and for a gap its linked case
    studies and indicators (ids separated by ``;``)."""
    a = result.assessment
    answers = {x.item_id: x for x in a.answers}
    gaps = {g.item.id: g for g in result.gaps}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "organisation",
            "sector",
            "aim",
            "item_id",
            "item",
            "done",
            "note",
            "case_studies",
            "indicators",
        ]
    )
    for i in _items_for(checklist, a.sector):
        g = gaps.get(i.id)
        w.writerow(
            [
                a.organisation,
                a.sector.value,
                i.aim,
                i.id,
                i.text,
                "yes" if g is None else "no",
                answers[i.id].note if i.id in answers else "",
                "" if g is None else ";".join(e.id for e in g.case_studies),
                "" if g is None else ";".join(x.id for x in g.indicators),
            ]
        )
    return out.getvalue()


_SECTOR_NAMES = {
    "healthcare": "Healthcare",
    "vcse": "Voluntary, community and social enterprise",
    "council": "Council",
    "business": "Business",
}


def render_html(
    result: SelfAssessmentScore,
    checklist: Sequence[ChecklistItem],
    *,
    aims: Sequence[Aim],
    created_at: datetime,
) -> str:
    """The scored self-assessment as a standalone, accessible HTML page (for print to PDF):
    coverage by aim, each gap with its case studies and indicators, every item as answered,
    and the guide sections the checklist and the case studies come from."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    a = result.assessment
    answers = {x.item_id: x for x in a.answers}
    items = _items_for(checklist, a.sector)
    rows = [
        (i, i.id in answers and answers[i.id].done, answers[i.id].note if i.id in answers else "")
        for i in items
    ]
    cited = sorted(
        {(i.source.document, i.source.section) for i in items}
        | {(e.source.document, e.source.section) for g in result.gaps for e in g.case_studies}
    )
    sources = [f"{DOCUMENT_TITLES.get(d, 'Document ' + d)} ({d}), {sec}" for d, sec in cited]
    return env.get_template("selfassess.html.j2").render(
        r=result,
        name=a.organisation or "Your organisation",
        sector_name=_SECTOR_NAMES.get(a.sector.value, a.sector.value),
        aim_names={x.id: x.name for x in aims},
        rows=rows,
        sources=sources,
        created_at=created_at,
    )
