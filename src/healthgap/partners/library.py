"""The local action library: the shipped entries plus editors' entries held in the store.

Editors add entries as drafts and publish them (:func:`add_action`, :func:`publish_action`),
each a write through the process's single :class:`~healthgap.store.Writer`. Search is
typo-tolerant: each query word matches an entry word exactly, as a prefix, or within
difflib similarity 0.8 (``search_actions``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import lru_cache

from healthgap.catalogue import Catalogue
from healthgap.catalogue.actions import (
    ActionEntry,
    ReviewStatus,
    Sector,
    check_action,
    load_actions,
)
from healthgap.errors import InputError
from healthgap.store import Store, Writer

__all__ = [
    "DOCUMENT_TITLES",
    "add_action",
    "filter_actions",
    "publish_action",
    "search_actions",
    "shipped_actions",
    "stored_actions",
]

#: The strategy documents entries cite (``source.document``), by number.
DOCUMENT_TITLES: dict[str, str] = {
    "000": "Health Inequalities Strategy: guide for healthcare organisations",
    "001": "Health Inequalities Strategy: guide for voluntary, community and social "
    "enterprise organisations",
    "002": "Health Inequalities Strategy implementation plan 2021-24",
    "003": "The Mayor's Health Inequalities Strategy (GLA web page)",
    "004": "London Vision",
}

_WORD = re.compile(r"[^\W_]+")
#: difflib ratio at which a query word matches a misspelt entry word.
_FUZZY = 0.8


@lru_cache(maxsize=4)
def _shipped(
    aims: frozenset[str], focus: frozenset[str], boroughs: frozenset[str]
) -> tuple[ActionEntry, ...]:
    return load_actions(aims=aims, focus_areas=focus, boroughs=boroughs)


def shipped_actions(catalogue: Catalogue, boroughs: Collection[str]) -> tuple[ActionEntry, ...]:
    """The library shipped with healthgap, validated against this catalogue and geography."""
    return _shipped(
        frozenset(a.id for a in catalogue.aims),
        frozenset(f.id for f in catalogue.focus_areas),
        frozenset(boroughs),
    )


def stored_actions(store: Store) -> list[ActionEntry]:
    """Editors' entries in the store, latest version of each (drafts included)."""
    return [ActionEntry.model_validate(json.loads(r.body)) for r in store.action_entries()]


def add_action(
    writer: Writer,
    entry: ActionEntry,
    *,
    recorded_by: str,
    catalogue: Catalogue,
    boroughs: Collection[str],
    also: Callable[[Store], object] | None = None,
) -> ActionEntry:
    """Validate ``entry`` and store it as a draft (a new version if the id exists in the
    store); an id of a shipped entry is refused. ``InputError`` names the field and rule.
    ``also(store)`` runs in the same transaction (e.g. the API's audit row)."""
    check_action(
        entry,
        aims={a.id for a in catalogue.aims},
        focus_areas={f.id for f in catalogue.focus_areas},
        boroughs=boroughs,
    )
    if any(e.id == entry.id for e in shipped_actions(catalogue, boroughs)):
        raise InputError("id is taken by a shipped entry; choose another", key="id", value=entry.id)
    draft = entry.model_copy(update={"status": ReviewStatus.DRAFT})
    body = draft.model_dump_json()
    writer.run(
        lambda s: _record(
            s, draft.id, status="draft", body=body, recorded_by=recorded_by, also=also
        )
    )
    return draft


def _record(
    store: Store,
    entry_id: str,
    *,
    status: str,
    body: str,
    recorded_by: str,
    also: Callable[[Store], object] | None,
) -> None:
    """Store a version of an entry and run ``also`` in one transaction: both or neither."""
    with store.atomic():
        store.record_action_entry(entry_id, status=status, body=body, recorded_by=recorded_by)
        if also is not None:
            also(store)


def publish_action(
    writer: Writer,
    entry_id: str,
    *,
    recorded_by: str,
    also: Callable[[Store], object] | None = None,
) -> ActionEntry:
    """Publish an editor's stored entry (a new version with status published); ``also(store)``
    runs in the same transaction."""
    found = {e.id: e for e in stored_actions(writer.store)}
    if entry_id not in found:
        raise InputError(
            "no editor's entry with this id in the store",
            key="id",
            value=entry_id,
        )
    published = found[entry_id].model_copy(update={"status": ReviewStatus.PUBLISHED})
    body = published.model_dump_json()
    writer.run(
        lambda s: _record(
            s, entry_id, status="published", body=body, recorded_by=recorded_by, also=also
        )
    )
    return published


def filter_actions(
    entries: Iterable[ActionEntry],
    *,
    aim: str | None = None,
    focus_area: str | None = None,
    sector: Sector | str | None = None,
    borough: str | None = None,
    theme: str | None = None,
) -> list[ActionEntry]:
    """Entries matching every filter given (theme: case-insensitive, a theme containing it)."""
    out = []
    for e in entries:
        if aim is not None and aim not in e.aims:
            continue
        if focus_area is not None and focus_area not in e.focus_areas:
            continue
        if sector is not None and e.sector != sector:
            continue
        if borough is not None and borough not in e.boroughs:
            continue
        if theme is not None and not any(theme.lower() in t.lower() for t in e.themes):
            continue
        out.append(e)
    return out


#: Query words that carry no meaning of their own; ignored unless the query has nothing else.
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "their",
        "to",
        "with",
    ]
)
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_APOSTROPHE = re.compile(r"['\u2018\u2019]")


def _words(text: str) -> set[str]:
    """The words of ``text``: lower case, possessives dropped ("women's", "women\u2019s" →
    "women"), other apostrophes joined ("don't" → "dont"), accents kept."""
    text = _APOSTROPHE.sub("", _POSSESSIVE.sub("", text.lower()))
    return set(_WORD.findall(text))


def _word_score(word: str, vocabulary: set[str]) -> float:
    if word in vocabulary:
        return 1.0
    if len(word) >= 3 and any(v.startswith(word) for v in vocabulary):
        return 0.9
    best = difflib.get_close_matches(word, vocabulary, n=1, cutoff=_FUZZY)
    return 0.0 if not best else difflib.SequenceMatcher(None, word, best[0]).ratio() * 0.8


def search_actions(entries: Sequence[ActionEntry], text: str) -> list[ActionEntry]:
    """Entries in which every word of ``text`` occurs (allowing typos; words such as "the"
    and "of" are ignored), best match first; a title match outranks a match in the
    description."""
    query = _words(text)
    if not query:
        raise InputError("search text must contain a letter or digit", value=text)
    query = query - _STOP or query
    scored: list[tuple[float, int, ActionEntry]] = []
    for i, e in enumerate(entries):
        body = _words(e.text())
        title = _words(e.title + " " + " ".join(e.themes))
        scores = [_word_score(w, body) for w in query]
        if min(scores) == 0.0:
            continue
        bonus = sum(_word_score(w, title) for w in query) * 0.5
        scored.append((sum(scores) + bonus, i, e))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [e for _, _, e in scored]
