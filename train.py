"""Train the addition LSTM and save a self-describing model folder.

    python train.py                                # our defaults, 3 digits (README "Results": how long, how good)
    python train.py --recipe keras-io              # the keras-io example's recipe
    python train.py --like models/addition-3digit  # a folder's recorded settings, rerun as they ran
    python train.py --cell gru                     # the keras-io example's "Try replacing GRU, or SimpleRNN"
    python train.py --digits 2 --training-size 3000 --epochs 1 --output /tmp/m   # a smoke test
    python train.py --push-to-hub me/addition-lstm # train, then publish to the Hugging Face Hub

Every field of addition.config.TrainConfig is a flag with the field's help and default; flags
override the chosen starting point (our recipe, the keras-io example's, or a folder's settings).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from addition import CHECK, CROSS
from addition.cli import OneLineErrorParser, fail
from addition.config import RECIPES, TrainConfig
from addition.errors import ModelFolderError, first_line
from addition.evaluation import shown_answer
from addition.hub import check_repo_id
from addition.saving import check_output_folder

BUNDLED_MODELS = Path(__file__).resolve().parent / "models"  # Replaced only with --overwrite.


def add_config_flags(parser) -> None:
    """One flag per TrainConfig field (``num_layers`` is ``--layers``), its help from the field.

    Every flag defaults to None, "not given", so that it overrides the chosen recipe only when typed."""
    for field in TrainConfig.fields():
        flag = "--layers" if field.name == "num_layers" else "--" + field.name.replace("_", "-")
        help_text = f"{field.metadata['help']} (default: {field.default})".replace("%", "%%")  # argparse formats help.
        if field.type == "bool":
            parser.add_argument(
                flag, dest=field.name, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        else:
            kind = {"int": int, "str": str}.get(field.type, float)  # float and "float | None".
            parser.add_argument(flag, dest=field.name, type=kind, default=None, help=help_text)


def parse_arguments(argv):
    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--recipe",
        choices=sorted(RECIPES),
        default="ours",
        help="starting settings that the other flags override: ours (the defaults below) or "
        "keras-io (the keras-io example's)",
    )
    start.add_argument(
        "--like",
        metavar="FOLDER",
        default=None,
        help="start from the settings a model folder records, to rerun its training as it ran",
    )
    add_config_flags(parser)
    parser.add_argument(
        "--output",
        default=None,
        help="model folder to write (default: runs/addition-<digits>digit); a bundled model "
        "under models/ is only replaced with --overwrite",
    )
    parser.add_argument("--overwrite", action="store_true", help="allow --output to replace a bundled model")
    parser.add_argument(
        "--whole-space-sample",
        type=int,
        default=100_000,
        help="after training, score this many random sums from the whole space (0: skip; default: 100000)",
    )
    parser.add_argument(
        "--push-to-hub",
        metavar="REPO_ID",
        default=None,
        help="after saving, publish the folder to this Hugging Face Hub repo (needs HF_TOKEN or a login)",
    )
    parser.add_argument("--private", action="store_true", help="with --push-to-hub: create the repo as private")
    parser.add_argument(
        "--quiet", action="store_true", help="no per-epoch lines (on a terminal: no progress bar and no samples either)"
    )
    arguments = parser.parse_args(argv)
    names = {field.name for field in TrainConfig.fields()}
    overrides = {name: value for name, value in vars(arguments).items() if name in names and value is not None}
    try:
        config = (recorded_settings(arguments.like) if arguments.like else RECIPES[arguments.recipe]).replace(
            **overrides
        )
    except ValueError as error:
        parser.error(str(error))
    if arguments.private and not arguments.push_to_hub:
        parser.error("--private only makes sense with --push-to-hub")
    if arguments.whole_space_sample < 0:
        parser.error("--whole-space-sample must be 0 or more")
    if arguments.push_to_hub:
        try:
            check_repo_id(arguments.push_to_hub)
        except ValueError as error:
            parser.error(str(error))
    arguments.output = arguments.output or f"runs/addition-{config.digits}digit"
    try:  # Before training: minutes of work should not end in "cannot write".
        check_output_folder(arguments.output, protected=BUNDLED_MODELS, overwrite=arguments.overwrite)
    except ValueError as error:
        parser.error(str(error))
    return arguments, config


def recorded_settings(folder) -> TrainConfig:
    """The settings a model folder's addition.json records (the network is not loaded)."""
    from addition.loading import check_info, read_json, recorded_config

    path = Path(folder).expanduser()
    if not (path / "addition.json").is_file():
        raise ModelFolderError(f"--like {folder}: not a model folder (no addition.json)")
    where = f"{folder}/addition.json"
    return recorded_config(check_info(read_json(path, "addition.json", str(folder)), where), where)


def print_epoch(record, samples=()):
    """One line per epoch, then (on a terminal) the epoch's held-out samples, as keras-io prints them."""
    print(
        f"epoch {record['epoch']} ({record['seconds']:.0f} s): loss {record['loss']:.4f}, "
        f"validation: whole answers {record['val_exact_match']:.2%}, "
        f"characters {record['val_accuracy']:.2%}",
        flush=True,
    )
    if not samples:
        return
    width = max(len(f"{sample['a']}+{sample['b']}") for sample in samples)
    for sample in samples:
        mark = CHECK if sample["correct"] else CROSS
        print(
            f"  Q {sample['a']}+{sample['b']}".ljust(width + 4)
            + f" T {sample['true']:<{width}} {mark} {shown_answer(sample['model'])}"
        )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    arguments, config = parse_arguments(argv)
    token = None
    if arguments.push_to_hub:
        from addition.hub import find_token

        token = find_token()  # Before training: a missing token should not cost a training run.
        if token is None:
            fail("--push-to-hub needs a Hugging Face token: set HF_TOKEN or run `hf auth login`")

    from addition.training import train_and_save

    command = shlex.join(["python", "train.py", *argv])
    on_terminal = sys.stdout.isatty()
    print(f"Training with {config}", flush=True)
    try:
        result, folder, summary = train_and_save(
            config,
            arguments.output,
            command=command,
            whole_space_sample=arguments.whole_space_sample,
            # Keras's progress bar and the samples on a terminal; in a file or a pipe, one line per epoch.
            verbose=1 if on_terminal and not arguments.quiet else 0,
            on_epoch=None if arguments.quiet else print_epoch if on_terminal else lambda record, _: print_epoch(record),
        )
    except ModelFolderError as error:
        fail(str(error))
    print(summary)
    if arguments.push_to_hub:
        from addition.hub import push_folder

        try:
            url = push_folder(folder, arguments.push_to_hub, token=token, private=arguments.private)
        except Exception as error:  # The Hub's errors vary (HTTP, network, permissions): one line each.
            fail(
                f"the model is saved in {folder}, but publishing to {arguments.push_to_hub} failed: {first_line(error)}"
            )
        print(f"Published to {url}")


if __name__ == "__main__":
    main()
