"""The world view: a model's layers drawn as rasters and points, scrubbed by step."""
