"""File > Export > Run Data... for runs of models other than the foraging ecology: the
dialog offers what the selected runs have (metrics, one table per declared layer, agents
for models with life events), says which runs a table applies to when the runs are of
several models, and the files written have the model's columns."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QStyle, QStyleOptionButton, QWidget

from farm_gui import cli
from farm_gui.app import create_main_window

from .conftest import WAIT_MS

SCHELLING_COLUMNS = ["run_id", "step", "happy", "happy_share", "similar_share", "moved"]
WOLF_SHEEP_COLUMNS = ["run_id", "step", "wolves", "sheep", "grass", "sheep_births", "wolf_births",
                      "sheep_deaths", "wolf_deaths", "sheep_eaten"]
RASTER_COLUMNS = ["step", "row", "col", "value"]
ANIMAL_COLUMNS = ["step", "point", "x", "y", "category", "value", "id"]
AGENT_COLUMNS = ["agent_id", "agent_type", "birth_step", "parent_id", "generation", "death_step",
                 "death_cause"]
FORAGING_TABLES = ["metrics", "agent_snapshots", "node_snapshots", "action_counts", "agents"]


@pytest.fixture(scope="module")
def made_db(tmp_path_factory):
    """Run 1: Schelling (20 x 20), run 2: wolf-sheep, run 3: foraging; snapshots every 5 steps."""
    db = tmp_path_factory.mktemp("export_models") / "runs.db"
    for model, steps in (("schelling", 30), ("wolf_sheep", 30), ("foraging", 20)):
        code = cli.main(["run", "--model", model, "--steps", str(steps), "--snapshot-every", "5",
                         "--seed", "3", "--quiet", "--db", str(db)])
        assert code == 0
    return db


@pytest.fixture
def window(qtbot, made_db, tmp_path):
    db = tmp_path / "runs.db"
    shutil.copy(made_db, db)
    window = create_main_window(str(db))
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: len(window.run_table.table_model.rows) == 3, timeout=WAIT_MS)
    return window


def open_dialog(qtbot, window, run_ids):
    window.run_table.select_ids(run_ids)
    qtbot.waitUntil(lambda: sorted(window.run_table.selected_ids()) == sorted(run_ids), timeout=WAIT_MS)
    window.actions.export_data.trigger()
    dialog = window.exports.data_export_dialog  # the one just opened (an earlier one may still exist)
    assert dialog.objectName() == "data_export_dialog"
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    return dialog


def offered(dialog) -> list[str]:
    return [box.objectName() for box in dialog.table_boxes.values()]


def click(qtbot, widget) -> None:
    """A left click where the user would click: a check box's box, a button's middle."""
    pos = widget.rect().center()
    if isinstance(widget, QCheckBox):
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        pos = widget.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, widget).center()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def export(qtbot, window, dialog, out, fmt: str = "CSV") -> None:
    dialog.format_box.setCurrentText(fmt)
    dialog.folder.setText(str(out))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled(), ok.toolTip()
    window.statusBar().clearMessage()
    click(qtbot, ok)
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage()
                    or window.last_error is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.state.export_lock.locked(), timeout=WAIT_MS)
    assert window.last_error is None


def written(out) -> set[str]:
    return {p.name for p in out.iterdir()}


def test_schelling_run_offers_its_layers_and_writes_them(qtbot, window, tmp_path):
    dialog = open_dialog(qtbot, window, [1])
    assert offered(dialog) == ["export_table_metrics", "export_table_layer_mood", "export_table_layer_groups"]
    assert dialog.table_boxes["layer_groups"].text() == "groups layer (Groups)"
    click(qtbot, dialog.table_boxes["layer_mood"])
    assert not dialog.table_boxes["layer_mood"].isChecked()
    assert "metrics, layer_groups and a metadata file" in dialog.summary.text()
    click(qtbot, dialog.all_steps)
    dialog.first_step.setValue(0)
    dialog.last_step.setValue(4)
    out = tmp_path / "schelling"
    export(qtbot, window, dialog, out)
    assert written(out) == {"Run_1_run1_metrics.csv", "Run_1_run1_layer_groups.csv",
                            "Run_1_run1_metadata.json"}
    metrics = pd.read_csv(out / "Run_1_run1_metrics.csv")
    assert list(metrics.columns) == SCHELLING_COLUMNS
    stored = window.store.metrics(1)
    assert metrics["step"].tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(metrics["happy"], stored["happy"][:4])
    groups = pd.read_csv(out / "Run_1_run1_layer_groups.csv")
    assert list(groups.columns) == RASTER_COLUMNS
    assert sorted(set(groups["step"])) == [0]  # the snapshots in [0, 4)
    assert len(groups) == 20 * 20 and set(groups["value"]) <= {"empty", "group_a", "group_b"}
    occupied = (groups["value"] != "empty").sum()
    assert abs(occupied - 0.8 * 400) < 60  # density 0.8
    meta = json.loads((out / "Run_1_run1_metadata.json").read_text())
    assert meta["run"]["model"] == "schelling"
    assert sorted(meta["files"]) == ["Run_1_run1_layer_groups.csv", "Run_1_run1_metrics.csv"]


def test_wolf_sheep_run_offers_layers_and_agents(qtbot, window, tmp_path):
    dialog = open_dialog(qtbot, window, [2])
    assert offered(dialog) == ["export_table_metrics", "export_table_layer_grass",
                               "export_table_layer_animals", "export_table_agents"]
    assert "agent_snapshots" not in dialog.table_boxes  # the foraging ecology's tables are not offered
    out = tmp_path / "wolf_sheep"
    export(qtbot, window, dialog, out, "PARQUET")
    base = "Run_2_run2_"
    tables = ("metrics", "layer_grass", "layer_animals", "agents")
    assert written(out) == {f"{base}{t}.parquet" for t in tables} | {f"{base}metadata.json"}
    metrics = pd.read_parquet(out / f"{base}metrics.parquet")
    assert list(metrics.columns) == WOLF_SHEEP_COLUMNS and len(metrics) == 30
    grass = pd.read_parquet(out / f"{base}layer_grass.parquet")
    assert list(grass.columns) == RASTER_COLUMNS
    assert sorted(set(grass["step"])) == [0, 5, 10, 15, 20, 25, 30]
    animals = pd.read_parquet(out / f"{base}layer_animals.parquet")
    assert list(animals.columns) == ANIMAL_COLUMNS
    # the world stored at step s is the state after s steps: metrics row s - 1
    for step in (10, 30):
        counts = animals[animals["step"] == step]["category"].value_counts()
        row = metrics[metrics["step"] == step - 1].iloc[0]
        assert counts.get("wolf", 0) == row["wolves"] and counts.get("sheep", 0) == row["sheep"]
        grown = (grass[grass["step"] == step]["value"] == "grown").sum()
        assert grown == row["grass"]
    agents = pd.read_parquet(out / f"{base}agents.parquet")
    assert list(agents.columns) == AGENT_COLUMNS
    assert set(agents["agent_type"]) <= {"wolf", "sheep"}
    assert len(agents) == 150 + metrics["sheep_births"].sum() + metrics["wolf_births"].sum()


def test_runs_of_three_models_offer_the_union_and_say_which_runs_have_what(qtbot, window, tmp_path):
    dialog = open_dialog(qtbot, window, [1, 2, 3])
    assert offered(dialog) == ["export_table_metrics", "export_table_agent_snapshots",
                               "export_table_node_snapshots", "export_table_action_counts",
                               "export_table_layer_mood", "export_table_layer_groups",
                               "export_table_layer_grass", "export_table_layer_animals",
                               "export_table_agents"]
    boxes = dialog.table_boxes
    assert boxes["metrics"].text() == "metrics"  # every run has it
    assert boxes["agent_snapshots"].text().endswith("(Foraging ecology: run 3)")
    assert boxes["layer_grass"].text().endswith("(Wolf-sheep predation: run 2)")
    assert boxes["agents"].text().endswith("(Foraging ecology, Wolf-sheep predation: runs 2, 3)")
    for table in ("metrics", "action_counts", "agents", "layer_mood", "layer_groups", "layer_animals",
                  "agent_snapshots", "node_snapshots"):
        click(qtbot, boxes[table])
    assert dialog.ticked() == ("layer_grass",)
    summary = dialog.summary.text()
    assert "Schelling segregation (run 1): none of the ticked tables: not exported" in summary
    assert "Wolf-sheep predation (run 2): layer_grass and a metadata file" in summary
    out = tmp_path / "mixed"
    export(qtbot, window, dialog, out, "JSON")
    assert written(out) == {"Run_2_run2_layer_grass.json", "Run_2_run2_metadata.json"}
    assert "not exported (none of the chosen tables): run(s) 1, 3" in window.statusBar().currentMessage()
    grass = pd.DataFrame(json.loads((out / "Run_2_run2_layer_grass.json").read_text()))
    assert list(grass.columns) == RASTER_COLUMNS and len(grass) == 7 * 20 * 20


def test_every_table_alone_in_every_format_writes_just_its_files(qtbot, window, tmp_path):
    """No combination ends in a traceback: each offered table ticked alone, for runs of
    three models, writes that table for the runs that have it, in each format."""
    has = {1: ["metrics", "layer_mood", "layer_groups"],
           2: ["metrics", "layer_grass", "layer_animals", "agents"],
           3: FORAGING_TABLES}
    dialog = open_dialog(qtbot, window, [1, 2, 3])
    tables = list(dialog.table_boxes)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    assert not dialog.isVisible()
    for i, table in enumerate(tables):
        fmt = ("CSV", "PARQUET", "JSON")[i % 3]
        dialog = open_dialog(qtbot, window, [1, 2, 3])
        for name, box in dialog.table_boxes.items():
            if box.isChecked() != (name == table):
                click(qtbot, box)
        out = tmp_path / f"alone_{table}"
        export(qtbot, window, dialog, out, fmt)
        expected = {f"Run_{r}_run{r}_{t}.{fmt.lower()}" for r, ts in has.items() for t in ts if t == table}
        expected |= {f"Run_{r}_run{r}_metadata.json" for r, ts in has.items() if table in ts}
        assert written(out) == expected, table
        dialog.close()


def test_a_foraging_run_keeps_its_tables_and_names(qtbot, window):
    dialog = open_dialog(qtbot, window, [3])
    assert offered(dialog) == [f"export_table_{t}" for t in FORAGING_TABLES]
    assert [b.text() for b in dialog.table_boxes.values()] == [t.replace("_", " ") for t in FORAGING_TABLES]
    for name in ("export_format", "export_all_steps", "export_first_step", "export_stop_step",
                 "export_folder"):
        assert dialog.findChild(QWidget, name) is not None
