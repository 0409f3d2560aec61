"""The window's experiment job: its thread writes every result while the GUI thread draws,
so the interpreter switches threads finely while it runs, and only then."""

from __future__ import annotations

import sys

from farm_gui.experiments.backends import LocalPoolBackend
from farm_gui.experiments.runner import create_experiment
from farm_gui.experiments.spec import spec_from_text
from farm_gui.runtime.experiment_jobs import ExperimentJob
from farm_gui.runtime.gil_switching import FINE_SWITCH_INTERVAL_S

SPEC = "model: foraging\npreset: default\nreplications: 4\nsteps: 10\nseed: 5\n"


def test_the_switch_interval_is_fine_while_an_experiment_job_runs(store):
    before = sys.getswitchinterval()
    assert before > FINE_SWITCH_INTERVAL_S
    experiment_id = create_experiment(store, spec_from_text(SPEC, "spec"))
    job = ExperimentJob(store, experiment_id, LocalPoolBackend(1))
    seen: list[float] = []
    on_progress = job._runner.on_progress

    def note_interval(progress) -> None:
        seen.append(sys.getswitchinterval())
        on_progress(progress)

    job._runner.on_progress = note_interval
    job.start()
    job._thread.join(120)
    assert not job.alive and job.status == "finished", job.error
    assert job.progress.finished == 4
    assert seen and max(seen) <= FINE_SWITCH_INTERVAL_S
    assert sys.getswitchinterval() == before
