"""What the app's Train tab shows, as pure functions: the visitor's settings checked into a
``TrainConfig``, and a run's events (``demo.worker``) turned into curves, a status line and
the watched held-out questions marked ☑/☒."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from addition.config import CELLS, KERAS_IO_RECIPE, RECIPES, ColumnConfig, TrainConfig, digits_label, is_finite_number
from addition.data import count_distinct_questions
from addition.evaluation import plural

from .learn_views import curves
from .views import marked_sum, true_sums


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


PACE_SECONDS = 5.0  # Steps timed before a run's projected length is said: a steadier pace than one step's.
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


def by_length(record: dict) -> str:
    """A column network's epoch record as the status says it: the whole answers at each length."""
    scores = record["exact_match_by_length"].items()
    return "held-out whole answers " + ", ".join(f"{digits_label(length)} {share:.0%}" for length, share in scores)


class TrainingProgress:
    """A run's events so far, and what the tab shows of them."""

    def __init__(self, config: TrainConfig, clock=time.monotonic, limit_seconds: float | None = None):
        self.config, self.clock, self.limit_seconds = config, clock, limit_seconds
        self.started = clock()
        self.paced_from: tuple[float, int] | None = None  # (time, steps done) at the first progress event.
        self.watch: list[tuple[int, int]] = []
        self.watch_answers: list[str] = []
        self.records: list[dict] = []
        self.position = (0, 0, 1)  # (epoch, step, steps per epoch)
        self.questions_per_epoch = 0
        self.loss = None
        self.result: dict | None = None
        self.grid: dict | None = None  # The first watched sum's dependency grids, after the last epoch.

    def add(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "started":
            self.watch = [tuple(pair) for pair in event["watch"]]
            self.questions_per_epoch = event["questions_per_epoch"]
            self.position = (1, 0, event["steps"])
        elif kind == "progress":
            self.position = (event["epoch"], event["step"], event["steps"])
            self.loss = event["loss"]
            if self.paced_from is None:  # After the first step, which built the network's graphs.
                self.paced_from = (self.clock(), self.steps_done())
        elif kind == "epoch":
            self.records.append(event["record"])
            self.watch_answers = event["watch_answers"]
            self.grid = event.get("grid") or self.grid
            self.position = (len(self.records) + 1, 0, self.position[2])
        elif kind == "done":
            self.result = event

    def epoch_seconds(self) -> float | None:
        """How long the last finished epoch took; None before a second one has finished: the
        first includes building the network's graphs, and an estimate from it overshoots."""
        if len(self.records) < 2:
            return None
        return self.records[-1]["seconds"] - self.records[-2]["seconds"]

    def steps_done(self) -> int:
        epoch, step, steps = self.position
        return max(epoch - 1, 0) * steps + step

    def projected_seconds(self) -> float | None:
        """The whole run's length at the pace of its steps so far (from the first progress event
        on: the first step built the graphs), or None until that pace has had a few seconds."""
        if self.paced_from is None:
            return None
        since, steps_then = self.paced_from
        seconds, steps = self.clock() - since, self.steps_done() - steps_then
        if seconds < PACE_SECONDS or steps < 1:
            return None
        left = self.config.epochs * self.position[2] - self.steps_done()
        return self.clock() - self.started + left * seconds / steps

    def status(self, stopping: bool = False) -> str:
        """One line on the run: starting, the epoch under way with what is known so far (an
        estimate only once a second epoch's time is; the steps of the first two; a warning when
        its pace passes the time limit), stopping, or how it ended."""
        elapsed = self.clock() - self.started
        if self.result:
            return self._ending(elapsed)
        if stopping:
            return f"**Stopping** after the current step; the best finished epoch, if any, is kept… ({elapsed:.0f} s)"
        if not self.records and self.position[1] == 0:  # Nothing trained yet.
            return f"**Starting:** generating the questions and building the network… ({elapsed:.0f} s)"
        parts = [
            f"**Epoch {min(self.position[0], self.config.epochs)} of {self.config.epochs}**",
            f"{elapsed:.0f} s elapsed",
        ]
        per_epoch = self.epoch_seconds()
        if per_epoch:
            parts.append(f"about {per_epoch * (self.config.epochs - len(self.records)):.0f} s left")
            parts.append(f"{self.questions_per_epoch / per_epoch:,.0f} questions/s")
        elif self.position[1]:
            parts.append(f"step {self.position[1]:,} of {self.position[2]:,}")
        projected = self.projected_seconds()
        if self.limit_seconds and projected and projected > self.limit_seconds:
            parts.append(
                f"at this pace it needs about {projected / 60:.0f} min, past the {self.limit_seconds / 60:.0f}-minute "
                "limit, where it stops (keeping its best finished epoch, if any); to train it whole, press Stop "
                "and ask for fewer questions, fewer epochs or a smaller network"
            )
        if self.records:  # The last finished epoch's score, named as its own: not the epoch under way.
            last = self.records[-1]
            if "exact_match_by_length" in last:  # The column network: whole answers at each length checked.
                parts.append(f"after epoch {last['epoch']}: {by_length(last)}")
            else:
                parts.append(
                    f"after epoch {last['epoch']}: held-out whole answers {last['val_exact_match']:.1%}, "
                    f"characters {last['val_accuracy']:.1%}"
                )
        elif self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        return " · ".join(parts)

    def _ending(self, elapsed: float) -> str:
        result = self.result
        how = (
            "stopped at the time limit" if result.get("capped") else "stopped" if result.get("stopped") else "finished"
        )
        if not result["epochs_run"]:
            return f"**{how.capitalize()}** before its first epoch ended: there is no model to keep."
        kept = next((record for record in self.records if record["epoch"] == result["best_epoch"]), {})
        if "exact_match_by_length" in kept:  # The column network: each length, not one pooled share.
            scores = by_length(kept)
        else:
            scores = f"whole answers right on {result['validation_exact_match']:.1%} of the held-out questions"
        return (
            f"**{how.capitalize()}** after {plural(result['epochs_run'], 'epoch')}, {result['seconds']:.0f} s of "
            f"training ({max(elapsed, result['seconds']):.0f} s in all): {scores} "
            f"(best epoch {result['best_epoch']}, kept). Your model is now in the Model menu, for you only."
        )

    def curves(self):
        """(accuracy %, loss) per epoch in long form, for two line plots (``learn_views.curves``; for
        the column network, one line per length checked)."""
        return curves(self.records, self.config.epochs)

    def watch_rows(self) -> list[list]:
        """The watched held-out questions with the model's latest answers, marked against Python's
        sum: blank until the first epoch has answered them; an empty answer says so."""
        answers = self.watch_answers + [None] * (len(self.watch) - len(self.watch_answers))
        totals = true_sums(self.watch)
        return [marked_sum(a, b, total, answer) for (a, b), total, answer in zip(self.watch, totals, answers)]

    def summary(self, label: str) -> dict:
        """The last update's JSON: what an API caller needs to use the model."""
        result = self.result or {}
        return {
            "model": label,
            "epochs_run": result.get("epochs_run", len(self.records)),
            "best_epoch": result.get("best_epoch"),
            "seconds": result.get("seconds"),
            "validation_exact_match": result.get("validation_exact_match"),
            "stopped": bool(result.get("stopped")),
            "capped": bool(result.get("capped")),
            "settings": self.config.to_json(),
        }
