"""Score a model folder (or Hub repo) on the whole space of sums, or a random sample of it.

    python evaluate.py                                   # the bundled model, every ordered pair a+b
    python evaluate.py runs/addition-3digit --sample 100000
    python evaluate.py models/addition-5digit            # 10**10 sums: a 1,000,000-sum sample instead

Prints whole-answer (exact-match) and per-character accuracy, accuracy by number of carries,
the carry chains (999+1, 1+999, 999+999, 500+500, ...) and the mistakes in plain words.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addition import CHECK, CROSS
from addition.cli import OneLineErrorParser, fail

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "addition-3digit"  # The app's first model.
LARGEST_WHOLE_SPACE = 10_000_000  # Scored whole up to 3 digits (1,000,000 sums); 4 digits would be 10**8.
DEFAULT_SAMPLE = 1_000_000


def carry_chains(digits: int) -> list[tuple[int, int]]:
    top = 10**digits - 1
    half = 10**digits // 2
    return [(top, 1), (1, top), (top, top), (half, half), (top - 1, 1), (top, 0), (0, 0), (1, top - 1)]


def main(argv=None):
    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "model", nargs="?", default=str(DEFAULT_MODEL), help="model folder or Hub repo id (default: bundled)"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help=f"score this many random sums instead of all of them (0: all, or {DEFAULT_SAMPLE:,} "
        "random ones past 3 digits)",
    )
    parser.add_argument("--random-seed", type=int, default=20_151_208, help="random seed for --sample")
    parser.add_argument("--kinds", type=int, default=10, help="how many kinds of mistake to print, the commonest first")
    arguments = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not 0 <= arguments.sample <= LARGEST_WHOLE_SPACE:
        parser.error(f"--sample must be from 0 (everything) to {LARGEST_WHOLE_SPACE:,}")

    from addition.data import sample_whole_space, whole_space
    from addition.errors import ModelFolderError
    from addition.evaluation import describe_mistake, evaluate, shown_answer
    from addition.loading import load_model

    try:
        loaded = load_model(arguments.model)
    except ModelFolderError as error:
        fail(str(error))
    digits = loaded.codec.digits
    if not arguments.sample and 10 ** (2 * digits) > LARGEST_WHOLE_SPACE:
        arguments.sample = DEFAULT_SAMPLE  # Every 4-digit sum would be 10**8 forward passes.
    pairs = (
        sample_whole_space(digits, arguments.sample, arguments.random_seed) if arguments.sample else whole_space(digits)
    )
    report = evaluate(loaded.predictor, pairs, max_mistakes=0)
    wrong = report["count"] - round(report["exact_match"] * report["count"])
    scope = f"{report['count']:,} random" if arguments.sample else f"all {report['count']:,}"
    print(f"{loaded.source}: {scope} sums a+b with a, b in 0..{loaded.codec.max_operand}")
    print(f"whole answers {report['exact_match']:.4%} ({wrong:,} wrong), characters {report['per_character']:.4%}")
    print(
        "by carries: "
        + ", ".join(f"{key}: {row['exact_match']:.3%} of {row['count']:,}" for key, row in report["by_carries"].items())
    )
    # Short operands are rare among random sums, and a model can be weak on them unnoticed.
    print(
        "by operand lengths: "
        + ", ".join(
            f"{key}: {row['exact_match']:.3%} of {row['count']:,}" for key, row in sorted(report["by_lengths"].items())
        )
    )
    chains = carry_chains(digits)
    answers = loaded.predictor.answers(chains)
    for (a, b), answer in zip(chains, answers):
        mark = CHECK if answer.strip() == str(a + b) else CROSS
        print(f"  {a}+{b} = {shown_answer(answer)} {mark}")
    kinds = report["mistake_kinds"]
    if kinds:  # What goes wrong, by kind: one failure repeated is one line, not twenty.
        print(f"mistakes by kind (operand lengths, carries), the commonest first ({len(kinds)} kinds):")
    for kind in kinds[: arguments.kinds]:
        examples = "; ".join(describe_mistake(mistake) for mistake in kind["examples"])
        print(f"  {kind['kind']}: {kind['count']:,} wrong, e.g. {examples}")
    if len(kinds) > arguments.kinds:
        print(f"  ... and {len(kinds) - arguments.kinds} more kinds (--kinds)")


if __name__ == "__main__":
    main()
