"""A real Dask cluster for the tests: `dask scheduler` and `dask worker` processes of this
venv on 127.0.0.1, on free ports, torn down afterwards. A cluster that cannot start fails
the test (never skips it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, tmp: Path, workers: int = 2):
        self.tmp = tmp
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
        }
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self._spawn(
            "scheduler",
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-dashboard",
                "--no-show",
            ],
        )
        for i in range(workers):
            self.add_worker(f"w{i}")
        self.wait_for(workers)

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"dask-{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.tmp, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def add_worker(self, name: str) -> subprocess.Popen:
        proc = self._spawn(
            name,
            [
                str(DASK),
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--host",
                "127.0.0.1",
                "--name",
                name,
                "--no-dashboard",
                "--local-directory",
                str(self.tmp / name),
            ],
        )
        self.workers.append(proc)
        return proc

    def wait_for(self, n: int, timeout: float = 90.0) -> None:
        from distributed import Client

        deadline = time.monotonic() + timeout
        while True:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                self.close()
                logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in self.tmp.glob("dask-*.log"))
                pytest.fail(f"the Dask cluster did not start (a process exited):\n{logs}")
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(n, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError) as err:
                if time.monotonic() > deadline:
                    self.close()
                    pytest.fail(f"the Dask cluster at {self.address} did not come up: {err}")
                time.sleep(0.5)

    def kill(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
