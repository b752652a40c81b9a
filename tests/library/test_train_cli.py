"""train.py: one flag per TrainConfig field, defaults that are what runs, and an --output that is
checked before minutes of training."""

import re
import subprocess
import sys

import pytest

import train
from addition.config import KERAS_IO_RECIPE, RECIPES, TrainConfig
from tests.helpers import MODELS_FOLDER, ROOT


def run_train(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "train.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_python_train_py_runs_the_dataclass_defaults():
    arguments, config = train.parse_arguments([])
    assert config == TrainConfig() and RECIPES["ours"] == TrainConfig()


def test_every_setting_is_a_flag_that_overrides_it():
    for field in TrainConfig.fields():
        flag = "--layers" if field.name == "num_layers" else "--" + field.name.replace("_", "-")
        if field.type == "bool":
            value, args = (not field.default), [flag if not field.default else "--no-" + flag[2:]]
        elif field.type == "str":
            choices = {"sampling": "uniform", "schedule": "constant", "cell": "gru"}
            value = choices[field.name]
            args = [flag, value]
        else:
            value = {
                "digits": 4,
                "training_size": 3000,
                "validation_fraction": 0.2,
                "short_sums": 7,
                "hidden_size": 16,
                "num_layers": 2,
                "epochs": 3,
                "batch_size": 64,
                "learning_rate": 0.01,
                "warmup_fraction": 0.0,
                "clipnorm": 2.0,
                "target_accuracy": 0.5,
                "random_seed": 9,
                "steps_per_execution": 4,
            }[field.name]
            args = [flag, str(value)]
            if field.name == "warmup_fraction":
                args += ["--schedule", "cosine"]
        if field.name == "zero_pad":
            args += ["--no-interleave"]  # The columns are the zero-padded places.
        if field.name == "schedule":
            args += ["--warmup-fraction", "0"]  # Warm-up goes with the cosine schedule only.
        config = train.parse_arguments(args)[1]
        assert getattr(config, field.name) == value, field.name


def test_the_keras_io_recipe_is_the_keras_io_example_and_flags_still_override_it():
    config = train.parse_arguments(["--recipe", "keras-io"])[1]
    assert config == KERAS_IO_RECIPE
    assert (config.batch_size, config.learning_rate, config.epochs, config.sampling) == (32, 1e-3, 30, "keras-io")
    assert not config.reverse_answer and not config.swap_operands and config.clipnorm is None
    assert train.parse_arguments(["--recipe", "keras-io", "--reverse-answer"])[1].reverse_answer is True


def test_help_shows_every_default_as_it_runs():
    done = run_train("--help", timeout=60)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for field in TrainConfig.fields():  # A setting the column network shares adds its own: "(default: 64; column: 32)".
        assert re.search(rf"\(default: {re.escape(str(field.default))}[;)]", text), field.name
    clipnorm_help = text.split("--clipnorm CLIPNORM")[-1].split("--")[0]  # Its help, not the usage line.
    assert "(default: 1.0; column: 1.0)" in clipnorm_help and "(0: no clipping)" in clipnorm_help


@pytest.mark.parametrize(
    "output, words",
    [
        ("/proc/addition-model", "cannot write the model folder"),
        (str(MODELS_FOLDER / "addition-2digit"), "is a bundled model: pass --overwrite to replace it"),
        ("README.md", "is a file, not a folder"),
        ("README.md/model", "README.md is a file, not a folder"),
        ("tests", "is a folder with other files in it"),
    ],
)
def test_an_unusable_output_is_refused_before_any_training(output, words):
    done = run_train("--digits", "2", "--training-size", "3000", "--epochs", "1", "--output", output, timeout=60)
    assert done.returncode == 2 and words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Epoch" not in done.stdout


def test_like_reruns_a_folders_recorded_settings_and_flags_still_override_them(tiny_model):
    _, folder = tiny_model
    import json

    recorded = json.loads((folder / "addition.json").read_text())["training"]
    assert train.parse_arguments(["--like", str(folder)])[1].to_json() == recorded
    assert train.parse_arguments(["--like", str(folder), "--epochs", "9"])[1].epochs == 9


@pytest.mark.parametrize(
    "args, words",
    [
        (["--like", "/no/such/folder"], "not a model folder"),
        (["--like", "tests", "--recipe", "keras-io"], "not allowed with argument"),
    ],
)
def test_like_refuses_what_it_cannot_rerun_in_one_line(args, words, capsys):
    with pytest.raises(SystemExit) as stopped:
        train.parse_arguments(args)
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and words in error and len(error.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "folder, setting, value, words",
    [
        ("addition-2digit", "random_seed", 1.5, "random seed must be a whole number, got 1.5"),
        ("addition-2digit", "epochs", 1.5, "epochs must be a whole number, got 1.5"),
        ("addition-2digit", "batch_size", True, "batch size must be a whole number, got True"),  # Not batches of 1.
        ("addition-2digit", "clipnorm", True, "clipnorm must be a number, got True"),
        ("addition-column", "sums_per_epoch", 3000.5, "sums per epoch must be a whole number, got 3000.5"),
    ],
)
def test_like_refuses_recorded_settings_of_the_wrong_kind_in_one_line(tmp_path, capsys, folder, setting, value, words):
    """A folder's settings are JSON from anyone: a half epoch ended a run in a traceback after
    TensorFlow loaded, a batch size of true trained with batches of one."""
    import json
    import shutil

    from tests.helpers import MODELS_FOLDER

    copy = tmp_path / folder
    shutil.copytree(MODELS_FOLDER / folder, copy)
    info = json.loads((copy / "addition.json").read_text())
    info["training"][setting] = value
    (copy / "addition.json").write_text(json.dumps(info))
    test_like_refuses_what_it_cannot_rerun_in_one_line(["--like", str(copy)], words, capsys)


def test_no_clipping_is_zero():
    assert train.parse_arguments(["--clipnorm", "0"])[1].clipnorm is None


def test_a_folder_name_with_a_newline_or_a_terminal_code_is_shown_escaped_on_one_line(tmp_path, capsys):
    """A name is what anyone made it: a newline would print a second error line, an escape code
    would reach the terminal."""
    from tests.helpers import run_script

    odd = tmp_path / "runs\nerror: all fine\x1b[31m"
    for script, args in (("evaluate", [str(odd)]), ("train", ["--like", str(odd)])):
        code, _, err = run_script(script, args, capsys)
        assert code != 0 and len(err.strip().splitlines()) == 1 and "\x1b" not in err
        assert "runs\\nerror: all fine\\x1b[31m" in err
