"""An independent attacker on a published ``compute`` release (statistical disclosure control).

It reads only what is published (the values table of a release) and public knowledge
(geography, catalogue recipes and thresholds), builds its own model of how every count is made
(:mod:`.model`), and bounds every withheld count by linear programming (:mod:`.lp`). It shares
no code with ``healthgap.engine.disclosure``: whatever the protector overlooks, it does not.
"""

from .audit import Attack, Finding, attack, meets_rule
from .knowledge import Knowledge, Zones, london_knowledge
from .lp import Range, solve_ranges
from .model import build_model

__all__ = [
    "Attack",
    "Finding",
    "Knowledge",
    "Range",
    "Zones",
    "attack",
    "build_model",
    "london_knowledge",
    "meets_rule",
    "solve_ranges",
]
