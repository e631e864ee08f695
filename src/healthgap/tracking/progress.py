"""Record and read progress returns for catalogue commitments.

The CLI (and later the API) call these; they check the commitment id against the catalogue
(``CatalogueError`` naming the closest id) before the store appends the return.
"""

from __future__ import annotations

from datetime import date

from healthgap.catalogue import Catalogue
from healthgap.store import ProgressReturn, Store

__all__ = ["progress_history", "record_return"]


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
    """Append a return; the unit defaults to the commitment target's unit."""
    commitment = catalogue.commitment(commitment_id)
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
