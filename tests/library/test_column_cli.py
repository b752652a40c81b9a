"""train.py --architecture column: the column network's own defaults, the flags both networks
share, the other network's flags refused in one line, --like a column folder; and evaluate.py
--lengths, per operand length, for both networks. Nothing here trains."""

import json
import re

import pytest

import train
from addition.config import ColumnConfig
from tests.helpers import BUNDLED_MODEL, COLUMN_MODEL, run_script


def test_architecture_column_runs_the_column_networks_own_defaults():
    arguments, config = train.parse_arguments(["--architecture", "column"])
    assert config == ColumnConfig() and arguments.output == "runs/addition-column"
    assert (config.cell, config.hidden_size, config.epochs, config.batch_size) == ("lstm", 32, 20, 64)


def test_shared_and_column_flags_override_its_defaults():
    args = ["--architecture", "column", "--cell", "gru", "--hidden-size", "16", "--layers", "2", "--epochs", "3"]
    args += ["--batch-size", "32", "--learning-rate", "0.02", "--random-seed", "5", "--schedule", "cosine"]
    args += ["--clipnorm", "0", "--max-digits", "8", "--carry-share", "0.25", "--monitor-lengths", "10,30"]
    config = train.parse_arguments(args)[1]
    assert config == ColumnConfig(
        cell="gru",
        hidden_size=16,
        num_layers=2,
        epochs=3,
        batch_size=32,
        learning_rate=0.02,
        random_seed=5,
        schedule="cosine",
        clipnorm=None,
        max_digits=8,
        carry_share=0.25,
        monitor_lengths=(10, 30),
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["--architecture", "column", "--digits", "4"], "--digits is a setting of the keras-io network"),
        (["--architecture", "column", "--no-zero-pad"], "--zero-pad is a setting of the keras-io network"),
        (["--architecture", "column", "--target-accuracy", "0.9"], "--target-accuracy is a setting of the keras-io"),
        (["--architecture", "column", "--recipe", "keras-io"], "--recipe chooses the keras-io network's settings"),
        (["--architecture", "column", "--whole-space-sample", "10"], "--whole-space-sample is for the keras-io"),
        (["--max-digits", "8"], "--max-digits is a setting of the column network, not of --architecture keras-io"),
        (
            ["--like", str(COLUMN_MODEL), "--architecture", "keras-io"],
            "is a column network, not --architecture keras-io",
        ),
        (["--like", str(COLUMN_MODEL), "--digits", "4"], "--digits is a setting of the keras-io network"),
        (["--architecture", "column", "--monitor-lengths", "ten"], "is not a comma-separated list"),
        (["--architecture", "column", "--min-digits", "30"], "min digits <= max digits"),
        (["--architecture", "transformer"], "invalid choice"),
    ],
)
def test_what_makes_no_sense_for_the_network_is_refused_in_one_line(args, words, capsys):
    with pytest.raises(SystemExit) as stopped:
        train.parse_arguments(args)
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and words in error and len(error.strip().splitlines()) == 1


def test_like_reruns_a_column_folder_as_it_ran_and_flags_still_override_it():
    recorded = json.loads((COLUMN_MODEL / "addition.json").read_text())["training"]
    config = train.parse_arguments(["--like", str(COLUMN_MODEL)])[1]
    assert isinstance(config, ColumnConfig) and config.to_json() == recorded
    assert train.parse_arguments(["--like", str(COLUMN_MODEL), "--epochs", "9"])[1].epochs == 9
    assert train.parse_arguments(["--like", str(COLUMN_MODEL), "--architecture", "column"])[1] == config


def test_help_groups_the_flags_by_network_and_shows_both_defaults(capsys):
    with pytest.raises(SystemExit):
        train.parse_arguments(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for group in ("settings of both networks", "the keras-io network's settings", "the column network's settings"):
        assert group in text
    assert "(default: 1337; column: 1)" in text and "(default: 10,30,100,1000)" in text


def test_evaluate_prints_whole_answers_per_length_for_a_column_folder(capsys):
    code, out, err = run_script("evaluate", [str(COLUMN_MODEL), "--lengths", "5,20,4301", "--sample", "5"], capsys)
    assert code == 0, err
    rows = re.findall(r"^  ([\d,]+) digits: whole answers ([\d.]+)% \((\d+) wrong of 5\)", out, re.M)
    assert [(length, wrong) for length, _, wrong in rows] == [("5", "0"), ("20", "0"), ("4,301", "0")]
    assert out.count("9…9+1, 1+9…9, 9…9+9…9: 3 of 3 right") == 3


def test_evaluate_lengths_reads_a_keras_io_folder_within_its_width_and_refuses_beyond(capsys):
    code, out, _ = run_script("evaluate", [str(BUNDLED_MODEL), "--lengths", "2,3", "--sample", "50"], capsys)
    assert code == 0 and re.search(r"^  3 digits: whole answers [\d.]+% \(\d+ wrong of 50\)", out, re.M)
    code, _, err = run_script("evaluate", [str(BUNDLED_MODEL), "--lengths", "20"], capsys)
    assert code == 1 and "reads operands of at most 3 digits" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_script("evaluate", [str(BUNDLED_MODEL), "--targets", "quick"], capsys)
    assert code == 1 and "--targets is for a column network" in err
