"""Inner and outer London: the ONS statistical definition and the London Government Act 1963.

* ``"ons"`` (default) — ONS statistical Inner London, the ITL2 area TLI3 + TLI4 (formerly NUTS2
  UKI3 + UKI4): the City and 13 boroughs, with Haringey and Newham, without Greenwich. ONS and
  OHID publish inner/outer London figures on this definition.
* ``"lga1963"`` — the London Government Act 1963 inner London boroughs (Schedule 1): 12
  boroughs, with Greenwich, without Haringey and Newham, plus the City of London (not a London
  borough under the Act, but part of the former County of London and of inner London for
  every administrative purpose since, e.g. the ILEA area).

See ADR 0301 for why ``"ons"`` is the default.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["INNER_LONDON", "InnerLondonDefinition"]

InnerLondonDefinition = Literal["ons", "lga1963"]

_COMMON: Final = frozenset(
    {
        "E09000001",  # City of London
        "E09000007",  # Camden
        "E09000012",  # Hackney
        "E09000013",  # Hammersmith and Fulham
        "E09000019",  # Islington
        "E09000020",  # Kensington and Chelsea
        "E09000022",  # Lambeth
        "E09000023",  # Lewisham
        "E09000028",  # Southwark
        "E09000030",  # Tower Hamlets
        "E09000032",  # Wandsworth
        "E09000033",  # Westminster
    }
)

#: definition → the London LTLA codes that are inner London under it.
INNER_LONDON: Final[dict[str, frozenset[str]]] = {
    "ons": _COMMON | {"E09000014", "E09000025"},  # + Haringey, Newham
    "lga1963": _COMMON | {"E09000011"},  # + Greenwich
}
