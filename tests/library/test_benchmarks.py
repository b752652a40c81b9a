"""The benchmarks run (in --quick mode, in this interpreter) and report figures that agree with
each other; they measure, so nothing here asserts a time."""

import re

from tests.helpers import run_in_process


def run(module, *args, capsys):
    return run_in_process(f"benchmarks.{module}", args, capsys)


def test_training_benchmark_compares_both_recipes_on_the_same_sums(capsys):
    done = run("train_speed", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("CPU: ")
    rows = {
        match[0]: match
        for match in re.findall(
            r"^\| (keras-io|ours) \| ([\d.]+) s \| .* \| ([\d.]+)% \| ([\d.]+)% \| ([\d,]+) \|$", done.stdout, re.M
        )
    }
    assert set(rows) == {"keras-io", "ours"}
    assert "whole space (all 10,000 sums)" in done.stdout  # Every 2-digit sum, not a sample.
    for _, _, _, whole, wrong in rows.values():
        # The wrong count and the accuracy are the same figure.
        assert abs(int(wrong.replace(",", "")) - (100 - float(whole)) / 100 * 10_000) <= 0.5 + 10_000 * 0.0005 / 100
    keras_io_wall, ours_wall = float(rows["keras-io"][1]), float(rows["ours"][1])
    ratio = float(re.search(r"wall time, keras-io / ours: ([\d.]+)x", done.stdout).group(1))
    # Printed walls are rounded to the second, the ratio to 0.01.
    assert (
        (keras_io_wall - 0.5) / (ours_wall + 0.5) - 0.01
        <= ratio
        <= (keras_io_wall + 0.5) / max(ours_wall - 0.5, 1e-9) + 0.01
    )
    assert re.search(r"ours (beats|never beats) the keras-io recipe's final model on 1,000 random sums", done.stdout)


def test_inference_benchmark_times_the_app_path_beside_every_plain_keras_path(capsys):
    done = run("inference_speed", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("CPU: ")
    rows = {
        name: (float(click), float(search))
        for name, click, search in re.findall(
            r"^\| (app \(Predictor\)|predict_on_batch|tf\.function|tf\.function \+ XLA) \| "
            r"([\d.]+) ms \| ([\d.]+) ms \| [\d,]+ sums/s \|$",
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


def test_reverse_benchmark_prints_every_epoch_for_both_orders(capsys):
    done = run("reverse_input", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| epoch | reversed | reading order |" in done.stdout
    epochs = re.findall(r"^\| (\d+) \| [\d.]+% \| [\d.]+% \|$", done.stdout, re.M)  # Both orders, every epoch.
    assert epochs == ["1", "2"]


def test_the_cells_benchmark_trains_each_cell_on_one_budget(capsys):
    done = run("cells", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    for cell in ("LSTM", "GRU", "SimpleRNN"):
        assert re.search(rf"^\| {cell} \| [\d,]+ \| \d+ s \| [\d.]+% \| [\d.]+% \(all 10,000\) \|$", done.stdout, re.M)


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
