"""Who may see which release, and as of when: the one place the embargo rule lives.

Every read of the store takes (or derives) a :class:`Visibility`. A *public* read never sees
a release whose publication instant or embargo is later than its cut-off, and its cut-off is
``min(requested instant, now)``: asking for a future date cannot reveal what is still under
embargo. Only an explicit *editor* read ignores embargoes. Decisions and examples:
``docs/design/0400-store-releases-and-as-published-reads.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

__all__ = ["Visibility", "naive_utc", "requested_instant"]

#: An editor read without a date: every release loaded, whatever its dates.
_UNBOUNDED = datetime(9999, 12, 31, 23, 59, 59)


def naive_utc(moment: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken to be UTC already."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def requested_instant(on: date | datetime) -> datetime:
    """The instant a read asks about: a date means the *end* of that day (UTC); a datetime
    means that instant (aware ones converted to UTC, naive ones taken as UTC)."""
    if isinstance(on, datetime):
        return naive_utc(on)
    return datetime.combine(on, time.max)


@dataclass(frozen=True)
class Visibility:
    """A read's view of the store: public or editor, as of an instant, with a clock.

    ``as_of`` is the instant asked about (naive UTC; None: now). ``now`` fixes the clock
    (tests, or one consistent instant for a multi-query read); None: the real UTC clock.
    Build with :meth:`public` or :meth:`editor` rather than directly.
    """

    include_embargoed: bool = False
    as_of: datetime | None = None
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.as_of is not None:
            object.__setattr__(self, "as_of", naive_utc(self.as_of))
        if self.now is not None:
            object.__setattr__(self, "now", naive_utc(self.now))

    @classmethod
    def public(
        cls, on: date | datetime | None = None, *, now: datetime | None = None
    ) -> Visibility:
        """A public read as published on ``on`` (a date: the end of that day), capped at now."""
        return cls(False, None if on is None else requested_instant(on), now)

    @classmethod
    def editor(
        cls, on: date | datetime | None = None, *, now: datetime | None = None
    ) -> Visibility:
        """An editor read: embargoes ignored; ``on`` (uncapped) limits publication dates,
        and without it every release loaded counts."""
        return cls(True, None if on is None else requested_instant(on), now)

    def clock(self) -> datetime:
        """Now, naive UTC (the fixed ``now`` if one was given)."""
        return self.now if self.now is not None else datetime.now(UTC).replace(tzinfo=None)

    def fixed(self) -> Visibility:
        """The same view with the clock read once, so every query of one read agrees."""
        return self if self.now is not None else replace(self, now=self.clock())

    def cutoff(self) -> datetime:
        """The latest publication (and, for public reads, embargo) instant still visible.

        Public: ``min(as_of, now)`` (``now`` without ``as_of``). Editor: ``as_of`` as given,
        or unbounded without it.
        """
        if self.include_embargoed:
            return self.as_of if self.as_of is not None else _UNBOUNDED
        now = self.clock()
        return now if self.as_of is None else min(self.as_of, now)

    def public_view(self) -> Visibility:
        """The public read at the same instant (what release status is measured against)."""
        return replace(self, include_embargoed=False)

    def sees(
        self, *, published_at: date | None, loaded_at: datetime, embargo_until: datetime | None
    ) -> bool:
        """Whether a release with these dates is visible (the rule :meth:`releases_sql` runs).

        Its publication instant is the start (UTC) of ``published_at``, else ``loaded_at``.
        """
        cut = self.cutoff()
        start = loaded_at if published_at is None else datetime.combine(published_at, time.min)
        if start > cut:
            return False
        return self.include_embargoed or embargo_until is None or embargo_until <= cut

    def releases_sql(self) -> tuple[str, dict[str, object]]:
        """SQL selecting ``release_id, effective_on`` of the visible releases, and its params.

        ``effective_on`` (the publication date, else the load date) orders releases when the
        latest one per key wins.
        """
        where, params = self.releases_where()
        sql = (
            "SELECT release_id, coalesce(published_at, CAST(loaded_at AS DATE)) AS effective_on "
            f"FROM releases WHERE {where}"
        )
        return sql, params

    def releases_where(self) -> tuple[str, dict[str, object]]:
        """The condition on a ``releases`` row that :meth:`releases_sql` selects by, and its
        params (for a read that needs other columns of the visible releases)."""
        where = (
            "coalesce(CAST(published_at AS TIMESTAMP), loaded_at) <= $cutoff "
            "AND ($editor OR embargo_until IS NULL OR embargo_until <= $cutoff)"
        )
        return where, {"cutoff": self.cutoff(), "editor": self.include_embargoed}

    def describe(self) -> str:
        """A short phrase for messages: 'a public read as of 2024-05-10 09:29:00'."""
        who = "an editor read" if self.include_embargoed else "a public read"
        cut = self.cutoff()
        return who if cut == _UNBOUNDED else f"{who} as of {cut.isoformat(sep=' ')} UTC"
