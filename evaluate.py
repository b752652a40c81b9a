"""Score a model folder (or Hub repo) on the whole space of sums, or a random sample of it.

    python evaluate.py                                   # the bundled model, every ordered pair a+b
    python evaluate.py runs/addition-3digit --sample 100000
    python evaluate.py models/addition-5digit            # 10**10 sums: a 1,000,000-sum sample instead
    python evaluate.py models/addition-column --lengths 5,20,100,1000,10000   # per operand length
    python evaluate.py models/addition-column --targets full                  # the column network's targets

Prints whole-answer (exact-match) and per-character accuracy, accuracy by number of carries,
the carry chains (999+1, 1+999, 999+999, 500+500, ...) and the mistakes in plain words. With
--lengths, whole-answer accuracy on random sums of two numbers of each length (--sample of them,
100 by default) and the chains 9…9+1, 1+9…9, 9…9+9…9 of that length: any length for a column
network, up to its digits for a keras-io one. A column network is scored per length always
(5,20,100,1000,10000 unless --lengths says otherwise); --targets checks it on the sums its
recipe was chosen by (addition.column_training.TARGETS).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addition import CHECK, CROSS
from addition.cli import OneLineErrorParser, fail, whole_numbers
from addition.data import WHOLE_SPACE_SEED
from addition.evaluation import plural

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "addition-3digit"  # The app's first model.
DEFAULT_LENGTHS = (5, 20, 100, 1_000, 10_000)  # A column network's, when --lengths is not given.
DEFAULT_PER_LENGTH = 100
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
    parser.add_argument(
        "--lengths",
        type=lengths_list,
        default=None,
        help="comma-separated operand lengths, 5,20,100: score random sums of two numbers of each "
        f"length instead (--sample per length, default {DEFAULT_PER_LENGTH})",
    )
    parser.add_argument(
        "--targets",
        choices=("quick", "full"),
        default=None,
        help="a column network: check it on its targets (quick: fewer sums of each kind)",
    )
    parser.add_argument("--random-seed", type=int, default=WHOLE_SPACE_SEED, help="random seed for --sample")
    parser.add_argument("--kinds", type=int, default=10, help="how many kinds of mistake to print, the commonest first")
    parser.add_argument(
        "--mistakes", type=int, default=5, help="with --lengths or --targets: mistakes printed per line"
    )
    arguments = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not 0 <= arguments.sample <= LARGEST_WHOLE_SPACE:
        parser.error(f"--sample must be from 0 (everything) to {LARGEST_WHOLE_SPACE:,}")
    for flag in ("random_seed", "kinds", "mistakes"):
        if getattr(arguments, flag) < 0:
            parser.error(f"--{flag.replace('_', '-')} must be 0 or more")
    if arguments.targets and arguments.lengths:
        parser.error("--targets and --lengths are two different scores: ask for one at a time")

    from addition.data import sample_whole_space, whole_space
    from addition.errors import ModelFolderError
    from addition.evaluation import describe_mistake, evaluate, shown_answer
    from addition.loading import load_model

    try:
        loaded = load_model(arguments.model)
    except ModelFolderError as error:
        fail(str(error))
    if loaded.architecture == "column":
        return evaluate_column(loaded, arguments)
    if arguments.targets:
        fail(f"--targets is for a column network; {loaded.source} is a keras-io one")
    if arguments.lengths:
        return evaluate_lengths(loaded, arguments)
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
        print(f"mistakes by kind (operand lengths, carries), the commonest first ({plural(len(kinds), 'kind')}):")
    for kind in kinds[: arguments.kinds]:
        examples = "; ".join(describe_mistake(mistake) for mistake in kind["examples"])
        print(f"  {kind['kind']}: {kind['count']:,} wrong, e.g. {examples}")
    if len(kinds) > arguments.kinds:
        print(f"  ... and {plural(len(kinds) - arguments.kinds, 'more kind')} (--kinds)")


def lengths_list(text: str) -> tuple:
    """--lengths: distinct whole numbers of digits, "5,20,100"."""
    from addition.codec import MAX_OPERAND_DIGITS

    lengths = whole_numbers(text)
    if not all(1 <= length <= MAX_OPERAND_DIGITS for length in lengths):
        raise argparse.ArgumentTypeError(f"each length must be from 1 to {MAX_OPERAND_DIGITS:,} digits")
    return lengths


def evaluate_column(loaded, arguments):
    from addition.column import ColumnPredictor
    from addition.column_training import TARGETS, score_targets

    predictor = ColumnPredictor(loaded.model, loaded.codec)
    if arguments.targets:
        print(f"{loaded.source}: the column network's targets ({arguments.targets}), against Python's addition")
        for name, result in score_targets(predictor, quick=arguments.targets == "quick").items():
            print_score(f"{name} ({TARGETS[name][0]})", result, arguments.mistakes)
        return
    arguments.lengths = arguments.lengths or DEFAULT_LENGTHS
    evaluate_lengths(loaded, arguments, predictor)


def evaluate_lengths(loaded, arguments, predictor=None):
    """Whole answers per operand length: random sums and the three carry chains of each length,
    by a column network (``predictor``), or else by a keras-io network within its width."""
    import numpy as np

    from addition.column_data import chain_sums, random_sums
    from addition.column_training import whole_answer_score
    from addition.evaluation import score

    if predictor is None:
        too_long = [length for length in arguments.lengths if length > loaded.codec.digits]
        if too_long:
            fail(f"--lengths {too_long[0]}: {loaded.source} reads operands of at most {loaded.codec.digits} digits")
    count = arguments.sample or DEFAULT_PER_LENGTH
    print(f"{loaded.source}: {count:,} random sums of two n-digit numbers per length, and the chains of that length")
    rng = np.random.default_rng(arguments.random_seed)
    for length in arguments.lengths:
        sums, chains = random_sums(rng, length, count), chain_sums(length)
        if predictor is not None:
            print_score(f"{length:,} digits", whole_answer_score(predictor, sums), arguments.mistakes)
            chained = whole_answer_score(predictor, chains)
            right, mistakes = chained["count"] - chained["wrong"], chained["mistakes"]
        else:  # Python ints: at most 9 digits here.
            result = score(loaded.predictor, [(int(a), int(b)) for a, b in sums])
            wrong = result["count"] - int(result["correct"].sum())
            print(f"  {length:,} digits: whole answers {result['exact_match']:.2%} ({wrong:,} wrong of {count:,})")
            right, mistakes = int(score(loaded.predictor, [(int(a), int(b)) for a, b in chains])["correct"].sum()), []
        print(f"    9…9+1, 1+9…9, 9…9+9…9: {right} of {len(chains)} right")
        for mistake in mistakes[: arguments.mistakes]:
            print(f"    {mistake}")


def print_score(label: str, result: dict, mistakes: int) -> None:
    print(
        f"  {label}: whole answers {result['exact_match']:.2%} ({result['wrong']:,} wrong of {result['count']:,}), "
        f"digits {result['per_character']:.4%}, lowest probability of a right digit "
        f"{result['lowest_right_probability']:.3f}"
    )
    for mistake in result["mistakes"][:mistakes]:
        print(f"    {mistake}")


if __name__ == "__main__":
    main()
