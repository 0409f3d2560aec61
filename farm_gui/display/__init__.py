"""The arithmetic behind what the window draws, without Qt: peak envelopes of long series,
log-scale ranges, the series a run's charts read, and the world raster's stamping kernels.
Tested and benchmarked without a display; the window (farm_gui.ui) draws the results."""
