"""The benchmarks run (in --quick mode, in this interpreter) and report figures that agree with
each other; they measure, so nothing here asserts a time. The Inside survey's mask of what column
addition depends on is checked against addition itself."""

import re

import numpy as np
import pytest

from addition import Codec, inside
from addition.data import sample_whole_space
from benchmarks.inside_survey import should_depend
from tests.helpers import run_in_process


def run(module, *args, capsys):
    return run_in_process(f"benchmarks.{module}", args, capsys)


def test_training_benchmark_runs_train_py_as_processes_and_scores_every_sum(capsys):
    done = run("train_speed", "--quick", "--seeds", "1337", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("CPU: ")
    rows = re.findall(r"^\| (keras-io|ours) \| (\d+) \| ([\d.]+) s \| ([\d,]+) \| (.*) \|$", done.stdout, re.M)
    assert [(recipe, seed) for recipe, seed, *_ in rows] == [("keras-io", "1337"), ("ours", "1337")]
    assert "wrong of all 10,000 sums" in done.stdout  # Every 2-digit sum, not a sample.
    for _, _, _, wrong, shown in rows:
        # The sums listed as wrong are wrong, by Python's addition, and there are as many as counted (up to 5).
        listed = re.findall(r"model says (\d+)\+(\d+) = (\S+), true (\d+)", shown)
        assert len(listed) == min(int(wrong.replace(",", "")), 5)
        for a, b, answer, true in listed:
            assert int(true) == int(a) + int(b) and answer != true
    walls = {(recipe, seed): float(wall) for recipe, seed, wall, *_ in rows}
    ratio = float(re.search(r"wall time, keras-io / ours \(seed 1337\): ([\d.]+)x", done.stdout).group(1))
    expected = walls["keras-io", "1337"] / walls["ours", "1337"]
    assert abs(ratio - expected) <= 0.02 * expected  # The table's walls are rounded to 0.1 s.
    assert "(slowest seed, 1337)" in done.stdout
    perfect = sum(wrong == "0" for recipe, _, _, wrong, _ in rows if recipe == "ours")
    assert f"ours right on all 10,000 sums: {perfect} of 1 random seed\n" in done.stdout


def test_inference_benchmark_times_the_app_path_beside_every_plain_keras_path(capsys):
    done = run("inference_speed", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("CPU: ")
    rows = {
        name: (float(click), float(search), float(memory))
        for name, click, search, memory in re.findall(
            r"^\| (app \(Predictor\)|predict_on_batch|tf\.function|tf\.function \+ XLA) \| "
            r"([\d.]+) ms \| ([\d.]+) ms \| [\d,]+ sums/s \| ([\d.]+) MB \|$",
            done.stdout,
            re.M,
        )
    }
    assert set(rows) == {"app (Predictor)", "predict_on_batch", "tf.function", "tf.function + XLA"}
    keras = [name for name in rows if name != "app (Predictor)"]
    for task, column in (("one sum per click", 0), ("mistakes search", 1)):
        ratio, best = re.search(
            rf"app path vs the best plain Keras, {task}: ([\d.]+)x \(best: (.+)\)", done.stdout
        ).groups()
        assert rows[best][column] == min(rows[name][column] for name in keras)
        expected = rows[best][column] / rows["app (Predictor)"][column]
        assert abs(float(ratio) - expected) <= 0.05 * expected + 0.05  # The table's figures are rounded.
    ratio, least = re.search(
        r"app path vs the best plain Keras, memory for [\d,]+ sums: ([\d.]+)x less \(best: (.+)\)", done.stdout
    ).groups()
    assert rows[least][2] == min(rows[name][2] for name in keras) and rows["app (Predictor)"][2] > 0
    expected = rows[least][2] / rows["app (Predictor)"][2]
    assert abs(float(ratio) - expected) <= 0.05 * expected + 0.05


def test_reverse_benchmark_prints_every_epoch_for_both_orders(capsys):
    done = run("reverse_input", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| epoch | reversed | reading order |" in done.stdout
    epochs = re.findall(r"^\| (\d+) \| [\d.]+% \| [\d.]+% \|$", done.stdout, re.M)  # Both orders, every epoch.
    assert epochs == ["1", "2"]


def test_the_cells_benchmark_trains_each_cell_on_one_budget(capsys):
    done = run("cells", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    (epochs,) = re.findall(r"^2 digits, 600 questions, (\d+) epochs, batch \d+, 16 units$", done.stdout, re.M)
    rows = re.findall(
        r"^\| (\w+) \| ([\d,]+) \| (\d+) \| \d+ s \| [\d.]+% \| [\d.]+% \(all 10,000\) \|$", done.stdout, re.M
    )
    assert [cell for cell, *_ in rows] == ["LSTM", "GRU", "SimpleRNN"]
    assert all(ran == epochs for *_, ran in rows)  # One budget: every cell ran the epochs the budget line gives.
    lstm, gru, simple = (int(parameters.replace(",", "")) for _, parameters, _ in rows)
    assert lstm > gru > simple  # Four gates' weights, three, one.


def test_the_explain_benchmark_puts_one_explained_sum_beside_one_answer(capsys):
    done = run("explain_speed", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    explain = float(re.search(r"explain\(\) for one sum: median ([\d.]+) ms", done.stdout).group(1))
    answer = float(re.search(r"one answer through Predictor: median ([\d.]+) ms", done.stdout).group(1))
    ratio = float(re.search(r"ratio: explain\(\) takes ([\d.]+)x one plain answer", done.stdout).group(1))
    assert abs(ratio - explain / answer) <= 0.05 * ratio + 0.1  # The printed times are rounded.
    assert "carry units and probe" in done.stdout


def test_train_tab_benchmark_puts_the_tabs_defaults_beside_the_keras_io_recipe_on_the_same_task():
    from addition.config import KERAS_IO_RECIPE
    from benchmarks.train_tab_defaults import KERAS_IO_SETTINGS, tab_config
    from demo.train_settings import DEFAULTS, TAB_RECIPES

    baseline, today = tab_config(KERAS_IO_SETTINGS), tab_config(DEFAULTS)
    task = ("digits", "training_size")
    assert [getattr(baseline, name) for name in task] == [getattr(today, name) for name in task]
    assert baseline == KERAS_IO_RECIPE.replace(
        digits=baseline.digits, training_size=baseline.training_size, short_sums=baseline.short_sums
    )
    assert today == TAB_RECIPES["ours"].replace(
        **{
            field: getattr(today, field)
            for field in ("digits", "training_size", "hidden_size", "epochs", "batch_size", "short_sums")
        }
    )


@pytest.mark.parametrize("reverse", [True, False])
def test_addition_changes_an_answer_digit_only_along_its_carry_chain(reverse):
    # Space-padded: a zero-padded question's leading zero set to 1 also turns the answer's padding
    # into a digit, which the structure of column addition does not describe.
    codec = Codec(digits=3, reverse=reverse, reverse_answer=True, zero_pad=False, interleave=False)
    for a, b in sample_whole_space(codec.digits, 300, 20).tolist() + [(999, 1), (12, 30), (0, 0)]:
        oracle, mask = inside.oracle_counterfactual(codec, a, b), should_depend(codec, a, b)
        assert not (np.nan_to_num(oracle) > 0)[~mask].any(), f"{a}+{b}"
        units_row = mask[-1]  # The units digit: the two units digits only.
        assert [column["place"] == 0 for column in inside.question_columns(codec, a, b)] == units_row.tolist()


def test_a_digit_that_cannot_make_its_column_carry_is_masked_but_never_changes_the_answer():
    codec = Codec(digits=2, reverse_answer=True, zero_pad=False, interleave=False)
    oracle, mask = inside.oracle_counterfactual(codec, 12, 30), should_depend(codec, 12, 30)
    tens_row, units_of_a = 1, 1  # " 42": tens is row 1; "12+30": a's units digit is column 1.
    assert mask[tens_row, units_of_a] and oracle[tens_row, units_of_a] == 0
