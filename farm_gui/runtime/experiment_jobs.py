"""An experiment running in the window: an ``ExperimentRunner`` on a plain thread (it only
waits on its workers and writes results; the runs are in worker processes). Qt-free: the
panel reads ``progress`` / ``status`` on its timer (no signal per result)."""

from __future__ import annotations

import logging
import threading

from farm_gui.experiments.backends import Backend
from farm_gui.experiments.runner import ExperimentControl, ExperimentRunner, Progress
from farm_gui.store import Store

log = logging.getLogger(__name__)


class ExperimentJob:
    def __init__(self, store: Store, experiment_id: int, backend: Backend):
        self.experiment_id = experiment_id
        self.control = ExperimentControl()
        self.progress: Progress | None = None
        self.status = "running"
        self.error: str | None = None
        self._runner = ExperimentRunner(store, experiment_id, backend, self.control,
                                        on_progress=self._on_progress)
        self._thread = threading.Thread(target=self._run, name=f"experiment-{experiment_id}", daemon=True)

    def _on_progress(self, progress: Progress) -> None:
        self.progress = progress  # one reference assignment: read by the GUI timer

    def _run(self) -> None:
        try:
            self.status = self._runner.run()
        except Exception as err:  # noqa: BLE001 - shown in the panel
            log.exception("experiment %s failed", self.experiment_id)
            self.error = f"{type(err).__name__}: {err}"
            self.status = "failed"

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> bool:
        """Cancel and wait (bounded); True when the thread ended."""
        self.control.cancel()
        self._thread.join(timeout)
        return not self._thread.is_alive()
