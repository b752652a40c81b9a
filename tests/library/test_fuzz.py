"""Property-based tests: any text is either a valid sum within the model's digits, or a
ValueError in words; never another exception, never a wrong true answer (Python's int and +
are the oracle)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addition.codec import Codec

CODEC = Codec(digits=3)
operands = st.integers(min_value=0, max_value=CODEC.max_operand)
spaces = st.text(alphabet=" \t", max_size=3)
sum_like = st.text(alphabet="0123456789+- .,e１\t\u00a0x", max_size=20)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(max_size=80), sum_like))
def test_any_text_parses_to_a_valid_pair_or_a_value_error(text):
    try:
        a, b = CODEC.parse_question(text)
    except ValueError as error:
        assert "This model adds two whole numbers of up to 3 digits" in str(error)
        return
    assert 0 <= a <= CODEC.max_operand and 0 <= b <= CODEC.max_operand
    left, right = text.split("+")
    assert int(left) == a and int(right) == b  # What was typed is what is added.


@settings(max_examples=500, deadline=None)
@given(operands, operands, spaces, spaces, spaces, spaces)
def test_valid_sums_parse_exactly_with_any_spacing(a, b, s1, s2, s3, s4):
    assert CODEC.parse_question(f"{s1}{a}{s2}+{s3}{b}{s4}") == (a, b)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=CODEC.max_operand + 1, max_value=10**12), operands)
def test_operands_past_the_models_digits_are_refused(big, small):
    for text in (f"{big}+{small}", f"{small}+{big}"):
        with pytest.raises(ValueError, match="too large|characters long"):
            CODEC.parse_question(text)
