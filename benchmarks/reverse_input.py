"""Reversed vs reading-order questions, the same recipe and budget: the keras-io example's claim, measured.

    python -m benchmarks.reverse_input            # 3 digits, our default recipe both ways (minutes)
    python -m benchmarks.reverse_input --quick    # a smoke test

Prints validation whole-answer accuracy after each epoch for both, and the final accuracy on a
fixed random sample of the whole space.
"""

from __future__ import annotations

import argparse
import time

from addition.config import RECIPES
from addition.data import WHOLE_SPACE_SEED, whole_space_or_sample
from addition.evaluation import score
from addition.predictor import Predictor
from addition.training import train

QUICK = {"digits": 2, "training_size": 2_000, "epochs": 1}


def run_recipe(name: str, overrides: dict, whole_space_count: int) -> dict:
    """Trains in this process: validation whole-answer accuracy after each epoch, the whole-space score, the wall."""
    config = RECIPES[name].replace(**overrides)
    curve = []
    started = time.perf_counter()
    result = train(config, on_epoch=lambda record, samples: curve.append(record["val_exact_match"]))
    wall = time.perf_counter() - started
    pairs = whole_space_or_sample(config.digits, whole_space_count, WHOLE_SPACE_SEED)[0]
    whole = score(Predictor(result.model, result.codec), pairs)
    return {"curve": curve, "whole_space": whole["exact_match"], "wall": wall}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="tiny 2-digit runs of two epochs: checks the script, measures nothing"
    )
    parser.add_argument("--recipe", default="ours", help="the recipe to run both ways")
    parser.add_argument("--whole-space-sample", type=int, default=200_000)
    arguments = parser.parse_args(argv)
    base = {**QUICK, "epochs": 2} if arguments.quick else {}
    count = 2_000 if arguments.quick else arguments.whole_space_sample
    runs = {}
    for label, reverse in (("reversed", True), ("reading order", False)):
        print(f"training {label} ...", flush=True)
        runs[label] = run_recipe(arguments.recipe, {**base, "reverse": reverse}, count)
    epochs = max(len(run["curve"]) for run in runs.values())
    print("\n| epoch | " + " | ".join(runs) + " |")
    print("|---|" + "---|" * len(runs))
    for epoch in range(epochs):
        cells = [f"{run['curve'][epoch]:.2%}" if epoch < len(run["curve"]) else "" for run in runs.values()]
        print(f"| {epoch + 1} | " + " | ".join(cells) + " |")
    print(
        f"| whole space ({count:,} sums) | " + " | ".join(f"{run['whole_space']:.3%}" for run in runs.values()) + " |"
    )
    print("| wall | " + " | ".join(f"{run['wall']:.0f} s" for run in runs.values()) + " |")


if __name__ == "__main__":
    main()
