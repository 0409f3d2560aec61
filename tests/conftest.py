import os

import pytest

# Tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SKIP_LOG = os.environ.get("FARM_GUI_SKIP_LOG")  # .ci/run checks every skip against an allow-list


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Write each skipped test (node id, reason) to $FARM_GUI_SKIP_LOG, one per line."""
    if not SKIP_LOG or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    with open(SKIP_LOG, "a", encoding="utf-8") as log:
        log.write(f"{report.nodeid}\t{reason.removeprefix('Skipped: ')}\n")
