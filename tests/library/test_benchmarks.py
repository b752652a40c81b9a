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
    rows = {match[0]: match for match in re.findall(
        r"^\| (seed|ours) \| ([\d.]+) s \| .* \| ([\d.]+)% \| ([\d.]+)% \| ([\d,]+) \|$", done.stdout, re.M)}
    assert set(rows) == {"seed", "ours"}
    assert "whole space (all 10,000 sums)" in done.stdout  # Every 2-digit sum, not a sample.
    for _, wall, _, whole, wrong in rows.values():
        # The wrong count and the accuracy are the same figure.
        assert abs(int(wrong.replace(",", "")) - (100 - float(whole)) / 100 * 10_000) <= 0.5 + 10_000 * 0.0005 / 100
    seed_wall, ours_wall = float(rows["seed"][1]), float(rows["ours"][1])
    ratio = float(re.search(r"wall time, seed / ours: ([\d.]+)x", done.stdout).group(1))
    # Printed walls are rounded to the second, the ratio to 0.01.
    assert (seed_wall - 0.5) / (ours_wall + 0.5) - 0.01 <= ratio <= (seed_wall + 0.5) / max(ours_wall - 0.5, 1e-9) + 0.01
    assert re.search(r"ours (beats|never beats) the seed's final model on 1,000 random sums", done.stdout)


def test_inference_benchmark_times_the_app_path_beside_every_plain_keras_path(capsys):
    done = run("inference_speed", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("CPU: ")
    rows = {name: (float(click), float(search)) for name, click, search in re.findall(
        r"^\| (app \(Predictor\)|predict_on_batch|tf\.function|tf\.function \+ XLA) \| ([\d.]+) ms \| ([\d.]+) ms \| "
        r"[\d,]+ sums/s \|$", done.stdout, re.M)}
    assert set(rows) == {"app (Predictor)", "predict_on_batch", "tf.function", "tf.function + XLA"}
    keras = [name for name in rows if name != "app (Predictor)"]
    for task, column in (("one sum per click", 0), ("mistakes search", 1)):
        ratio, best = re.search(rf"app path vs the best plain Keras, {task}: ([\d.]+)x \(best: (.+)\)",
                                done.stdout).groups()
        assert rows[best][column] == min(rows[name][column] for name in keras)
        expected = rows[best][column] / rows["app (Predictor)"][column]
        assert abs(float(ratio) - expected) <= 0.05 * expected + 0.05  # The table's figures are rounded.


def test_reverse_benchmark_prints_every_epoch_for_both_orders(capsys):
    done = run("reverse_input", "--quick", capsys=capsys)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| epoch | reversed | reading order |" in done.stdout
    assert re.search(r"^\| 1 \| [\d.]+% \| [\d.]+% \|$", done.stdout, re.M)


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



def test_train_tab_benchmark_trains_the_previous_defaults_as_they_ran():
    from demo.train_settings import DEFAULTS, TAB_RECIPES
    from benchmarks.train_tab_defaults import PREVIOUS_DEFAULTS, PREVIOUS_RECIPE, tab_config

    # The baseline keeps the space-padded, mixed recipe it was measured with, whatever the tab's is now.
    previous = tab_config(PREVIOUS_DEFAULTS, PREVIOUS_RECIPE)
    assert (previous.zero_pad, previous.sampling, previous.learning_rate) == (False, "mixed", 6e-3)
    assert (previous.hidden_size, previous.epochs, previous.batch_size, previous.digits) == (128, 30, 64, 2)
    today = tab_config(DEFAULTS)
    assert today == TAB_RECIPES["tab"].replace(**{field: getattr(today, field) for field in
                                                  ("digits", "training_size", "hidden_size", "epochs", "batch_size",
                                                   "short_sums")})
    assert today.zero_pad and today.sampling == "carries"
