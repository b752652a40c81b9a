"""Train the seq2seq LSTM with validation data, watching whole answers, keeping the best epoch;
then score it on the whole space and save its folder (``train_and_save``, what train.py runs),
and, if asked, the network as it was after a few early epochs, still making mistakes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import keras
import numpy as np

from .codec import Codec
from .config import TrainConfig
from .data import (
    WHOLE_SPACE_SEED,
    count_distinct_questions,
    draw_fresh_questions,
    draw_short_sums,
    generate_questions,
    split_questions,
    whole_space_or_sample,
)
from .errors import StoppedBeforeAnEpoch
from .evaluation import describe_mistake, evaluate, score
from .model import build_model, count_parameters
from .predictor import Predictor
from .saving import save_model_folder, snapshot_folder, software

# Whole-answer accuracy on the training set is measured on a fixed sample of this size, so
# that watching it costs little next to an epoch.
TRAINING_MONITOR_SIZE = 2_000
SAMPLES_PER_EPOCH = 10


@dataclass
class PreparedData:
    codec: Codec
    training_pairs: np.ndarray
    validation_pairs: np.ndarray


@dataclass
class TrainResult:
    model: object
    codec: Codec
    config: TrainConfig
    validation_pairs: np.ndarray
    history: list  # One dict of metrics per epoch.
    best_epoch: int
    seconds: float
    validation: dict  # evaluate() of the best weights on the validation questions.
    kept_weights: dict = field(default_factory=dict)  # Epoch -> the weights after it, for ``keep_epochs``.


def prepare_data(config: TrainConfig) -> PreparedData:
    codec = config.codec()
    pairs = generate_questions(config.digits, config.training_size, config.random_seed, config.sampling)
    training_pairs, validation_pairs = split_questions(pairs, config.validation_fraction)
    return PreparedData(codec, training_pairs, validation_pairs)


class WholeRunProgressBar(keras.callbacks.ProgbarLogger):
    """Keras's progress bar, saying "Epoch 3/8" although each fit call runs a single epoch."""

    def __init__(self, epochs: int):
        super().__init__()
        self.total_epochs = epochs

    def set_params(self, params):
        super().set_params({**params, "epochs": self.total_epochs})


def swap_some(pairs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``pairs`` with each (a, b) turned into (b, a) with probability 1/2."""
    swap = rng.random(len(pairs)) < 0.5
    return np.where(swap[:, None], pairs[:, ::-1], pairs)


def epoch_pairs(data: PreparedData, config: TrainConfig, rng: np.random.Generator, epoch: int = 0) -> np.ndarray:
    """The questions of one epoch: the training questions (with ``fresh_questions``, after the
    first epoch, as many newly drawn ones), each maybe turned around (with ``swap_operands``),
    then ``short_sums`` freshly drawn short sums (Keras shuffles them in)."""
    pairs = data.training_pairs
    # Where the fixed set is already most of the space (2 digits: 4,500 of 5,050), new draws
    # would be near-copies of it, found slowly.
    roomy = count_distinct_questions(config.digits) - len(data.validation_pairs) >= 2 * len(pairs)
    if config.fresh_questions and epoch > 0 and roomy:
        pairs = draw_fresh_questions(config.digits, len(pairs), rng, config.sampling, data.validation_pairs)
    pairs = swap_some(pairs, rng) if config.swap_operands else pairs
    if config.short_sums:
        short = draw_short_sums(config.digits, config.short_sums, rng, data.validation_pairs)
        pairs = np.concatenate([pairs, short])
    return pairs


def distribution_strategy():
    """Several GPUs: mirror the model across them. Otherwise TensorFlow's default strategy.

    Imported lazily so that the package itself stays backend-light.
    """
    import tensorflow as tf

    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def compile_model(model, config: TrainConfig, steps_per_epoch: int) -> None:
    learning_rate = config.learning_rate
    if config.schedule == "cosine":
        warmup_steps = int(config.warmup_fraction * steps_per_epoch * config.epochs)
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.learning_rate / 10 if warmup_steps else config.learning_rate,
            decay_steps=steps_per_epoch * config.epochs - warmup_steps,
            warmup_target=config.learning_rate if warmup_steps else None,
            warmup_steps=warmup_steps,
        )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=config.clipnorm),
        # Integer targets with a sparse loss: the same loss as one-hot targets, less memory.
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=config.steps_per_execution,
    )


class WholeAnswerMonitor(keras.callbacks.Callback):
    """After each epoch: exact-match on validation (and on a sample of the first epoch's
    training questions: with fresh questions each epoch, ones it has met once), ☑/☒ samples,
    the best weights so far, the weights after each of ``keep_epochs``, and an early stop once
    ``target_accuracy`` is reached."""

    def __init__(
        self, codec, training_pairs, validation_pairs, target_accuracy=None, on_epoch=None, seed=0, keep_epochs=()
    ):
        super().__init__()
        self.codec = codec
        self.validation_pairs = validation_pairs
        rng = np.random.default_rng(seed)
        monitor_size = min(TRAINING_MONITOR_SIZE, len(training_pairs))
        self.training_sample = training_pairs[rng.choice(len(training_pairs), monitor_size, replace=False)]
        self.sample_rng = rng
        self.target_accuracy = target_accuracy
        self.on_epoch = on_epoch
        self.history: list[dict] = []
        self.best_score = (-1.0, -np.inf)  # (validation exact-match, minus validation loss): higher is better.
        self.best_epoch = 0
        self.best_weights = None
        self.keep_epochs = set(keep_epochs)
        self.kept_weights: dict[int, list] = {}
        self.reached_target = False
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training:  # Stopped within the epoch (say, a visitor's Stop): no whole epoch to record.
            return
        logs = dict(logs or {})
        predictor = Predictor(self.model, self.codec, xla=False)  # No compile on the training clock.
        validation = score(predictor, self.validation_pairs)
        training = score(predictor, self.training_sample)
        record = {
            "epoch": epoch + 1,
            "seconds": round(time.perf_counter() - self.started, 2),
            "loss": logs.get("loss"),
            "accuracy": logs.get("accuracy"),  # Per character, training set.
            "exact_match": training["exact_match"],  # Whole answers, the sample of the first epoch's questions.
            # Computed here from the one validation pass, the same way Keras would compute them.
            "val_loss": validation["loss"],
            "val_accuracy": validation["per_character"],
            "val_exact_match": validation["exact_match"],
        }
        self.history.append(record)
        # A tie on whole answers (say at 100% of a small validation set) goes to the lower loss:
        # usually a later epoch, trained further down the learning-rate schedule.
        score_now = (validation["exact_match"], -validation["loss"])
        if score_now > self.best_score:
            self.best_score, self.best_epoch = score_now, epoch + 1
            self.best_weights = self.model.get_weights()
        if epoch + 1 in self.keep_epochs:
            self.kept_weights[epoch + 1] = self.model.get_weights()
        self.reached_target = self.target_accuracy is not None and validation["exact_match"] >= self.target_accuracy
        if self.on_epoch is not None:
            self.on_epoch(record, self._samples(validation))

    def _samples(self, validation) -> list[dict]:
        """A few random validation questions with the model's answers, as the keras-io example prints them."""
        chosen = self.sample_rng.choice(len(self.validation_pairs), SAMPLES_PER_EPOCH)
        answers = self.codec.decode_answers(validation["answers"][chosen])
        return [
            {"a": int(a), "b": int(b), "model": answer.strip(), "true": int(a + b), "correct": bool(right)}
            for (a, b), answer, right in zip(self.validation_pairs[chosen], answers, validation["correct"][chosen])
        ]


def steps_per_epoch(config: TrainConfig, data: PreparedData) -> int:
    """Batches in one epoch: the training questions and the epoch's short sums, the last batch partial."""
    return -(-(len(data.training_pairs) + config.short_sums) // config.batch_size)


def new_network(config: TrainConfig, data: PreparedData):
    """The network ``config`` trains, built (its weights drawn from ``config.random_seed``) and
    compiled with its optimizer and learning-rate schedule."""
    keras.utils.set_random_seed(config.random_seed)
    with distribution_strategy().scope():
        model = build_model(data.codec, config.hidden_size, config.num_layers, config.unroll, config.cell)
        compile_model(model, config, steps_per_epoch(config, data))
    return model


def train(
    config: TrainConfig,
    verbose: int = 0,
    on_epoch=None,
    data: PreparedData | None = None,
    callbacks=(),
    keep_epochs=(),
    network=None,
) -> TrainResult:
    """Train per ``config`` and return the best epoch's model with its validation metrics.

    ``on_epoch(record, samples)`` is called after each epoch; ``verbose`` is Keras's (1 shows a
    progress bar); ``callbacks`` are more Keras callbacks, run after the epoch's record is made
    (one that sets ``model.stop_training`` ends the run after that epoch, keeping the best so far;
    ``StoppedBeforeAnEpoch`` if it does so before the first epoch ends); the weights after each
    epoch of ``keep_epochs`` (that the run reaches) are in ``kept_weights``.
    ``network``: ``new_network(config, data)``'s network, untrained, made ahead (the app's
    training workers trace it while they wait); by default made here.
    """
    data = data or prepare_data(config)
    # Seeded by new_network, also when made ahead: setting the seeds again here would also clear
    # TensorFlow's caches, which the network made ahead was traced to fill.
    model = network or new_network(config, data)
    codec = data.codec
    pairs_rng = np.random.default_rng(config.random_seed)  # Orientations, then short sums: the same draws every run.
    monitor = WholeAnswerMonitor(
        codec,
        data.training_pairs,
        data.validation_pairs,
        config.target_accuracy,
        on_epoch,
        config.random_seed,
        keep_epochs,
    )
    # The bar first: it ends its line before the monitor prints the epoch's summary.
    callbacks = ([WholeRunProgressBar(config.epochs)] if verbose else []) + [monitor, *callbacks]
    started = time.perf_counter()
    for epoch in range(config.epochs):  # One fit call per epoch, so that the questions can change.
        pairs = epoch_pairs(data, config, pairs_rng, epoch)
        x_train, y_train = codec.encode_questions(pairs), codec.encode_answers(pairs)
        model.fit(
            x_train,
            y_train,
            batch_size=config.batch_size,
            initial_epoch=epoch,
            epochs=epoch + 1,
            # No validation_data: the monitor's pass over validation gives val_loss and val_accuracy
            # too, so a second pass by Keras would only add time.
            callbacks=callbacks,
            verbose=verbose,
        )
        if monitor.reached_target or model.stop_training:  # A target met, or a callback said stop.
            break
    seconds = time.perf_counter() - started
    if monitor.best_weights is None:
        raise StoppedBeforeAnEpoch
    # Validation accuracy swings from epoch to epoch: ship the best epoch, not the last.
    model.set_weights(monitor.best_weights)
    validation = evaluate(Predictor(model, codec, xla=False), data.validation_pairs)
    return TrainResult(
        model=model,
        codec=codec,
        config=config,
        validation_pairs=data.validation_pairs,
        history=monitor.history,
        best_epoch=monitor.best_epoch,
        seconds=seconds,
        validation=validation,
        kept_weights=monitor.kept_weights,
    )


def train_and_save(
    config: TrainConfig,
    output,
    command: str = "",
    whole_space_sample: int = 100_000,
    verbose: int = 0,
    on_epoch=None,
    callbacks=(),
    data: PreparedData | None = None,
    keep_epochs=(),
    network=None,
):
    """Returns (TrainResult, saved folder, a printable summary).

    For each of ``keep_epochs`` the run reaches, the network as it was after that epoch is saved
    too, in ``snapshot_folder(output, epoch)``: a folder like any other, whose addition.json says
    ``snapshot_epoch``, so that a learner can compare a network still making mistakes."""
    result = train(
        config,
        verbose=verbose,
        on_epoch=on_epoch,
        data=data,
        callbacks=callbacks,
        keep_epochs=keep_epochs,
        network=network,
    )
    metrics = {
        "validation": result.validation,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "training_seconds": round(result.seconds, 1),
    }
    folder = _score_and_save(output, result, metrics, whole_space_sample, command, result.history)
    lines = [summarize(result, metrics, folder)]
    best_weights = result.model.get_weights()
    for epoch, weights in sorted(result.kept_weights.items()):
        result.model.set_weights(weights)
        validation = evaluate(Predictor(result.model, result.codec, xla=False), result.validation_pairs)
        snapshot = {
            "validation": validation,
            "best_epoch": epoch,
            "epochs_run": epoch,
            "training_seconds": result.history[epoch - 1]["seconds"],
        }
        history = result.history[:epoch]
        saved = _score_and_save(
            snapshot_folder(output, epoch), result, snapshot, whole_space_sample, command, history, epoch
        )
        lines.append(f"After epoch {epoch}: {_headline(snapshot)}; saved to {saved}")
    result.model.set_weights(best_weights)
    missed = sorted(set(keep_epochs) - set(result.kept_weights))
    if missed:
        lines.append(f"Not kept: the run ended before epoch {', '.join(map(str, missed))}.")
    return result, folder, "\n".join(lines)


def _score_and_save(output, result: TrainResult, metrics: dict, whole_space_sample, command, history, epoch=None):
    """Scores the model's current weights on the whole space (into ``metrics``) and saves its folder."""
    if whole_space_sample:
        pairs, exhaustive = whole_space_or_sample(result.config.digits, whole_space_sample, WHOLE_SPACE_SEED)
        # The monitor's forward pass, already traced: no compile for one scoring.
        whole = score(Predictor(result.model, result.codec, xla=False), pairs)
        metrics["whole_space_sample"] = {
            "count": whole["count"],
            "exhaustive": exhaustive,
            "seed": None if exhaustive else WHOLE_SPACE_SEED,
            "exact_match": whole["exact_match"],
            "per_character": whole["per_character"],
        }
    info = {
        "architecture": result.config.architecture,
        "training": result.config.to_json(),
        "command": command,
        "parameters": count_parameters(result.model),
        "metrics": metrics,
        "software": software(),
    }
    if epoch is not None:
        info["snapshot_epoch"] = epoch
    return save_model_folder(output, result.model, result.codec, info, result.validation_pairs, history)


def _headline(metrics: dict) -> str:
    line = f"whole answers {metrics['validation']['exact_match']:.2%} of held-out questions"
    if "whole_space_sample" in metrics:
        whole = metrics["whole_space_sample"]
        line += f", {whole['exact_match']:.3%} of {'all ' if whole['exhaustive'] else ''}{whole['count']:,} sums"
    return line


def summarize(result: TrainResult, metrics: dict, folder) -> str:
    validation = result.validation
    lines = [
        f"Trained in {result.seconds:.0f} s; best epoch {result.best_epoch} of {len(result.history)}.",
        f"Validation ({validation['count']:,} held-out questions): whole answers "
        f"{validation['exact_match']:.2%}, characters {validation['per_character']:.2%}.",
    ]
    if "whole_space_sample" in metrics:
        whole = metrics["whole_space_sample"]
        kind = "all" if whole["exhaustive"] else "a random sample of"
        lines.append(
            f"Whole space ({kind} {whole['count']:,} {result.codec.digits}-digit sums): whole answers "
            f"{whole['exact_match']:.3%}, characters {whole['per_character']:.3%}."
        )
    lines += [f"  {describe_mistake(mistake)}" for mistake in validation["mistakes"][:5]]
    lines.append(f"Saved to {folder}")
    return "\n".join(lines)
