"""How long "Inside the network" takes for one sum, beside one plain answer, in one process.

    python -m benchmarks.explain_speed            # the bundled 3-digit model
    python -m benchmarks.explain_speed --quick    # fewer repetitions (a smoke test)

Prints the CPU, the median time of inside.explain() for one sum (the batch of
digit variants, gradients, states and the JSON) beside one answer through
addition.predictor.Predictor, their ratio, and the one-time cost per model of ranking the
carry units and fitting the probe on the held-out questions (first call, with tracing, and
again).
"""

from __future__ import annotations

import argparse
import time

from addition import carry_units, inside
from addition.data import sample_whole_space
from addition.loading import load_model
from benchmarks import cpu_model, median_seconds
from demo.launch import FIRST_MODEL as BUNDLED_MODEL


def seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(BUNDLED_MODEL), help="model folder or Hub repo id")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    arguments = parser.parse_args(argv)
    print(f"CPU: {cpu_model()}")
    loaded = load_model(arguments.model)
    model, codec, pairs = loaded.model, loaded.codec, loaded.validation_pairs

    first_survey = seconds(
        lambda: (carry_units.rank_carry_units(model, codec, pairs), carry_units.train_probe(model, codec, pairs))
    )
    ranked = carry_units.rank_carry_units(model, codec, pairs)
    probe_seconds = seconds(lambda: carry_units.train_probe(model, codec, pairs))
    carry_seconds = seconds(lambda: carry_units.rank_carry_units(model, codec, pairs))

    sums = sample_whole_space(codec.digits, 20 if arguments.quick else 200, seed=0).tolist()
    questions = [f"{a}+{b}" for a, b in sums]
    predictor = loaded.predictor
    probe = carry_units.train_probe(model, codec, pairs)
    inside.explain(model, codec, questions[0], ranked, probe)  # Traces, once per model.
    predictor.answers([sums[0]])
    explain_ms = 1000 * median_seconds(
        lambda question: inside.explain(model, codec, question, ranked, probe), questions
    )
    answer_ms = 1000 * median_seconds(lambda pair: predictor.answers([pair]), sums)
    used = min(len(pairs), carry_units.MAX_SURVEY_QUESTIONS)
    print(f"model: {loaded.source} ({codec.digits} digits, {type(model.get_layer('encoder')).__name__})")
    print(f"explain() for one sum: median {explain_ms:.1f} ms over {len(questions)} sums")
    print(f"one answer through Predictor: median {answer_ms:.2f} ms")
    print(f"ratio: explain() takes {explain_ms / answer_ms:.1f}x one plain answer")
    print(
        f"once per model, {used:,} held-out questions: carry units and probe {first_survey:.2f} s on the "
        f"first call (with tracing); then carry units {carry_seconds:.2f} s, probe {probe_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
