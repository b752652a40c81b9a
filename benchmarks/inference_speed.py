"""How fast the app answers, against Keras's model.predict on the same questions, in one process.

    python benchmarks/inference_speed.py            # the bundled model
    python benchmarks/inference_speed.py --quick    # fewer repetitions (a smoke test)

Prints the median latency of the app's answer path (parse, one batched forward pass, the
probability table) over single questions, the batched throughput of Predictor, and the same
measurements through model.predict, with the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from addition import demo as views  # noqa: E402
from addition.data import sample_whole_space  # noqa: E402
from addition.hub import load_model  # noqa: E402

BUNDLED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "addition-3digit")


def median_ms(function, items) -> float:
    timings = []
    for item in items:
        started = time.perf_counter()
        function(item)
        timings.append(time.perf_counter() - started)
    return 1000 * statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=BUNDLED, help="model folder or Hub repo id")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    arguments = parser.parse_args()
    loaded = load_model(arguments.model)
    predictor, codec = loaded.predictor, loaded.codec
    singles = 100 if arguments.quick else 1_000
    slow_singles = 20 if arguments.quick else 100
    batch = 20_000 if arguments.quick else 200_000
    pairs = sample_whole_space(codec.digits, max(singles, batch), seed=1)
    questions = [f"{a}+{b}" for a, b in pairs[:singles].tolist()]

    views.answer_question(loaded, questions[0])  # Warm up: the first call builds the graph.
    loaded.model.predict(codec.encode_questions(pairs[:1]), verbose=0)
    app_ms = median_ms(lambda q: views.answer_question(loaded, q), questions)
    forward_ms = median_ms(lambda p: predictor.probabilities([p]), pairs[:singles].tolist())
    predict_ms = median_ms(lambda p: loaded.model.predict(codec.encode_questions([p]), verbose=0),
                           pairs[:slow_singles].tolist())

    started = time.perf_counter()
    predictor.answer_indices(pairs[:batch])
    ours_per_second = batch / (time.perf_counter() - started)
    encoded = codec.encode_questions(pairs[:batch])
    started = time.perf_counter()
    loaded.model.predict(encoded, batch_size=4096, verbose=0).argmax(-1)
    keras_per_second = batch / (time.perf_counter() - started)

    print(f"model: {loaded.source}")
    print("| measurement | ours | model.predict | ratio |")
    print("|---|---|---|---|")
    print(f"| one question, app answer path (median of {singles:,}) | {app_ms:.2f} ms | {predict_ms:.2f} ms "
          f"(forward only, median of {slow_singles}) | {predict_ms / app_ms:.1f}x faster |")
    print(f"| one question, forward pass only | {forward_ms:.2f} ms | {predict_ms:.2f} ms | {predict_ms / forward_ms:.1f}x faster |")
    print(f"| batched, {batch:,} questions | {ours_per_second:,.0f} questions/s | {keras_per_second:,.0f} questions/s "
          f"| {ours_per_second / keras_per_second:.2f}x |")


if __name__ == "__main__":
    main()
