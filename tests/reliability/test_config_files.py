"""Configuration files that are not small text files: the loader must refuse them
without reading them whole (a researcher picking a 2 GB data file by mistake)."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from farm_gui.config import ConfigError, load_yaml
from farm_gui.config.io import MAX_CONFIG_BYTES


def test_huge_file_is_refused_without_reading_it_whole(workdir):
    huge = workdir / "measurements.yaml"
    with open(huge, "wb") as fh:  # sparse: costs no disk
        fh.truncate(40 * MAX_CONFIG_BYTES)
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(ConfigError) as err:
            load_yaml(huge)
        took = time.monotonic() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(huge) in str(err.value)
    assert peak < 4 * MAX_CONFIG_BYTES, f"read {peak / 2**20:.0f} MB to refuse a huge file"
    print(f"refused a {40 * MAX_CONFIG_BYTES / 2**20:.0f} MB file in {took:.3f} s")
