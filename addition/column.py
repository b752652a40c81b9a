"""The column network: one recurrent step per column, units first, so one model adds numbers of any length.

The keras-io network (``addition.model``) reads the whole question "535+61" into one vector and
then writes the answer, so it has a fixed width: a model trained on 3-digit sums cannot even
read 1234+5. A person adds differently: column by column, units first, carrying a one. The
column network does the same. Each step of its recurrent layer reads one column, the two digits
of one place value, and writes that place's digit of the sum; all it has to remember from one
step to the next is the carry. Nothing in it depends on the length, so a network trained on
sums of up to 20 digits adds 10,000-digit ones, if what it learnt about the carry does not
drift over 10,000 steps.

A worked example, 47 + 985 = 1032. One step per column, units first, a 0 where a number is
shorter, and one step more than the longer operand has digits, for the last carry::

    step   place       first   second   features set   writes
    0      units         7       5         7, 15          2
    1      tens          4       8         4, 18          3
    2      hundreds      0       9         0, 19          0
    3      thousands     0       0         0, 10          1

Features 0-9 hold the first operand's digit one-hot, features 10-19 the second's; the network
writes one softmax over the ten digits per step. It writes "2301"; read backwards that is
"1032" (a leading 0, where the last step has no carry to write, is dropped). The input has
shape (sums, steps, 20) and the output (sums, steps, 10), for any number of steps.

What makes it hard is the carry over thousands of steps. In 9…9+1 the network must carry a
one through every column; if its memory of the carry faded by a thousandth per step, the one
would be gone long before step 10,000. Two things make it hold, both measured in the lab
notebook ("The column network"): an LSTM, whose cell state keeps a value until a gate changes
it (GRUs trained the same way let their state wander, and now and then wrote a wrong digit deep
into a long sum), and training sums that hold long carry chains and long runs of one repeated
column, which random sums almost never do (``addition.column_data.draw_training_sums``).

Python itself refuses to turn an int of more than 4,300 digits into text (a guard for servers).
Here operands may be Python ints or digit strings; past that limit use digit strings, or convert
inside ``unlimited_int_digits()``. This module is the network and its encoding;
``column_data``, ``column_training`` and ``column_inside`` build on it.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from .codec import MAX_OPERAND_DIGITS, MAX_QUESTION_CHARS, read_sum
from .config import CELLS
from .predictor import compiled_forward

DIGITS = 10  # One softmax class, and one one-hot feature per operand, for each digit 0-9.
INPUT_FEATURES = 2 * DIGITS  # Features 0-9 hold the first operand's digit, 10-19 the second's.
# A typed sum comes back as Python ints, which Python prints only up to 4,300 digits by default;
# the longest typed operand a codec may take (``ColumnCodec.digits``) stays below that.
MAX_TYPED_DIGITS = 4_000
TYPED_DIGITS = 1_000  # A codec's default for the longest typed operand: a sum still shown digit by digit.
BATCH = 1_000  # Sums per forward pass when answering many: bounded memory for long sums.


# Python ints and digit strings.
@contextlib.contextmanager
def unlimited_int_digits():
    """Lift Python's limit on int <-> str conversion (4,300 digits) inside a ``with`` block.

    The limit guards servers against slow conversions of huge numbers; ours are capped by
    ``MAX_OPERAND_DIGITS``, whose conversion is quick. The previous limit comes back on leaving
    the block, so that the rest of the program keeps its protection."""
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # 0 means no limit.
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


def shortened(number, keep: int = 12):
    """A long number as a line or a table can show it, by its first and last ``keep`` digits and
    how many it has: "123456…654321 (1,000 digits)". A shorter number, or text that is not a
    number, comes back as it is."""
    if isinstance(number, (int, np.integer)) and not isinstance(number, (bool, np.bool_)):
        with unlimited_int_digits():
            text = str(number)
    else:
        text = str(number)
    if len(text) <= 2 * keep + 6 or not text.isdigit():
        return number
    return f"{text[:keep]}…{text[-keep:]} ({len(text):,} digits)"


def operand_text(operand) -> str:
    """An operand as its digit string: a Python int (0 or more) or a string of digits 0-9."""
    if isinstance(operand, (bool, np.bool_)):  # True is an int to Python, not a number to us.
        raise ValueError(f"an operand must be a whole number or a string of digits, got {operand!r}")
    if isinstance(operand, (int, np.integer)):
        if operand < 0:
            raise ValueError(f"operands must be 0 or more, got {operand}")
        # A number of more than MAX_OPERAND_DIGITS digits is refused before its slow conversion.
        if int(operand).bit_length() > MAX_OPERAND_DIGITS * np.log2(10) + 1:
            raise ValueError(f"an operand may have at most {MAX_OPERAND_DIGITS:,} digits")
        with unlimited_int_digits():
            text = str(int(operand))
    elif isinstance(operand, str):
        text = operand
    else:
        raise ValueError(f"an operand must be a whole number or a string of digits, got {type(operand).__name__}")
    if not text:
        raise ValueError("an operand must have at least one digit, got an empty string")
    if not (text.isascii() and text.isdigit()):  # "²" and "٣" are digits to str.isdigit, not to us.
        bad = next(character for character in text if not ("0" <= character <= "9"))
        raise ValueError(f"an operand may hold only the digits 0-9, got {bad!r} in {text[:20]!r}")
    if len(text) > MAX_OPERAND_DIGITS:
        raise ValueError(f"an operand may have at most {MAX_OPERAND_DIGITS:,} digits, got {len(text):,}")
    return text


def python_sums(pairs) -> list[str]:
    """The oracle: each a + b by Python's own addition of ints, as a digit string."""
    with unlimited_int_digits():
        return [str(int(operand_text(a)) + int(operand_text(b))) for a, b in checked_pairs(pairs)]


def units_first(text: str) -> np.ndarray:
    """The digits of a digit string, units first, as uint8: "095" -> [5, 9, 0]."""
    return (np.frombuffer(text.encode("ascii"), np.uint8) - ord("0"))[::-1]


def digits_to_text(digits: np.ndarray) -> list[str]:
    """Digit arrays (sums, steps), units first, to digit strings in reading order, without
    leading zeros: [[2, 3, 0, 1]] -> ["1032"]."""
    characters = (np.asarray(digits)[:, ::-1] + ord("0")).astype(np.uint8)
    return [row.tobytes().decode("ascii").lstrip("0") or "0" for row in characters]


def checked_pairs(pairs) -> list:
    pairs = list(pairs)
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"each sum must be a pair (a, b), got {str(pair)[:40]!r}")
    if not pairs:
        raise ValueError("there are no sums to encode")
    return pairs


# The encoding.
def encode_columns(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Digit arrays (sums, steps), units first, to the network's input (sums, steps, 20) float32."""
    identity = np.eye(DIGITS, dtype=np.float32)
    return np.concatenate([identity[first], identity[second]], axis=-1)


def pair_digits(pairs, steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of ints or digit strings -> two uint8 arrays (sums, steps), units first, zero-padded."""
    texts = [(operand_text(a), operand_text(b)) for a, b in checked_pairs(pairs)]
    needed = 1 + max(len(text) for pair in texts for text in pair)
    steps = needed if steps is None else steps
    if steps < needed:
        raise ValueError(f"these sums need at least {needed} steps (the longer operand plus one), got {steps}")
    first, second = np.zeros((len(texts), steps), np.uint8), np.zeros((len(texts), steps), np.uint8)
    for row, (a, b) in enumerate(texts):
        first[row, : len(a)], second[row, : len(b)] = units_first(a), units_first(b)
    return first, second


def encode_sums(pairs, steps: int | None = None) -> np.ndarray:
    """Pairs (a, b) of Python ints or digit strings -> float32 (sums, steps, 20).

    ``steps`` defaults to what the longest sum needs. One batch has one length, so shorter sums
    in it get columns of 0+0 above them, which the network answers with 0 (a leading zero)."""
    return encode_columns(*pair_digits(pairs, steps))


def decode_answers(probabilities: np.ndarray) -> list[str]:
    """The network's output (sums, steps, 10) -> answers in reading order: "2301" -> "1032"."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 3 or probabilities.shape[-1] != DIGITS:
        raise ValueError(f"expected probabilities of shape (sums, steps, {DIGITS}), got {probabilities.shape}")
    return digits_to_text(probabilities.argmax(axis=-1))


@dataclass(frozen=True)
class ColumnCodec:
    """What a person's side needs for a column network: reading a typed sum (of operands of up to
    ``digits`` digits; the network has no limit of its own) and showing the answer. The network's
    own encoding is ``encode_sums``, for any length."""

    digits: int = TYPED_DIGITS  # The longest typed operand taken (see MAX_TYPED_DIGITS).
    vocabulary: str = "0123456789"  # The network's classes: digit d is class d.
    example: str = "47+985"  # The worked example of the module docstring.

    def __post_init__(self):
        if not isinstance(self.digits, int) or isinstance(self.digits, bool) or not 1 <= self.digits:
            raise ValueError(f"digits must be a whole number of at least 1, got {self.digits!r}")
        if self.digits > MAX_TYPED_DIGITS:
            raise ValueError(f"digits must be at most {MAX_TYPED_DIGITS:,}, got {self.digits:,}")

    def parse_question(self, text: str) -> tuple[int, int]:
        """Read a typed sum such as ``" 47 + 985 "`` as two Python ints; ``ValueError`` in words."""
        limits = self.describe_limits()
        # Room for generous spacing around the longest sum it takes.
        operands = read_sum(text, limits, 2 * self.digits + MAX_QUESTION_CHARS, self.example)
        for which, operand in zip(("first", "second"), operands):
            length = len(operand.lstrip("0") or "0")
            if length > self.digits:
                raise ValueError(f"The {which} number has {length:,} digits. {limits}.")
        a, b = (int(operand) for operand in operands)
        return a, b

    def describe_limits(self) -> str:
        return f"This model adds two whole numbers of up to {self.digits:,} digits each, like {self.example}"

    def in_reading_order(self, written):
        """Rows of an answer (a string or an array) from the network's order, units first, to
        reading order."""
        return written[::-1]

    def answer_string(self, total) -> str:
        """The right answer as ``ColumnPredictor.answers`` writes a right one: its digits."""
        return operand_text(total)

    def to_json(self) -> dict:
        return {}  # Nothing to record: the network reads any length (a typed sum's limit is the reader's).


# The network.
def build_column_model(cell: str = "lstm", hidden_size: int = 32, num_layers: int = 1):
    """Columns (sums, steps, 20) -> ``num_layers`` recurrent layers -> a softmax per step.

    The recurrent layers return their whole sequence: one state per column, from which a Dense
    layer writes that column's digit. The input's steps are ``None``, so one model reads sums of
    any length. ``cell`` picks LSTM, GRU or SimpleRNN: all three learn, but only the LSTM's carry
    held over 10,000 steps for every random seed (module docstring), so it is the default, and
    the defaults are what ``python train.py --architecture column`` trains."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    for name, value in (("hidden_size", hidden_size), ("num_layers", num_layers)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    columns = keras.Input(shape=(None, INPUT_FEATURES), name="columns")
    sequence = columns
    for index in range(num_layers):
        sequence = getattr(layers, CELLS[cell])(hidden_size, return_sequences=True, name=f"{cell}_{index}")(sequence)
    digits = layers.Dense(DIGITS, activation="softmax", name="digit")(sequence)  # (sums, steps, 10)
    return keras.Model(columns, digits, name="column_network")


class ColumnPredictor:
    """A column network answering sums of any length through Keras's own forward pass.

    The forward pass is a ``tf.function`` traced once for every batch size and length
    (``compiled_forward(any_shape=True)``): ``model.predict`` builds a dataset and a progress
    bar per call, and a trace per shape would cost a new trace for each new length. XLA would
    run each step faster but compiles again for every new shape, which an app that meets a new
    length with each question cannot afford, so it is off by default."""

    def __init__(self, model, codec: ColumnCodec | None = None, xla: bool = False, batch_size: int = BATCH):
        self.model = model
        self.codec = codec or ColumnCodec()
        self.batch_size = batch_size
        self._forward = compiled_forward(model, xla, any_shape=True)

    def probabilities(self, pairs, steps: int | None = None) -> np.ndarray:
        """Softmax outputs (sums, steps, 10), units first, of one batch padded to its longest sum."""
        return np.asarray(self._forward(encode_sums(pairs, steps)))

    def answers(self, pairs) -> list[str]:
        """The model's answers in reading order, without leading zeros: [(47, 985)] -> ["1032"].
        Sums of similar lengths are answered together, so that a batch pads little; each answer
        is read from its own sum's columns only (the longer operand plus one), which the columns
        of padding above it cannot reach (the network reads units first), so that it is the
        answer the sum gets alone, whatever a network still learning writes in the padding."""
        pairs = checked_pairs(pairs)
        lengths = [max(len(operand_text(a)), len(operand_text(b))) for a, b in pairs]
        order = np.argsort(lengths, kind="stable")
        answers = [""] * len(pairs)
        for start in range(0, len(pairs), self.batch_size):
            chosen = order[start : start + self.batch_size]
            digits = self.probabilities([pairs[i] for i in chosen]).argmax(axis=-1)  # (sums, steps), units first.
            own = np.array([lengths[i] + 1 for i in chosen])[:, None]  # Each sum's own columns.
            digits[np.arange(digits.shape[1])[None, :] >= own] = 0  # The padding's: leading zeros, dropped.
            for index, answer in zip(chosen, digits_to_text(digits)):
                answers[index] = answer
        return answers


def describe_answer(predictor: ColumnPredictor, a, b) -> dict:
    """One sum answered, JSON-ready: the answer and Python's, and one row of ten digit
    probabilities per answer digit in reading order (the first row is the top column, where only
    a carry can write a 1), with its place value counted from the units (0)."""
    probabilities = predictor.codec.in_reading_order(predictor.probabilities([(a, b)])[0])  # (steps, 10)
    model_answer, true_answer = decode_answers(probabilities[::-1][None])[0], python_sums([(a, b)])[0]
    return {
        "a": operand_text(a),
        "b": operand_text(b),
        "model_answer": model_answer,
        "true_answer": true_answer,
        "correct": model_answer == true_answer,
        # Each column's softmax is its own, so their product is the chance of this whole answer
        # (rounded as every probability here is).
        "confidence": round(float(np.prod(probabilities.max(axis=-1).astype(np.float64))), 6),
        "places": list(range(len(probabilities) - 1, -1, -1)),
        "probabilities": np.round(probabilities.astype(np.float64), 6).tolist(),
    }
