"""The foraging ecology's charts name and colour a metric the same way for one run and for
several runs side by side (there each entry is "run: metric")."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt

from farm_gui.ui.world.foraging_look import several_runs, single_run


def test_several_runs_name_and_colour_each_curve_as_one_run_does():
    runs = [SimpleNamespace(name=f"run {i}", types=["system", "control"]) for i in (1, 2)]
    styles = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine)
    one = {(metric, label, color) for curves in single_run(runs[0]).values()
           for _run, metric, label, color, _right, _style in curves}
    both = several_runs(runs, styles)
    for i, run in enumerate(runs):
        seen = {(metric, label.removeprefix(f"{run.name}: "), color)
                for curves in both.values() for r, metric, label, color, _right, style in curves if r is run}
        assert seen == one
        assert {style for curves in both.values() for r, *_, style in curves if r is run} == {styles[i]}
