"""London geography: areas, hierarchy, 2011/2021 lineage, deprivation, boundaries."""
