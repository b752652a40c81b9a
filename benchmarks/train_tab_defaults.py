"""The Train tab's defaults against the keras-io example's recipe on the same task, trained as the
tab trains them.

    python -m benchmarks.train_tab_defaults                         # the keras-io recipe, then the defaults
    python -m benchmarks.train_tab_defaults --try '{"epochs": 8}'   # today's with a change, instead
    python -m benchmarks.train_tab_defaults --try '{"epochs": 8}' --learning-rate 0.04

Each run is what a visitor's press of Train starts: ``demo.worker.start_run``, a process
of its own on one thread at low priority, which ends by scoring all 10,000 2-digit sums. The
clock runs from the start to the saved folder. Prints the CPU, each run's training time (the run's own
clock, as the tab reports it) and time from the start to the saved folder, its whole-space
accuracy, and the ratios, in one invocation.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from addition.config import KERAS_IO_RECIPE
from benchmarks import cpu_model
from demo.train_settings import DEFAULTS, training_config
from demo.worker import start_run

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
    """The config the tab trains for ``settings``, with ``recipe`` (``TrainConfig`` fields) over its recipe."""
    return training_config(**settings).replace(**(recipe or {}))


def train_as_the_tab_does(settings: dict, recipe: dict | None = None) -> dict:
    """One run as the tab starts it."""
    config = tab_config(settings, recipe)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "run" / "model"
        folder.parent.mkdir()
        started = time.perf_counter()
        run = start_run(config, folder, max_seconds=900)
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--try", dest="change", default=None, help="JSON: today's defaults with these changes")
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="with --try: this peak learning rate instead of the tab recipe's",
    )
    parser.add_argument("--quick", action="store_true", help="both runs tiny (a smoke test)")
    arguments = parser.parse_args(argv)
    today = {**DEFAULTS, **json.loads(arguments.change)} if arguments.change else dict(DEFAULTS)
    baseline = dict(KERAS_IO_SETTINGS)
    if arguments.quick:
        for settings in (baseline, today):
            settings.update(digits=1, training_size=40, epochs=1, hidden_size=16)
    print(f"CPU: {cpu_model()}", flush=True)
    results = {}
    today_recipe = {"learning_rate": arguments.learning_rate} if arguments.learning_rate else {}
    for name, settings, recipe in (("keras-io recipe", baseline, {}), ("the tab's defaults", today, today_recipe)):
        results[name] = train_as_the_tab_does(settings, recipe)
        result = results[name]
        scope = "all" if result["exhaustive"] else "a sample of"
        print(
            f"{name}: {result['training_seconds']:.1f} s of training ({result['seconds']:.1f} s from the start "
            f"to the saved folder), {result['epochs']} epochs, whole answers right on "
            f"{result['exact_match']:.2%} of {scope} {result['count']:,} sums "
            f"({round((1 - result['exact_match']) * result['count'])} wrong); settings {settings}"
            + (f", recipe changes {recipe}" if recipe else ""),
            flush=True,
        )
    before, now = results["keras-io recipe"], results["the tab's defaults"]
    print(
        "training time, keras-io recipe / the tab's defaults: "
        f"{before['training_seconds'] / now['training_seconds']:.2f}x; "
        f"start to saved folder: {before['seconds'] / now['seconds']:.2f}x"
    )


if __name__ == "__main__":
    main()
