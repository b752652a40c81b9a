import itertools

import numpy as np
import pytest

from addition.codec import MAX_QUESTION_CHARS, VOCABULARY, Codec
from addition.codec import PAD as PAD_CHAR


def test_worked_example_from_the_docstring():
    codec = Codec(digits=3)
    assert codec.question_string(12, 345) == "+251403"
    assert codec.target_string(12 + 345) == "753 " and codec.answer_string(12 + 345) == " 357"
    assert Codec(digits=3, interleave=False).question_string(12, 345) == "543+210"
    assert Codec(digits=3, reverse=False, interleave=False).question_string(12, 345) == "012+345"
    keras_io = Codec(digits=3, zero_pad=False, interleave=False, reverse_answer=False)
    assert keras_io.question_string(12, 345) == " 543+21" and keras_io.answer_string(12 + 345) == "357 "
    assert Codec(digits=3, reverse=False, zero_pad=False, interleave=False).question_string(12, 345) == "12+345 "


def test_the_codecs_defaults_are_what_train_py_trains():
    from addition.config import TrainConfig

    assert Codec() == TrainConfig().codec()  # The network's and the questions' defaults: test_training.


@pytest.mark.parametrize("reverse", [True, False])
def test_zero_padding_gives_each_place_value_a_fixed_column(reverse):
    codec = Codec(digits=3, reverse=reverse, interleave=False)
    for a, b in [(0, 0), (7, 999), (12, 345), (999, 5), (100, 10)]:
        question = codec.question_string(a, b)
        readable = question[::-1] if reverse else question
        assert PAD_CHAR not in question and len(question) == codec.question_length
        # Place p of a sits in column 2 - p, of b in column 6 - p, whatever the lengths.
        for place in range(3):
            assert readable[2 - place] == str(a // 10**place % 10)
            assert readable[6 - place] == str(b // 10**place % 10)
        assert int(readable[:3]) + int(readable[4:]) == a + b  # The oracle.


@pytest.mark.parametrize("reverse", [True, False])
def test_interleaving_reads_the_same_characters_column_by_column(reverse):
    codec = Codec(digits=3, reverse=reverse)
    assert codec.question_string(12, 345) == ("+251403" if reverse else "+031425")
    for a, b in [(0, 0), (7, 999), (12, 345), (999, 5), (100, 10)]:
        question, shown = codec.question_string(a, b), codec.shown_question(a, b)
        assert sorted(question) == sorted(shown) and question[0] == "+"  # The same characters, the plus first.
        assert [question[position] for position in codec.shown_positions(a, b)] == list(shown)
        for place in range(3):  # Place p (0: the units) of a, then of b, at step p (reversed) or 2 - p.
            step = place if reverse else 2 - place
            assert question[1 + 2 * step : 3 + 2 * step] == f"{a // 10**place % 10}{b // 10**place % 10}"
        columns = question[1::2], question[2::2]  # Read back as numbers: the oracle.
        assert sum(int(number[::-1] if reverse else number) for number in columns) == a + b
    with pytest.raises(ValueError, match="zero_pad"):
        Codec(digits=3, zero_pad=False)


@pytest.mark.parametrize("zero_pad", [True, False])
@pytest.mark.parametrize("reverse", [True, False])
def test_shown_positions_point_at_each_place_value_in_what_the_model_reads(reverse, zero_pad):
    codec = Codec(digits=4, reverse=reverse, zero_pad=zero_pad, interleave=False)
    for a, b in [(0, 0), (5, 1234), (9999, 9999), (120, 7), (1000, 10)]:
        shown, question = codec.shown_question(a, b), codec.question_string(a, b)
        assert shown == (f"{a:04d}+{b:04d}" if zero_pad else f"{a}+{b}")
        positions = codec.shown_positions(a, b)
        assert [question[position] for position in positions] == list(shown)
        # The exact column of each place value (a typed 0 must not point at another 0).
        split = shown.index("+")
        for index, position in enumerate(positions):
            column = codec.question_length - 1 - position if reverse else position  # Reading order.
            if index < split:  # Place split - 1 - index of a.
                expected = 3 - (split - 1 - index) if zero_pad else index
            elif index > split:  # Place len(shown) - 1 - index of b.
                expected = 8 - (len(shown) - 1 - index) if zero_pad else index
            else:
                expected = 4 if zero_pad else split
            assert column == expected, (a, b, index)


@pytest.mark.parametrize("digits", [1, 2, 3, 5])
def test_lengths_derive_from_digits(digits):
    codec = Codec(digits=digits)
    assert codec.question_length == len(f"{10**digits - 1}+{10**digits - 1}")
    assert codec.answer_length == len(str(2 * (10**digits - 1)))
    assert codec.vocabulary_size == len(VOCABULARY)


@pytest.mark.parametrize("reverse", [True, False])
def test_round_trip_for_every_pair_below_100(reverse):
    codec = Codec(digits=2, reverse=reverse, zero_pad=False, interleave=False, reverse_answer=False)
    pairs = list(itertools.product(range(100), repeat=2))
    questions = codec.encode_questions(pairs)
    assert questions.shape == (len(pairs), codec.question_length, codec.vocabulary_size)
    assert np.all(questions.sum(axis=-1) == 1)  # One-hot.
    decoded_questions = codec.decode(questions.argmax(axis=-1))
    decoded_answers = codec.decode(codec.encode_answers(pairs))
    for (a, b), question, answer in zip(pairs, decoded_questions, decoded_answers):
        readable = question[::-1] if reverse else question
        assert readable.rstrip() == f"{a}+{b}"
        assert int(answer) == a + b  # The oracle: Python's own addition.


@pytest.mark.parametrize(
    "text, expected",
    [
        ("535+61", (535, 61)),
        ("  535 + 61  ", (535, 61)),
        ("0+0", (0, 0)),
        ("999+999", (999, 999)),
        ("007+5", (7, 5)),
        ("1 +\t2", (1, 2)),
        ("12\u00a0+\u200934", (12, 34)),  # A no-break space and a thin one, as pasted text may hold.
    ],
)
def test_parse_accepts_sums_with_spaces(text, expected):
    assert Codec(digits=3).parse_question(text) == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "Please type a sum"),
        ("   ", "Please type a sum"),
        ("abc+1", "not a sum"),
        ("1+2+3", "exactly two"),
        ("-5+3", "Negative"),
        ("5-3", "Negative"),
        ("1.5+2", "whole numbers"),
        ("1,000+2", "whole numbers"),
        ("1000+1", "1000 is too large"),
        ("１２+３", "plain digits"),
        ("12", "needs a +"),
        ("+12", "not a sum"),
        ("1" * 100_000 + "+1", "100,002 characters"),
        ("1+", "not a sum"),
    ],
    ids=lambda value: value[:12] if isinstance(value, str) else None,
)
def test_parse_refuses_bad_input_in_plain_words(text, words):
    with pytest.raises(ValueError) as error:
        Codec(digits=3).parse_question(text)
    assert words in str(error.value)
    assert "up to 3 digits, like 555+66" in str(error.value)


def test_input_longer_than_the_cap_is_refused_before_parsing():
    codec = Codec(digits=3)
    with pytest.raises(ValueError, match="characters long"):
        codec.parse_question(" " * (MAX_QUESTION_CHARS - 3) + "1+1 ")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"digits": 0},
        {"digits": 10},
        {"digits": 2.5},
        {"vocabulary": "0123456789+"},
        {"zero_pad": "false"},
        {"interleave": "true"},
        {"reverse": 1},
    ],
)
def test_bad_codec_settings_are_value_errors(kwargs):
    with pytest.raises(ValueError):
        Codec(**kwargs)


def test_operands_outside_the_codec_are_refused():
    with pytest.raises(ValueError):
        Codec(digits=2).encode_questions([(100, 1)])
    with pytest.raises(ValueError, match="outside 0..99"):
        Codec(digits=2).encode_answers([(5, -1)])


@pytest.mark.parametrize("digits", [1, 3, 5, 9])
@pytest.mark.parametrize("reverse", [True, False])
@pytest.mark.parametrize("zero_pad, interleave", [(True, True), (True, False), (False, False)])
def test_array_encoding_agrees_with_the_readable_strings(digits, reverse, zero_pad, interleave):
    # The arrays are written with numpy for speed; the one-line string methods are the reference.
    codec = Codec(digits=digits, reverse=reverse, zero_pad=zero_pad, interleave=interleave, reverse_answer=False)
    top = codec.max_operand
    rng = np.random.default_rng(digits)
    pairs = [(0, 0), (top, top), (0, top), (top, 0), (10 ** (digits - 1), 1)]
    pairs += [
        tuple(pair) for pair in rng.integers(0, 10 ** rng.integers(1, digits + 1, size=(3_000, 1)), size=(3_000, 2))
    ]
    questions = codec.decode(codec.question_indices(pairs))
    answers = codec.decode(codec.encode_answers(pairs))
    assert questions == [codec.question_string(a, b) for a, b in pairs]
    assert answers == [codec.answer_string(a + b) for a, b in pairs]
    assert [int(answer) for answer in answers] == [a + b for a, b in pairs]  # The oracle.
    assert codec.question_indices([]).shape == (0, codec.question_length)
    assert codec.decode(np.zeros((0, codec.answer_length), dtype=int)) == []


@pytest.mark.parametrize("zero_pad, interleave", [(True, True), (True, False), (False, False)])
@pytest.mark.parametrize("reverse_answer", [True, False])
def test_a_codec_is_rebuilt_from_its_json(zero_pad, interleave, reverse_answer):
    codec = Codec(digits=4, reverse=False, reverse_answer=reverse_answer, zero_pad=zero_pad, interleave=interleave)
    assert Codec.from_json(codec.to_json()) == codec
    from addition.folder_format import codec_of

    added = ("zero_pad", "reverse_answer", "interleave")
    older = {key: value for key, value in codec.to_json().items() if key not in added}
    # Folders from before those settings were trained without them, and load so.
    assert codec_of(older) == Codec(digits=4, reverse=False, reverse_answer=False, zero_pad=False, interleave=False)
