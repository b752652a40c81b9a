"""Train the addition LSTM and save a self-describing model folder.

    python train.py                                # our fast recipe, 3 digits (~3.5 min on 2 CPU cores)
    python train.py --recipe seed                  # the keras-io example's recipe (~14 min)
    python train.py --digits 2 --training-size 3000 --epochs 1 --output /tmp/m   # a smoke test
    python train.py --push-to-hub me/addition-lstm # train, then publish to the Hugging Face Hub

Every setting of addition.config.TrainConfig is a flag; flags override the chosen recipe.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from addition.cli import OneLineErrorParser, fail, first_line

FLAGS = [
    # (flag, config field, type, help)
    ("--digits", "digits", int, "largest operand length in digits (3 -> sums up to 999+999)"),
    ("--training-size", "training_size", int, "distinct questions to generate, validation included"),
    ("--validation-fraction", "validation_fraction", float, "share of questions held out for validation"),
    ("--sampling", "sampling", str, "how operands are drawn: seed, uniform or mixed"),
    ("--short-sums", "short_sums", int, "each epoch, also train on this many fresh sums of numbers below 100"),
    ("--hidden-size", "hidden_size", int, "units in every LSTM"),
    ("--layers", "num_layers", int, "decoder LSTM layers"),
    ("--epochs", "epochs", int, "passes over the training questions (at most, with --target-accuracy)"),
    ("--batch-size", "batch_size", int, "questions per gradient step"),
    ("--learning-rate", "learning_rate", float, "Adam's (peak) learning rate"),
    ("--schedule", "schedule", str, "learning-rate schedule: constant or cosine"),
    ("--warmup-fraction", "warmup_fraction", float, "with --schedule cosine: share of steps warming up to the peak rate"),
    ("--clipnorm", "clipnorm", float, "clip each gradient to this norm (default: no clipping)"),
    ("--target-accuracy", "target_accuracy", float, "stop once validation whole-answer accuracy reaches this (0-1)"),
    ("--seed", "seed", int, "random seed for data, weights and shuffling"),
]


def parse_arguments(argv):
    from addition.config import DEFAULT_RECIPE, RECIPES

    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", choices=sorted(RECIPES), default=DEFAULT_RECIPE,
                        help=f"starting settings that the other flags override (default: {DEFAULT_RECIPE})")
    for flag, field, kind, help_text in FLAGS:
        parser.add_argument(flag, dest=field, type=kind, default=None, help=help_text)
    parser.add_argument("--no-reverse", dest="reverse", action="store_false", default=None,
                        help="feed questions in reading order instead of reversed")
    parser.add_argument("--swap-operands", dest="swap_operands", action=argparse.BooleanOptionalAction, default=None,
                        help="each epoch, show each training question as a+b or b+a at random")
    parser.add_argument("--unroll", dest="unroll", action=argparse.BooleanOptionalAction, default=None,
                        help="unroll the LSTM loops (faster on CPU)")
    parser.add_argument("--output", default=None,
                        help="model folder to write (default: runs/addition-<digits>digit)")
    parser.add_argument("--whole-space-sample", type=int, default=100_000,
                        help="after training, score this many random sums from the whole space (0: skip)")
    parser.add_argument("--push-to-hub", metavar="REPO_ID", default=None,
                        help="after saving, publish the folder to this Hugging Face Hub repo (needs HF_TOKEN or a login)")
    parser.add_argument("--private", action="store_true", help="with --push-to-hub: create the repo as private")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no per-epoch samples")
    arguments = parser.parse_args(argv)
    config_fields = {field for _, field, _, _ in FLAGS} | {"reverse", "unroll", "swap_operands"}
    overrides = {name: value for name, value in vars(arguments).items() if name in config_fields and value is not None}
    try:
        config = RECIPES[arguments.recipe].replace(**overrides)
    except ValueError as error:
        parser.error(str(error))
    if arguments.private and not arguments.push_to_hub:
        parser.error("--private only makes sense with --push-to-hub")
    if arguments.whole_space_sample < 0:
        parser.error("--whole-space-sample must be 0 or more")
    if arguments.push_to_hub:
        from addition.hub import check_repo_id

        try:
            check_repo_id(arguments.push_to_hub)
        except ValueError as error:
            parser.error(str(error))
    return arguments, config


def print_epoch(record, samples):
    print(
        f"epoch {record['epoch']} ({record['seconds']:.0f} s): loss {record['loss']:.4f}, "
        f"validation: whole answers {record['val_exact_match']:.2%}, "
        f"characters {record['val_accuracy']:.2%}"
    )
    width = max(len(f"{sample['a']}+{sample['b']}") for sample in samples)
    for sample in samples:
        mark = "☑" if sample["correct"] else "☒"
        print(f"  Q {sample['a']}+{sample['b']}".ljust(width + 4) + f" T {sample['true']:<{width}} {mark} {sample['model']}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    arguments, config = parse_arguments(argv)
    token = None
    if arguments.push_to_hub:
        from addition.hub import find_token

        token = find_token()  # Before training: a missing token should not cost a training run.
        if token is None:
            fail("--push-to-hub needs a Hugging Face token: set HF_TOKEN or run `hf auth login`")

    from addition.pipeline import train_and_save

    output = arguments.output or f"runs/addition-{config.digits}digit"
    command = shlex.join(["python", "train.py", *argv])
    print(f"Training with {config}", flush=True)
    from addition.saving import ModelFolderError

    try:
        result, folder, summary = train_and_save(
            config,
            output,
            command=command,
            whole_space_sample=arguments.whole_space_sample,
            verbose=0 if arguments.quiet else 1,
            on_epoch=None if arguments.quiet else print_epoch,
        )
    except ModelFolderError as error:
        fail(str(error))
    print(summary)
    if arguments.push_to_hub:
        from addition.hub import push_folder

        try:
            url = push_folder(folder, arguments.push_to_hub, token=token, private=arguments.private)
        except Exception as error:  # The Hub's errors vary (HTTP, network, permissions): one line each.
            fail(f"the model is saved in {folder}, but publishing to {arguments.push_to_hub} failed: {first_line(error)}")
        print(f"Published to {url}")


if __name__ == "__main__":
    main()
