"""Sums for the column network: fresh carry-heavy ones to train on, and the kinds it is judged on.

Numbers are digit arrays (sums, steps), units first, as ``addition.column`` encodes them, or digit
strings; never Python ints, which print only up to 4,300 digits. Every function takes a seeded
``numpy`` generator, so the same seed draws the same sums.
"""

from __future__ import annotations

import numpy as np

from .column import DIGITS, digits_to_text

NINE = DIGITS - 1


def random_operands(rng: np.random.Generator, lengths, steps: int) -> np.ndarray:
    """Random numbers with the given digit counts as digit arrays (sums, steps), units first:
    uniform digits, a leading digit of 1-9 (0-9 for one digit: 0 is a number too), zeros above."""
    lengths = np.asarray(lengths)
    if lengths.min() < 1 or lengths.max() >= steps:
        raise ValueError(f"operand lengths must be from 1 to {steps - 1} for {steps} steps")
    digits = rng.integers(0, DIGITS, size=(len(lengths), steps), dtype=np.uint8)
    rows = np.arange(len(lengths))
    leading = rng.integers(1, DIGITS, size=len(lengths), dtype=np.uint8)
    digits[rows, lengths - 1] = np.where(lengths == 1, digits[rows, 0], leading)
    digits[np.arange(steps)[None, :] >= lengths[:, None]] = 0
    return digits


def carries_into(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The carry into each column (sums, steps), 0 or 1, units first: 0 into the units."""
    carries = np.zeros(first.shape, np.int64)
    for step in range(1, first.shape[1]):
        carries[:, step] = (first[:, step - 1].astype(np.int64) + second[:, step - 1] + carries[:, step - 1]) >= DIGITS
    return carries


def sum_columns(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The answer digits (sums, steps), units first, by column addition with carries.

    Training labels millions of random sums with it, quickly; judging a model uses Python's
    ``+`` instead (``addition.column.python_sums``), so that a score rests on no code of ours."""
    columns = first.astype(np.int64) + second + carries_into(first, second)
    if (columns[:, -1] >= DIGITS).any():
        raise ValueError("the last step carried a one: give the sums one step more than their longer operand")
    return columns % DIGITS


def draw_training_sums(
    rng: np.random.Generator, count: int, min_digits: int, max_digits: int, carry_share: float, runs_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random sums as two digit arrays (count, max_digits + 1), units first.

    Each operand's length is uniform in ``min_digits..max_digits``, so short and long sums are
    as common. In random sums a carry rarely travels far: it passes a column only when that
    column's digits add to 9 (one column in ten), so a chain of 10 such columns comes up once in
    ten billion columns. Yet 9…9+1 is nothing but such a chain, and a network that never met one
    forgets its carry. So a ``carry_share`` of the sums are carry-heavy, in one of two ways
    (``runs_share`` of them the second):

    - nines: each column is made to add to 9, with a chance drawn for that sum uniformly from 0
      to 1, so that carries run through chains of every length, whatever the digits (4+5, 0+9,
      or a 9 above the end of the shorter number);
    - runs: each column repeats the column below it, with such a chance, so that one column
      comes many times in a row: 9…9+9…9 (a carry made again and again), 9…9 above a shorter
      number, 3…3+6…6. Fed the same column again and again, the network's state settles where
      that column takes it; if it has only seen short runs, it may settle in the wrong place.
    """
    if not 1 <= min_digits <= max_digits:
        raise ValueError(f"operand lengths must satisfy 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}")
    if not (0 <= carry_share <= 1 and 0 <= runs_share <= 1):
        raise ValueError(f"carry_share and runs_share must be from 0 to 1, got {carry_share}, {runs_share}")
    steps = max_digits + 1
    first = random_operands(rng, rng.integers(min_digits, max_digits + 1, size=count), steps)
    second = random_operands(rng, rng.integers(min_digits, max_digits + 1, size=count), steps)
    heavy = rng.random(count) < carry_share
    runs = heavy & (rng.random(count) < runs_share)
    picked = rng.random((count, steps)) < rng.random(count)[:, None]  # Each sum's own chance.
    nines, repeats = picked & (heavy & ~runs)[:, None], picked & runs[:, None]
    # Nines: where both operands have digits, the second becomes 9 minus the first; where only
    # one does, that digit becomes a 9. (A leading digit made 0 just makes that operand shorter.)
    columns = np.arange(steps)[None, :]
    in_first, in_second = columns < lengths_of(first)[:, None], columns < lengths_of(second)[:, None]
    second = np.where(nines & in_first & in_second, NINE - first, second).astype(np.uint8)
    first = np.where(nines & in_first & ~in_second, NINE, first).astype(np.uint8)
    second = np.where(nines & in_second & ~in_first, NINE, second).astype(np.uint8)
    # Runs: a repeated column copies each operand's digit below, within that operand's length.
    for operand in (first, second):
        length = lengths_of(operand)
        for step in range(1, steps):
            copy = repeats[:, step] & (step < length)
            operand[:, step] = np.where(copy, operand[:, step - 1], operand[:, step])
    return first, second


def lengths_of(digits: np.ndarray) -> np.ndarray:
    """How many digits each number has, leading zeros aside (0 counts as one digit)."""
    nonzero = digits != 0
    last = digits.shape[1] - 1 - np.argmax(nonzero[:, ::-1], axis=1)
    return np.where(nonzero.any(axis=1), last + 1, 1)


# Sums to judge a model by, as digit strings.
def random_sums(rng: np.random.Generator, length: int, count: int) -> list[tuple[str, str]]:
    """``count`` sums of two random ``length``-digit numbers."""
    lengths = np.full(count, length)
    first, second = (digits_to_text(random_operands(rng, lengths, length + 1)) for _ in range(2))
    return list(zip(first, second))


def mixed_sums(rng: np.random.Generator, count: int, max_digits: int) -> list[tuple[str, str]]:
    """Sums whose two operands each have a random length from 1 to ``max_digits``."""
    lengths = rng.integers(1, max_digits + 1, size=(count, 2))
    first = digits_to_text(random_operands(rng, lengths[:, 0], max_digits + 1))
    second = digits_to_text(random_operands(rng, lengths[:, 1], max_digits + 1))
    return list(zip(first, second))


def carry_run_sums(rng: np.random.Generator, count: int, digits: int) -> list[tuple[str, str]]:
    """``digits``-digit sums whose units column carries and every other column adds to 9, so that
    the carry runs the whole length: each a different chain of digits."""
    units_first_digit = rng.integers(1, DIGITS, size=count)
    units_second = rng.integers(DIGITS - units_first_digit, DIGITS)  # Adds to 10 or more.
    first = rng.integers(0, DIGITS, size=(count, digits))
    first[:, -1] = rng.integers(1, NINE, size=count)  # Leading digits 1-8: both stay full length.
    first[:, 0] = units_first_digit
    second = NINE - first
    second[:, 0] = units_second
    return list(zip(digits_to_text(first), digits_to_text(second)))


def chain_sums(length: int) -> list[tuple[str, str]]:
    """9…9+1, 1+9…9 and 9…9+9…9 with ``length`` nines: a carry through every column."""
    nines = "9" * length
    return [(nines, "1"), ("1", nines), (nines, nines)]
