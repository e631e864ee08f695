"""An independent attacker on a published ``compute`` release (statistical disclosure control).

It reads only what is published (the values table of a release) and public knowledge
(geography, catalogue recipes and thresholds), builds its own model of how every count is made
(:mod:`.model`), and bounds every withheld count by linear programming (:mod:`.lp`). It shares
no code with ``healthgap.engine.disclosure``: whatever the protector overlooks, it does not.
:mod:`.judge` is for tests only: it judges an attack against the true counts.
"""

from .audit import Attack, Finding, attack, meets_rule
from .judge import Judged, primary_only
from .knowledge import Knowledge, Zones, london_knowledge
from .lp import Range, solve_ranges
from .model import build_model

__all__ = [
    "Attack",
    "Finding",
    "Judged",
    "Knowledge",
    "Range",
    "Zones",
    "attack",
    "build_model",
    "london_knowledge",
    "meets_rule",
    "primary_only",
    "solve_ranges",
]
