"""Training beside the app: runs in worker processes started before they are needed, and reused.

The app must keep answering sums while visitors train, and TensorFlow is not fork-safe, so a
worker is a fresh interpreter (a ``spawn`` start) at lower CPU priority with TensorFlow on one
thread. Importing TensorFlow takes seconds, so ``training_workers.TrainingWorkers`` starts each worker ahead: it
imports TensorFlow, makes the Train tab's default run ahead (its network built and traced) and
waits. A run then starts at once, and a default one without TensorFlow's first trace.
When the run is over, its worker clears Keras's session, makes the default run ahead again and
waits for the next run (at most
``RUNS_PER_WORKER`` of them, then a fresh process takes its place): every run builds its own
network, sets every random seed from its own settings and writes only its own folder, so nothing
of one visitor's run (weights, random state, files) reaches another's, and the next visitor does
not pay for importing TensorFlow again.

A run drives the same ``train_and_save`` as train.py (``column_training.train_and_save_column``
for the column network) and sends its events:

    {"event": "started", "watch": [[a, b], ...], "epochs": E, "steps": S, "questions_per_epoch": Q}
    {"event": "progress", "epoch": e, "step": s, "steps": S, "loss": l}       now and then within an epoch
    {"event": "epoch", "record": {...history record...}, "watch_answers": ["12", ...], "grid": {...}}
    {"event": "done", "folder": ..., "best_epoch": b, "epochs_run": n, "seconds": t, "stopped": bool, ...}
    {"event": "error", "message": "..."}

"stop" from the app ends the run after the current step; the app going away ends the worker.
The run also stops at its wall-time cap. Either way the best epoch so far is saved, like a
finished run; stopped before its first epoch ends, a run saves nothing and says so
("epochs_run": 0). After an error the worker exits rather than serve another run.
"""

from __future__ import annotations

import os
import queue
import threading
import time

WATCHED = 10  # Held-out questions whose answers the visitor watches change, epoch after epoch.
# The column network's watched sums: one of each length, from what it trains on to far past it.
COLUMN_WATCHED_LENGTHS = (2, 5, 10, 20, 30, 50, 100, 200, 500, 1000)
PROGRESS_EVERY = 1.0  # Seconds between progress events within an epoch.
# Runs one worker serves before a fresh process takes its place, so that whatever a long-lived
# TensorFlow process keeps (memory it does not give back) stays bounded.
RUNS_PER_WORKER = 20
THREAD_SETTINGS = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
# What a worker calls itself in the process table (Linux's /proc/PID/comm): getting ready (importing
# TensorFlow, or making the default run ahead), waiting for a run, training a visitor's run.
STARTING_NAME, READY_NAME, TRAINING_NAME = "addition-start", "addition-ready", "addition-train"


# The worker's side.


def serve_runs(control, events, runs: int, ahead: bool = True) -> None:
    """A worker process: get ready, then serve up to ``runs`` runs, one after another, and exit.
    ``control`` brings each job (``(architecture, config as JSON, folder, max_seconds)``) and
    "stop"; ``events`` takes every event, and "ready" each time the worker waits for a job.
    ``ahead``: make the tab's default run ahead each time (not for a worker started for a run
    that already waits)."""
    os.nice(10)  # Answering sums comes first.
    os.environ.update(THREAD_SETTINGS)
    name_process(STARTING_NAME)
    jobs: queue.Queue = queue.Queue()  # (job, its stop event), or None: no more.
    latest = [threading.Event()]  # The stop event of the latest job.

    def listen():
        """The only reader of ``control``: each job goes in line with a stop event of its own,
        and "stop" sets the latest job's. (The app sends a run's "stop" after its job and before
        the next job, never after that: it cannot reach a later run.)"""
        try:
            while True:
                message = control.recv()
                if message == "stop":
                    latest[0].set()
                else:
                    latest[0] = threading.Event()
                    jobs.put((message, latest[0]))
        except (EOFError, OSError):  # The app went away, or retired this worker.
            latest[0].set()
            jobs.put(None)

    threading.Thread(target=listen, daemon=True).start()
    try:
        warm_up()
        for _ in range(runs):
            made_ahead = default_run_ahead() if ahead else None
            name_process(READY_NAME)
            events.send({"event": "ready"})
            item = jobs.get()
            if item is None:
                return
            job, stop = item
            name_process(TRAINING_NAME)
            run(*job, stop, events, made_ahead)
            name_process(STARTING_NAME)  # Getting ready again: no visitor's run is under way.
            forget_the_run()
    except (EOFError, OSError):  # The app went away.
        return
    except Exception as error:  # Reported to the app in one line; the app shows it in words.
        from addition.errors import first_line

        events.send({"event": "error", "message": first_line(error)})


def forget_the_run() -> None:
    """Drop what Keras keeps of the run that ended (its graphs and layer names), so that the
    next starts as in a fresh process; the next run sets its own random seeds."""
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()


def name_process(name: str) -> None:
    """Name this process in the process table, so that an owner (and the tests) can tell the
    workers that wait from those that train; nothing happens where Linux's prctl is missing."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # 15: PR_SET_NAME.
    except (OSError, AttributeError):
        pass


def warm_up() -> None:
    """Import TensorFlow, on one thread."""
    from addition.cli import import_tensorflow

    import_tensorflow()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def default_run_ahead() -> KerasIoRun:
    """The Train tab's default run, made while the worker waits: most visitors press Train as
    the tab opens, and their run then starts without TensorFlow's first trace of a network, the
    longest part of its first epoch (docs/lab-notebook.md, "A class at once")."""
    from .train_settings import DEFAULTS, training_config

    ahead = KerasIoRun(training_config(**DEFAULTS))
    ahead.trace_ahead()
    return ahead


def run(
    architecture: str,
    settings: dict,
    folder: str,
    max_seconds: float,
    stop: threading.Event,
    events,
    ahead: KerasIoRun | None = None,
) -> None:
    """One training of either network, reporting as it goes (the module docstring's events);
    it stops after the current step once ``stop`` is set. ``ahead``: a run made ahead, taken
    when its settings are exactly these."""
    import keras

    from addition.config import ARCHITECTURES
    from addition.errors import StoppedBeforeAnEpoch

    config = ARCHITECTURES[architecture](**settings)
    if architecture == "column":
        network = ColumnRun(config)
    else:
        network = ahead if ahead is not None and ahead.config == config else KerasIoRun(config)
    deadline = time.monotonic() + max_seconds
    events.send(
        {
            "event": "started",
            "watch": network.watch,
            "epochs": config.epochs,
            "steps": network.steps,
            "questions_per_epoch": network.questions,
        }
    )
    history: list[dict] = []

    class Report(keras.callbacks.Callback):
        """Stops on request or at the cap; reports within epochs, and the watched answers after each."""

        def __init__(self):
            super().__init__()
            self.epoch, self.last = 0, time.monotonic()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            if stop.is_set() or time.monotonic() > deadline:  # Within the first epoch: StoppedBeforeAnEpoch.
                self.model.stop_training = True
            if time.monotonic() - self.last >= PROGRESS_EVERY:
                self.last = time.monotonic()
                events.send(
                    {
                        "event": "progress",
                        "epoch": self.epoch,
                        "step": batch + 1,
                        "steps": network.steps,
                        "loss": float((logs or {}).get("loss", float("nan"))),
                    }
                )

        def on_epoch_end(self, epoch, logs=None):  # After the monitor has made the epoch's record.
            if not history or history[-1]["epoch"] != epoch + 1:
                return  # Stopped within the epoch: no record, nothing to show.
            answers, grid = network.look(self.model)
            events.send({"event": "epoch", "record": history[-1], "watch_answers": answers, "grid": grid})

    started = time.monotonic()
    try:
        result, saved = network.train_and_save(folder, history.append, Report())
    except StoppedBeforeAnEpoch:
        capped = time.monotonic() > deadline
        events.send(
            {
                "event": "done",
                "folder": None,
                "best_epoch": 0,
                "epochs_run": 0,
                "seconds": round(time.monotonic() - started, 1),
                "validation_exact_match": None,
                "stopped": True,
                "capped": capped,
            }
        )
        return
    capped = time.monotonic() > deadline
    best = next(record for record in result.history if record["epoch"] == result.best_epoch)
    events.send(
        {
            "event": "done",
            "folder": str(saved),
            "best_epoch": result.best_epoch,
            "epochs_run": len(result.history),
            "seconds": round(result.seconds, 1),
            "validation_exact_match": best["val_exact_match"],
            "stopped": stop.is_set() or capped,
            "capped": capped,
        }
    )


class KerasIoRun:
    """The keras-io network's run: its held-out questions, ten of them watched, and after each
    epoch their answers and what each answer digit of the first depends on."""

    def __init__(self, config):
        from addition.training import prepare_data, steps_per_epoch

        self.config, self.data = config, prepare_data(config)
        self.watch = self.data.validation_pairs[:WATCHED].tolist()
        self.questions = len(self.data.training_pairs) + config.short_sums
        self.steps = steps_per_epoch(config, self.data)
        self.network = None  # Made here by trace_ahead, else by the training.

    def trace_ahead(self) -> None:
        """Make the run's network now and have TensorFlow trace what the run calls (a training
        step, the monitor's forward pass) on its own questions; then put the weights and the
        optimizer back as they were made, so that the run trains exactly the weights it would
        have from scratch (tested)."""
        from addition.predictor import Predictor
        from addition.training import new_network

        network, codec = new_network(self.config, self.data), self.data.codec
        weights = network.get_weights()
        network.optimizer.build(network.trainable_variables)
        optimizer = [variable.numpy() for variable in network.optimizer.variables]
        # A full batch, and a partial one where the run's epochs end with one: Keras leaves the
        # batch size open exactly when an epoch has a partial batch, and traces each case apart.
        partial = self.questions % self.config.batch_size != 0
        pairs = self.data.training_pairs[: self.config.batch_size + partial]
        network.fit(
            codec.encode_questions(pairs),
            codec.encode_answers(pairs),
            batch_size=self.config.batch_size,
            epochs=1,
            verbose=0,
        )
        predictor = Predictor(network, codec, xla=False)
        predictor.answers(pairs[:1]), predictor.answers(pairs[:2])  # One question, and a chunk.
        network.set_weights(weights)
        for variable, value in zip(network.optimizer.variables, optimizer):
            variable.assign(value)
        self.network = network

    def look(self, model) -> tuple[list, dict]:
        from addition.inside import dependency_grids
        from addition.predictor import Predictor

        predictor = Predictor(model, self.data.codec, xla=False)  # The monitor's forward pass, already traced.
        return (
            [answer.strip() for answer in predictor.answers(self.watch)],
            dependency_grids(predictor, *self.watch[0]),
        )

    def train_and_save(self, folder, on_record, report):
        from addition.training import train_and_save

        result, saved, _ = train_and_save(
            self.config,
            folder,
            command="the app's Train tab",
            whole_space_sample=10_000,
            on_epoch=lambda record, samples: on_record(record),
            callbacks=[report],
            data=self.data,
            network=self.network,
        )
        return result, saved


class ColumnRun:
    """The column network's run: fresh sums each epoch, watched on one sum of each of
    ``COLUMN_WATCHED_LENGTHS`` digits (most far past the lengths it trains on)."""

    def __init__(self, config):
        import numpy as np

        from addition.column_data import random_sums

        rng = np.random.default_rng(config.random_seed)
        self.config = config
        self.watch = [list(pair) for length in COLUMN_WATCHED_LENGTHS for pair in random_sums(rng, length, 1)]
        self.questions = config.sums_per_epoch
        self.steps = -(-self.questions // config.batch_size)

    def look(self, model) -> tuple[list, dict]:
        from addition.column import ColumnPredictor
        from addition.column_inside import dependency_grids

        predictor = ColumnPredictor(model)
        return predictor.answers(self.watch), dependency_grids(predictor, *self.watch[0])

    def train_and_save(self, folder, on_record, report):
        from addition.column_training import train_and_save_column

        result, saved, _ = train_and_save_column(
            self.config, folder, command="the app's Train tab", on_epoch=on_record, callbacks=[report]
        )
        return result, saved
