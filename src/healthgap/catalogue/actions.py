"""The local action library and the organisation self-assessment checklist, as declared data.

``actions.yaml`` holds what London organisations are doing about health inequalities (case
studies and examples from the strategy documents, in healthgap's own words, ADR 0900);
``selfassess.yaml`` the actions the sector guides recommend to "organisations like yours".
Both load into frozen models; a reference to an unknown aim, focus area or borough raises
:class:`CatalogueError` naming file, line, key, value and rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import Field, ValidationError

from healthgap.catalogue.loader import _convert, _File
from healthgap.catalogue.models import _DOCUMENTS, _Frozen
from healthgap.errors import CatalogueError

__all__ = [
    "ACTIONS_FILE",
    "CHECKLIST_FILE",
    "LIBRARY_PATH",
    "ActionEntry",
    "ActionSource",
    "ChecklistItem",
    "ReviewStatus",
    "Sector",
    "actions_to_yaml",
    "check_action",
    "load_actions",
    "load_checklist",
]

#: The library and the checklist shipped with healthgap (beside, not in, the catalogue's data).
LIBRARY_PATH = Path(__file__).resolve().parent / "library"
ACTIONS_FILE = LIBRARY_PATH / "actions.yaml"
CHECKLIST_FILE = LIBRARY_PATH / "selfassess.yaml"

_ENTRY_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_M = TypeVar("_M", bound=_Frozen)


class Sector(StrEnum):
    """The kind of organisation that acted (or that a checklist item is for)."""

    HEALTHCARE = "healthcare"
    VCSE = "vcse"
    COUNCIL = "council"
    BUSINESS = "business"
    PUBLIC = "public"
    PARTNERSHIP = "partnership"


class ReviewStatus(StrEnum):
    """An editor's entry is a draft until reviewed; public reads see only published ones."""

    DRAFT = "draft"
    PUBLISHED = "published"


class ActionSource(_Frozen):
    """Where the example is described: a seed document, its section and printed page."""

    document: str = Field(min_length=1)
    section: str = Field(min_length=1)
    page: int | None = Field(default=None, ge=1)


class ActionEntry(_Frozen):
    """One action in the library."""

    id: str = Field(pattern=_ENTRY_ID)
    title: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    boroughs: tuple[str, ...] = ()
    aims: tuple[str, ...] = Field(min_length=1)
    focus_areas: tuple[str, ...] = ()
    sector: Sector
    themes: tuple[str, ...] = ()
    what: str = Field(min_length=1)
    for_whom: str = Field(min_length=1)
    results: str = Field(min_length=1)
    source: ActionSource
    status: ReviewStatus = ReviewStatus.DRAFT

    def text(self) -> str:
        """Every searchable word of the entry, lower-cased."""
        parts = [self.title, self.organisation, self.what, self.for_whom, self.results]
        return " ".join([*parts, *self.themes]).lower()


class ChecklistItem(_Frozen):
    """An action a sector guide recommends to organisations like yours."""

    id: str = Field(pattern=_ENTRY_ID)
    sector: Sector
    aim: str = Field(min_length=1)
    text: str = Field(min_length=1)
    focus_areas: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    source: ActionSource


def check_action(
    entry: ActionEntry,
    *,
    aims: Collection[str],
    focus_areas: Collection[str],
    boroughs: Collection[str] | None = None,
    file: str | None = None,
    line: int | Mapping[str, int | None] | None = None,
) -> None:
    """Raise :class:`CatalogueError` when ``entry`` names an unknown aim, focus area, borough
    or source document. ``boroughs`` comes from the geography, which this layer cannot import
    (``None`` checks only the GSS code form). ``line`` is the entry's line, or each field's
    line by field name."""

    def row(column: str) -> int | None:
        return line.get(column) if isinstance(line, Mapping) else line

    checks: list[tuple[str, Sequence[str], Collection[str] | None]] = [
        ("aims", entry.aims, aims),
        ("focus_areas", entry.focus_areas, focus_areas),
        ("boroughs", entry.boroughs, boroughs),
    ]
    for column, values, known in checks:
        for value in values:
            if column == "boroughs" and not _is_gss_code(value):
                rule = "boroughs must be GSS codes (a letter and eight digits)"
            elif known is not None and value not in known:
                rule = f"{column} must be one of {', '.join(sorted(known))}"
            else:
                continue
            raise CatalogueError(
                rule, file=file, row=row(column), key=entry.id, column=column, value=value
            )
    if entry.source.document not in _DOCUMENTS:
        raise CatalogueError(
            f"source.document must be one of {', '.join(sorted(_DOCUMENTS))}",
            file=file,
            row=row("source"),
            key=entry.id,
            column="source.document",
            value=entry.source.document,
        )


def _is_gss_code(code: str) -> bool:
    return len(code) == 9 and code[0].isalpha() and code[1:].isdigit()


def load_actions(
    path: Path | None = None,
    *,
    aims: Collection[str],
    focus_areas: Collection[str],
    boroughs: Collection[str] | None = None,
) -> tuple[ActionEntry, ...]:
    """The action library at ``path`` (default: the shipped one), validated against the
    catalogue's ``aims`` and ``focus_areas`` and, when given, the known ``boroughs``."""
    file, items = _items(ACTIONS_FILE if path is None else Path(path))
    out: list[ActionEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(items):
        entry = _validate(ActionEntry, raw, file, i)
        line = file.line((i,))
        if entry.id in seen:
            raise CatalogueError("id must be unique", file=file.shown, row=line, value=entry.id)
        seen.add(entry.id)
        lines = {c: file.line((i, c)) for c in ("aims", "focus_areas", "boroughs", "source")}
        check_action(
            entry,
            aims=aims,
            focus_areas=focus_areas,
            boroughs=boroughs,
            file=file.shown,
            line=lines,
        )
        out.append(entry)
    return tuple(out)


def load_checklist(
    path: Path | None = None, *, aims: Collection[str], focus_areas: Collection[str]
) -> tuple[ChecklistItem, ...]:
    """The self-assessment checklist at ``path`` (default: the shipped one), validated."""
    file, items = _items(CHECKLIST_FILE if path is None else Path(path))
    out: list[ChecklistItem] = []
    seen: set[str] = set()
    for i, raw in enumerate(items):
        item = _validate(ChecklistItem, raw, file, i)
        line = file.line((i,))
        if item.id in seen:
            raise CatalogueError("id must be unique", file=file.shown, row=line, value=item.id)
        seen.add(item.id)
        if item.aim not in aims:
            raise CatalogueError(
                f"aim must be one of {', '.join(sorted(aims))}",
                file=file.shown,
                row=file.line((i, "aim")),
                key=item.id,
                column="aim",
                value=item.aim,
            )
        for fa in item.focus_areas:
            if fa not in focus_areas:
                raise CatalogueError(
                    f"focus_areas must be one of {', '.join(sorted(focus_areas))}",
                    file=file.shown,
                    row=file.line((i, "focus_areas")),
                    key=item.id,
                    column="focus_areas",
                    value=fa,
                )
        out.append(item)
    return tuple(out)


def actions_to_yaml(entries: Sequence[ActionEntry]) -> str:
    """The library as YAML that :func:`load_actions` reads back to equal entries."""
    data = [e.model_dump(mode="json", exclude_none=True) for e in entries]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _items(path: Path) -> tuple[_File, list[Any]]:
    if not path.is_file():
        raise CatalogueError("file not found", file=str(path))
    file = _File(path, path.name)
    data = file.data
    if data is None:
        data = []
    if not isinstance(data, list):
        raise CatalogueError("must be a list of entries", file=file.shown, row=1)
    return file, data


def _validate(model: type[_M], raw: Any, file: _File, index: int) -> _M:
    key = (
        str(raw.get("id", f"entry {index + 1}")) if isinstance(raw, dict) else f"entry {index + 1}"
    )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _convert(exc, file, (index,), key)[0] from exc
