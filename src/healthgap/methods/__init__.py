"""England's public-health statistics and the WHO HEAT inequality measures.

Pure, vectorised functions over NumPy arrays of aggregated counts. No I/O, no data frames.
"""
