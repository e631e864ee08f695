"""healthgap: monitoring London's Health Inequalities Strategy.

The strategy's framework as data, England's official public-health statistics, progress
against the Mayor's commitments and whether the gap is narrowing.
"""

from __future__ import annotations

__all__ = ["ATTRIBUTION", "__version__"]

__version__ = "0.1.0"

#: The licence attribution every product surface must carry (see data/PROVENANCE.md).
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Office for National Statistics; OHID Fingertips; MHCLG English Indices of "
    "Deprivation; GLA. Contains OS data © Crown copyright and database right."
)
