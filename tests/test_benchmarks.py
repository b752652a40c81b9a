"""The benchmarks run (in --quick mode); they measure, so nothing here asserts a time."""

import subprocess
import sys

from .conftest import ROOT


def run(script, *args):
    return subprocess.run([sys.executable, f"benchmarks/{script}", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_training_benchmark_quick_mode_prints_both_recipes():
    done = run("train_speed.py", "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| seed |" in done.stdout and "| fast |" in done.stdout
    assert "wall time, seed / fast:" in done.stdout
    assert "the seed's final model on 1,000 random sums" in done.stdout


def test_inference_benchmark_quick_mode_prints_ratios():
    done = run("inference_speed.py", "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "questions/s" in done.stdout and "faster" in done.stdout


def test_reverse_benchmark_quick_mode_prints_both_orders():
    done = run("reverse_input.py", "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| epoch | reversed | reading order |" in done.stdout
