"""How analysis results are drawn and explained: colours that match the main charts
(one colour per agent type, grey for totals; line style per run when a per-run
module covered several), axis labels per plot, and why a statistic is blank."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from PySide6.QtCore import Qt

from farm_gui.analysis import AnalysisResult
from farm_gui.config import AGENT_TYPES
from farm_gui.display.series import TYPE_COLORS

OTHER_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
TOTAL_COLOR = "#7f7f7f"  # as the main charts' "total"
RUN_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)

STEP = "step"
WINDOW = "step (start of window)"
AXES: dict[str, tuple[str, str]] = {
    "population": (STEP, "agents alive"),
    "growth rate": (STEP, "relative growth per step"),
    "survival": ("age (steps)", "share surviving (Kaplan-Meier)"),
    "node level": (STEP, "share of node capacity"),
    "gathering efficiency": (STEP, "gathered per agent-step"),
    "flows": (STEP, "resources per step"),
    "share-attack balance": (WINDOW, "(share - attack) / (share + attack)"),
    "clark-evans R": (STEP, "Clark-Evans R (< 1 clustered)"),
    "density": ("x", "y"),
    "population share": (STEP, "share of agents alive"),
    "lorenz curve": ("share of points, poorest first", "share of the total they hold"),
    "sobol indices": ("factor (order of the sobol table)", "Sobol index"),
    "standardised regression coefficients": ("factor (order of the src table)", "SRC"),
}


def axis_labels(group: str, counted: str = "agents") -> tuple[str, str]:
    """(bottom, left) axis labels of a plot group; ``counted``: what the model's population
    counts ("animals" for wolf-sheep)."""
    if group == "population":
        return STEP, f"{counted} alive"
    if group in AXES:
        return AXES[group]
    if group.startswith("histogram at step "):
        return "value", "points"
    if group.startswith("actions of "):
        return WINDOW, "share of the type's actions"
    if group.startswith("mean "):
        return STEP, f"{group.removeprefix('mean ')} (group mean)"
    return "x", group


FORAGING_COLORS: Mapping[str, str] = {name: TYPE_COLORS[name] for name in AGENT_TYPES}


def _type_word(names) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")


_TYPE_WORD = _type_word(AGENT_TYPES)


def curve_type(label: str, pattern: re.Pattern = _TYPE_WORD) -> str | None:
    """The agent type a curve is about ("system", "run 3 control", ...), or None."""
    if (found := pattern.findall(label)):
        return found[-1]
    return None


def curve_styles(labels: list[str], colors: Mapping[str, str] | None = None) -> list[tuple[str, Qt.PenStyle]]:
    """(colour, pen style) per curve: the main charts' colours of the model's categories
    (``colors``, name -> colour; the foraging ecology's types by default; grey for totals),
    other curves in turn; one line style per run prefix ("run 3 ...")."""
    colors = colors if colors else FORAGING_COLORS
    pattern = _TYPE_WORD if colors is FORAGING_COLORS else _type_word(colors)
    prefixes: list[str] = []
    styles = []
    others = 0
    for label in labels:
        kind = curve_type(label, pattern)
        rest = pattern.sub("", label).strip()
        is_total = rest.split(" ")[-1] in ("total", "all") if rest else False
        prefix = rest.rsplit(" ", 1)[0] if is_total and " " in rest else (rest if kind else "")
        if kind is not None or is_total:
            if prefix not in prefixes:
                prefixes.append(prefix)
            style = RUN_STYLES[prefixes.index(prefix) % len(RUN_STYLES)]
            styles.append((colors[kind] if kind else TOTAL_COLOR, style))
        else:
            styles.append((OTHER_COLORS[others % len(OTHER_COLORS)], Qt.PenStyle.SolidLine))
            others += 1
    return styles


# ----- blank statistics ---------------------------------------------------------------------

GENERIC_BLANK = ("no value: not defined for this data (for example no agents of this type, no deaths, "
                 "or too few values)")


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _small_groups(result: AnalysisResult) -> list[str]:
    groups = result.tables.get("groups")
    if groups is None or "runs" not in groups:
        return []
    return [str(g) for g, n in zip(groups["group"], groups["runs"], strict=True) if int(n) < 2]


def blank_reason(result: AnalysisResult, table: str, column: str, row: int) -> str:
    """Why the cell (table, column, row) of a result is blank."""
    if result.module == "comparison":
        small = _small_groups(result)
        frame = result.tables.get(table)
        if table == "groups" and frame is not None and int(frame["runs"].iloc[row]) < 2 \
                and column in ("sd_final", "ci_lower", "ci_upper"):
            return "no value: this group has one run; a spread or confidence interval needs two or more"
        if table == "group_tests" and small and frame is not None and \
                (str(frame["group_a"].iloc[row]) in small or str(frame["group_b"].iloc[row]) in small):
            return "no value: Welch's t test needs two or more runs in each group"
        if table == "type_tests" and frame is not None and str(frame["group"].iloc[row]) in small:
            return "no value: comparing types within a group needs two or more runs in it"
    return GENERIC_BLANK


def blank_note(result: AnalysisResult | None) -> str:
    """A sentence shown above the result when some of its statistics are blank for a
    reason the user can act on (empty when there is none)."""
    if result is None or result.module != "comparison":
        return ""
    small = _small_groups(result)
    groups = result.tables.get("groups")
    if not small and groups is not None and len(groups) == 1:
        return ("There is nothing to test between groups: all runs form one group (their configurations "
                "differ only in the seed). Set groups=[[...], [...]] to compare runs against each other.")
    if not small:
        return ""
    every = len(small) == len(result.tables["groups"])
    which = "Every group has" if every else f"Group{'s' if len(small) > 1 else ''} {', '.join(small)} " \
        f"{'have' if len(small) > 1 else 'has'}"
    return (f"Some statistics are blank: {which} one run, and spreads, confidence intervals and t tests "
            "need two or more runs per group. Tick more runs of the same configuration (other seeds) or "
            "set groups=[[...], [...]].")


def format_cell(value) -> str:
    if _is_blank(value):
        return "–"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
