"""What the app's Train tab shows, as pure functions: the visitor's settings checked into a
``TrainConfig``, and a run's events (``addition.trainer``) turned into curves, a status line and
the watched held-out questions marked ☑/☒."""

from __future__ import annotations

import time

from . import CHECK, CROSS
from .config import RECIPES, TrainConfig
from .data import count_distinct_questions

CELL_NAMES = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "simplernn"}
RECIPE_NAMES = {"ours": "ours", "keras-io": "seed"}
# What a visitor may ask for: enough to see every effect, small enough for a shared 2-core machine.
LIMITS = {"digits": (1, 5), "training_size": (20, 100_000), "hidden_size": (4, 256), "layers": (1, 3),
          "epochs": (1, 100), "batch_size": (8, 1024)}
# The tab's defaults: 2 digits, as the TF.js demo chose; about a minute on 2 CPU cores.
DEFAULTS = {"digits": 2, "training_size": 5_000, "cell": "LSTM", "hidden_size": 128, "layers": 1,
            "reverse": True, "epochs": 30, "batch_size": 64, "recipe": "ours"}
WATCH_HEADERS = ["question", "true answer", "model answer", "right?"]


def training_config(digits, training_size, cell, hidden_size, layers, reverse, epochs, batch_size,
                    recipe="ours") -> TrainConfig:
    """The visitor's settings as a ``TrainConfig``, or ``ValueError`` with a sentence saying what to change."""
    values = {"digits": digits, "training_size": training_size, "hidden_size": hidden_size, "layers": layers,
              "epochs": epochs, "batch_size": batch_size}
    whole = {}
    for name, value in values.items():
        low, high = LIMITS[name]
        words = name.replace("_", " ").capitalize()
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{words} must be a whole number from {low:,} to {high:,}.") from None
        if not number.is_integer() or not low <= number <= high:
            raise ValueError(f"{words} must be a whole number from {low:,} to {high:,}.")
        whole[name] = int(number)
    if cell not in CELL_NAMES:
        raise ValueError(f"The cell must be one of {', '.join(CELL_NAMES)}.")
    if recipe not in RECIPE_NAMES:
        raise ValueError(f"The starting recipe must be one of {', '.join(RECIPE_NAMES)}.")
    if not isinstance(reverse, bool):
        raise ValueError("Reversing the question is a yes or no.")
    available = count_distinct_questions(whole["digits"])
    if whole["training_size"] > available:
        raise ValueError(f"There are only {available:,} different sums of {whole['digits']}-digit numbers "
                         f"(a+b and b+a count once): ask for at most that many questions.")
    if whole["training_size"] * 0.9 < whole["batch_size"] / 4:
        raise ValueError("The batch is far larger than the training questions: use a smaller batch or more questions.")
    base = RECIPES[RECIPE_NAMES[recipe]]
    return base.replace(
        digits=whole["digits"], training_size=whole["training_size"], cell=CELL_NAMES[cell],
        hidden_size=whole["hidden_size"], num_layers=whole["layers"], reverse=reverse, epochs=whole["epochs"],
        batch_size=whole["batch_size"],
        # Fresh short sums each epoch, in proportion to a small training set.
        short_sums=min(base.short_sums, whole["training_size"] // 10),
    )


class TrainingProgress:
    """A run's events so far, and what the tab shows of them."""

    def __init__(self, config: TrainConfig, clock=time.monotonic):
        self.config, self.clock = config, clock
        self.started = clock()
        self.watch: list[tuple[int, int]] = []
        self.watch_answers: list[str] = []
        self.records: list[dict] = []
        self.position = (0, 0, 1)  # (epoch, step, steps per epoch)
        self.questions_per_epoch = 0
        self.loss = None
        self.result: dict | None = None

    def add(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "started":
            self.started = self.clock()  # The clock starts with the training, not the queue.
            self.watch = [tuple(pair) for pair in event["watch"]]
            self.questions_per_epoch = event["questions_per_epoch"]
            self.position = (1, 0, event["steps"])
        elif kind == "progress":
            self.position = (event["epoch"], event["step"], event["steps"])
            self.loss = event["loss"]
        elif kind == "epoch":
            self.records.append(event["record"])
            self.watch_answers = event["watch_answers"]
            self.position = (len(self.records) + 1, 0, self.position[2])
        elif kind == "done":
            self.result = event

    def done_fraction(self) -> float:
        epoch, step, steps = self.position
        return min(1.0, (max(epoch - 1, 0) + step / max(steps, 1)) / self.config.epochs)

    def status(self) -> str:
        elapsed = self.clock() - self.started
        fraction = self.done_fraction()
        if self.result:
            how = "stopped at the time limit" if self.result.get("capped") else \
                "stopped" if self.result.get("stopped") else "finished"
            return (f"**{how.capitalize()}** after {self.result['epochs_run']} epoch(s), "
                    f"{self.result['seconds']:.0f} s: whole answers right on "
                    f"{self.result['validation_exact_match']:.1%} of the held-out questions (best epoch "
                    f"{self.result['best_epoch']}, kept). Your model is now in the Model menu, for you only.")
        parts = [f"**Epoch {min(self.position[0], self.config.epochs)} of {self.config.epochs}**",
                 f"{elapsed:.0f} s elapsed"]
        if fraction > 0:
            parts.append(f"about {elapsed / fraction - elapsed:.0f} s left")
            parts.append(f"{self.questions_per_epoch * fraction * self.config.epochs / max(elapsed, 1e-9):,.0f} questions/s")
        if self.records:
            last = self.records[-1]
            parts.append(f"held-out whole answers {last['val_exact_match']:.1%}, characters {last['val_accuracy']:.1%}")
        elif self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        return " · ".join(parts)

    def curves(self):
        """(accuracy %, loss) per epoch in long form, for two line plots."""
        import pandas as pd

        names = {"exact_match": "whole answers (train)", "val_exact_match": "whole answers (held out)",
                 "accuracy": "characters (train)", "val_accuracy": "characters (held out)"}
        accuracy = [{"epoch": r["epoch"], "metric": label, "accuracy %": round(100 * r[key], 2)}
                    for r in self.records for key, label in names.items() if r.get(key) is not None]
        loss = [{"epoch": r["epoch"], "metric": label, "loss": r[key]}
                for r in self.records for key, label in (("loss", "train"), ("val_loss", "held out"))
                if r.get(key) is not None]
        return (pd.DataFrame(accuracy, columns=["epoch", "metric", "accuracy %"]),
                pd.DataFrame(loss, columns=["epoch", "metric", "loss"]))

    def watch_rows(self) -> list[list]:
        """The watched held-out questions with the model's latest answers, marked against Python's sum."""
        rows = []
        for index, (a, b) in enumerate(self.watch):
            answer = self.watch_answers[index] if index < len(self.watch_answers) else ""
            mark = "" if not self.watch_answers else CHECK if answer == str(a + b) else CROSS
            rows.append([f"{a}+{b}", a + b, answer or "…", mark])
        return rows

    def summary(self, label: str) -> dict:
        """The last update's JSON: what an API caller needs to use the model."""
        result = self.result or {}
        return {"model": label, "epochs_run": result.get("epochs_run", len(self.records)),
                "best_epoch": result.get("best_epoch"), "seconds": result.get("seconds"),
                "validation_exact_match": result.get("validation_exact_match"),
                "stopped": bool(result.get("stopped")), "capped": bool(result.get("capped")),
                "settings": self.config.to_json()}
