"""Train the column network on fresh sums each epoch, watching whole answers at several lengths;
judge it against Python's own addition; save its folder (``train_and_save_column``, what
``python train.py --architecture column`` runs)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import keras
import numpy as np

from .column import (
    BATCH,
    ColumnCodec,
    ColumnPredictor,
    build_column_model,
    checked_pairs,
    decode_answers,
    digits_to_text,
    encode_columns,
    operand_text,
    python_sums,
    shortened,
    units_first,
)
from .column_data import carry_run_sums, chain_sums, draw_training_sums, mixed_sums, random_sums, sum_columns
from .config import ColumnConfig, digits_label, trained_range_label
from .errors import StoppedBeforeAnEpoch
from .evaluation import describe_mistake
from .model import count_parameters
from .saving import save_model_folder, software

MISTAKES_SHOWN = 5
EPSILON = 1e-7  # Probabilities are clipped here before the log, as Keras clips them.
SHOWN_DIGITS = 6  # A long number in a mistake is shown by as many digits at each end: "123456…654321".
HELD_OUT_SEED_OFFSET = 1_000_003  # Held-out sums come from a stream of their own, not the training one.


# Judging, against Python's addition.
def whole_answer_score(predictor: ColumnPredictor, pairs, batch_size: int = BATCH) -> dict:
    """How many of ``pairs`` the model adds exactly right, checked against Python's addition.

    One wrong digit makes a wrong answer. Also: the share of right digits (``per_character``,
    what Keras's ``accuracy`` would say), the mean cross-entropy of the right digits, the lowest
    probability given to any right digit (a model whose carry drifts loses confidence before it
    loses an answer), and up to ``MISTAKES_SHOWN`` mistakes in plain words. Sums of similar
    lengths are batched together, so that a batch pads little."""
    pairs = sorted(checked_pairs(pairs), key=lambda pair: max(len(operand_text(pair[0])), len(operand_text(pair[1]))))
    right_answers, right_digits, digits, losses, lowest, mistakes = 0, 0, 0, [], 1.0, []
    for start in range(0, len(pairs), batch_size):
        batch = pairs[start : start + batch_size]
        probabilities = predictor.probabilities(batch)  # (sums, steps, 10), units first.
        answers, truths = decode_answers(probabilities), python_sums(batch)
        steps = probabilities.shape[1]
        expected = np.stack([units_first(truth.zfill(steps)) for truth in truths]).astype(np.int64)
        right = np.take_along_axis(probabilities, expected[..., None], axis=-1)[..., 0]  # (sums, steps)
        right_digits += int((probabilities.argmax(axis=-1) == expected).sum())
        digits += expected.size
        losses.append(-np.log(np.clip(right, EPSILON, 1.0)).mean(axis=1))
        lowest = min(lowest, float(right.min()))
        for (a, b), answer, truth in zip(batch, answers, truths):
            right_answers += answer == truth
            if answer != truth and len(mistakes) < MISTAKES_SHOWN:
                mistakes.append(describe_long_mistake(a, b, answer, truth))
    return {
        "count": len(pairs),
        "wrong": len(pairs) - right_answers,
        "exact_match": right_answers / len(pairs),
        "per_character": right_digits / digits,
        "loss": float(np.concatenate(losses).mean()),
        "lowest_right_probability": lowest,
        "mistakes": mistakes,
    }


def describe_long_mistake(a, b, answer: str, truth: str) -> str:
    """A wrong answer in words, as ``evaluation.describe_mistake`` says it, long numbers shown by
    their ends, and where the first wrong digit is."""
    width = max(len(answer), len(truth))
    place = int(np.argmax(units_first(answer.zfill(width)) != units_first(truth.zfill(width))))
    shown = {"a": a, "b": b, "model": answer, "true": truth}
    said = describe_mistake({key: shortened(value, SHOWN_DIGITS) for key, value in shown.items()})
    return f"{said} (first wrong digit at place {place:,} from the units)"


# What the column network is held to (the lab notebook's "The column network"): name -> (what,
# quick count, full count).
TARGETS = {
    "mixed": ("random sums, each operand of 1 to 100 digits", 2_000, 10_000),
    "carry-run": ("100-digit sums whose carry runs the whole length", 1_000, 1_000),
    "random-1000": ("random 1,000-digit sums", 200, 1_000),
    "chains": ("9…9+1, 1+9…9, 9…9+9…9 for 1 to 100 nines and 200 to 10,000 nines", None, None),
    "random-10000": ("random 10,000-digit sums (target: 99% or more)", 20, 100),
}
MIXED_MAX_DIGITS = 100
CARRY_RUN_DIGITS = 100
LONG_CHAINS = (200, 500, 1_000, 2_000, 5_000, 10_000)
TARGET_SEED = 30  # The same sums for every model, so that scores compare.


def score_targets(predictor: ColumnPredictor, quick: bool = False, seed: int = TARGET_SEED) -> dict:
    """``whole_answer_score`` of each of ``TARGETS``; ``quick`` checks fewer sums of each kind."""
    rng = np.random.default_rng(seed)
    count = {name: counts[1 if quick else 2] for name, counts in TARGETS.items()}
    chains = [pair for length in (*range(1, MIXED_MAX_DIGITS + 1), *LONG_CHAINS) for pair in chain_sums(length)]
    # Drawn in this order, so that a seed always gives the same sums of each kind.
    sums = {
        "mixed": mixed_sums(rng, count["mixed"], MIXED_MAX_DIGITS),
        "carry-run": carry_run_sums(rng, count["carry-run"], CARRY_RUN_DIGITS),
        "random-1000": random_sums(rng, 1_000, count["random-1000"]),
        "chains": chains,
        "random-10000": random_sums(rng, 10_000, count["random-10000"]),
    }
    return {name: whole_answer_score(predictor, pairs) for name, pairs in sums.items()}


# Training.
@dataclass
class ColumnTrainResult:
    model: object
    config: ColumnConfig
    history: list  # One record per epoch, as passed to on_epoch.
    best_epoch: int
    seconds: float  # Wall time of the whole training, the checks after each epoch included.
    held_out: dict  # Label -> the held-out sums checked after each epoch.


def held_out_sums(config: ColumnConfig) -> dict:
    """The sums checked after each epoch, by label: "1-20" (the training lengths, drawn as the
    training sums are), then "10", "30", ... (random sums of two numbers of that many digits)."""
    rng = np.random.default_rng(config.random_seed + HELD_OUT_SEED_OFFSET)
    first, second = draw_training_sums(
        rng, config.monitor_count, config.min_digits, config.max_digits, config.carry_share, config.runs_share
    )
    trained = trained_range_label(config.min_digits, config.max_digits)
    held_out = {trained: list(zip(digits_to_text(first), digits_to_text(second)))}
    return held_out | {str(length): random_sums(rng, length, config.monitor_count) for length in config.monitor_lengths}


class LengthMonitor(keras.callbacks.Callback):
    """After each epoch: whole answers on the held-out sums of each length; keeps the best
    epoch's weights (most sums right, a tie to the lower loss at the longest length, where a
    drifting carry shows first)."""

    def __init__(self, held_out: dict, on_epoch=None):
        super().__init__()
        self.held_out = held_out
        self.longest = max(held_out, key=lambda label: max(len(a) for pair in held_out[label] for a in pair))
        self.on_epoch = on_epoch
        self.history: list[dict] = []
        self.best_key, self.best_epoch, self.best_weights = None, 0, None
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training:  # Stopped within the epoch (say, a visitor's Stop): no whole epoch to record.
            return
        predictor = ColumnPredictor(self.model)
        scores = {label: whole_answer_score(predictor, pairs) for label, pairs in self.held_out.items()}
        count = sum(score["count"] for score in scores.values())
        right = sum(score["count"] - score["wrong"] for score in scores.values())
        record = {
            "epoch": epoch + 1,
            "seconds": round(time.perf_counter() - self.started, 2),
            "loss": (logs or {}).get("loss"),  # Per digit, on this epoch's training sums.
            "val_loss": float(np.mean([score["loss"] for score in scores.values()])),
            "val_exact_match": right / count,  # Whole answers, every held-out sum.
            "exact_match_by_length": {label: score["exact_match"] for label, score in scores.items()},
            "long_loss": scores[self.longest]["loss"],
        }
        self.history.append(record)
        key = (right, -record["long_loss"])
        if self.best_key is None or key > self.best_key:
            self.best_key, self.best_epoch, self.best_weights = key, epoch + 1, self.model.get_weights()
        if self.on_epoch is not None:
            self.on_epoch(record)


def train_column(
    config: ColumnConfig | None = None, on_epoch=None, verbose: int = 0, callbacks=()
) -> ColumnTrainResult:
    """Train a column network per ``config`` on fresh random sums each epoch; return the best epoch.

    ``on_epoch(record)`` is called after each epoch with its whole-answer accuracy on the
    held-out sums of each length, ``record["exact_match_by_length"]["100"]`` for 100 digits, so
    that a page can show long sums being learnt; ``verbose`` is Keras's (1: a progress bar);
    ``callbacks`` are more Keras callbacks, run after the epoch's record is made (one that sets
    ``model.stop_training`` ends the run after that epoch, keeping the best so far;
    ``StoppedBeforeAnEpoch`` if it does so before the first epoch ends)."""
    from .training import WholeRunProgressBar

    config = config or ColumnConfig()
    keras.utils.set_random_seed(config.random_seed)
    rng = np.random.default_rng(config.random_seed)
    model = build_column_model(config.cell, config.hidden_size, config.num_layers)
    steps_per_epoch = -(-config.sums_per_epoch // config.batch_size)
    learning_rate = config.learning_rate
    if config.schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps_per_epoch * config.epochs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=config.clipnorm),
        loss="sparse_categorical_crossentropy",  # Integer digit targets.
    )
    held_out = held_out_sums(config)
    monitor = LengthMonitor(held_out, on_epoch)
    callbacks = ([WholeRunProgressBar(config.epochs)] if verbose else []) + [monitor, *callbacks]
    started = time.perf_counter()
    for epoch in range(config.epochs):  # One fit call per epoch, so that each sees new sums.
        first, second = draw_training_sums(
            rng, config.sums_per_epoch, config.min_digits, config.max_digits, config.carry_share, config.runs_share
        )
        model.fit(
            encode_columns(first, second),
            sum_columns(first, second),
            batch_size=config.batch_size,
            initial_epoch=epoch,
            epochs=epoch + 1,
            callbacks=callbacks,
            verbose=verbose,
        )
        if model.stop_training:  # A callback said stop.
            break
    seconds = time.perf_counter() - started
    if monitor.best_weights is None:
        raise StoppedBeforeAnEpoch
    model.set_weights(monitor.best_weights)
    return ColumnTrainResult(model, config, monitor.history, monitor.best_epoch, seconds, held_out)


def train_and_save_column(
    config: ColumnConfig, output, command: str = "", verbose: int = 0, on_epoch=None, callbacks=()
):
    """Returns (ColumnTrainResult, saved folder, a printable summary)."""
    result = train_column(config, on_epoch=on_epoch, verbose=verbose, callbacks=callbacks)
    predictor = ColumnPredictor(result.model)
    by_length = {label: whole_answer_score(predictor, pairs) for label, pairs in result.held_out.items()}
    pairs = [pair for sums in result.held_out.values() for pair in sums]
    validation = whole_answer_score(predictor, pairs)
    metrics = {
        "validation": {key: validation[key] for key in ("count", "exact_match", "per_character")},
        "exact_match_by_length": {
            label: {"count": score["count"], "exact_match": score["exact_match"]} for label, score in by_length.items()
        },
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "training_seconds": round(result.seconds, 1),
    }
    info = {
        "architecture": config.architecture,
        "training": config.to_json(),
        "command": command,
        "parameters": count_parameters(result.model),
        "metrics": metrics,
        "software": software(),
    }
    folder = save_model_folder(output, result.model, ColumnCodec(), info, pairs, result.history)
    lines = [
        f"Trained in {result.seconds:.0f} s; best epoch {result.best_epoch} of {len(result.history)}.",
        "Held-out sums, whole answers: "
        + ", ".join(
            f"{digits_label(key)} {score['exact_match']:.0%} of {score['count']}" for key, score in by_length.items()
        ),
        *(f"  {mistake}" for score in by_length.values() for mistake in score["mistakes"][:2]),
        f"Saved to {folder}",
    ]
    return result, folder, "\n".join(lines)
