"""PHEindicatormethods-style data-frame front end to healthgap.methods, for analysts."""
