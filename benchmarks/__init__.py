"""Benchmarks: run from the repository's root as modules, e.g. ``python -m benchmarks.train_speed``.

Each prints a ratio against a baseline run in the same invocation, beside the CPU model:
the machines differ and are shared, so only figures from one run compare.
"""

import os
import platform
import statistics
import time
from pathlib import Path


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


def running_trainers() -> list[int]:
    """The ids of the training processes alive on this machine (Linux's /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if b"demo.worker" in cmdline.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found
