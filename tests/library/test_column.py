"""The column network (addition.column) against Python's own addition: the encoding at every
length (past Python's 4,300-digit limit too), shapes for any length, the typed sum the app
reads, the bundled model's answers, and bad input refused in words. Each test takes seconds."""

import sys

import numpy as np
import pytest

from addition import column, column_data
from addition.column import ColumnCodec, ColumnPredictor
from addition.loading import load_model_folder
from tests.helpers import COLUMN_MODEL

# Lengths around the interesting places: one digit, the training lengths, and past Python's
# 4,300-digit limit on int <-> str conversion.
LENGTHS = [1, 2, 9, 10, 20, 21, 100, 1_000, 4_300, 4_301, 10_000]


@pytest.fixture(scope="module")
def bundled_column():
    return load_model_folder(COLUMN_MODEL)


def one_hot_answers(totals: list[str], steps: int) -> np.ndarray:
    """The 'probabilities' (sums, steps, 10) of a network that is always right and sure."""
    digits = np.stack([column.units_first(total.zfill(steps)) for total in totals])
    return np.eye(column.DIGITS, dtype=np.float32)[digits]


@pytest.mark.parametrize("length", LENGTHS)
def test_encoding_holds_each_column_and_decoding_gives_pythons_sum(length):
    rng = np.random.default_rng(length)
    pairs = column_data.random_sums(rng, length, 3) + [("9" * length, "1"), ("7", "9" * length)]
    with column.unlimited_int_digits():
        as_ints = [(int(a), int(b)) for a, b in pairs]
        expected = [str(a + b) for a, b in as_ints]
    for given in (pairs, as_ints):  # Digit strings and Python ints encode the same.
        x = column.encode_sums(given)
        assert x.shape == (len(pairs), length + 1, column.INPUT_FEATURES) and x.dtype == np.float32
        assert np.all(x.sum(axis=-1) == 2)  # One digit of each operand per step.
        for row, (a, b) in enumerate(pairs):
            first, second = x[row, :, :10].argmax(-1), x[row, :, 10:].argmax(-1)
            assert "".join(map(str, first[::-1])).lstrip("0") == a.lstrip("0")  # Units first.
            assert "".join(map(str, second[::-1])).lstrip("0") == b.lstrip("0")
    assert column.python_sums(pairs) == expected
    assert column.decode_answers(one_hot_answers(expected, length + 1)) == expected


def test_the_worked_example_from_the_docstring():
    x = column.encode_sums([(47, 985)])
    assert x[0, :, :10].argmax(-1).tolist() == [7, 4, 0, 0]
    assert x[0, :, 10:].argmax(-1).tolist() == [5, 8, 9, 0]
    assert column.decode_answers(np.eye(10)[[[2, 3, 0, 1]]]) == ["1032"]
    assert column.decode_answers(np.eye(10)[[[0, 0, 0]]]) == ["0"]  # Leading zeros dropped, not 0 itself.


def test_the_int_limit_is_lifted_only_inside_the_block():
    before = sys.get_int_max_str_digits()
    with column.unlimited_int_digits():
        assert len(str(10**5_000)) == 5_001
    assert sys.get_int_max_str_digits() == before
    assert column.operand_text(10**5_000) == "1" + "0" * 5_000  # No ValueError from Python's limit.


def test_column_addition_of_training_sums_matches_python():
    rng = np.random.default_rng(0)
    first, second = column_data.draw_training_sums(rng, 2_000, 1, 30, carry_share=0.5, runs_share=0.5)
    a, b = column.digits_to_text(first), column.digits_to_text(second)
    assert column.digits_to_text(column_data.sum_columns(first, second)) == column.python_sums(zip(a, b))
    lengths = [len(text) for text in a + b]
    assert max(lengths) == 30 and min(lengths) == 1


def longest_run(mask: np.ndarray) -> np.ndarray:
    """Per row, the most True columns in a row."""
    best = run = np.zeros(len(mask), int)
    for step in range(mask.shape[1]):
        run = np.where(mask[:, step], run + 1, 0)
        best = np.maximum(best, run)
    return best


def test_carry_heavy_sums_hold_long_carry_chains_and_runs_of_one_column():
    rng = np.random.default_rng(1)
    nines = column_data.draw_training_sums(rng, 2_000, 20, 20, carry_share=1.0, runs_share=0.0)
    runs = column_data.draw_training_sums(rng, 2_000, 20, 20, carry_share=1.0, runs_share=1.0)
    plain = column_data.draw_training_sums(rng, 2_000, 20, 20, carry_share=0.0, runs_share=0.0)

    def chain(first, second):  # Columns in a row whose digits add to 9: a carry passes them all.
        return longest_run((first.astype(int) + second) == 9)

    def repeated(first, second):  # Columns in a row that repeat the column below.
        same = (first[:, 1:] == first[:, :-1]) & (second[:, 1:] == second[:, :-1])
        return longest_run(same[:, :-1]) + 1  # The top column is 0+0 in every sum: left out.

    assert (chain(*nines) >= 10).mean() > 0.1 and (chain(*plain) >= 10).mean() < 0.01
    assert (repeated(*runs) >= 10).mean() > 0.1 and (repeated(*plain) >= 10).mean() < 0.01


def test_the_judged_kinds_of_sums_are_what_they_say():
    rng = np.random.default_rng(2)
    for a, b in column_data.carry_run_sums(rng, 50, 100):
        assert len(a) == len(b) == 100
        total = column.python_sums([(a, b)])[0]
        assert len(total) == 101 and total[0] == "1"  # The carry out of the units reaches the top.
    lengths = {len(text) for pair in column_data.mixed_sums(rng, 500, 100) for text in pair}
    assert min(lengths) == 1 and max(lengths) == 100


@pytest.mark.parametrize("cell", ["lstm", "gru", "simplernn"])
def test_one_model_reads_sums_of_any_length(cell):
    predictor = ColumnPredictor(column.build_column_model(cell=cell, hidden_size=4, num_layers=2))
    for pairs in ([(1, 2)], [(123, 4), (5, 6), (7, 8)], [("9" * 4_301, "1")]):
        probabilities = predictor.probabilities(pairs)
        steps = max(len(str(operand)) for pair in pairs for operand in pair) + 1
        assert probabilities.shape == (len(pairs), steps, column.DIGITS)
        assert np.allclose(probabilities.sum(axis=-1), 1, atol=1e-5)
    assert len(predictor.answers([(1, 2), ("123", "4"), ("9" * 5_000, "1")])) == 3


def test_a_sum_answered_beside_longer_ones_gets_the_answer_it_gets_alone():
    """An untrained network writes digits in the padding columns above a short sum; they are not
    its answer, which has at most one digit more than its longer operand."""
    import keras

    keras.utils.set_random_seed(3)
    predictor = ColumnPredictor(column.build_column_model(hidden_size=8))
    pairs = [(99, 73), (5, 6), ("1" * 30, "2"), (123, 4567), ("9" * 300, "9")]
    together = predictor.answers(pairs)
    assert together == [predictor.answers([pair])[0] for pair in pairs]
    assert all(len(answer) <= max(len(str(a)), len(str(b))) + 1 for answer, (a, b) in zip(together, pairs))


def test_the_bundled_model_adds_like_python_at_every_length(bundled_column):
    rng = np.random.default_rng(7)
    pairs = [pair for length in LENGTHS for pair in column_data.random_sums(rng, length, 2)]
    pairs += [pair for length in LENGTHS for pair in column_data.chain_sums(length)]
    pairs += [(0, 0), (5, 5), (47, 985), (10**5_000, 1)]  # A Python int past the 4,300-digit limit.
    assert bundled_column.predictor.answers(pairs) == column.python_sums(pairs)


def test_a_typed_sum_is_read_up_to_the_apps_limit_and_refused_in_words_beyond():
    codec = ColumnCodec()
    assert codec.parse_question(" 47 + 985 ") == (47, 985)
    assert codec.parse_question("9" * 1_000 + "+1") == (10**1_000 - 1, 1)
    assert codec.parse_question("0" * 10 + "5+5") == (5, 5)  # Leading zeros are no digits.
    with pytest.raises(
        ValueError,
        match="^The first number has 1,001 digits. This model adds two whole numbers of up to 1,000 digits each",
    ):
        codec.parse_question("1" * 1_001 + "+1")
    for text, words in [("12-3", "Negative numbers"), ("1+2+3", "exactly two"), ("", "Please type a sum")]:
        with pytest.raises(ValueError, match=words):
            codec.parse_question(text)
    with pytest.raises(ValueError, match="at most 4,000"):
        ColumnCodec(digits=5_000)


def test_describe_answer_gives_reading_order_probabilities_and_pythons_sum(bundled_column):
    shown = column.describe_answer(bundled_column.predictor, 47, 985)
    assert shown["model_answer"] == shown["true_answer"] == "1032" and shown["correct"]
    assert shown["places"] == [3, 2, 1, 0] and len(shown["probabilities"]) == 4
    assert [int(np.argmax(row)) for row in shown["probabilities"]] == [1, 0, 3, 2]
    chance = np.prod([max(row) for row in shown["probabilities"]])  # Of the whole answer, to 6 places as documented.
    assert shown["confidence"] == pytest.approx(chance, abs=1e-5) and shown["confidence"] == round(
        shown["confidence"], 6
    )
    long = column.describe_answer(bundled_column.predictor, "9" * 4_500, "1")
    assert long["true_answer"] == "1" + "0" * 4_500 and len(long["probabilities"]) == 4_501


@pytest.mark.parametrize(
    "pairs, words",
    [
        ([("12a", "3")], "only the digits 0-9"),
        ([("١٢", "3")], "only the digits 0-9"),  # Arabic-Indic digits: digits to str.isdigit, not to us.
        ([(-5, 3)], "0 or more"),
        ([("", "3")], "at least one digit"),
        ([(1.5, 3)], "whole number or a string of digits"),
        ([(True, 3)], "whole number or a string of digits"),
        ([("1" * (column.MAX_OPERAND_DIGITS + 1), "3")], "at most"),
        ([(10 ** (column.MAX_OPERAND_DIGITS + 5), 3)], "at most"),
        ([(1, 2, 3)], "a pair"),
        (["12"], "a pair"),
        ([], "no sums"),
    ],
)
def test_bad_sums_are_refused_in_words(pairs, words):
    with pytest.raises(ValueError, match=words):
        column.encode_sums(pairs)


def test_bad_settings_are_refused_in_words():
    from addition.config import ColumnConfig

    with pytest.raises(ValueError, match="at least 4 steps"):
        column.encode_sums([(123, 4)], steps=2)
    with pytest.raises(ValueError, match="cell must be one of"):
        column.build_column_model(cell="transformer")
    with pytest.raises(ValueError, match="hidden_size must be a whole number"):
        column.build_column_model(hidden_size=0)
    with pytest.raises(ValueError, match="min digits <= max digits"):
        ColumnConfig(min_digits=5, max_digits=3)
    with pytest.raises(ValueError, match="carry share"):
        ColumnConfig(carry_share=1.5)
    for lengths in [(10, 10), (10, True), [10, 0], (2.5,)]:  # A repeat, JSON's true, no digits, a fraction.
        with pytest.raises(ValueError, match="monitor lengths must be distinct whole numbers"):
            ColumnConfig(monitor_lengths=lengths)
    with pytest.raises(ValueError, match="shape"):
        column.decode_answers(np.zeros((2, 3)))


def test_a_long_number_is_shown_by_its_ends_and_its_length():
    from addition.column import shortened

    huge = 10**5000 + 7  # Past Python's own limit for printing an int.
    assert shortened(huge) == "100000000000…000000000007 (5,001 digits)"
    with column.unlimited_int_digits():
        digits = str(huge)
    assert shortened(digits, keep=3) == "100…007 (5,001 digits)"
    assert shortened(12345) == 12345 and shortened("9" * 30) == "9" * 30  # Short ones as they are,
    assert shortened("9" * 31) == "999999999999…999999999999 (31 digits)"  # a digit more is not.
    assert shortened("(no answer)" * 9) == "(no answer)" * 9  # Text that is not a number.
