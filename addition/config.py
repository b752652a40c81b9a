"""Training settings: one dataclass per architecture, whose defaults are what ``python train.py`` runs.

``TrainConfig`` trains the keras-io network (``addition.model``, ``--architecture keras-io``, the
default); ``ColumnConfig`` the column network (``addition.column``, ``--architecture column``).
Each field's ``help`` is its comment and its ``--flag``'s help text (train.py builds the flags
from these fields; a setting both have is one flag). The keras-io example's recipe is an
override, ``KERAS_IO_RECIPE``, kept so that its results can be reproduced. docs/lab-notebook.md
has the measurements behind each default, in the sections named beside them.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import ClassVar

from .codec import MAX_OPERAND_DIGITS, Codec
from .data import SAMPLINGS, count_distinct_questions, validation_count

SCHEDULES = ("constant", "cosine")
# The keras-io example's "Try replacing GRU, or SimpleRNN": a flag's value -> the Keras layer.
CELLS = {"lstm": "LSTM", "gru": "GRU", "simplernn": "SimpleRNN"}


# The largest random seed: Keras seeds NumPy's legacy generator, which takes 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1


# Each kind of setting, in words for a refusal.
KINDS = {"int": "a whole number", "float": "a number", "bool": "true or false", "str": "text"}


def is_whole_number(value) -> bool:
    """An int, not a bool (JSON's true is 1 to Python, not a count to a person)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_finite_number(value) -> bool:
    """A number a float holds: not a bool, NaN, an infinity, or a whole number too large for a
    float (a 400-digit one in JSON)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def setting(default, help: str):
    return dataclasses.field(default=default, metadata={"help": help})


class Config:
    """What both networks' settings do alike: check themselves, change by copy, and give the
    JSON that addition.json records as ``"training"``."""

    def _check_types(self) -> None:
        """Each setting a value of its declared kind: a folder's recorded settings (train.py --like)
        are JSON from anyone, and 1.5 epochs would end a run in a traceback, a batch size of true
        would train with batches of one."""
        for field in self.fields():
            value, kind = getattr(self, field.name), str(field.type)
            base = kind.split(" ")[0]
            if (value is None and kind.endswith("| None")) or base not in KINDS:
                continue
            ok = {
                "int": is_whole_number(value),
                "float": is_finite_number(value),
                "bool": isinstance(value, bool),
                "str": isinstance(value, str),
            }[base]
            if not ok:
                raise ValueError(f"{field.name.replace('_', ' ')} must be {KINDS[base]}, got {value!r}")

    def _check(self, checks: list[tuple[bool, str]]) -> None:
        """Raise ``ValueError`` with the message of the first check that fails."""
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def _shared_checks(self) -> list[tuple[bool, str]]:
        """The checks of the settings both networks have, in the same words for both."""
        return [
            (self.cell in CELLS, f"cell must be one of {', '.join(CELLS)}"),
            (self.hidden_size >= 1, "hidden size must be at least 1"),
            (self.num_layers >= 1, "layers must be at least 1"),
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.batch_size >= 1, "batch size must be at least 1"),
            (self.learning_rate > 0, "learning rate must be positive"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}"),
            (self.clipnorm is None or self.clipnorm > 0, "clipnorm must be positive (0: no clipping)"),
            (0 <= self.random_seed <= MAX_SEED, f"random seed must be a whole number from 0 to {MAX_SEED:,}"),
        ]

    def _no_clipping_as_none(self) -> None:
        if self.clipnorm == 0:
            object.__setattr__(self, "clipnorm", None)  # 0 on the command line means no clipping.

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def fields(cls):
        return dataclasses.fields(cls)


@dataclass(frozen=True)
class TrainConfig(Config):
    architecture: ClassVar[str] = "keras-io"  # What addition.json records as "architecture"; not a setting.

    # Data.
    digits: int = setting(3, "largest operand length in digits (3: sums up to 999+999)")
    training_size: int = setting(50_000, "distinct questions generated, validation included (keras-io: 50,000)")
    validation_fraction: float = setting(0.1, "share of the questions held out, never trained on (keras-io: 10%)")
    # Carry-heavy and round: 9...9+9...9, its long carry chains and round numbers (400+500) are
    # where a short training errs.
    sampling: str = setting(
        "extremes",
        "how operands are drawn: keras-io (a random length, then digits), uniform "
        "(like the whole space), mixed (half and half), carries (a third each of "
        "uniform, keras-io and 9-heavy numbers) or extremes (as carries, "
        "the third 9- and 0-heavy)",
    )
    reverse: bool = setting(
        True, "read the question units first: reversed as keras-io does, or its columns from the units up (codec)"
    )
    reverse_answer: bool = setting(
        True, "write the answer units digit first, as people add (learns in far fewer passes; see addition.codec)"
    )
    zero_pad: bool = setting(
        True,
        "write each operand with leading zeros to the full width, 012+345, so "
        "each place value has a fixed column (see addition.codec)",
    )
    # The encoder meets each column's two digits together: a perfect adder in fewer, smaller
    # passes ("Columns").
    interleave: bool = setting(
        True,
        "read the zero-padded operands column by column, a digit of each in turn (012+345 as +251403), so "
        "that the encoder adds as a person does, one column and its carry at a time (see addition.codec)",
    )
    # A fixed set is a sliver of the space; the held-out questions stay out either way.
    fresh_questions: bool = setting(
        True,
        "each epoch after the first, train on as many newly drawn distinct "
        "questions (never held-out ones) instead of the same ones again, "
        "where the space holds at least twice as many",
    )
    # Generation keeps one order per question, so without this the model never sees the other
    # order of most sums.
    swap_operands: bool = setting(True, "each epoch, show each training question as a+b or b+a at random")
    # Deduplication leaves the few short sums rare among tens of thousands of questions.
    short_sums: int = setting(
        2_000, "each epoch, also train on this many fresh sums of numbers below 100 (never held-out ones)"
    )
    # Model.
    cell: str = setting("lstm", "recurrent layer of encoder and decoder: lstm, gru or simplernn")
    # Reading the columns, a quarter of the keras-io example's units learn the whole space, for a
    # fraction of the cost per question ("Columns").
    hidden_size: int = setting(32, "units in every recurrent layer (keras-io: 128)")
    num_layers: int = setting(1, "decoder layers stacked after the RepeatVector")
    unroll: bool = setting(True, "unroll the short recurrent loops: same maths, faster on CPU")
    # Keras's own loop has a fixed cost per call (callbacks, logs) that small steps pay many
    # times over; the callbacks' per-batch hooks then run once per call.
    steps_per_execution: int = setting(
        16, "training steps run per call into TensorFlow: the same steps, less Python overhead per step"
    )
    # Optimisation. The number of passes and the batch are the fewest steps that left no sum wrong
    # for every random seed tried ("Columns").
    epochs: int = setting(12, "passes over the training questions (at most, with --target-accuracy)")
    batch_size: int = setting(128, "questions per gradient step (keras-io: 32)")
    learning_rate: float = setting(0.03, "Adam's peak learning rate (keras-io: 1e-3)")
    schedule: str = setting("cosine", "learning-rate schedule: constant, or cosine decay to zero over all steps")
    warmup_fraction: float = setting(0.125, "with the cosine schedule: share of all steps rising linearly to the peak")
    clipnorm: float | None = setting(
        1.0, "clip each gradient to this norm: damps the occasional loss spike (0: no clipping)"
    )
    target_accuracy: float | None = setting(None, "stop once validation whole-answer accuracy reaches this (0-1)")
    random_seed: int = setting(1337, "seeds data generation, weight initialisation and shuffling")

    def __post_init__(self):
        self._check_types()
        self._no_clipping_as_none()
        Codec(digits=self.digits)  # The codec says which numbers of digits it can read.
        checks = [
            (self.training_size >= 20, "training size must be at least 20"),
            (self.short_sums >= 0, "short sums must be 0 or more"),
            (self.sampling in SAMPLINGS, f"sampling must be one of {', '.join(SAMPLINGS)}"),
            (
                self.zero_pad or not self.interleave,
                "interleave needs zero_pad, the columns being the padded places (with --no-zero-pad, "
                "add --no-interleave)",
            ),
            (self.steps_per_execution >= 1, "steps per execution must be at least 1"),
            (0 <= self.warmup_fraction < 1, "warmup fraction must be at least 0 and below 1"),
            (self.target_accuracy is None or 0 < self.target_accuracy <= 1, "target accuracy must be in (0, 1]"),
        ]
        warmup = (self.warmup_fraction == 0 or self.schedule == "cosine", "warmup needs the cosine schedule")
        self._check(checks + self._shared_checks() + [warmup])  # The schedule itself checked first.
        available = count_distinct_questions(self.digits)
        if self.training_size > available:
            # Checked here, at once: asking the generator for more would loop forever.
            raise ValueError(
                f"training size {self.training_size:,} is more than the {available:,} distinct "
                f"questions with {self.digits}-digit operands"
            )
        validation_count(self.training_size, self.validation_fraction)  # Before TensorFlow is imported.

    def codec(self) -> Codec:
        """The codec these settings train with."""
        return Codec(
            digits=self.digits,
            reverse=self.reverse,
            reverse_answer=self.reverse_answer,
            zero_pad=self.zero_pad,
            interleave=self.interleave,
        )


# The keras-io example's recipe (3 digits), as overrides of our defaults.
KERAS_IO_RECIPE = TrainConfig(
    sampling="keras-io",
    reverse_answer=False,
    zero_pad=False,
    interleave=False,
    swap_operands=False,
    short_sums=0,
    fresh_questions=False,
    hidden_size=128,
    unroll=False,
    steps_per_execution=1,
    epochs=30,
    batch_size=32,
    learning_rate=1e-3,
    schedule="constant",
    warmup_fraction=0.0,
    clipnorm=None,
)
RECIPES = {"ours": TrainConfig(), "keras-io": KERAS_IO_RECIPE}


@dataclass(frozen=True)
class ColumnConfig(Config):
    """The column network's settings ("The column network" in the lab notebook: six random seeds
    met every target with these defaults)."""

    architecture: ClassVar[str] = "column"

    # Model. GRUs trained alike wrote wrong digits deep in long random sums; the LSTM did not.
    cell: str = setting("lstm", "recurrent layer: lstm, gru or simplernn")
    hidden_size: int = setting(32, "units in each recurrent layer")
    num_layers: int = setting(1, "recurrent layers stacked")
    # Data. Short sums are cheap steps; the carry they teach is the same at any length.
    min_digits: int = setting(1, "shortest operand trained on, in digits")
    max_digits: int = setting(20, "longest operand trained on, in digits")
    carry_share: float = setting(0.5, "share of training sums made carry-heavy (see column_data.draw_training_sums)")
    # Without runs, a long 9...9+9...9 went wrong: the carry stuck on above it.
    runs_share: float = setting(0.5, "share of the carry-heavy sums made of repeated columns, the rest of nines")
    sums_per_epoch: int = setting(10_000, "fresh random sums drawn for each epoch")
    # Optimisation. Fewer epochs, or as many of twice the batch (half the steps), left some
    # seeds' models a wrong sum or chain; more widen the margin but cost time.
    epochs: int = setting(20, "passes, each over newly drawn sums")
    batch_size: int = setting(64, "sums per gradient step")
    learning_rate: float = setting(0.01, "Adam's learning rate")
    # Cosine decay to zero left more wrong answers at 1,000 and 10,000 digits than a constant rate.
    schedule: str = setting("constant", "learning-rate schedule: constant, or cosine decay to zero over all steps")
    clipnorm: float | None = setting(1.0, "clip each gradient to this norm (0: no clipping)")
    # All count for the best epoch, and a tie goes to the surer answers at the longest length,
    # since a carry that drifts shows there first.
    monitor_lengths: tuple = setting(
        (10, 30, 100, 1000), "operand lengths of held-out sums checked after each epoch, beside the training lengths"
    )
    monitor_count: int = setting(100, "held-out sums checked per length after each epoch")
    random_seed: int = setting(1, "seeds the weights, the training sums and the held-out sums")

    def __post_init__(self):
        self._check_types()
        self._no_clipping_as_none()
        lengths = self.monitor_lengths
        if isinstance(lengths, list):  # As addition.json records it.
            object.__setattr__(self, "monitor_lengths", lengths := tuple(lengths))
        checks = [
            (1 <= self.min_digits <= self.max_digits, "operand lengths must satisfy 1 <= min digits <= max digits"),
            (self.max_digits <= MAX_OPERAND_DIGITS, f"max digits must be at most {MAX_OPERAND_DIGITS:,}"),
            (0 <= self.carry_share <= 1, "carry share must be from 0 to 1"),
            (0 <= self.runs_share <= 1, "runs share must be from 0 to 1"),
            (self.sums_per_epoch >= 1, "sums per epoch must be at least 1"),
            (
                isinstance(lengths, tuple)
                and all(is_whole_number(n) and 1 <= n <= MAX_OPERAND_DIGITS for n in lengths)
                and len(set(lengths)) == len(lengths),
                f"monitor lengths must be distinct whole numbers of digits from 1 to {MAX_OPERAND_DIGITS:,}",
            ),
            (self.monitor_count >= 1, "monitor count must be at least 1"),
        ]
        self._check(checks + self._shared_checks())

    def to_json(self) -> dict:
        return {**dataclasses.asdict(self), "monitor_lengths": list(self.monitor_lengths)}


def lengths_trained(min_digits, max_digits, short: bool = False) -> str:
    """The operand lengths a column network was trained on, in words: "1 to 20 digits", or
    "3 digits" and "1 digit" for a run on one length; ``short``: "1-20", or "3"."""
    if min_digits != max_digits:
        return f"{min_digits}-{max_digits}" if short else f"{min_digits} to {max_digits} digits"
    if short:
        return f"{min_digits}"
    return f"{min_digits} digit" if min_digits == 1 else f"{min_digits} digits"


def trained_range_label(min_digits, max_digits) -> str:
    """The label of a column network's held-out sums of the lengths it trained on, in its folder's
    ``exact_match_by_length`` beside the single lengths ("10"): "1-20", and "3-3" for one length,
    so that it never takes a single length's place."""
    return f"{min_digits}-{max_digits}"


def digits_label(key: str) -> str:
    """A key of a column network's ``exact_match_by_length`` as a person reads it: "10 digits",
    "1-20 digits" (the lengths it trained on), and a one-length run's "3-3" as "3 digits
    (trained)", apart from a single length's "3 digits" beside it."""
    low, dash, high = (f"{int(part):,}" if part.isdigit() else part for part in str(key).partition("-"))
    if dash and low != high:
        return f"{low}-{high} digits"
    return f"{low} {'digit' if low == '1' else 'digits'}" + (" (trained)" if dash else "")


ARCHITECTURES = {"keras-io": TrainConfig, "column": ColumnConfig}  # --architecture: its settings.
