"""The strategy's framework as declared data: aims, commitments, focus areas, indicators."""
