"""Train the addition LSTM and save a self-describing model folder.

    python train.py                                # our defaults, 3 digits (README "Results": how long, how good)
    python train.py --recipe keras-io              # the keras-io example's recipe
    python train.py --like models/addition-3digit  # a folder's recorded settings, rerun as they ran
    python train.py --cell gru                     # the keras-io example's "Try replacing GRU, or SimpleRNN"
    python train.py --digits 2 --training-size 3000 --epochs 1 --output /tmp/m   # a smoke test
    python train.py --push-to-hub me/addition-lstm # train, then publish to the Hugging Face Hub
    python train.py --architecture column          # the column network: any length, trained on short sums

Every field of addition.config.TrainConfig (the keras-io network) and ColumnConfig (the column
network) is a flag with the field's help and default; flags override the chosen starting point
(our recipe, the keras-io example's, the column network's, or a folder's settings). A flag of
the other architecture's is refused.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from addition import CHECK, CROSS
from addition.cli import OneLineErrorParser, fail, import_tensorflow, whole_numbers
from addition.config import ARCHITECTURES, RECIPES, ColumnConfig, TrainConfig, digits_label
from addition.errors import ModelFolderError, first_line
from addition.evaluation import shown_answer
from addition.hub import check_repo_id
from addition.saving import check_output_folder, snapshot_folder

BUNDLED_MODELS = Path(__file__).resolve().parent / "models"  # Replaced only with --overwrite.


def flag_of(name: str) -> str:
    return "--layers" if name == "num_layers" else "--" + name.replace("_", "-")


def config_fields() -> dict:
    """Every setting's name -> its field in each architecture that has it, keras-io first."""
    fields = {}
    for architecture, config in ARCHITECTURES.items():
        for field in config.fields():
            fields.setdefault(field.name, {})[architecture] = field
    return fields


def add_config_flags(parser) -> None:
    """One flag per setting (``num_layers`` is ``--layers``), its help from the field, in three
    groups: the settings both architectures have, then each one's own.

    Every flag defaults to None, "not given", so that it overrides the chosen recipe only when typed."""
    groups = {
        ("keras-io", "column"): parser.add_argument_group("settings of both networks (column: its own default)"),
        ("keras-io",): parser.add_argument_group("the keras-io network's settings (--architecture keras-io)"),
        ("column",): parser.add_argument_group("the column network's settings (--architecture column)"),
    }
    for name, owners in config_fields().items():
        field = next(iter(owners.values()))
        defaults = "; ".join(
            f"{'default' if index == 0 else architecture}: {_shown(owner.default)}"
            for index, (architecture, owner) in enumerate(owners.items())
        )
        help_text = f"{field.metadata['help']} ({defaults})".replace("%", "%%")  # argparse formats help.
        group = groups[tuple(owners)]
        if field.type == "bool":
            group.add_argument(
                flag_of(name), dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        else:
            kind = {"int": int, "str": str, "tuple": whole_numbers}.get(field.type, float)  # float and "float | None".
            group.add_argument(flag_of(name), dest=name, type=kind, default=None, help=help_text)


def _shown(default) -> str:
    return ",".join(map(str, default)) if isinstance(default, tuple) else str(default)


def parse_arguments(argv):
    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--architecture",
        choices=sorted(ARCHITECTURES),
        default=None,
        help="the network: keras-io (the keras-io example's encoder-decoder, for numbers of a fixed "
        "width; the default) or column (one step per column, units first, for numbers of any length)",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--recipe",
        choices=sorted(RECIPES),
        default=None,
        help="the keras-io network's starting settings that the other flags override: ours (the "
        "defaults below) or keras-io (the keras-io example's)",
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
        help="model folder to write (default: runs/addition-<digits>digit, or runs/addition-column); "
        "a bundled model under models/ is only replaced with --overwrite",
    )
    parser.add_argument("--overwrite", action="store_true", help="allow --output to replace a bundled model")
    parser.add_argument(
        "--whole-space-sample",
        type=int,
        default=None,
        help="keras-io network: after training, score this many random sums from the whole space "
        "(0: skip; default: 100000)",
    )
    parser.add_argument(
        "--keep-epochs",
        metavar="E1,E2,...",
        type=whole_numbers,
        default=(),
        help="keras-io network: also save the network as it was after these epochs (e.g. 1,2,4), each in "
        "OUTPUT-epochN: early networks that still make mistakes, for the app's Model menu (--push-to-hub "
        "publishes OUTPUT only)",
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
    typed = {name: value for name, value in vars(arguments).items() if name in config_fields() and value is not None}
    try:
        start = recorded_settings(arguments.like) if arguments.like else None
    except ValueError as error:
        parser.error(str(error))
    architecture = start.architecture if start else arguments.architecture or "keras-io"
    if arguments.architecture and arguments.architecture != architecture:
        parser.error(
            f"--like {arguments.like} is a {architecture} network, not --architecture {arguments.architecture}"
        )
    if architecture == "column":
        if arguments.recipe:
            parser.error("--recipe chooses the keras-io network's settings; the column network has its own")
        if arguments.whole_space_sample is not None:
            parser.error("--whole-space-sample is for the keras-io network; evaluate.py --lengths scores a column one")
        if arguments.keep_epochs:
            parser.error("--keep-epochs is for the keras-io network")
    config_class = ARCHITECTURES[architecture]
    own = {field.name for field in config_class.fields()}
    for name in typed:
        if name not in own:
            other = "column" if architecture == "keras-io" else "keras-io"
            parser.error(f"{flag_of(name)} is a setting of the {other} network, not of --architecture {architecture}")
    try:
        start = start or (RECIPES[arguments.recipe or "ours"] if architecture == "keras-io" else ColumnConfig())
        config = start.replace(**typed)
    except ValueError as error:
        parser.error(str(error))
    if arguments.whole_space_sample is None:
        arguments.whole_space_sample = 100_000
    if arguments.private and not arguments.push_to_hub:
        parser.error("--private only makes sense with --push-to-hub")
    if arguments.whole_space_sample < 0:
        parser.error("--whole-space-sample must be 0 or more")
    if arguments.push_to_hub:
        try:
            check_repo_id(arguments.push_to_hub)
        except ValueError as error:
            parser.error(str(error))
    default_name = "addition-column" if architecture == "column" else f"addition-{config.digits}digit"
    arguments.output = arguments.output or f"runs/{default_name}"
    if any(epoch < 1 or epoch > config.epochs for epoch in arguments.keep_epochs):
        parser.error(f"--keep-epochs: each epoch should be from 1 to the run's {config.epochs} epochs")
    try:  # Before training: minutes of work should not end in "cannot write".
        for folder in [arguments.output, *(snapshot_folder(arguments.output, n) for n in arguments.keep_epochs)]:
            check_output_folder(folder, protected=BUNDLED_MODELS, overwrite=arguments.overwrite)
    except ValueError as error:
        parser.error(str(error))
    return arguments, config


def recorded_settings(folder) -> TrainConfig | ColumnConfig:
    """The settings a model folder's addition.json records (the network is not loaded)."""
    from addition.folder_format import check_info, recorded_config
    from addition.loading import read_json

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


def print_epoch_line(record, samples):
    print_epoch(record)


def print_column_epoch(record):
    scores = record["exact_match_by_length"].items()
    lengths = ", ".join(f"{digits_label(label)} {share:.0%}" for label, share in scores)
    print(
        f"epoch {record['epoch']} ({record['seconds']:.0f} s): loss {record['loss']:.5f}, "
        f"held-out whole answers: {lengths}"
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

    if __name__ == "__main__":  # A test calling main() keeps its process's collector as it was.
        import_tensorflow()
    from addition import column_training, training  # noqa: F401  (imports TensorFlow and Keras)

    command = shlex.join(["python", "train.py", *argv])
    on_terminal = sys.stdout.isatty()
    print(f"Training with {config}", flush=True)
    try:
        # Keras's progress bar and the samples on a terminal; in a file or a pipe, one line per epoch.
        verbose = 1 if on_terminal and not arguments.quiet else 0
        if config.architecture == "column":
            from addition.column_training import train_and_save_column

            result, folder, summary = train_and_save_column(
                config,
                arguments.output,
                command=command,
                verbose=verbose,
                on_epoch=None if arguments.quiet else print_column_epoch,
            )
        else:
            from addition.training import train_and_save

            result, folder, summary = train_and_save(
                config,
                arguments.output,
                command=command,
                whole_space_sample=arguments.whole_space_sample,
                verbose=verbose,
                keep_epochs=arguments.keep_epochs,
                on_epoch=None if arguments.quiet else print_epoch if on_terminal else print_epoch_line,
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
