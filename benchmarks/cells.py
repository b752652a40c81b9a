"""LSTM, GRU or SimpleRNN? The keras-io script's "Try replacing GRU, or SimpleRNN", measured on one budget.

    python -m benchmarks.cells                 # 2 digits, the Train tab's defaults, each cell in turn
    python -m benchmarks.cells --digits 3 --training-size 50000 --epochs 12 --batch-size 256
    python -m benchmarks.cells --quick         # a smoke test

Same data, same recipe, same number of epochs; only the recurrent layer differs. Prints held-out
whole answers, whole answers over the whole space (all sums for 2 digits, else 100,000 random),
parameters and training time.
"""

from __future__ import annotations

import argparse
import json
import tempfile

from benchmarks import cpu_model
from demo.train_settings import DEFAULTS, SETTINGS, training_config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("digits", "training_size", "hidden_size", "epochs", "batch_size"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=DEFAULTS[name])
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args(argv)
    from addition.training import train_and_save

    if arguments.quick:
        arguments.training_size, arguments.epochs, arguments.hidden_size = 600, 1, 16
    print(f"CPU: {cpu_model()}", flush=True)
    rows = []
    cells = next(setting.choices for setting in SETTINGS if setting.name == "cell")
    for cell in cells:
        config = training_config(
            digits=arguments.digits,
            training_size=arguments.training_size,
            cell=cell,
            hidden_size=arguments.hidden_size,
            epochs=arguments.epochs,
            batch_size=arguments.batch_size,
        )
        with tempfile.TemporaryDirectory() as folder:
            result, _, _ = train_and_save(config, f"{folder}/model", whole_space_sample=100_000)
            info = json.loads(open(f"{folder}/model/addition.json").read())
        whole = info["metrics"]["whole_space_sample"]
        epochs = len(result.history)
        rows.append((cell, info["parameters"], epochs, result.seconds, result.validation["exact_match"], whole))
        print(f"{cell}: done", flush=True)
    print(
        f"\n{arguments.digits} digits, {arguments.training_size:,} questions, {arguments.epochs} epochs, "
        f"batch {arguments.batch_size}, {arguments.hidden_size} units"
    )
    print("| cell | parameters | epochs | training | held-out whole answers | whole space: whole answers |")
    print("|---|---|---|---|---|---|")
    for cell, parameters, epochs, seconds, validation, whole in rows:
        scope = "all" if whole["exhaustive"] else "random"
        print(
            f"| {cell} | {parameters:,} | {epochs} | {seconds:.0f} s | {validation:.2%} | {whole['exact_match']:.3%} "
            f"({scope} {whole['count']:,}) |"
        )


if __name__ == "__main__":
    main()
