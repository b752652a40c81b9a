import numpy as np
import pytest

from addition.config import TrainConfig
from addition.data import (
    SAMPLINGS,
    count_carries,
    count_distinct_questions,
    draw_fresh_questions,
    draw_short_sums,
    generate_questions,
    sample_whole_space,
    split_questions,
    whole_space,
)


def unordered(pairs):
    return {(min(a, b), max(a, b)) for a, b in np.asarray(pairs).tolist()}


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_questions_are_distinct_in_range_and_seeded(sampling):
    pairs = generate_questions(3, 5000, seed=1, sampling=sampling)
    assert pairs.shape == (5000, 2)
    assert len(unordered(pairs)) == 5000  # a+b and b+a count once.
    assert pairs.min() >= 0 and pairs.max() <= 999
    assert np.array_equal(pairs, generate_questions(3, 5000, seed=1, sampling=sampling))
    assert not np.array_equal(pairs, generate_questions(3, 5000, seed=2, sampling=sampling))


def test_training_and_validation_are_disjoint():
    train, validation = split_questions(generate_questions(3, 20_000, seed=3, sampling="mixed"), 0.1)
    assert len(validation) == 2_000 and len(train) == 18_000
    assert not unordered(train) & unordered(validation)


def test_every_question_can_be_asked_for_but_not_one_more():
    assert count_distinct_questions(1) == 55
    assert len(unordered(generate_questions(1, 55, seed=0))) == 55
    with pytest.raises(ValueError, match="only 55 exist"):  # Said before any search, not after an endless one.
        generate_questions(1, 56, seed=0)
    with pytest.raises(ValueError, match="more than the 55 distinct"):
        TrainConfig(digits=1, training_size=1000)


def test_keras_io_sampling_favours_short_operands_and_mixed_sampling_less():
    def full_length_share(sampling):
        pairs = generate_questions(3, 20_000, seed=4, sampling=sampling)
        return np.mean((pairs >= 100).all(axis=1))

    assert full_length_share("keras-io") < 0.35 < full_length_share("mixed") < full_length_share("uniform")


def test_carries_match_the_digit_sum_identity():
    # Every carry turns a 10 in one column into a 1 in the next: digit sums drop by 9 each time.
    def digit_sum(n):
        return sum(map(int, str(n)))

    for a, b in sample_whole_space(4, 3000, seed=5).tolist() + [(999, 1), (0, 0), (5, 5), (4999, 5001)]:
        assert count_carries(a, b) == (digit_sum(a) + digit_sum(b) - digit_sum(a + b)) // 9


def test_whole_space_lists_every_ordered_pair_once():
    pairs = whole_space(2)
    assert len(pairs) == 100 * 100 == len({tuple(p) for p in pairs.tolist()})


@pytest.mark.parametrize("fraction", [0, 1, 1.5])
def test_bad_split_fractions_are_refused(fraction):
    with pytest.raises(ValueError):
        split_questions(generate_questions(2, 100, seed=0), fraction)


def test_short_sums_repeat_the_sums_people_type_first_but_never_a_held_out_one():
    held_out = np.array([(3, 6), (40, 12), (500, 2)])
    short = draw_short_sums(3, 20_000, np.random.default_rng(0), held_out)
    assert short.shape == (20_000, 2) and short.min() >= 0 and short.max() <= 99
    assert not unordered(short) & {(3, 6), (12, 40)}  # In neither order.
    # The keras-io way: an operand is 1-digit with chance 1/2 + 1/2 * 10/100, so both are 30% of the time.
    both_one_digit = ((short < 10).all(axis=1)).mean()
    assert 0.28 < both_one_digit < 0.32
    assert len(unordered(short[(short < 10).all(axis=1)])) == 55 - 1  # Every 1-digit sum but 3+6 comes up.
    again = draw_short_sums(3, 20_000, np.random.default_rng(0), held_out)
    assert (again == short).all()


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_fresh_questions_are_distinct_new_each_draw_and_never_a_held_out_one(sampling):
    held_out = generate_questions(3, 2_000, seed=3, sampling=sampling)
    rng = np.random.default_rng(0)
    first, second = (draw_fresh_questions(3, 20_000, rng, sampling, held_out) for _ in range(2))
    assert first.shape == second.shape == (20_000, 2) and first.min() >= 0 and first.max() <= 999
    assert len(unordered(first)) == 20_000  # Distinct, as a generated set is.
    assert not unordered(first) & unordered(held_out)  # In neither order.
    assert len(unordered(first) & unordered(second)) < 15_000
    again = draw_fresh_questions(3, 20_000, np.random.default_rng(0), sampling, held_out)
    assert (again == first).all()  # Seeded.
    # Asked for every question that is not held out, it finds them all.
    small = generate_questions(1, 5, seed=0, sampling=sampling)
    assert len(unordered(draw_fresh_questions(1, 50, rng, sampling, small))) == 50
    with pytest.raises(ValueError, match="less those held out"):
        draw_fresh_questions(1, 51, rng, sampling, small)


def test_carries_sampling_makes_long_carry_chains_common():
    drawn = generate_questions(3, 20_000, seed=0, sampling="carries")
    uniform = generate_questions(3, 20_000, seed=0, sampling="uniform")
    # Both operands above 900 (the sums near 1998) in 1% of the whole space; in 10% of the draws
    # here, and over 4% once repeats are dropped.
    assert ((uniform >= 900).all(axis=1)).mean() < 0.02 < 0.04 < ((drawn >= 900).all(axis=1)).mean()
    chains = [count_carries(a, b) for a, b in drawn.tolist()]
    # Three carries: 19% against 13.5% uniformly.
    assert np.mean(np.array(chains) == 3) > 1.3 * np.mean([count_carries(a, b) == 3 for a, b in uniform.tolist()])


def test_extremes_sampling_makes_round_numbers_common_beside_sums_near_the_top():
    drawn = generate_questions(3, 20_000, seed=0, sampling="extremes")
    uniform = generate_questions(3, 20_000, seed=0, sampling="uniform")

    def zeros(pairs):  # Share of 0 digits in full-length operands (400+509): the round numbers.
        full = pairs[(pairs >= 100).all(axis=1)]
        return np.mean([f"{a}{b}".count("0") / 6 for a, b in full.tolist()])

    assert zeros(drawn) > 1.3 * zeros(uniform)
    assert ((drawn >= 900).all(axis=1)).mean() > 2 * ((uniform >= 900).all(axis=1)).mean()


def test_short_sums_of_one_digit_models_stay_below_ten_and_need_one_left():
    short = draw_short_sums(1, 1_000, np.random.default_rng(0), np.array([(1, 2)]))
    assert short.max() <= 9 and not unordered(short) & {(1, 2)}
    everything = np.array([(a, b) for a in range(10) for b in range(a, 10)])
    with pytest.raises(ValueError, match="every sum of two numbers below 10 is held out"):
        draw_short_sums(1, 5, np.random.default_rng(0), everything)
