"""The Train tab's settings, as pure functions: the controls and the API's parameters made from
one table, and the visitor's choices checked into a ``TrainConfig`` (a run's progress:
``train_progress``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from addition.config import CELLS, KERAS_IO_RECIPE, RECIPES, ColumnConfig, TrainConfig, is_finite_number
from addition.data import count_distinct_questions
from addition.evaluation import plural


@dataclass(frozen=True)
class Setting:
    """One control of the Train tab: its API parameter ``name``, the ``TrainConfig`` field it
    sets (none for the recipe, which picks the config the others override), what the page
    calls it, its default, and either the whole numbers it allows (``limits``) or its
    ``choices`` (shown name -> config value). A bool default makes it a checkbox."""

    name: str
    field: str | None
    label: str
    default: object
    limits: tuple[int, int] | None = None
    choices: dict | None = None
    step: int = 1
    info: str | None = None


# What `python -m benchmarks.train_tab_defaults --record` measured, with its CPU, date and command.
MEASURED_FILE = Path(__file__).with_name("measured.json")


def measured_time(path=MEASURED_FILE) -> str:
    """The tab's sentence on how long the defaults took, from pressing Train to the saved model,
    when last measured; "" when nothing was (no file, or not one the benchmark wrote)."""
    try:
        found = json.loads(Path(path).read_text())["train_tab_defaults"]
        low, high = (float(seconds) for seconds in found["seconds"])
        seeds, where, date, command = int(found["seeds"]), str(found["cpu"]), str(found["date"]), str(found["command"])
        cores = int(found["cores"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return (
        f"With the defaults, a run took {low:.0f} to {high:.0f} s from pressing Train to the saved model when "
        f"measured ({plural(seeds, 'random seed')}, {where}, {plural(cores, 'core')}, {date}: `{command}`); "
        "longer while others train."
    )


# The tab's runs are short: train.py's recipe (columns, carry-heavy and round questions) at a
# higher peak learning rate learns every 2-digit sum in the few epochs of small batches the
# defaults ask for, for every random seed tried (docs/lab-notebook.md, "The Train tab reading
# columns"); one step per call into TensorFlow, so that its progress moves step by step.
TAB_RECIPES = {
    "ours": RECIPES["ours"].replace(learning_rate=0.035, steps_per_execution=1),
    "keras-io": KERAS_IO_RECIPE,
}
MAX_KERAS_IO_DIGITS = 5  # The tab's keras-io networks read operands of at most this many digits.

# The Train tab: the controls, the /train API's parameters and the config are all made from
# this table, so adding a setting is one line here (at the end: it is the API's positional
# order). The limits are enough to see every effect and small enough for a shared 2-core
# machine; the defaults (2 digits, as the TF.js demo chose) are the shortest run measured to
# learn every 2-digit sum (docs/lab-notebook.md, "The Train tab reading columns").
SETTINGS = (
    Setting(
        "digits",
        "digits",
        "Digits",
        2,
        limits=(1, 20),
        info=f"keras-io: 1 to {MAX_KERAS_IO_DIGITS}; column: the longest numbers it trains on",
    ),
    Setting("training_size", "training_size", "Training questions", 5_000, limits=(20, 100_000)),
    Setting("cell", "cell", "Cell", "LSTM", choices={layer: cell for cell, layer in CELLS.items()}),
    Setting("hidden_size", "hidden_size", "Hidden size", 80, limits=(4, 256)),
    Setting(
        "layers",
        "num_layers",
        "Layers",
        1,
        limits=(1, 3),
        info="keras-io: in its decoder; column: all its recurrent layers",
    ),
    Setting(
        "reverse",
        "reverse",
        "Reverse the question",
        True,
        info="units first: its columns from the units up (ours), or the whole string reversed (keras-io)",
    ),
    Setting("epochs", "epochs", "Epochs", 11, limits=(1, 100)),
    Setting("batch_size", "batch_size", "Batch size", 64, limits=(8, 1024), step=8),
    Setting(
        "recipe",
        None,
        "Starting recipe",
        "ours",
        choices={"ours": "ours", "keras-io": "keras-io"},
        info=f"ours: a warm-up to a peak of {TAB_RECIPES['ours'].learning_rate}, then cosine decay, the question read "
        "column by column (012+345 as +251403), answers written units first, carry-heavy and round questions; "
        f"keras-io: the original example's recipe (a constant learning rate of "
        f"{TAB_RECIPES['keras-io'].learning_rate}, the question padded with spaces, not column by column, and "
        'reversed whole when "Reverse the question" is ticked, the answer written in reading order)',
    ),
    Setting(
        "architecture",
        None,
        "Network",
        "keras-io",
        choices={"keras-io": "keras-io", "column": "column"},
        info="keras-io: the example's encoder and decoder, for sums of a fixed width; column: one step per "
        "column, units first, which adds numbers of any length",
    ),
)
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def api_arguments(**changes) -> list:
    """The ``/train`` API's positional arguments (the table's order): the defaults with ``changes``."""
    if unknown := set(changes) - set(DEFAULTS):
        raise ValueError(f"no setting named {', '.join(sorted(unknown))}")
    return [changes.get(setting.name, setting.default) for setting in SETTINGS]


COLUMN_FIELDS = {
    "digits": "max_digits",
    "training_size": "sums_per_epoch",
    "cell": "cell",
    "hidden_size": "hidden_size",
    "layers": "num_layers",
    "epochs": "epochs",
    "batch_size": "batch_size",
}
# The column network's run in the tab: the library's (the lab notebook's "The column network")
# with the epochs that fit the tab: fresh sums of up to 20 digits each epoch, and accuracy
# checked at 10, 30 and 100 digits after each one, the lengths it never trains on.
COLUMN_DEFAULTS = {
    **DEFAULTS,
    **{name: getattr(ColumnConfig(), field) for name, field in COLUMN_FIELDS.items() if name != "cell"},
    "architecture": "column",
    "epochs": 10,
}
COLUMN_MONITOR_LENGTHS = (10, 30, 100)
# What the column network has no use for (it reads the columns units first whatever the question's
# order, on a recipe of its own): greyed out while it is picked.
COLUMN_IGNORES = tuple(name for name in DEFAULTS if name not in COLUMN_FIELDS and name != "architecture")


def controls_for(architecture: str) -> dict[str, dict]:
    """Each control's state (as Gradio's update arguments) when ``architecture`` is picked: its
    default, whether that network uses it, and the Digits slider's end at the longest operands
    it trains on. (The slider is built with the column network's range, which the /train API
    documents and takes for either network, refusing the keras-io network's longer ones in words.)"""
    column = architecture == "column"
    chosen = COLUMN_DEFAULTS if column else DEFAULTS
    states = {name: {"value": chosen[name]} for name in DEFAULTS if name != "architecture"}
    for name in COLUMN_IGNORES:
        states[name]["interactive"] = not column
    (digits,) = (setting for setting in SETTINGS if setting.name == "digits")
    states["digits"]["maximum"] = digits.limits[1] if column else MAX_KERAS_IO_DIGITS
    return states


def training_config(**values) -> TrainConfig:
    """The visitor's settings (by ``SETTINGS`` name; missing ones take their defaults) as a
    ``TrainConfig``, or ``ValueError`` with a sentence saying what to change."""
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"There is no setting called {sorted(unknown)[0][:40]!r}.")
    chosen = {setting.name: _checked(setting, values.get(setting.name, setting.default)) for setting in SETTINGS}
    # For either network (the column network's questions are its sums per epoch): a batch this
    # much larger than the questions makes a run of a step or two per epoch, which learns nothing.
    if chosen["training_size"] * 0.9 < chosen["batch_size"] / 4:
        raise ValueError("The batch is far larger than the training questions: use a smaller batch or more questions.")
    if chosen["architecture"] == "column":
        fields = {field: chosen[name] for name, field in COLUMN_FIELDS.items()}
        return ColumnConfig(**fields, monitor_lengths=COLUMN_MONITOR_LENGTHS)
    if chosen["digits"] > MAX_KERAS_IO_DIGITS:
        raise ValueError(
            f"The keras-io network takes operands of 1 to {MAX_KERAS_IO_DIGITS} digits here: "
            "for longer ones pick the column network."
        )
    available = count_distinct_questions(chosen["digits"])
    if chosen["training_size"] > available:
        raise ValueError(
            f"There are only {available:,} different sums of {chosen['digits']}-digit numbers "
            f"(a+b and b+a count once): ask for at most that many questions."
        )
    base = TAB_RECIPES[chosen["recipe"]]
    fields = {setting.field: chosen[setting.name] for setting in SETTINGS if setting.field}
    # Fresh short sums each epoch, in proportion to a small training set.
    return base.replace(**fields, short_sums=min(base.short_sums, chosen["training_size"] // 10))


def _checked(setting: Setting, value):
    """One setting's value as the config takes it, or ``ValueError`` naming the setting."""
    if setting.choices is not None:
        if not isinstance(value, str) or value not in setting.choices:
            raise ValueError(f"{setting.label} must be one of {', '.join(setting.choices)}.")
        return setting.choices[value]
    if isinstance(setting.default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{setting.label} is a yes or no (true or false).")
        return value
    low, high = setting.limits
    words = f"{setting.label} must be a whole number from {low:,} to {high:,}."
    # A bool is an int to Python, a string or list is no number, and a 400-digit int no float: all
    # refused in words.
    if not is_finite_number(value) or not float(value).is_integer() or not low <= value <= high:
        raise ValueError(words)
    return int(value)
