"""Benchmarks: run from the repository's root as modules, e.g. ``python -m benchmarks.train_speed``.

Each speed comparison prints a ratio against a baseline run in the same invocation, beside the CPU model:
the machines differ and are shared, so only figures from one run compare.
"""

import os
import platform
import statistics
import time
from pathlib import Path

from addition.config import TrainConfig
from demo.worker import READY_NAME, STARTING_NAME, TRAINING_NAME

# The random seeds a training benchmark runs over: the defaults' own first (train.py's and the
# Train tab's: the run a learner gets).
SEEDS = (TrainConfig().random_seed, 1, 2, 3, 4)


def cpu_model() -> str:
    """The processor's name, printed beside every timing."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def median_seconds(function, items) -> float:
    """The median time of ``function(item)`` over ``items``, one call each."""
    timings = []
    for item in items:
        started = time.perf_counter()
        function(item)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def running_trainers(parent: int | None = None) -> list[int]:
    """The ids of the training workers training on this machine (Linux's /proc), or of those
    the process ``parent`` started."""
    return workers_named(TRAINING_NAME, parent)


def ready_workers(parent: int | None = None) -> list[int]:
    """The ids of the training workers waiting for a run."""
    return workers_named(READY_NAME, parent)


def starting_workers(parent: int | None = None) -> list[int]:
    """The ids of the training workers getting ready (importing TensorFlow, or making the default run ahead)."""
    return workers_named(STARTING_NAME, parent)


def workers_named(name: str, parent: int | None = None) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm, open(f"/proc/{entry}/stat") as stat:
                    ours = parent is None or int(stat.read().rsplit(")", 1)[1].split()[1]) == parent
                    if comm.read().strip() == name and ours:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """The CPU time process ``pid`` has used so far, all its threads (Linux's /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime.


def wait_until_quiet(pid: int, cores: float = 0.15, timeout: float = 300) -> None:
    """Wait until process ``pid`` uses less than ``cores`` of the CPU over a whole second: an app
    still loading models or drawing a page is not idle (an idle Gradio app keeps a little)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < cores:
            return
    raise RuntimeError(f"process {pid} stayed busy for {timeout:.0f} s")


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
