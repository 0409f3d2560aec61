"""What the window shows agrees with itself: the slider thumb with its label, the world
view with a paused run, Duration with pauses, the status bar with the runs' states,
the hover read-out with the runs shown; hovering does not grow the window."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF

from farm_gui.app import create_main_window

from .conftest import WAIT_MS, start_and_get_run, wait_final


def test_slider_thumb_is_at_the_step_shown(qtbot, make_window, tmp_path):
    window = make_window(steps=30)
    wait_final(qtbot, window, start_and_get_run(qtbot, window))
    window.close()
    again = create_main_window(str(tmp_path / "work.db"))  # a fresh window: the slider starts at 0
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.run_table.table_model.rowCount() == 1, timeout=WAIT_MS)
    again.run_table.select_ids([1])
    qtbot.waitUntil(lambda: again.world_view.displayed_step == 30, timeout=WAIT_MS)
    slider = again.world_view.slider
    assert slider.value() == slider.maximum() == 30
    assert again.world_view.step_label.text().startswith("step 30")


def test_the_world_view_follows_the_model_picked_while_no_run_is_shown(qtbot, make_window):
    """The charts were rebuilt for the model picked in the form, the world view kept the
    foraging ecology's key and extent under them."""
    from PySide6.QtWidgets import QComboBox

    window = make_window()
    picker = window.findChild(QComboBox, "model_picker")
    picker.setCurrentIndex(picker.findData("wolf_sheep"))
    picker.activated.emit(picker.currentIndex())  # what a click on the item does
    qtbot.waitUntil(lambda: window.config_form.spec.name == "wolf_sheep", timeout=WAIT_MS)
    view = window.world_view
    qtbot.waitUntil(lambda: view.layers is not None and view.model.name == "wolf_sheep", timeout=WAIT_MS)
    assert "Sheep" in view.key_label.text() and "independent" not in view.key_label.text()
    (x0, x1), _ = view.plot.getPlotItem().vb.viewRange()
    params = window.config_form.config()
    assert x0 < 0 < params.width < x1 < 1.2 * params.width  # the form's world
    picker.setCurrentIndex(picker.findData("foraging"))
    picker.activated.emit(picker.currentIndex())
    qtbot.waitUntil(lambda: view.layers is None and "independent" in view.key_label.text(), timeout=WAIT_MS)


def test_a_selection_cleared_and_made_again_at_once_shows_the_run(qtbot, make_window):
    """The request to show nothing, still loading, lost to nothing: the run selected again
    at once was compared with the runs shown (itself) and not shown again, and the charts
    went empty under a selected run."""
    window = make_window(steps=30)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.run_table.table_model.rows[0].status == "finished", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.shown_ids == [run.run_id], timeout=WAIT_MS)
    window.run_table.select_ids([])
    window.run_table.select_ids([run.run_id])  # in the same turn of the event loop
    qtbot.wait(300)
    qtbot.waitUntil(lambda: window.shown_ids == [run.run_id], timeout=WAIT_MS)
    x, _y = window.charts.population.data(window.charts.population.curves[0].label)
    assert len(x) == 30
    assert window.world_view.displayed_step == 30


def test_a_new_run_does_not_keep_the_step_cursor_of_the_run_shown_before(qtbot, make_window):
    """An ended run shown puts the charts' step cursor at its last step (the world shown);
    a run started next shows its own live world, with no cursor left over its curves."""
    window = make_window(steps=30)
    first = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, first)
    qtbot.waitUntil(lambda: window.run_table.table_model.rows[0].status == "finished", timeout=WAIT_MS)
    window.run_table.select_ids([])
    window.run_table.select_ids([first.run_id])  # shown again, as an ended run
    cursor = window.charts.population.cursor
    qtbot.waitUntil(lambda: cursor.isVisible() and cursor.value() == 29, timeout=WAIT_MS)
    window.config_form.set_value("simulation_steps", 100_000)
    window.set_speed(100.0)
    second = start_and_get_run(qtbot, window, count_before=1)
    qtbot.waitUntil(lambda: window.state.world_run == second.run_id and len(second.buffer) > 5,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not cursor.isVisible(), timeout=WAIT_MS)
    window.actions.stop.trigger()
    wait_final(qtbot, window, second)


def test_paused_run_shows_the_step_it_paused_at(qtbot, make_window):
    window = make_window(steps=100_000, speed=100.0)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) >= 25, timeout=WAIT_MS)
    window.actions.pause.trigger()
    qtbot.waitUntil(lambda: run.state == "paused", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.world_view.displayed_step == len(run.buffer), timeout=WAIT_MS)
    assert window.world_view.slider.value() == len(run.buffer)
    window.actions.step.trigger()  # a single step is shown too
    qtbot.waitUntil(lambda: window.world_view.displayed_step == len(run.buffer), timeout=WAIT_MS)
    window.actions.stop.trigger()
    wait_final(qtbot, window, run)


def test_duration_stands_still_while_paused(qtbot, make_window):
    window = make_window(steps=100_000, speed=100.0)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) >= 5, timeout=WAIT_MS)
    window.actions.pause.trigger()
    qtbot.waitUntil(lambda: run.state == "paused", timeout=WAIT_MS)
    model = window.run_table.table_model

    def duration() -> float:
        window.runs.refresh_live_rows()
        return model.rows[model.row_of(run.run_id)].duration_s

    before = duration()
    qtbot.wait(1200)  # a pause that a clock counting on would show
    assert duration() == before
    window.actions.resume.trigger()
    qtbot.waitUntil(lambda: duration() > before + 0.2, timeout=WAIT_MS)  # counts again
    window.actions.stop.trigger()
    wait_final(qtbot, window, run)


def test_status_bar_tells_stopped_from_finished(qtbot, make_window):
    window = make_window(steps=100_000, speed=100.0)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) >= 3, timeout=WAIT_MS)
    window.actions.stop.trigger()
    wait_final(qtbot, window, run)
    window.config_form.set_value("simulation_steps", 10)
    window.set_speed(None)
    wait_final(qtbot, window, start_and_get_run(qtbot, window))
    qtbot.waitUntil(lambda: window.run_table.table_model.rowCount() == 2, timeout=WAIT_MS)
    window.refresh_status()
    assert window.counts_label.text() == "0 running · 0 paused · 1 finished · 1 stopped"


def test_hover_readout_follows_the_runs_shown_and_never_widens_the_window(qtbot, make_window):
    window = make_window(steps=30)
    runs = []
    for name in ("a run with a rather long name to read", "another run with a long name", "third"):
        window.config_form.name_edit.setText(name)
        runs.append(start_and_get_run(qtbot, window))
        wait_final(qtbot, window, runs[-1])
    # all three in the table first (it lists a new run a moment after it starts: under load,
    # after the run had ended, and selecting three rows then selected two)
    qtbot.waitUntil(lambda: window.run_table.table_model.rowCount() == 3, timeout=WAIT_MS)
    window.run_table.select_ids([r.run_id for r in runs])
    chart = window.charts.population
    qtbot.waitUntil(lambda: chart.data("third: total") is not None
                    and len(chart.data("third: total")[0]) == 30, timeout=WAIT_MS)
    # Everything else settled first (the world view's label, the status bar), so that only
    # the hover could change the layout.
    qtbot.waitUntil(lambda: window.world_view.displayed_step == 30, timeout=WAIT_MS)
    window.refresh_status()
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.width() <= window.minimumSizeHint().width() + 1, timeout=WAIT_MS)
    qtbot.wait(100)
    min_before, size_before = window.minimumSizeHint(), window.size()
    charts_min = window.charts.minimumSizeHint()

    # A real mouse move over the middle of the chart's plot area.
    view_rect = chart.getPlotItem().vb.sceneBoundingRect()
    where = chart.mapFromScene(view_rect.center())
    qtbot.mouseMove(chart.viewport(), QPoint(where.x(), where.y()))
    qtbot.waitUntil(lambda: window.charts.hover_step is not None, timeout=WAIT_MS)
    lines = window.charts.readout.lines()
    assert len(lines) == 3 and all(f"step {window.charts.hover_step}" in line for line in lines)
    assert "independent" in lines[0]  # every type of every run
    qtbot.wait(50)  # let a layout request, if any, be handled
    assert window.charts.minimumSizeHint() == charts_min
    assert window.minimumSizeHint() == min_before
    assert window.size() == size_before
    assert all(c.hover_line.isVisible() for c in window.charts.charts)

    # The read-out of runs no longer shown goes with them.
    window.run_table.select_ids([runs[2].run_id])
    qtbot.waitUntil(lambda: len(window.charts.runs) == 1, timeout=WAIT_MS)
    assert window.charts.hover_step is None
    assert "step" not in window.charts.readout.text()
    assert not any(c.hover_line.isVisible() for c in window.charts.charts)


def test_hovering_over_an_axis_reads_the_nearest_step_with_data(qtbot, make_window):
    window = make_window(steps=30)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.world_view.displayed_step == 30, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(window.charts.runs) == 1
                    and window.charts.runs[0].source.snapshot().length == 30, timeout=WAIT_MS)
    steps = window.charts.runs[0].source.snapshot()["step"]
    first, last = int(steps[0]), int(steps[-1])
    chart = window.charts.population
    plot = chart.getPlotItem()
    qtbot.waitUntil(lambda: plot.vb.viewRange()[0][1] >= last, timeout=WAIT_MS)  # the view shows it all
    axis, view = plot.getAxis("left").sceneBoundingRect(), plot.vb.sceneBoundingRect()
    for x, expected in ((axis.center().x(), first), (view.right() - 1, last)):  # on the axis; the right end
        # what the scene's mouse-moved signal hands over (a real move is tested above)
        window.charts._on_mouse_moved(chart, QPointF(x, view.center().y()))
        assert window.charts.hover_step == expected
        line = window.charts.readout.lines()[0]
        assert f"step {expected}" in line and "no step" not in line, line


def test_the_step_cursor_marks_the_chart_row_of_the_world_shown(qtbot, make_window):
    """The world stored at step s is the world after s steps, the state the charts' row
    s - 1 counts (rows are numbered by the step performed, from 0). The cursor stood at
    s: a world of 83 agents under a cursor reading 84."""
    window = make_window(steps=30)
    window.config_form.set_value("snapshot_every", 1)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.shown_ids == [run.run_id], timeout=WAIT_MS)
    view, cursor = window.world_view, window.charts.population.cursor
    qtbot.waitUntil(lambda: view.displayed_step == 30 and view.slider.isEnabled(), timeout=WAIT_MS)
    alive = window.store.metrics(run.run_id)["alive"]
    for step in (12, 1, 25, 30):  # 30: the last row, 29, not past it
        view.slider.setValue(step)
        qtbot.waitUntil(lambda step=step: view.displayed_step == step, timeout=WAIT_MS)
        assert cursor.isVisible() and cursor.value() == step - 1
        shown = int(view.step_label.text().split(", ")[1].split()[0].replace(",", ""))
        assert shown == alive[step - 1]
        assert f"after {step} steps: the charts count it at step {step - 1}" in view.step_label.toolTip()
    view.slider.setValue(0)  # the initial world: no row counts it
    qtbot.waitUntil(lambda: view.displayed_step == 0, timeout=WAIT_MS)
    assert not cursor.isVisible()


def test_the_cursor_follows_the_stored_world_not_the_slider(qtbot, make_window):
    """Worlds stored every 5 steps: the slider at 13 shows the world of step 10, and the
    cursor marks the row of that world."""
    window = make_window(steps=30)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.shown_ids == [run.run_id], timeout=WAIT_MS)
    view, cursor = window.world_view, window.charts.population.cursor
    qtbot.waitUntil(lambda: view.displayed_step == 30, timeout=WAIT_MS)
    view.slider.setValue(13)
    qtbot.waitUntil(lambda: view.displayed_step == 10, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: cursor.value() == 9, timeout=WAIT_MS)


def test_a_click_on_a_chart_shows_the_world_its_step_counts(qtbot, make_window):
    from PySide6.QtCore import QPointF, Qt

    window = make_window(steps=30)
    window.config_form.set_value("snapshot_every", 1)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.shown_ids == [run.run_id], timeout=WAIT_MS)
    view, chart = window.world_view, window.charts.population
    qtbot.waitUntil(lambda: view.displayed_step == 30 and view.slider.isEnabled(), timeout=WAIT_MS)
    plot = chart.getPlotItem()
    # the charts redraw on their own timer: a 30-step run can be stored and its world
    # shown before the curves and x range have caught up (the range is [0, 1] until then)
    qtbot.waitUntil(lambda: plot.vb.viewRange()[0][1] == 29, timeout=WAIT_MS)
    (_x0, _x1), (y0, y1) = plot.vb.viewRange()
    scene = plot.vb.mapViewToScene(QPointF(12, (y0 + y1) / 2))
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.mapFromScene(scene))
    qtbot.waitUntil(lambda: view.displayed_step == 13, timeout=WAIT_MS)  # the world after step 12
    assert view.slider.value() == 13 and chart.cursor.value() == 12
    alive = window.store.metrics(run.run_id)["alive"]
    assert int(view.step_label.text().split(", ")[1].split()[0]) == alive[12]
