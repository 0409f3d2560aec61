"""Importing the simulations of an AgentFarm database as runs of a Farm GUI workspace.

Each simulation becomes a run of model "agentfarm" (read-only: it cannot be resumed or
re-run as such), recorded through the same RunWriter as a simulated run, so every view,
export and analysis reads it like any other run. Metrics without a Farm GUI column go to
the ``extra_metrics`` table, and the provenance (file, checksum, simulation id, the
original configuration, what was missing) to ``run_sources``. The source file is opened
read-only (immutable) and its checksum is compared before and after.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from farm_gui.config import RunConfig, config_from_dict, config_to_dict
from farm_gui.sim.protocol import BIRTH_KEYS, METRIC_NAMES
from farm_gui.store import StoreError
from farm_gui.store.side_tables import write_extra_metrics, write_run_source

from .config_map import ConfigMapping, map_config
from .mapping import MappedRun, map_simulation
from .reader import AgentFarmError, AgentFarmFile, SimulationData, sha256_of

MODEL = "agentfarm"
Progress = Callable[[float, str], None]


class ImportCancelled(AgentFarmError):
    """The import was cancelled; nothing of the cancelled simulation was kept."""


@dataclass
class ImportResult:
    run_id: int
    simulation_id: str | None
    name: str
    steps: int
    agents: int
    missing: list[str]
    notes: list[str]
    config_mapping: ConfigMapping | None

    def summary(self) -> str:
        lines = [f"run {self.run_id} ({self.name}): {self.steps} steps, {self.agents} agents"]
        if self.missing:
            lines.append("  missing in the file (imported without them): " + ", ".join(self.missing))
        lines += [f"  {note}" for note in self.notes]
        if self.config_mapping is not None and self.config_mapping.unmapped:
            lines.append(f"  {len(self.config_mapping.unmapped)} AgentFarm configuration keys have no "
                         "Farm GUI counterpart (kept with the run; `farm-gui show` / the metadata file)")
        return "\n".join(lines)


@dataclass
class ImportReport:
    path: str
    sha256: str
    results: list[ImportResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def run_ids(self) -> list[int]:
        return [r.run_id for r in self.results]


def import_agentfarm(path: str | Path, store, *, name: str | None = None, progress: Progress | None = None,
                     cancel: threading.Event | None = None) -> ImportReport:
    """Import every simulation of the AgentFarm database at `path` into `store`."""
    say = progress or (lambda _f, _t: None)
    source = Path(path).expanduser().absolute()
    if not source.is_file():
        raise AgentFarmError(f"{source} does not exist" if not source.exists() else
                             f"{source} is not a file")
    stat_before = _fingerprint(source)
    # The checksum is computed beside the reading (hashlib releases the GIL): ~1 s for 400 MB.
    with ThreadPoolExecutor(1, thread_name_prefix="agentfarm-sha256") as pool:
        digest = pool.submit(sha256_of, source)
        try:
            report = _import_all(source, store, name, say, cancel, digest)
        finally:
            digest.cancel()
    if _fingerprint(source) != stat_before:  # not by us (immutable, read-only); never hide it
        raise AgentFarmError(f"{source} changed while it was imported (size or modification time): "
                             "was AgentFarm still writing it? Import it again once it is complete")
    if not report.results:
        raise AgentFarmError(f"{source} holds no AgentFarm steps to import"
                             + (f" ({'; '.join(report.skipped)})" if report.skipped else ""))
    return report


def _import_all(source: Path, store, name: str | None, say: Progress, cancel: threading.Event | None,
                digest: Future) -> ImportReport:
    report = ImportReport(str(source), "")
    with AgentFarmFile(source) as db:
        sim_ids = db.simulation_ids()
        for k, sim_id in enumerate(sim_ids):
            def part(fraction: float, text: str, k=k, sim_id=sim_id) -> None:
                label = f"simulation {sim_id}: " if len(sim_ids) > 1 and sim_id else ""
                say((k + fraction) / len(sim_ids), label + text)
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled(f"importing {source} was cancelled")

            part(0.0, "reading")
            data = db.read(sim_id, progress=lambda text, part=part: part(0.05, text))
            if not len(data.steps):
                report.skipped.append(f"simulation {sim_id or '(unnamed)'} holds no steps")
                continue
            part(0.3, "mapping")
            mapped = map_simulation(data)
            several = len(sim_ids) > 1 and sim_id
            run_name = name or f"{source.stem} (AgentFarm{f' {sim_id}' if several else ''})"
            if name and several:
                run_name = f"{name} ({sim_id})"
            report.results.append(_store_run(store, mapped, source, digest, run_name,
                                             lambda f, t, part=part: part(0.3 + 0.7 * f, t)))
    report.sha256 = digest.result()
    return report


def _fingerprint(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def run_config_for(data: SimulationData) -> tuple[RunConfig, ConfigMapping | None]:
    """The foraging configuration closest to the simulation's, with its step count."""
    steps = max(1, len(data.steps))
    mapping = map_config(data.config) if data.config else None
    values = config_to_dict(mapping.config if mapping else RunConfig())
    values.update(simulation_steps=steps, snapshot_every=1)
    if mapping is None:
        extent = _extent(data)
        if extent is not None:
            values.update(width=max(values["width"], extent[0]), height=max(values["height"], extent[1]))
    return config_from_dict(values, "AgentFarm configuration"), mapping


def _extent(data: SimulationData) -> tuple[float, float] | None:
    xs = [a[np.isfinite(a)] for a in ((data.states or {}).get("x"), (data.resources or {}).get("x"))
          if a is not None]
    ys = [a[np.isfinite(a)] for a in ((data.states or {}).get("y"), (data.resources or {}).get("y"))
          if a is not None]
    xs, ys = [a for a in xs if len(a)], [a for a in ys if len(a)]
    if not xs or not ys:
        return None
    return float(math.ceil(max(a.max() for a in xs))), float(math.ceil(max(a.max() for a in ys)))


def _store_run(store, mapped: MappedRun, source: Path, digest: Future, name: str,
               progress: Progress) -> ImportResult:
    data = mapped.data
    config, mapping = run_config_for(data)
    notes = list(mapped.notes)
    if data.config is None:
        notes.append("no configuration stored in the file: Farm GUI defaults are shown as the run's "
                     "configuration")
    run_id = store.create_run(config, name=name, model=MODEL)
    writer = None
    try:
        writer = store.writer(run_id, batch_steps=250)
        writer.start()
        initial = mapped.initial_world()
        if initial is not None:
            writer.add_snapshot(int(mapped.steps[0]), initial)
        keep = mapped.births["_keep"]
        births = {k: mapped.births[k][keep] for k in BIRTH_KEYS}
        columns = [mapped.metrics[m] for m in METRIC_NAMES]
        n = len(mapped.steps)
        for i in range(n):
            metrics = {m: float(col[i]) for m, col in zip(METRIC_NAMES, columns, strict=True)}
            writer.add_step(metrics, mapped.action_counts[i], births if i == 0 else None, None,
                            mapped.world_after(i))
            if i % 50 == 0 or i == n - 1:
                progress((i + 1) / n, f"storing step {int(mapped.steps[i])}")
        writer.add_agent_events(None, mapped.deaths)
        with store._write(f"recording the source of run {run_id}") as conn:
            write_extra_metrics(conn, run_id, mapped.steps, mapped.extras)
            write_run_source(conn, run_id, MODEL, str(source), digest.result(), data.simulation_id, {
                "missing": data.missing, "notes": notes, "agentfarm_config": data.config,
                "unmapped_config_keys": [list(u) for u in (mapping.unmapped if mapping else [])],
                "agent_ids": mapped.agent_ids, "node_ids": data.node_ids,
            })
        status = writer.finish("finished")
        if status != "finished":
            raise StoreError(store.get_run(run_id).error or f"recording run {run_id} failed")
        if data.started_at is not None and data.finished_at is not None:
            # the run's Started, Duration and Steps/s are AgentFarm's, not the import's
            store.set_run_times(run_id, data.started_at, data.finished_at)
    except BaseException as err:
        if writer is not None:
            writer.finish("failed", str(err))
        with contextlib.suppress(StoreError):
            store.delete_run(run_id)
        raise
    return ImportResult(run_id, data.simulation_id, name, n, int(keep.sum()), list(data.missing), notes,
                        mapping)
