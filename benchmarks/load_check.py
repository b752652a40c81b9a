"""What a model folder's score check costs: every bundled folder loaded in a fresh process, with
``addition.loading``'s check of the recorded held-out score and without it.

    python -m benchmarks.load_check            # 3 processes each way, taking turns
    python -m benchmarks.load_check --runs 1

Each process imports the library, then loads every folder under models/ (the illustrations
included) and prints the CPU seconds of the loads alone. Prints the CPU beside the medians and
their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from benchmarks import cpu_model
from benchmarks.serve import ROOT

LOAD_EVERY_FOLDER = """
import sys, time
from pathlib import Path
from addition import loading
if sys.argv[1] == "without":
    loading._check_recorded_score = lambda loaded: None  # The check alone left out.
folders = sorted(Path("models").glob("addition-*")) + sorted(Path("models/illustrations").glob("*"))
started = time.process_time()
for folder in folders:
    loading.load_model_folder(folder)
print(len(folders), time.process_time() - started)
"""


def load_seconds(mode: str) -> tuple[int, float]:
    """(folders loaded, CPU seconds of their loads) in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_EVERY_FOLDER, mode], cwd=ROOT, capture_output=True, text=True, check=True
    )
    count, seconds = done.stdout.split()[-2:]
    return int(count), float(seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="processes each way (default 3)")
    runs = parser.parse_args(argv).runs
    seconds = {"without": [], "with": []}
    for _ in range(runs):
        for mode in seconds:  # Taking turns, so that a busier minute weighs on both.
            count, taken = load_seconds(mode)
            seconds[mode].append(taken)
            print(f"{mode} the check: {count} folders loaded in {taken:.2f} s of CPU", flush=True)
    print(f"CPU: {cpu_model()}")
    without, with_check = statistics.median(seconds["without"]), statistics.median(seconds["with"])
    print(f"median: {with_check:.2f} s with the check, {without:.2f} s without: {with_check / without:.2f}x")


if __name__ == "__main__":
    main()
