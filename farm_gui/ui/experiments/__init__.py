"""The Experiments panel and its live charts of results as they arrive."""
