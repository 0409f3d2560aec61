"""One long run in the real window: resident memory and chart frame time sampled as
it goes (shared by the test suite, with a short run, and bench/reliability.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psutil
from PySide6.QtGui import QAction

from .stress import pump_until

MB = 1024 * 1024


@dataclass
class LongRunReport:
    steps: int = 0
    seconds: float = 0.0
    rss_mb: list[tuple[int, float]] = field(default_factory=list)  # (step, RSS MB)
    frame_ms: list[tuple[int, float]] = field(default_factory=list)  # (step, ms of one chart refresh)
    status: str = ""

    def rss_at(self, fraction: float) -> float:
        target = fraction * self.steps
        return min(self.rss_mb, key=lambda s: abs(s[0] - target))[1]

    def frame_ms_median(self, lo: float, hi: float) -> float:
        """Median refresh time over samples taken between fractions lo and hi of the run."""
        values = sorted(ms for step, ms in self.frame_ms if lo * self.steps <= step <= hi * self.steps)
        return values[len(values) // 2] if values else float("nan")

    def figures(self, prefix: str = "long_run") -> dict[str, object]:
        start, middle, end = self.rss_at(0.0), self.rss_at(0.5), self.rss_at(1.0)
        return {
            f"{prefix}_steps": self.steps,
            f"{prefix}_seconds": round(self.seconds, 1),
            f"{prefix}_steps_per_s": round(self.steps / self.seconds) if self.seconds else 0,
            f"{prefix}_rss_start_mb": round(start, 1),
            f"{prefix}_rss_middle_mb": round(middle, 1),
            f"{prefix}_rss_end_mb": round(end, 1),
            f"{prefix}_rss_growth_mb": round(end - start, 1),
            f"{prefix}_frame_ms_at_10pct": round(self.frame_ms_median(0.05, 0.15), 2),
            f"{prefix}_frame_ms_at_50pct": round(self.frame_ms_median(0.45, 0.55), 2),
            f"{prefix}_frame_ms_at_100pct": round(self.frame_ms_median(0.9, 1.0), 2),
        }


def _start(window, steps: int):
    window.config_form.set_value("simulation_steps", steps)
    before = len(window.registry.runs())
    window.findChild(QAction, "action_start").trigger()
    assert pump_until(lambda: len(window.registry.runs()) > before, 60), "the run did not start"
    return window.registry.runs()[-1]


def long_run_in_window(window, steps: int, timeout_s: float, sample_every_s: float = 0.25,
                       warmup_steps: int = 1000) -> LongRunReport:
    """Start one run of `steps` steps (default preset otherwise) through action_start and
    sample RSS and the time of a full chart refresh until it finishes.

    A short warm-up run first pays the one-time costs (engine kernels loaded, first
    paints, worker threads), so the growth measured is the long run's own."""
    proc = psutil.Process()
    report = LongRunReport()
    window.config_form.set_value("snapshot_every", 1000)
    window.set_speed(None)
    if warmup_steps:
        warm = _start(window, warmup_steps)
        assert pump_until(lambda: not warm.active, 120), "the warm-up run did not end"
        pump_until(lambda: False, 0.5)
    report.rss_mb.append((0, proc.memory_info().rss / MB))
    run = _start(window, steps)
    t0 = time.monotonic()
    deadline = t0 + timeout_s
    while run.active and time.monotonic() < deadline:
        pump_until(lambda: False, sample_every_s)
        n = len(run.buffer)
        report.rss_mb.append((n, proc.memory_info().rss / MB))
        for curve in (c for chart in window.charts.charts for c in chart.curves):
            curve.drawn = None  # force a full redraw: measure the real cost, not a no-op
            curve.trace.invalidate()
        t = time.perf_counter()
        window.charts.refresh()
        report.frame_ms.append((n, (time.perf_counter() - t) * 1000))
    report.seconds = time.monotonic() - t0
    pump_until(lambda: not run.active, 60)
    report.steps = len(run.buffer)
    report.rss_mb.append((report.steps, proc.memory_info().rss / MB))
    report.status = run.state
    return report
