"""Tracking the commitments: progress returns, trajectories, status and equity."""

from __future__ import annotations

from healthgap.tracking.assessment import (
    ENGLAND,
    LONDON,
    NO_PROGRESS_RETURNS,
    CommitmentAssessment,
    assess_commitment,
    assess_commitments,
    assess_indicator,
)
from healthgap.tracking.equity import GapVerdict, gap_trend, improves_faster, is_red_red
from healthgap.tracking.equity_assessment import EquityRow, RedRed, assess_equity, red_red
from healthgap.tracking.periods import deadline_time, decimal_year, period_time
from healthgap.tracking.progress import (
    ProgressReturnError,
    check_return,
    progress_history,
    record_return,
)
from healthgap.tracking.trajectory import (
    Assessment,
    Direction,
    Observation,
    Projection,
    Status,
    Target,
    assess,
    project,
)

__all__ = [
    "ENGLAND",
    "LONDON",
    "NO_PROGRESS_RETURNS",
    "Assessment",
    "CommitmentAssessment",
    "Direction",
    "EquityRow",
    "GapVerdict",
    "Observation",
    "ProgressReturnError",
    "Projection",
    "RedRed",
    "Status",
    "Target",
    "assess",
    "assess_commitment",
    "assess_commitments",
    "assess_equity",
    "assess_indicator",
    "check_return",
    "deadline_time",
    "decimal_year",
    "gap_trend",
    "improves_faster",
    "is_red_red",
    "period_time",
    "progress_history",
    "project",
    "record_return",
    "red_red",
]
