"""Record and read progress returns for catalogue commitments.

The CLI (and later the API) call these; they check the commitment id against the catalogue
(``CatalogueError`` naming the closest id) and the return itself (``ProgressReturnError``
naming the parameter and the rule) before the store appends it. Nothing is written when a
check fails. The rules (ADR 0700):

- **value**: a level or count to reach (``at_least``, ``at_most``, ``reach``, ``zero``) is
  ≥ 0, and a percentage share lies in 0–100; a change achieved (``increase_by``,
  ``reduce_by``) may be negative (the measure moved the wrong way), but a percentage
  reduction is at most 100. Units beginning "net " (net balances) may be negative.
- **unit**: the target's unit (returns are compared with the target as recorded).
- **as_of**: not after today (UTC).
- **one current value per date**: a second return for the same commitment and as-of date is
  refused unless it ``corrects`` (supersedes) the current one for that date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from healthgap.catalogue import Catalogue, Commitment, TargetStatus
from healthgap.errors import InputError
from healthgap.store import ProgressReturn, Store

__all__ = ["ProgressReturnError", "check_return", "progress_history", "record_return"]

_CHANGE = ("increase_by", "reduce_by")


class ProgressReturnError(InputError):
    """A progress return that breaks a rule; ``parameter`` names the argument at fault."""

    def __init__(self, commitment_id: str, parameter: str, value: object, rule: str) -> None:
        super().__init__(f"parameter '{parameter}' = {value!r}: {rule}", key=commitment_id)
        self.commitment_id = commitment_id
        self.parameter = parameter
        self.given = value
        self.requirement = rule


def _value_range(commitment: Commitment) -> tuple[float | None, float | None, str]:
    """Lower and upper bounds of a return's value, with the reason for them."""
    t = commitment.target
    unit = t.unit or ""
    if t.status is not TargetStatus.SET:
        return None, None, ""
    if t.relation in _CHANGE:
        if unit.startswith("%") and t.relation == "reduce_by":
            return None, 100.0, f"a reduction in '{unit}' cannot exceed 100"
        return None, None, ""
    if unit.startswith("net "):
        return None, None, ""
    if unit.startswith("%"):
        return 0.0, 100.0, f"a percentage ('{unit}') lies between 0 and 100"
    return 0.0, None, f"a level or count of '{unit}' cannot be negative"


def check_return(
    store: Store,
    commitment: Commitment,
    *,
    value: float,
    as_of: date,
    unit: str | None,
    corrects: int | None,
    today: date | None = None,
) -> None:
    """Raise ``ProgressReturnError`` if the return breaks a rule in the module docstring."""
    cid = commitment.id
    low, high, why = _value_range(commitment)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"must be ≥ {low:g}" if high is None else f"must be ≤ {high:g}"
        if low is not None and high is not None:
            bounds = f"must be between {low:g} and {high:g}"
        raise ProgressReturnError(cid, "value", value, f"{bounds} ({why})")
    target_unit = commitment.target.unit
    if unit is not None and target_unit is not None and unit != target_unit:
        raise ProgressReturnError(
            cid,
            "unit",
            unit,
            f"must be the target's unit '{target_unit}' (returns are compared with the target)",
        )
    now = today if today is not None else datetime.now(UTC).date()
    if as_of > now:
        raise ProgressReturnError(
            cid, "as_of", as_of.isoformat(), f"must not be after today ({now.isoformat()})"
        )
    current = store.progress_returns(commitment_ids=[cid])
    if corrects is not None and all(r.return_id != corrects for r in current):
        return  # not a current return of this commitment: the store refuses it, naming why
    clash = [r for r in current if r.as_of == as_of and r.return_id != corrects]
    if clash:
        ids = ", ".join(str(r.return_id) for r in clash)
        raise ProgressReturnError(
            cid,
            "as_of",
            as_of.isoformat(),
            f"return {ids} is already current for this commitment and date; supersede it "
            f"with a correction (corrects={clash[0].return_id}; on the command line "
            f"--corrects {clash[0].return_id}) instead of recording a second value",
        )


def record_return(
    store: Store,
    catalogue: Catalogue,
    commitment_id: str,
    *,
    value: float,
    as_of: date,
    source: str,
    recorded_by: str,
    unit: str | None = None,
    note: str | None = None,
    corrects: int | None = None,
) -> ProgressReturn:
    """Check and append a return; the unit defaults to the commitment target's unit."""
    commitment = catalogue.commitment(commitment_id)
    check_return(store, commitment, value=value, as_of=as_of, unit=unit, corrects=corrects)
    return store.record_progress(
        commitment.id,
        value=value,
        as_of=as_of,
        source=source,
        recorded_by=recorded_by,
        unit=unit if unit is not None else commitment.target.unit,
        note=note,
        corrects=corrects,
    )


def progress_history(
    store: Store, catalogue: Catalogue, commitment_id: str
) -> list[ProgressReturn]:
    """Every return of a known commitment, corrections and the returns they supersede."""
    return store.progress_history(catalogue.commitment(commitment_id).id)
