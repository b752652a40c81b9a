"""Seeded, deduplicated addition questions and their one split into training and validation."""

from __future__ import annotations

import numpy as np

# How operands are drawn:
# - "keras-io": as the keras-io example does: a length uniform in 1..digits, then that many
#   random digits. Short numbers are common, so few questions add two full-length numbers,
#   where 81% of all 3-digit sums do.
# - "uniform": each operand uniform in 0..10**digits-1, so questions look like the whole space.
# - "mixed": each question is drawn one way or the other with equal chance: the whole space's
#   shape, with enough short operands that they are learnt too.
# - "carries": a third each of uniform, keras-io-style, and 9-heavy numbers: every place's digit a
#   9 half the time, else uniform (so a 9 a little more often than half, and a leading 0 now and
#   then). Long carry chains and sums near the top (990+999) are rare in the whole space (both
#   operands above 900 in 1% of sums) and are what a network trained on the others gets wrong.
# - "extremes": as "carries", but the third kind has every place's digit a 9 with chance 0.3, a 0
#   with chance 0.3, else uniform: round numbers beside carry chains (400+500, 900+200, 610+690) are
#   what a network reading the columns one by one got wrong after carry-heavy questions.
SAMPLINGS = ("keras-io", "uniform", "mixed", "carries", "extremes")
WHOLE_SPACE_SEED = 20_151_208  # Fixed so that every model is judged on the same random sums.


def count_distinct_questions(digits: int) -> int:
    """How many questions exist when a+b and b+a count once: n*(n+1)/2 for n = 10**digits."""
    n = 10**digits
    return n * (n + 1) // 2


def generate_questions(
    digits: int, count: int, seed: int, sampling: str = "extremes", exclude: np.ndarray | None = None
) -> np.ndarray:
    """``count`` distinct pairs (a, b), shape (count, 2), in the order drawn, none of them one of
    the pairs in ``exclude`` (in either order).

    ``a+b`` and ``b+a`` count as the same question; each is kept in the orientation in which it
    was first drawn, so the model sees both orders.
    """
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {sampling!r}")
    if count < 1:
        raise ValueError(f"the number of questions must be at least 1, got {count}")
    n = 10**digits
    excluded = np.unique(
        _unordered_keys(np.asarray(exclude if exclude is not None else [], np.int64).reshape(-1, 2), n)
    )
    available = count_distinct_questions(digits) - len(excluded)
    if count > available:
        raise ValueError(
            f"asked for {count:,} distinct questions, but only {available:,} exist with "
            f"{digits}-digit operands (a+b and b+a count once)" + (", less those held out" if len(excluded) else "")
        )
    rng = np.random.default_rng(seed)
    seen = excluded  # Sorted keys of the questions taken so far, and of the excluded ones.
    chosen = []
    taken = 0
    while taken < count:
        batch = _draw_operands(rng, digits, sampling, size=(max(1024, 2 * (count - taken)), 2))
        keys = _unordered_keys(batch, n)
        # The first time each new question comes up in the batch, in the order drawn.
        _, first = np.unique(keys, return_index=True)
        first = np.sort(first[~np.isin(keys[first], seen)])[: count - taken]
        chosen.append(batch[first])
        taken += len(first)
        seen = np.union1d(seen, keys[first])
    return np.concatenate(chosen).astype(np.int64)


def _unordered_keys(pairs: np.ndarray, n: int) -> np.ndarray:
    """One integer per question, the same for a+b and b+a."""
    return np.minimum(pairs[:, 0], pairs[:, 1]) * n + np.maximum(pairs[:, 0], pairs[:, 1])


def _draw_operands(rng: np.random.Generator, digits: int, sampling: str, size) -> np.ndarray:
    uniform = rng.integers(0, 10**digits, size=size)
    if sampling == "uniform":
        return uniform
    # Random digits of a random length are the same as a number uniform below 10**length.
    lengths = rng.integers(1, digits + 1, size=size)
    keras_io_style = rng.integers(0, 10**lengths)
    if sampling == "keras-io":
        return keras_io_style
    if sampling == "mixed":
        use_uniform = rng.random(size[0]) < 0.5
        return np.where(use_uniform[:, None], uniform, keras_io_style)
    chance = rng.random((*size, digits))
    if sampling == "carries":  # Every place a 9 half the time, else uniform: 999+999 in 1% of the draws.
        digit = np.where(chance < 0.5, 9, rng.integers(0, 10, size=(*size, digits)))
    else:  # "extremes": every digit a 9 or a 0 with chance 0.3 each, else uniform.
        digit = np.where(chance < 0.3, 9, np.where(chance < 0.6, 0, rng.integers(0, 10, size=(*size, digits))))
    nines = (digit * 10 ** np.arange(digits)).sum(axis=-1)
    kind = rng.integers(0, 3, size=size[0])[:, None]
    return np.where(kind == 0, uniform, np.where(kind == 1, keras_io_style, nines))


def draw_fresh_questions(
    digits: int, count: int, rng: np.random.Generator, sampling: str, held_out: np.ndarray
) -> np.ndarray:
    """``count`` distinct questions drawn as ``generate_questions`` draws them, none of them a
    held-out question in either order. Shape (count, 2).

    A fixed set of 45,000 questions is 9% of the 500,500 distinct 3-digit ones: a network trained
    on it for many passes learns those sums, and the rest by generalising. A new set each epoch
    shows it several times as many. Distinct within the draw, as the fixed set is: with repeats,
    the few short sums would crowd out the rest.
    """
    return generate_questions(digits, count, int(rng.integers(2**63)), sampling, exclude=held_out)


SHORT_LIMIT = 100  # Short sums add two numbers below this: the sums people type first.


def short_limit(digits: int) -> int:
    """Short sums add two numbers below this: 100, or 10 for a 1-digit model."""
    return min(SHORT_LIMIT, 10**digits)


def all_short_sums(digits: int) -> np.ndarray:
    """Every ordered pair (a, b) of numbers below ``short_limit(digits)``."""
    limit = short_limit(digits)
    a, b = np.divmod(np.arange(limit * limit), limit)
    return np.stack([a, b], axis=1)


def draw_short_sums(digits: int, count: int, rng: np.random.Generator, held_out: np.ndarray) -> np.ndarray:
    """``count`` of ``all_short_sums``, drawn with repeats the keras-io way (an operand's length
    uniform, then its digits), none of them a held-out question in either order. Shape (count, 2).

    Deduplicated generation holds each of the 55 distinct sums of two 1-digit numbers at most
    once among tens of thousands of questions; drawn afresh each epoch, they come up again.
    """
    candidates, limit = all_short_sums(digits), short_limit(digits)
    lengths = len(str(limit - 1))
    chance = np.zeros(limit)  # Of each operand value: length uniform in 1..lengths, then uniform digits.
    for length in range(1, lengths + 1):
        chance[: 10**length] += 1 / (lengths * 10**length)
    held = {(x, y) for x, y in held_out.tolist() if max(x, y) < limit}
    held |= {(y, x) for x, y in held}
    keep = np.array([(x, y) not in held for x, y in candidates.tolist()])
    if count > 0 and not keep.any():
        raise ValueError(f"every sum of two numbers below {limit} is held out: none left to repeat")
    weights = np.where(keep, chance[candidates[:, 0]] * chance[candidates[:, 1]], 0)
    return candidates[rng.choice(len(candidates), size=count, p=weights / weights.sum())]


def split_questions(pairs: np.ndarray, validation_fraction: float = 0.1):
    """Set the last ``validation_fraction`` apart as held-out validation, as the keras-io example does.

    The pairs are already in random order, so the tail is a random sample.
    """
    split_at = len(pairs) - validation_count(len(pairs), validation_fraction)
    return pairs[:split_at], pairs[split_at:]


def validation_count(questions: int, validation_fraction: float) -> int:
    """How many of ``questions`` ``split_questions`` sets apart: at least one, and not all;
    ``ValueError`` in words otherwise (``TrainConfig`` asks before any work is done)."""
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation fraction must be between 0 and 1, got {validation_fraction}")
    count = int(questions * validation_fraction)  # Below ``questions``: the fraction is below 1.
    if count < 1:
        raise ValueError(f"{questions:,} questions are too few to set {validation_fraction:.0%} apart for validation")
    return count


def sample_whole_space(digits: int, count: int, seed: int) -> np.ndarray:
    """``count`` ordered pairs drawn uniformly from all (a, b) with a, b in 0..10**digits-1.

    This is what a user typing sums meets, so it is how we judge a model, not its validation
    split (which follows the training distribution).
    """
    rng = np.random.default_rng(seed)
    return rng.integers(0, 10**digits, size=(count, 2))


def whole_space_or_sample(digits: int, count: int, seed: int) -> tuple[np.ndarray, bool]:
    """(pairs, exhaustive): every sum when ``count`` covers the whole space (2 digits: 10,000),
    else ``count`` random ones. The one rule for "score a model on the whole space"."""
    if count >= 10 ** (2 * digits):
        return whole_space(digits), True
    return sample_whole_space(digits, count, seed), False


def whole_space(digits: int) -> np.ndarray:
    """Every ordered pair (a, b), shape (10**(2*digits), 2)."""
    n = 10**digits
    a, b = np.divmod(np.arange(n * n), n)
    return np.stack([a, b], axis=1)


def count_carries(a: int, b: int) -> int:
    """How many column additions carry a one, e.g. 999+1 -> 3, 12+34 -> 0."""
    carries = carry = 0
    while a or b:
        carry = 1 if a % 10 + b % 10 + carry >= 10 else 0
        carries += carry
        a, b = a // 10, b // 10
    return carries
