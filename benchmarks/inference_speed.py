"""How fast the app answers, against Keras's model.predict on the same questions, in one process.

    python -m benchmarks.inference_speed            # the bundled model
    python -m benchmarks.inference_speed --quick    # fewer repetitions (a smoke test)

Prints the median latency of the app's answer path (parse, one forward pass, the probability
table) over single questions, the batched throughput of Predictor (from the sums to answer
indices), and the same measurements through model.predict, with the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time

from addition import BUNDLED_MODEL, views
from addition.data import sample_whole_space
from addition.loading import load_model
from benchmarks import cpu_model



def median_ms(function, items) -> float:
    timings = []
    for item in items:
        started = time.perf_counter()
        function(item)
        timings.append(time.perf_counter() - started)
    return 1000 * statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(BUNDLED_MODEL), help="model folder or Hub repo id")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    arguments = parser.parse_args()
    print(f"CPU: {cpu_model()}")
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

    # Batched: warm both up first (our chunks are compiled by XLA on first use, once per model),
    # then alternate the two, three rounds, and keep each one's median.
    started = time.perf_counter()
    predictor.answer_indices(pairs[: 2 * predictor.chunk_size])
    compile_seconds = time.perf_counter() - started
    encoded = codec.encode_questions(pairs[:batch])
    loaded.model.predict(encoded[:4096], batch_size=4096, verbose=0)
    ours, keras = [], []
    for _ in range(3):
        started = time.perf_counter()
        predictor.answer_indices(pairs[:batch])
        ours.append(batch / (time.perf_counter() - started))
        started = time.perf_counter()
        loaded.model.predict(encoded, batch_size=4096, verbose=0).argmax(-1)
        keras.append(batch / (time.perf_counter() - started))
    ours_per_second, keras_per_second = statistics.median(ours), statistics.median(keras)

    print(f"model: {loaded.source}")
    print("| measurement | ours | model.predict | ratio |")
    print("|---|---|---|---|")
    print(f"| one question, app answer path (median of {singles:,}) | {app_ms:.2f} ms | {predict_ms:.2f} ms "
          f"(forward only, median of {slow_singles}) | {predict_ms / app_ms:.1f}x faster |")
    print(f"| one question, forward pass only | {forward_ms:.2f} ms | {predict_ms:.2f} ms | {predict_ms / forward_ms:.1f}x faster |")
    print(f"| batched, {batch:,} questions | {ours_per_second:,.0f} questions/s | {keras_per_second:,.0f} questions/s "
          f"| {ours_per_second / keras_per_second:.2f}x |")
    print(f"(batched: median of 3 rounds; compiling our chunk shape once took {compile_seconds:.1f} s, "
          f"not counted; model.predict's questions are one-hot encoded beforehand, ours are not)")


if __name__ == "__main__":
    main()
