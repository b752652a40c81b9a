"""The bundled models, checked against Python's addition: what people try first (short sums,
carry chains, the app's own examples), the whole space, and what their folders record."""

import numpy as np
import pytest

from addition.data import WHOLE_SPACE_SEED, all_short_sums, sample_whole_space, whole_space
from addition.evaluation import score
from addition.loading import load_model_folder
from demo import add_views
from tests.helpers import COLUMN_MODEL, MODELS_FOLDER, ROOT, run_script

DIGITS = [2, 3, 4, 5]


@pytest.fixture(scope="module", params=DIGITS, ids=lambda digits: f"{digits} digits")
def model(request):
    return load_model_folder(MODELS_FOLDER / f"addition-{request.param}digit")


def wrong(loaded, pairs) -> list[str]:
    pairs = np.asarray(pairs)
    answers = loaded.predictor.answers(pairs)
    return [
        f"{a}+{b} = {answer.strip()}" for (a, b), answer in zip(pairs.tolist(), answers) if answer.strip() != str(a + b)
    ]


def carry_chains(digits: int, count: int = 200, seed: int = 0) -> list[tuple[int, int]]:
    """9…9+1, 1+9…9 and 9…9+9…9 for every length up to ``digits``, and ``count`` random sums
    whose carries run the whole length (the units column makes 10 or more, every other column 9
    or more before its carry); then the shorter chains inside longer operands: 9…9+9…9 for every
    two lengths (999+9999) and 9…9 beside each digit 1 to 9, either way round."""
    chains = []
    for length in range(1, digits + 1):
        nines = 10**length - 1
        chains += [(nines, 1), (1, nines), (nines, nines)]
    rng = np.random.default_rng(seed)
    powers = 10 ** np.arange(digits)
    for _ in range(count):
        a_digits = rng.integers(0, 10, digits)  # Units first.
        a_digits[0] = rng.integers(1, 10)
        low = 9 - a_digits
        low[0] = 10 - a_digits[0]
        b_digits = rng.integers(low, 10)
        chains.append((int(a_digits @ powers), int(b_digits @ powers)))
    nines = [10**length - 1 for length in range(1, digits + 1)]
    chains += [(a, b) for a in nines for b in nines if a != b]
    chains += [pair for a in nines for digit in range(2, 10) for pair in ((a, digit), (digit, a))]
    return chains


def test_every_sum_of_two_numbers_below_100_is_right(model):
    assert wrong(model, all_short_sums(model.codec.digits)) == []


def test_every_carry_chain_is_right(model):
    from addition.data import count_carries

    chains = carry_chains(model.codec.digits)
    full_length = chains[3 * model.codec.digits : 3 * model.codec.digits + 200]
    assert all(count_carries(a, b) == len(str(max(a, b))) for a, b in full_length)
    assert wrong(model, chains) == []


def test_the_apps_examples_are_answered_right(model):
    examples = [tuple(map(int, question.split("+"))) for question in add_views.example_questions(model)]
    assert wrong(model, examples) == []


def test_random_sums_are_right_at_least_99_99_percent_and_as_the_folder_records(model):
    digits = model.codec.digits
    whole = model.info["metrics"]["whole_space_sample"]
    pairs = whole_space(digits) if whole["exhaustive"] else sample_whole_space(digits, whole["count"], WHOLE_SPACE_SEED)
    recorded_wrong = round((1 - whole["exact_match"]) * whole["count"])
    if not whole["exhaustive"]:
        # A quarter of the very sums the folder was scored on: it cannot be wrong on more of them.
        pairs = pairs[: len(pairs) // 4]
    rescored = score(model.predictor, pairs)
    wrong_now = round((1 - rescored["exact_match"]) * rescored["count"])
    assert rescored["exact_match"] >= 0.9999 and rescored["count"] >= min(50_000, 10 ** (2 * digits))
    assert wrong_now <= max(1, rescored["count"] // 100_000)  # At most 1 wrong in 100,000 random sums.
    assert wrong_now <= recorded_wrong + 1  # float32 ties aside
    if whole["exhaustive"]:
        assert rescored["exact_match"] == pytest.approx(whole["exact_match"], abs=2e-5)
    if digits == 3:  # Scored over the whole space: every one of the 1,000,000 sums is right.
        assert whole["exhaustive"] and rescored["count"] == 1_000_000 and rescored["exact_match"] == 1.0
    validation = score(model.predictor, model.validation_pairs)
    assert validation["exact_match"] == pytest.approx(model.info["metrics"]["validation"]["exact_match"], abs=1e-9)
    assert f"{100 * whole['exact_match']:.3f}%" in (ROOT / "README.md").read_text()


def test_each_folder_records_the_command_that_made_it(model):
    command = model.info["command"]
    assert command.startswith("python train.py") and f"--output models/addition-{model.codec.digits}digit" in command
    assert model.info["metrics"]["validation"]["count"] == len(model.validation_pairs)
    assert command in (ROOT / "README.md").read_text()


def test_each_folders_settings_rerun_as_they_ran_with_like(model):
    """``train.py --like FOLDER`` asks for exactly the settings each folder records; the settings
    added since (fresh_questions, zero_pad, interleave) are absent from the older folders: they ran
    without them. The 3-digit folder is today's default training itself."""
    import train
    from addition.config import TrainConfig

    config = train.parse_arguments(["--like", str(MODELS_FOLDER / f"addition-{model.codec.digits}digit")])[1]
    recorded = model.info["training"]
    assert {name: value for name, value in config.to_json().items() if name in recorded} == recorded
    if model.codec.digits == 3:
        assert config == TrainConfig() and model.codec.interleave and model.codec.zero_pad
    else:
        assert config.fresh_questions is False and config.zero_pad is False
        assert "zero_pad" not in model.info and model.codec.zero_pad is False


SNAPSHOTS = (1, 2, 4)


def test_the_early_snapshots_are_the_same_training_still_making_mistakes():
    """models/addition-3digit-epochN: the bundled 3-digit training as it was after epoch N (train.py
    --keep-epochs), each wrong on fewer random sums than the one before, as its folder records."""
    finished = load_model_folder(MODELS_FOLDER / "addition-3digit")
    pairs = sample_whole_space(3, 100_000, seed=1)
    wrong_before = len(pairs)
    readme = (ROOT / "README.md").read_text()
    for epoch in SNAPSHOTS:
        snapshot = load_model_folder(MODELS_FOLDER / f"addition-3digit-epoch{epoch}")
        assert snapshot.info["snapshot_epoch"] == epoch and snapshot.info["command"] == finished.info["command"]
        assert snapshot.history == finished.history[:epoch] and snapshot.info["training"] == finished.info["training"]
        recorded = snapshot.info["metrics"]
        validation = score(snapshot.predictor, snapshot.validation_pairs)["exact_match"]
        assert validation == pytest.approx(recorded["validation"]["exact_match"], abs=1e-9)
        assert validation == pytest.approx(finished.history[epoch - 1]["val_exact_match"], abs=1e-9)
        mistakes = len(wrong(snapshot, pairs))  # Against Python's addition.
        assert 0 < mistakes < wrong_before
        wrong_before = mistakes
        # Scored on all 1,000,000 sums when saved: the sample agrees with it, and the README says it.
        whole = recorded["whole_space_sample"]
        assert whole["exhaustive"] and abs(1 - mistakes / len(pairs) - whole["exact_match"]) < 0.01
        assert f"{100 * whole['exact_match']:.3f}%" in readme


def test_evaluate_cli_scores_a_sample_and_checks_carry_chains(capsys):
    code, out, err = run_script("evaluate", ["--sample", "5000"], capsys)
    assert code == 0, err[-2000:]
    assert "5,000 random sums" in out and f"999+1 = {999 + 1} ☑" in out
    assert "by operand lengths: " in out and "3+3: " in out
    code, out, err = run_script("evaluate", ["/no/such/model"], capsys)
    assert code == 1 and "Traceback" not in err
    assert "is not a model folder" in err.strip().splitlines()[-1]


def test_evaluate_cli_on_the_5_digit_model_samples_and_refuses_huge_samples(capsys):
    code, out, err = run_script("evaluate", [str(MODELS_FOLDER / "addition-5digit"), "--sample", "2000"], capsys)
    assert code == 0, err[-2000:]
    assert "2,000 random sums a+b with a, b in 0..99999" in out and f"99999+1 = {99999 + 1} ☑" in out
    code, out, err = run_script("evaluate", ["--sample", "100000000"], capsys)
    assert code == 2 and "--sample must be from 0" in err.strip().splitlines()[-1]


@pytest.mark.parametrize("flag", ["--random-seed", "--kinds", "--mistakes"])
def test_evaluate_cli_refuses_a_negative_count_or_seed_in_one_line(flag, capsys):
    # A negative seed reached NumPy's generator, which refused it in a traceback.
    code, out, err = run_script("evaluate", [str(COLUMN_MODEL), "--lengths", "5", "--sample", "5", flag, "-1"], capsys)
    assert (
        code == 2
        and "Traceback" not in err
        and err.strip().splitlines()[-1].endswith(f"{flag} must be 0 or more (see --help)")
    )
