"""How fast the app answers, against the best plain-Keras paths on the same questions, in one process.

    python -m benchmarks.inference_speed            # the bundled 3-digit model
    python -m benchmarks.inference_speed --quick    # fewer repetitions (a smoke test)

What the app does is timed two ways: one sum per click (the median of many single questions)
and the mistakes search (50,000 random sums at once), plus 200,000 sums for throughput. Each
runs through the app's path (``addition.predictor.Predictor``: the model in one XLA-compiled function,
called on two batch shapes only, large batches in chunks on threads) and
through plain Keras: ``model.predict_on_batch``, and the model called inside a ``tf.function``
without and with XLA (``jit_compile``). Every path starts from the same (a, b) pairs, so the
one-hot encoding the Keras paths need is on their clock. All are warmed up first (tracing and
compiling are not counted) and the batched ones alternate over 3 rounds, medians kept. The
last lines say how much faster the app's path is than the best plain-Keras one on each task, and
how much memory each path's numpy arrays take at most on the largest batch (``tracemalloc``
sees numpy's allocations, not TensorFlow's own): the Keras paths one-hot encode the whole batch
first, the app's path one chunk at a time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from addition.data import sample_whole_space
from addition.loading import load_model
from benchmarks import cpu_model, median_seconds
from demo.launch import FIRST_MODEL as BUNDLED_MODEL


def keras_paths(model, codec):
    """Plain-Keras ways to get the answer indices for pairs, by name."""
    import tensorflow as tf

    plain = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    compiled = tf.function(lambda x: model(x, training=False), jit_compile=True, reduce_retracing=True)

    def through(function):
        return lambda pairs: np.asarray(function(codec.encode_questions(pairs))).argmax(-1)

    return {
        "predict_on_batch": through(model.predict_on_batch),
        "tf.function": through(plain),
        "tf.function + XLA": through(compiled),
    }


def peak_megabytes(run, pairs) -> float:
    """The most memory numpy arrays held at once while ``run`` answered ``pairs``."""
    import tracemalloc

    tracemalloc.start()
    try:
        run(pairs)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(BUNDLED_MODEL), help="model folder or Hub repo id")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    arguments = parser.parse_args(argv)
    print(f"CPU: {cpu_model()}")
    loaded = load_model(arguments.model)
    predictor, codec = loaded.predictor, loaded.codec
    singles = 20 if arguments.quick else 500
    search, batch = (1_500, 3_000) if arguments.quick else (50_000, 200_000)
    pairs = sample_whole_space(codec.digits, batch, seed=1)
    one_at_a_time = [pairs[index : index + 1] for index in range(singles)]

    paths = {"app (Predictor)": predictor.answer_indices, **keras_paths(loaded.model, codec)}
    for run in paths.values():  # Warm up: trace and compile every shape used below.
        for size in (1, search, batch):
            run(pairs[:size])
    click = {name: median_seconds(run, one_at_a_time) for name, run in paths.items()}
    rounds = {name: {size: [] for size in (search, batch)} for name in paths}
    for _ in range(3):
        for size in (search, batch):
            for name, run in paths.items():
                started = time.perf_counter()
                run(pairs[:size])
                rounds[name][size].append(time.perf_counter() - started)
    seconds = {
        name: {size: statistics.median(times) for size, times in sizes.items()} for name, sizes in rounds.items()
    }

    memory = {name: peak_megabytes(run, pairs[:batch]) for name, run in paths.items()}

    print(f"model: {loaded.source}")
    print(
        f"| path | one sum per click (median of {singles}) | mistakes search, {search:,} sums | {batch:,} sums "
        "| numpy arrays at most |"
    )
    print("|---|---|---|---|---|")
    for name in paths:
        print(
            f"| {name} | {1000 * click[name]:.3f} ms | {1000 * seconds[name][search]:.1f} ms | "
            f"{batch / seconds[name][batch]:,.0f} sums/s | {memory[name]:.1f} MB |"
        )
    keras_names = [name for name in paths if not name.startswith("app")]
    best_click = min(keras_names, key=lambda name: click[name])
    best_search = min(keras_names, key=lambda name: seconds[name][search])
    app = "app (Predictor)"
    print(
        f"app path vs the best plain Keras, one sum per click: {click[best_click] / click[app]:.2f}x "
        f"(best: {best_click})"
    )
    print(
        "app path vs the best plain Keras, mistakes search: "
        f"{seconds[best_search][search] / seconds[app][search]:.2f}x "
        f"(best: {best_search})"
    )
    least = min(keras_names, key=lambda name: memory[name])
    print(
        f"app path vs the best plain Keras, memory for {batch:,} sums: "
        f"{memory[least] / memory[app]:.2f}x less (best: {least})"
    )


if __name__ == "__main__":
    main()
