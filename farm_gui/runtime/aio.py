"""asyncio on the Qt event loop, also when nobody called ``run_forever``.

The application runs under qasync (``QEventLoop.run_forever``). Tests and
scripts often drive a window with plain Qt event processing (pytest-qt's
``qtbot.waitUntil``) instead. qasync dispatches its callbacks through Qt timers,
so installing a qasync loop as the *running* loop of the GUI thread is enough
for our coroutines to make progress whenever Qt processes events.
``ensure_loop`` does that when no loop is running and ``release_loop`` undoes it
when the last window closes, so that other code in the same process can start
its own loop afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import qasync
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
T = TypeVar("T")

_own_loop: qasync.QEventLoop | None = None
_users = 0
_tasks: set[asyncio.Task] = set()
_io_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="farm-gui-io")
_io_pending: set[concurrent.futures.Future] = set()


def ensure_loop() -> asyncio.AbstractEventLoop:
    """The running loop of this (GUI) thread, installing a qasync one if needed."""
    global _own_loop, _users
    _users += 1
    running = asyncio.events._get_running_loop()
    if running is not None:
        return running
    if _own_loop is None or _own_loop.is_closed():
        _own_loop = qasync.QEventLoop(QApplication.instance(), already_running=True)
    asyncio.events._set_running_loop(_own_loop)
    asyncio.set_event_loop(_own_loop)
    return _own_loop


def release_loop() -> None:
    """Forget one user; when none is left, stop pretending our loop runs."""
    global _users
    _users = max(0, _users - 1)
    if _users == 0 and _own_loop is not None and asyncio.events._get_running_loop() is _own_loop:
        asyncio.events._set_running_loop(None)


def current_loop() -> asyncio.AbstractEventLoop:
    running = asyncio.events._get_running_loop()
    if running is not None:
        return running
    global _users
    loop = ensure_loop()
    _users -= 1
    return loop


def spawn(coro: Coroutine[Any, Any, T], on_error: Callable[[BaseException], None] | None = None
          ) -> asyncio.Task[T]:
    """Schedule ``coro`` on the GUI loop and keep a reference until it ends.

    Exceptions go to ``on_error`` (for a message box) or the log, never silently
    into a garbage-collected task.
    """
    task = current_loop().create_task(coro)
    _tasks.add(task)

    def done(t: asyncio.Task) -> None:
        _tasks.discard(t)
        if t.cancelled():
            return
        err = t.exception()
        if err is None:
            return
        if on_error is not None:
            on_error(err)
        else:
            log.error("background task failed", exc_info=err)

    task.add_done_callback(done)
    return task


async def run_blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call (database, files) off the GUI loop and await it.

    Like ``asyncio.to_thread`` but on our own pool of plain Python threads:
    qasync's default executor uses QThreads that Qt complains about at exit.
    """
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    future = _io_pool.submit(call)
    _io_pending.add(future)
    future.add_done_callback(_io_pending.discard)
    return await asyncio.wrap_future(future, loop=loop)


def wait_blocking(timeout: float) -> bool:
    """Wait (at most ``timeout`` s) for every blocking call started with run_blocking to
    return; True when none is left. A window waits here before it closes its store, so
    that an export or a read still going does not use the store after it is closed."""
    pending = list(_io_pending)
    if not pending:
        return True
    _done, not_done = concurrent.futures.wait(pending, timeout=timeout)
    return not not_done


def pending_tasks() -> int:
    return len(_tasks)
