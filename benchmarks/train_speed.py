"""`python train.py` against `python train.py --recipe keras-io`, as a learner runs them.

    python -m benchmarks.train_speed                  # 3 digits: keras-io once, ours for five seeds
    python -m benchmarks.train_speed --seeds 1337     # ours for one seed
    python -m benchmarks.train_speed --quick          # a smoke test of the benchmark itself

Each training is a whole process, timed from its start to its exit, start-up, TensorFlow's
import and train.py's own closing score included: what a learner waits for. After each one
(off the clock), its saved folder is loaded and scored with Keras alone on every sum of the
whole space (all 1,000,000 for 3 digits), and the sums it gets wrong are listed.
Then the ratio of wall times, keras-io / ours, for the default seed and for the slowest seed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from addition.data import WHOLE_SPACE_SEED, whole_space_or_sample
from addition.evaluation import describe_mistake, evaluate
from addition.loading import load_model_folder
from benchmarks import SEEDS, cpu_model

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = SEEDS[0]  # The run a learner gets from `python train.py`.
QUICK = ("--digits", "2", "--training-size", "2000", "--epochs", "1")
SHOWN_MISTAKES = 5


def train_process(recipe: str, seed: int, output: Path, extra: tuple) -> float:
    """Runs train.py in a fresh interpreter; returns its wall time in seconds."""
    command = [sys.executable, "train.py", "--recipe", recipe, "--random-seed", str(seed), "--output", str(output)]
    started = time.perf_counter()
    done = subprocess.run([*command, *extra], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[1:])} failed:\n{done.stderr[-2000:]}")
    return wall


def whole_space_mistakes(folder: Path, count: int | None) -> dict:
    """The folder's model, loaded as anyone would, on every sum (or ``count`` random ones)."""
    loaded = load_model_folder(folder)
    pairs, exhaustive = whole_space_or_sample(loaded.codec.digits, count or 10**9, WHOLE_SPACE_SEED)
    result = evaluate(loaded.predictor, pairs, max_mistakes=SHOWN_MISTAKES)
    return {
        "count": len(pairs),
        "exhaustive": exhaustive,
        "wrong": int(round((1 - result["exact_match"]) * len(pairs))),
        "mistakes": result["mistakes"],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="tiny 2-digit runs: checks the benchmark, measures nothing"
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=list(SEEDS), help=f"our recipe's random seeds (default: {SEEDS})"
    )
    parser.add_argument(
        "--whole-space-sample", type=int, default=None, help="score on this many random sums (default: every sum)"
    )
    arguments = parser.parse_args(argv)
    extra = QUICK if arguments.quick else ()
    print(f"CPU: {cpu_model()}", flush=True)
    runs = [("keras-io", DEFAULT_SEED)] + [("ours", seed) for seed in arguments.seeds]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for recipe, seed in runs:
            print(f"python train.py --recipe {recipe} --random-seed {seed} ...", flush=True)
            folder = Path(scratch) / f"{recipe}-{seed}"
            wall = train_process(recipe, seed, folder, extra)
            results.append(
                {
                    "recipe": recipe,
                    "seed": seed,
                    "wall": wall,
                    **whole_space_mistakes(folder, arguments.whole_space_sample),
                }
            )
    scored = results[0]
    space = f"{'all ' if scored['exhaustive'] else ''}{scored['count']:,} sums"
    print(f"\n| recipe | random seed | whole process | wrong of {space} | first wrong sums |")
    print("|---|---|---|---|---|")
    for r in results:
        shown = "; ".join(describe_mistake(mistake) for mistake in r["mistakes"])
        print(f"| {r['recipe']} | {r['seed']} | {r['wall']:.1f} s | {r['wrong']:,} | {shown} |")
    keras_io, ours = results[0], results[1:]
    print()
    default = next((r for r in ours if r["seed"] == DEFAULT_SEED), None)
    if default:
        print(f"wall time, keras-io / ours (seed {DEFAULT_SEED}): {keras_io['wall'] / default['wall']:.2f}x")
    slowest = max(ours, key=lambda r: r["wall"])
    print(f"wall time, keras-io / ours (slowest seed, {slowest['seed']}): {keras_io['wall'] / slowest['wall']:.2f}x")
    perfect = sum(r["wrong"] == 0 for r in ours)
    print(f"ours right on {space}: {perfect} of {len(ours)} random seed{'' if len(ours) == 1 else 's'}")


if __name__ == "__main__":
    main()
