import os

import pytest

# Tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SKIP_LOG = os.environ.get("FARM_GUI_SKIP_LOG")  # .ci/run checks every skip against an allow-list


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Write each skipped test (node id, reason) to $FARM_GUI_SKIP_LOG, one per line."""
    if not SKIP_LOG or not report.skipped or hasattr(report, "wasxfail"):
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):  # xdist's controller gets every report and logs it
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    with open(SKIP_LOG, "a", encoding="utf-8") as log:
        log.write(f"{report.nodeid}\t{reason.removeprefix('Skipped: ')}\n")


@pytest.fixture(autouse=True)
def leak_guard(request):
    """Fail a test that uses qtbot and leaves threads, tasks, windows or timers behind
    (see tests/leak_guard.py). Torn down after pytest-qt closed the test's widgets."""
    if "qtbot" not in request.fixturenames or request.node.get_closest_marker("allow_leaks"):
        yield
        return
    from tests.leak_guard import LeakGuard

    guard = LeakGuard()
    yield guard
    problems = guard.problems()
    if problems:
        pytest.fail("the test left things behind:\n  " + "\n  ".join(problems), pytrace=False)
