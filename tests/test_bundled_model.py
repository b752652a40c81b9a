"""The bundled 3-digit model, checked against Python's addition."""

import pytest

from addition.data import sample_whole_space, whole_space
from addition.evaluation import score

CARRY_CHAINS = [(999, 1), (1, 999), (999, 999), (500, 500), (998, 1), (1, 998), (999, 0), (0, 0), (555, 445),
                (99, 901), (901, 99), (499, 501)]


def test_exact_match_on_2000_random_sums_is_at_least_99_5_percent(bundled):
    pairs = sample_whole_space(3, 2_000, seed=2_000)
    assert score(bundled.predictor, pairs)["exact_match"] >= 0.995


@pytest.mark.parametrize("a, b", CARRY_CHAINS)
def test_carry_chains_are_right(bundled, a, b):
    assert bundled.predictor.answers([(a, b)])[0].strip() == str(a + b)


def test_whole_space_at_most_one_wrong_in_10000(bundled):
    result = score(bundled.predictor, whole_space(3))  # All 1,000,000 ordered pairs.
    assert result["count"] == 1_000_000
    assert result["exact_match"] >= 0.9999


def test_the_folder_records_how_it_was_trained(bundled):
    assert bundled.info["command"].startswith("python train.py")
    assert bundled.info["training"]["digits"] == 3
    assert bundled.info["metrics"]["validation"]["count"] == len(bundled.validation_pairs)


def test_evaluate_cli_scores_a_sample_and_checks_carry_chains():
    import subprocess
    import sys

    from .conftest import ROOT

    done = subprocess.run([sys.executable, "evaluate.py", "--sample", "5000"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "5,000 random sums" in done.stdout and "999+1 = 1000 ☑" in done.stdout
    refused = subprocess.run([sys.executable, "evaluate.py", "/no/such/model"], cwd=ROOT, capture_output=True,
                             text=True, timeout=300)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "neither a model folder nor" in refused.stderr.strip().splitlines()[-1]
