"""PHEindicatormethods-compatible data-frame front end to healthgap.methods (for analysts with files)."""
