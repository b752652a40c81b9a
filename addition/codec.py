"""The character codec: how a sum becomes a padded string, and a string becomes numbers.

A worked example with the defaults, ``Codec(digits=3)``::

    question "12+345"  ->  each operand zero-padded to 3 digits:     "012+345"  (2*3+1 = 7 characters)
                       ->  read column by column (``interleave``),
                           units first (``reverse``):                "+251403"
    answer   12+345 = 357  ->  units digit first (``reverse_answer``): "753"
                           ->  padded on the right to 3+1 = 4 characters: "753 "

The keras-io example's own format, ``Codec(zero_pad=False, interleave=False, reverse_answer=False)``, pads the
question with spaces on the right instead ("12+345 ", reversed " 543+21") and writes the
answer in reading order ("357 ").

Every character is then an index into the vocabulary ``0123456789+ `` (digit ``d`` is
index ``d``, ``+`` is 10, the padding space is 11); the model reads the question one-hot
and writes one softmax over the vocabulary per answer position.

Why reverse? Written normally, the units digits of the operands sit at the end of the
question while the units digit of the answer is produced first, so the network has to carry
that information across the whole sequence. Reversed, the digits that decide each answer
character sit closer to where the encoder finishes reading, giving shorter dependencies
("Learning to Execute", Zaremba & Sutskever 2014; Sutskever et al. 2014).

Why zero-pad? Padded with spaces on the right, an operand's units digit sits wherever its
length puts it: column 2 of "12+345 " but column 3 of "123+45 ". With ``zero_pad`` each
operand is written to ``digits`` places with leading zeros, "012+345", so every place value
has its own fixed column and the network need not first work out where each number ends;
it learns the whole space in fewer passes (docs/lab-notebook.md, "Zero-padded operands").

Why interleave? Zero-padded, the question still holds all of one number before the other, so
the encoder must keep every digit of the first until it meets the matching digit of the
second. With ``interleave`` (which needs ``zero_pad``) the model reads the same characters
column by column: the plus first, then each place's digit of ``a`` and of ``b``: "012+345" is
read "+251403" (reversed: units column first) or "+031425" (not reversed). The encoder can then
add as a person does, one column and its carry at a time, and learns the whole space in fewer
passes with half the units (docs/lab-notebook.md, "Columns").

Why reverse the answer too? A person adds from the units column up, because each column's
carry comes from the one before it. Written units digit first, each answer character depends
on the columns the decoder has just written, and the model learns in far fewer passes (docs/lab-notebook.md,
"the answer written units digit first"). People still read the answer the usual way: ``answer_string`` and
``decode_answers`` give reading order, ``target_string`` is what the model writes.

This module imports only the standard library and numpy, so the app, the tests and the
training code all share it without pulling in Keras.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

VOCABULARY = "0123456789+ "
PAD = " "
PLUS = "+"

# Operands of up to this many digits: one-hot questions of 2 * 9 + 1 characters are plenty for a
# network that reads the whole question before it writes, and keep every sum an int64.
MAX_DIGITS = 9

# The column network (addition.column) reads operands of any length; longer ones than this are
# refused: a 100,000-digit sum is 8 MB of input, still quick, while a pasted megabyte of digits
# would be 80 MB.
MAX_OPERAND_DIGITS = 100_000

# A question longer than this is refused before any parsing, so that a pasted novel costs
# nothing. It leaves room for generous spacing around any sum a model can answer.
MAX_QUESTION_CHARS = 64

_SUM_PATTERN = re.compile(r"\s*(\d+)\s*\+\s*(\d+)\s*", re.ASCII)
_ANY_SPACE = re.compile(r"\s")  # Any Unicode space.


@dataclass(frozen=True)
class Codec:
    """Turns pairs of numbers into model inputs and model outputs into strings."""

    digits: int = 3  # Largest operand has this many digits, e.g. 3 -> 0..999.
    reverse: bool = True  # Reverse the padded question (see the module docstring).
    vocabulary: str = VOCABULARY  # Characters in index order.
    reverse_answer: bool = True  # Write the answer units digit first (see the module docstring).
    zero_pad: bool = True  # Write each operand to ``digits`` places, "012+345" (see the module docstring).
    interleave: bool = True  # Read the operands column by column, "+251403" (see the module docstring).

    def __post_init__(self):
        for name in ("reverse", "reverse_answer", "zero_pad", "interleave"):
            if not isinstance(getattr(self, name), bool):  # "false" is a true string.
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not isinstance(self.vocabulary, str):
            raise ValueError(f"vocabulary must be a string of characters, got {type(self.vocabulary).__name__}")
        if not isinstance(self.digits, int) or isinstance(self.digits, bool) or self.digits < 1:
            raise ValueError(f"digits must be a whole number of at least 1, got {self.digits!r}")
        if self.digits > MAX_DIGITS:
            raise ValueError(f"digits must be at most {MAX_DIGITS}, got {self.digits}")
        if self.interleave and not self.zero_pad:
            raise ValueError("interleave needs zero_pad: the columns are the zero-padded numbers' places")
        if sorted(self.vocabulary) != sorted(VOCABULARY) or len(self.vocabulary) != len(VOCABULARY):
            raise ValueError(
                f"vocabulary must hold each of the characters {VOCABULARY!r} once, got {self.vocabulary!r}"
            )

    # Sizes, all derived from ``digits``.
    @property
    def question_length(self) -> int:
        return 2 * self.digits + 1  # "999+999"

    @property
    def answer_length(self) -> int:
        return self.digits + 1  # 999+999 = 1998 has one digit more than its operands.

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary)

    @property
    def max_operand(self) -> int:
        return 10**self.digits - 1

    @property
    def example(self) -> str:
        """A question in the style of the keras-io example's "535+61", sized to this codec."""
        return f"{'5' * self.digits}+{'6' * max(1, self.digits - 1)}"

    # Strings.
    def question_string(self, a: int, b: int) -> str:
        """The padded (and maybe reversed, or interleaved) question the model reads."""
        text = self.shown_question(a, b).ljust(self.question_length, PAD)
        if self.interleave:
            read = [PAD] * self.question_length
            for character, position in zip(text, self.shown_positions(a, b)):
                read[position] = character
            return "".join(read)
        return text[::-1] if self.reverse else text

    def shown_question(self, a: int, b: int) -> str:
        """The question in reading order with every digit the model reads: "7+890", or
        zero-padded "007+890" (where the leading zeros are digits like any other)."""
        self._check_operands(a, b)
        return f"{a:0{self.digits}d}{PLUS}{b:0{self.digits}d}" if self.zero_pad else f"{a}{PLUS}{b}"

    def shown_positions(self, a: int, b: int) -> list[int]:
        """Where each character of ``shown_question`` sits in the question the model reads."""
        written = range(len(self.shown_question(a, b)))  # Both start at column 0 in reading order.
        if self.interleave:  # The plus first, then a's and b's digit of each place.
            return [self._interleaved_position(column) for column in written]
        return [self.question_length - 1 - column for column in written] if self.reverse else list(written)

    def _interleaved_position(self, column: int) -> int:
        """Where column ``column`` of the zero-padded "aaa+bbb" sits when read interleaved."""
        d = self.digits
        if column == d:
            return 0  # The plus.
        place = d - 1 - column if column < d else 2 * d - column  # 0: the units.
        step = place if self.reverse else d - 1 - place  # Units first when reversed.
        return 1 + 2 * step + (column > d)  # a's digit, then b's.

    @property
    def layout(self) -> tuple[bool, bool]:
        """(zero_pad, interleave): how the question is laid out, besides its order (``reverse``)."""
        return self.zero_pad, self.interleave

    def describe_question(self) -> str:
        """How the model reads the question, in words: "zero-padded, column by column, units first"."""
        if self.interleave:
            return f"zero-padded, column by column, {'units' if self.reverse else 'leading digits'} first"
        return f"{'zero-padded, ' if self.zero_pad else ''}{'reversed' if self.reverse else 'in reading order'}"

    def target_string(self, total: int) -> str:
        """The padded answer as the model writes it: "357 ", or "753 " with ``reverse_answer``."""
        digits = str(total)
        return (digits[::-1] if self.reverse_answer else digits).ljust(self.answer_length, PAD)

    def answer_string(self, total: int) -> str:
        """The padded answer in reading order, as ``decode_answers`` gives the model's:
        "357 ", or " 357" with ``reverse_answer`` (the target read backwards)."""
        return self.in_reading_order(self.target_string(total))

    def in_reading_order(self, written):
        """Answer positions (a string, or rows of an array) from the model's order to reading order."""
        return written[::-1] if self.reverse_answer else written

    def parse_question(self, text: str) -> tuple[int, int]:
        """Read a typed sum such as ``" 535 + 61 "``; raise ``ValueError`` in plain words."""
        a, b = (int(operand) for operand in read_sum(text, self.describe_limits(), MAX_QUESTION_CHARS, self.example))
        for operand in (a, b):
            if operand > self.max_operand:
                raise ValueError(f"{operand} is too large. {self.describe_limits()}.")
        return a, b

    def describe_limits(self) -> str:
        digit_words = "1 digit" if self.digits == 1 else f"up to {self.digits} digits"
        return f"This model adds two whole numbers of {digit_words}, like {self.example}"

    def _check_operands(self, a: int, b: int) -> None:
        for operand in (a, b):
            if not 0 <= operand <= self.max_operand:
                raise ValueError(f"operand {operand} is outside 0..{self.max_operand}")

    # Arrays.
    def encode_questions(self, pairs) -> np.ndarray:
        """One-hot questions, shape (n, question_length, vocabulary_size), float32."""
        return self.one_hot(self.question_indices(pairs))

    def question_indices(self, pairs) -> np.ndarray:
        """The questions' character indices, shape (n, question_length), int32.

        ``question_string`` for many pairs at once, written with numpy (a Python string per
        question would cost as much as the forward pass itself); the tests check they agree.
        """
        pairs = self._check_pairs(pairs)
        codes = np.full((len(pairs), self.question_length), ord(PAD), dtype=np.uint8)
        if self.interleave:  # The plus, then both numbers' digits place by place, a's first.
            places = 10 ** (np.arange(self.digits) if self.reverse else np.arange(self.digits - 1, -1, -1))
            codes[:, 0] = ord(PLUS)
            codes[:, 1::2] = ord("0") + pairs[:, :1] // places % 10
            codes[:, 2::2] = ord("0") + pairs[:, 1:] // places % 10
            return self._lookup[codes]
        if self.zero_pad:
            places = 10 ** np.arange(self.digits - 1, -1, -1)  # Most significant first.
            codes[:, : self.digits] = ord("0") + pairs[:, :1] // places % 10
            codes[:, self.digits] = ord(PLUS)
            codes[:, self.digits + 1 :] = ord("0") + pairs[:, 1:] // places % 10
        else:
            rows = np.arange(len(pairs))
            end = _write_numbers(codes, rows, np.zeros(len(pairs), dtype=np.int64), pairs[:, 0], self.digits)
            codes[rows, end] = ord(PLUS)
            _write_numbers(codes, rows, end + 1, pairs[:, 1], self.digits)
        return self._lookup[codes[:, ::-1] if self.reverse else codes]

    def encode_answers(self, pairs) -> np.ndarray:
        """Target indices, shape (n, answer_length), int32 (for a sparse loss): ``target_string``
        of every sum, written with numpy."""
        pairs = self._check_pairs(pairs)
        codes = np.full((len(pairs), self.answer_length), ord(PAD), dtype=np.uint8)
        rows, totals = np.arange(len(pairs)), pairs.sum(axis=1)
        if self.reverse_answer:  # Right-aligned in reading order, then read backwards: "753 ".
            start = self.answer_length - _count_digits(totals, self.answer_length)
            _write_numbers(codes, rows, start, totals, self.answer_length)
            codes = codes[:, ::-1]
        else:
            _write_numbers(codes, rows, np.zeros(len(pairs), dtype=np.int64), totals, self.answer_length)
        return self._lookup[codes]

    def decode_answers(self, indices: np.ndarray) -> list[str]:
        """The model's answers, rows of indices in its writing order, as padded strings in
        reading order (equal to ``answer_string`` of the right sum exactly when right)."""
        return [self.in_reading_order(written) for written in self.decode(indices)]

    def decode(self, indices: np.ndarray) -> list[str]:
        """Index rows, shape (n, length), back to strings (padding kept)."""
        indices = np.asarray(indices)
        characters = np.ascontiguousarray(np.array(list(self.vocabulary))[indices])  # (n, length) of '<U1'
        return characters.view(f"<U{indices.shape[1]}").ravel().tolist()  # Each row read as one string.

    def _check_pairs(self, pairs) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        outside = (pairs < 0) | (pairs > self.max_operand)
        if outside.any():
            raise ValueError(f"operand {pairs[outside][0]} is outside 0..{self.max_operand}")
        return pairs

    def one_hot(self, indices: np.ndarray) -> np.ndarray:
        """Indices (n, length) -> one-hot float32 (n, length, vocabulary_size), as the model reads them."""
        return np.eye(self.vocabulary_size, dtype=np.float32)[indices]

    @functools.cached_property
    def _lookup(self) -> np.ndarray:
        table = np.full(256, -1, dtype=np.int32)
        for index, char in enumerate(self.vocabulary):
            table[ord(char)] = index
        return table

    def to_json(self) -> dict:
        return {
            "digits": self.digits,
            "reverse": self.reverse,
            "reverse_answer": self.reverse_answer,
            "zero_pad": self.zero_pad,
            "interleave": self.interleave,
            "vocabulary": self.vocabulary,
        }

    @classmethod
    def from_json(cls, info: dict) -> "Codec":
        """The codec ``to_json`` wrote (``addition.folder_format`` reads older folders' too)."""
        return cls(
            digits=info["digits"],
            reverse=info["reverse"],
            vocabulary=info["vocabulary"],
            reverse_answer=info["reverse_answer"],
            zero_pad=info["zero_pad"],
            interleave=info["interleave"],
        )


def read_sum(text, limits: str, max_chars: int, example: str) -> tuple[str, str]:
    """The two operands of a typed sum such as ``" 535 + 61 "`` as digit strings, or ``ValueError``
    in plain words ending with ``limits`` (what the model adds). Both codecs read sums this way."""
    if not isinstance(text, str):
        raise ValueError(f"A question must be text, like {example}.")
    if len(text) > max_chars:
        raise ValueError(f"That is {len(text):,} characters long. {limits}.")
    stripped = _ANY_SPACE.sub(" ", text).strip()  # A pasted sum may hold a no-break or a thin space.
    if not stripped:
        raise ValueError(f"Please type a sum. {limits}.")
    found = operands(stripped)
    if found is None:
        raise ValueError(f"{_why_not_a_sum(stripped)} {limits}.")
    return found


def operands(text) -> tuple[str, str] | None:
    """The two digit strings of ``text`` if it is a sum of two whole numbers written in ASCII digits
    (spaces allowed around them), else None."""
    match = _SUM_PATTERN.fullmatch(text) if isinstance(text, str) else None
    return (match.group(1), match.group(2)) if match else None


def _why_not_a_sum(text: str) -> str:
    if not text.isascii():
        return "Please use only the plain digits 0-9 and a +."
    if "-" in text:
        return "Negative numbers and subtraction are not supported."
    if "." in text or "," in text:
        return "Only whole numbers are supported, without decimals or separators."
    if text.count(PLUS) > 1:
        return "Please add exactly two numbers."
    if PLUS not in text:
        return "That is not a sum: it needs a + between two numbers."
    return f"{text!r} is not a sum of two numbers."


def _write_numbers(codes: np.ndarray, rows: np.ndarray, start: np.ndarray, numbers: np.ndarray, width: int):
    """Write each number's decimal digits (no leading zeros) into ``codes[row]`` from column
    ``start[row]``, as ASCII; return the column after each number."""
    lengths = _count_digits(numbers, width)
    for j in range(width):
        writing = j < lengths
        power = 10 ** np.maximum(lengths - 1 - j, 0)
        digit = (numbers // power) % 10
        codes[rows[writing], start[writing] + j] = ord("0") + digit[writing]
    return start + lengths


def _count_digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of each number below 10**width (0 has one)."""
    return 1 + sum((numbers >= 10**k).astype(np.int64) for k in range(1, width))
