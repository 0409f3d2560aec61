import sys
import threading

from farm_gui.runtime.gil_switching import FINE_SWITCH_INTERVAL_S, fine_gil_switching


def test_interval_is_fine_while_any_block_runs_and_restored_after_the_last():
    before = sys.getswitchinterval()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with fine_gil_switching():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with fine_gil_switching():
        assert sys.getswitchinterval() <= FINE_SWITCH_INTERVAL_S
        thread.start()
        assert inside.wait(5)
    # this block ended, the other thread's has not: still fine
    assert sys.getswitchinterval() <= FINE_SWITCH_INTERVAL_S
    release.set()
    thread.join(5)
    assert sys.getswitchinterval() == before


def test_interval_is_restored_when_the_block_raises():
    before = sys.getswitchinterval()
    try:
        with fine_gil_switching():
            raise ValueError("boom")
    except ValueError:
        pass
    assert sys.getswitchinterval() == before
