"""Data layer: the embedded store, providers and quality checks."""
