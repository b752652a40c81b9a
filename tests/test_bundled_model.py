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
    assert "by operand lengths: " in done.stdout and "3+3: " in done.stdout
    refused = subprocess.run([sys.executable, "evaluate.py", "/no/such/model"], cwd=ROOT, capture_output=True,
                             text=True, timeout=300)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "is not a model folder" in refused.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("digits", [2, 4, 5])
def test_the_other_bundled_models_score_what_their_folders_and_the_readme_say(digits):
    # The README's table of 2-5 digit results is read from these folders: rescore them with
    # Python's addition as the oracle.
    from addition.pipeline import WHOLE_SPACE_SEED
    from addition.loading import load_model_folder

    from .conftest import ROOT

    loaded = load_model_folder(ROOT / "models" / f"addition-{digits}digit")
    metrics = loaded.info["metrics"]
    assert loaded.codec.digits == digits and loaded.info["command"].startswith("python train.py")
    validation = score(loaded.predictor, loaded.validation_pairs)
    assert validation["exact_match"] == pytest.approx(metrics["validation"]["exact_match"], abs=1e-9)
    whole = metrics["whole_space_sample"]
    pairs = whole_space(digits) if whole["exhaustive"] else sample_whole_space(digits, whole["count"], WHOLE_SPACE_SEED)
    rescored = score(loaded.predictor, pairs)
    assert rescored["exact_match"] == pytest.approx(whole["exact_match"], abs=2e-5)  # float32 ties aside
    readme = (ROOT / "README.md").read_text()
    assert f"{100 * whole['exact_match']:.3f}%" in readme


def test_evaluate_cli_on_the_5_digit_model_samples_and_refuses_huge_samples():
    import subprocess
    import sys

    from .conftest import ROOT

    done = subprocess.run([sys.executable, "evaluate.py", "models/addition-5digit", "--sample", "2000"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2,000 random sums a+b with a, b in 0..99999" in done.stdout and "99999+1 = " in done.stdout
    refused = subprocess.run([sys.executable, "evaluate.py", "--sample", "100000000"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "--sample must be from 0" in refused.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("digits", [2, 3, 4])
def test_bundled_models_add_every_pair_of_1_digit_numbers(digits):
    # The sums people type first, and the ones models trained without --short-sums got wrong.
    from addition.loading import load_model_folder

    from .conftest import ROOT

    loaded = load_model_folder(ROOT / "models" / f"addition-{digits}digit")
    pairs = [(a, b) for a in range(10) for b in range(10)]
    assert [answer.strip() for answer in loaded.predictor.answers(pairs)] == [str(a + b) for a, b in pairs]
