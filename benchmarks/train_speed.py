"""Train the keras-io example's recipe and our default recipe in one invocation and compare them.

    python -m benchmarks.train_speed            # 3 digits, both recipes: about 10 minutes on 2 cores
    python -m benchmarks.train_speed --quick    # a smoke test of the benchmark itself (seconds)

For each recipe: wall time until validation whole-answer accuracy first reaches 99% and 99.9%,
the final validation accuracy, and the accuracy on every sum of the whole space (what a user
typing sums meets: all 1,000,000 for 3 digits, or a random sample with --whole-space-sample).
Then the ratios keras-io / ours, and when our run first holds a better model than the keras-io
recipe's final
one: after every epoch both runs are scored on the same 50,000 random sums (that scoring's time
is taken off the clock).
"""

from __future__ import annotations

import argparse
import time

import keras

from addition.config import RECIPES
from addition.data import sample_whole_space, whole_space_or_sample
from addition.evaluation import score
from addition.model import Predictor
from addition.training import WHOLE_SPACE_SEED, prepare_data, train
from benchmarks import cpu_model

TARGETS = (0.99, 0.999)
QUICK = {"digits": 2, "training_size": 2_000, "epochs": 1}
EPOCH_CHECK_SEED = 7  # Not WHOLE_SPACE_SEED: the per-epoch check and the final score use different sums.


class EpochCheck(keras.callbacks.Callback):
    """Scores the model on fixed random sums after every epoch and keeps how long that took,
    so that the run's clock can leave it out."""

    def __init__(self, codec, pairs):
        super().__init__()
        self.codec, self.pairs = codec, pairs
        self.accuracies, self.seconds_spent = [], 0.0

    def on_epoch_end(self, epoch, logs=None):
        if len(self.pairs) == 0:
            return
        started = time.perf_counter()
        self.accuracies.append(score(Predictor(self.model, self.codec, xla=False), self.pairs)["exact_match"])
        self.seconds_spent += time.perf_counter() - started


def run_recipe(name: str, overrides: dict, whole_space_count: int, check_pairs=()) -> dict:
    config = RECIPES[name].replace(**overrides)
    reached = {}
    timeline = []  # (seconds of training, validation exact-match) after each epoch.
    curve = []  # Validation exact-match after each epoch.
    data = prepare_data(config)
    check = EpochCheck(data.codec, check_pairs)

    def on_epoch(record, samples):
        # Runs before this epoch's check: the clock so far includes the earlier epochs' checks.
        seconds = record["seconds"] - check.seconds_spent
        timeline.append((seconds, record["val_exact_match"]))
        curve.append(record["val_exact_match"])
        for target in TARGETS:
            if target not in reached and record["val_exact_match"] >= target:
                reached[target] = seconds

    started = time.perf_counter()
    result = train(config, on_epoch=on_epoch, callbacks=[check], data=data)
    wall = time.perf_counter() - started - check.seconds_spent  # Includes data generation and model building.
    predictor = Predictor(result.model, result.codec)
    whole = score(predictor, whole_space_or_sample(config.digits, whole_space_count, WHOLE_SPACE_SEED)[0])
    return {
        "name": name,
        "wall": wall,
        "reached": reached,
        "validation": result.validation["exact_match"],
        "whole_space": whole["exact_match"],
        "whole_space_wrong": int(round((1 - whole["exact_match"]) * whole["count"])),
        "epochs": len(result.history),
        "timeline": timeline,
        "curve": curve,
        "checks": check.accuracies,
        "final_check": score(predictor, check_pairs)["exact_match"] if len(check_pairs) else None,
    }


def seconds(value) -> str:
    return "never" if value is None else f"{value:.0f} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="tiny 2-digit runs: checks the benchmark, measures nothing"
    )
    parser.add_argument(
        "--whole-space-sample",
        type=int,
        default=None,
        help="score each model on this many random sums (default: every sum there is)",
    )
    parser.add_argument("--epoch-check", type=int, default=50_000, help="random sums to score after every epoch")
    parser.add_argument("--recipes", nargs="+", default=["keras-io", "ours"], choices=sorted(RECIPES))
    arguments = parser.parse_args(argv)
    overrides = QUICK if arguments.quick else {}
    digits = overrides.get("digits", RECIPES["ours"].digits)
    count = arguments.whole_space_sample or 10 ** (2 * digits)
    print(f"CPU: {cpu_model()}", flush=True)
    check_pairs = sample_whole_space(digits, 1_000 if arguments.quick else arguments.epoch_check, EPOCH_CHECK_SEED)
    results = []
    for name in arguments.recipes:
        print(f"training recipe {name!r} ...", flush=True)
        results.append(run_recipe(name, overrides, count, check_pairs))
    print()
    print(
        "| recipe | wall | to 99% (val) | to 99.9% (val) | val whole-answer | "
        f"whole space ({'all ' if count >= 10 ** (2 * digits) else ''}{count:,} sums) | wrong |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['wall']:.0f} s | {seconds(r['reached'].get(0.99))} | "
            f"{seconds(r['reached'].get(0.999))} | {r['validation']:.2%} | {r['whole_space']:.3%} | "
            f"{r['whole_space_wrong']:,} |"
        )
    by_name = {r["name"]: r for r in results}
    if {"keras-io", "ours"} <= set(by_name):
        seed, fast = by_name["keras-io"], by_name["ours"]
        print(f"\nwall time, keras-io / ours: {seed['wall'] / fast['wall']:.2f}x")
        for target in TARGETS:
            if target in seed["reached"] and target in fast["reached"]:
                print(
                    f"time to {target:.1%} on validation, keras-io / ours: "
                    f"{seed['reached'][target] / fast['reached'][target]:.2f}x"
                )
        print(f"whole-space errors, keras-io / ours: {seed['whole_space_wrong']} / {fast['whole_space_wrong']}")
        # "A better model in less time": when ours first matches the keras-io recipe's final validation score.
        matched = next((at for at, accuracy in fast["timeline"] if accuracy >= seed["validation"]), None)
        if matched:
            print(
                f"ours reaches the keras-io recipe's final validation accuracy ({seed['validation']:.2%}) "
                f"after {matched:.0f} s: "
                f"keras-io wall / that = {seed['wall'] / matched:.2f}x"
            )
        # And on sums from the whole space: the first epoch whose model beats the keras-io recipe's final model.
        better = next(
            (
                (epoch, at)
                for epoch, ((at, _), accuracy) in enumerate(zip(fast["timeline"], fast["checks"]), 1)
                if accuracy > seed["final_check"]
            ),
            None,
        )
        checked = f"{len(check_pairs):,} random sums"
        if better:
            epoch, at = better
            print(
                f"ours beats the keras-io recipe's final model on {checked} ({fast['checks'][epoch - 1]:.3%} against "
                f"{seed['final_check']:.3%}) after epoch {epoch}, {at:.0f} s: "
                f"keras-io wall / that = {seed['wall'] / at:.2f}x"
            )
        else:
            print(f"ours never beats the keras-io recipe's final model on {checked} ({seed['final_check']:.3%})")


if __name__ == "__main__":
    main()
