import os
import sys
import threading

import pytest

from farm_gui.thread_priority import BACKGROUND_NICENESS, lower_this_thread_priority


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_only_the_calling_thread_becomes_nicer():
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def background() -> None:
        seen["changed"] = lower_this_thread_priority()
        lower_this_thread_priority()  # a pool thread running its next job: no further drop
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread = threading.Thread(target=background)
    thread.start()
    thread.join(5)
    assert seen["changed"]
    assert seen["nice"] == min(19, before + BACKGROUND_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
