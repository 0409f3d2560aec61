"""The world view's squares, stamped without the GIL, land exactly where the plain NumPy
formulation puts them: rounding, clipping at every edge, later layers on top."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.ui.world_view import stamp_squares


def _numpy_stamp(pixels, w, h, x, y, m11, m21, dx, m12, m22, dy, size, argb) -> None:
    half = (size - 1) / 2
    px = np.rint(m11 * x + m21 * y + dx - half).astype(np.int64)
    py = np.rint(m12 * x + m22 * y + dy - half).astype(np.int64)
    inside = (px >= 0) & (px <= w - size) & (py >= 0) & (py <= h - size)
    corner = py[inside] * w + px[inside]
    for row in range(size):
        for col in range(size):
            pixels[corner + (row * w + col)] = argb


@pytest.mark.parametrize("size", [1, 2, 4, 6])
def test_squares_match_the_numpy_formulation(size):
    rng = np.random.default_rng(size)
    w, h = 317, 233
    # points beyond every edge, on half pixels (round half to even) and inside
    x = np.concatenate([rng.uniform(-30, 430, 3000), [0.5, 1.5, 2.5, -0.5, 380.5]])
    y = np.concatenate([rng.uniform(-30, 330, 3000), [0.5, 1.5, 2.5, 310.5, -0.5]])
    transform = (0.83, 0.0, 3.0, 0.0, -0.7, 230.0)  # y grows upwards, as in the plot
    expected, stamped = np.zeros(w * h, np.uint32), np.zeros(w * h, np.uint32)
    for layer, color in enumerate((0xFF112233, 0xFF445566)):  # the second layer on top
        part = slice(layer, None, 2)
        _numpy_stamp(expected, w, h, x[part], y[part], *transform, size, np.uint32(color))
        stamp_squares(stamped, w, h, x[part], y[part], *transform, size, np.uint32(color))
    assert np.count_nonzero(expected) > 1000
    np.testing.assert_array_equal(stamped, expected)
