"""The Train tab's defaults against the keras-io example's recipe on the same task, trained as the
tab trains them, and the defaults over several random seeds.

    python -m benchmarks.train_tab_defaults                      # keras-io recipe once, the defaults per seed
    python -m benchmarks.train_tab_defaults --seeds 1337         # the defaults once
    python -m benchmarks.train_tab_defaults --try '{"epochs": 8}' --learning-rate 0.04
    python -m benchmarks.train_tab_defaults --record             # and write the times the tab states

Each run is what a visitor's press of Train starts: a worker process (``demo.worker``) on one
thread at low priority, already waiting with TensorFlow imported, which ends by scoring all
10,000 2-digit sums. The clock runs from the press to the saved folder. Prints the CPU, each
run's training time (its own clock, as the tab reports it) and time from the press to the saved
folder, its whole-space accuracy, and the ratios, in one invocation.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from addition.config import KERAS_IO_RECIPE
from benchmarks import SEEDS, cpu_model
from demo.train_settings import DEFAULTS, MEASURED_FILE, training_config
from demo.training_workers import TrainingWorkers

# The baseline: the tab's task (its digits and training questions) with the keras-io example's
# recipe as it stands, its network, epochs and batch size included.
KERAS_IO_SETTINGS = {
    **DEFAULTS,
    "recipe": "keras-io",
    "hidden_size": KERAS_IO_RECIPE.hidden_size,
    "epochs": KERAS_IO_RECIPE.epochs,
    "batch_size": KERAS_IO_RECIPE.batch_size,
}


def tab_config(settings: dict, recipe: dict | None = None):
    """The config the tab trains for ``settings``, with ``recipe`` (config fields) over its recipe."""
    return training_config(**settings).replace(**(recipe or {}))


def train_as_the_tab_does(workers: TrainingWorkers, config) -> dict:
    """One run as the tab starts it, in a worker that is ready."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "run" / "model"
        folder.parent.mkdir()
        started = time.perf_counter()
        run = workers.start(config, folder)
        while True:
            event = run.events.get(timeout=900)
            if event["event"] == "error":
                raise RuntimeError(event["message"])
            if event["event"] == "done":
                break
        seconds = time.perf_counter() - started
        run.end()
        whole = json.loads((folder / "addition.json").read_text())["metrics"]["whole_space_sample"]
    return {
        "seconds": seconds,
        "training_seconds": event["seconds"],
        "exact_match": whole["exact_match"],
        "count": whole["count"],
        "exhaustive": whole["exhaustive"],
        "epochs": event["epochs_run"],
    }


def report(name: str, result: dict) -> None:
    scope = "all" if result["exhaustive"] else "a sample of"
    wrong = round((1 - result["exact_match"]) * result["count"])
    print(
        f"{name}: {result['training_seconds']:.1f} s of training ({result['seconds']:.1f} s from the press to the "
        f"saved folder), {result['epochs']} epochs, whole answers right on {result['exact_match']:.2%} of {scope} "
        f"{result['count']:,} sums ({wrong} wrong)",
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--try", dest="change", default=None, help="JSON: the defaults with these changes")
    parser.add_argument("--learning-rate", type=float, default=None, help="this peak learning rate instead")
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="random seeds of the defaults' runs")
    parser.add_argument("--no-baseline", action="store_true", help="skip the keras-io recipe's run")
    parser.add_argument("--quick", action="store_true", help="tiny runs (a smoke test)")
    parser.add_argument(
        "--record",
        nargs="?",
        const=str(MEASURED_FILE),
        default=None,
        metavar="FILE",
        help=f"write the defaults' press-to-saved times, the CPU and this command to FILE, which the Train tab "
        f"states (default: {MEASURED_FILE.relative_to(MEASURED_FILE.parent.parent)}); refused with --try, "
        "--learning-rate or --quick",
    )
    arguments = parser.parse_args(argv)
    if arguments.record and (arguments.change or arguments.learning_rate or arguments.quick):
        parser.error("--record states the tab's own defaults: not with --try, --learning-rate or --quick")
    today = {**DEFAULTS, **json.loads(arguments.change)} if arguments.change else dict(DEFAULTS)
    baseline = dict(KERAS_IO_SETTINGS)
    if arguments.quick:
        for settings in (baseline, today):
            settings.update(digits=1, training_size=40, epochs=1, hidden_size=16)
    recipe = {"learning_rate": arguments.learning_rate} if arguments.learning_rate else {}
    print(f"CPU: {cpu_model()}; the defaults: {today}" + (f", recipe changes {recipe}" if recipe else ""), flush=True)
    workers = TrainingWorkers(ready=1, max_seconds=900)
    workers.prepare()
    time.sleep(20)  # As in the app: the worker is ready before the press.
    try:
        results = {}
        if not arguments.no_baseline:
            results["keras-io recipe"] = train_as_the_tab_does(workers, tab_config(baseline))
            report("keras-io recipe", results["keras-io recipe"])
            time.sleep(20)  # The next worker gets ready.
        for seed in [int(seed) for seed in arguments.seeds.split(",")]:
            name = f"the tab's defaults, random seed {seed}"
            results[name] = train_as_the_tab_does(workers, tab_config(today, {**recipe, "random_seed": seed}))
            report(name, results[name])
            time.sleep(20)
    finally:
        workers.close()
    runs = [result for name, result in results.items() if name != "keras-io recipe"]
    wrong = [round((1 - run["exact_match"]) * run["count"]) for run in runs]
    print(
        f"the defaults over {len(runs)} random seeds: {wrong} wrong; from the press to the saved folder "
        f"{min(run['seconds'] for run in runs):.1f} to {max(run['seconds'] for run in runs):.1f} s"
    )
    if arguments.record:
        typed = sys.argv[1:] if argv is None else argv
        times = [round(run["seconds"], 1) for run in runs]
        measured = {
            "train_tab_defaults": {
                "seconds": [min(times), max(times)],
                "seeds": len(runs),
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "date": datetime.date.today().isoformat(),
                "command": shlex.join(["python", "-m", "benchmarks.train_tab_defaults", *typed]),
            }
        }
        Path(arguments.record).write_text(json.dumps(measured, indent=2) + "\n")
        print(f"recorded in {arguments.record}")
    if "keras-io recipe" in results:
        before, now = results["keras-io recipe"], runs[0]
        print(
            f"training time, keras-io recipe / the tab's defaults: "
            f"{before['training_seconds'] / now['training_seconds']:.2f}x; "
            f"press to saved folder: {before['seconds'] / now['seconds']:.2f}x"
        )


if __name__ == "__main__":
    main()
