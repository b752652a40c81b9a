"""Training beside the app: a run in a process of its own, reporting as it learns.

The app must keep answering sums on 2 CPU cores while a visitor trains, and TensorFlow is not
fork-safe, so a run is a fresh interpreter (``python -m demo.worker``, as a spawn start
would make) at lower CPU priority with TensorFlow on one thread. It drives the same
``training.train_and_save`` as train.py and writes one JSON line per event to its stdout:

    {"event": "started", "watch": [[a, b], ...], "epochs": E, "questions_per_epoch": Q}
    {"event": "progress", "epoch": e, "step": s, "steps": S, "seconds": t, "loss": l}  at most every 2 s
    {"event": "epoch", "record": {...history record...}, "watch_answers": ["12", ...], "grid": {...}}
    {"event": "done", "folder": ..., "best_epoch": b, "epochs_run": n, "seconds": t, "stopped": bool, ...}
    {"event": "error", "message": "..."}

A line "stop" on its stdin (or stdin closing: the app went away) ends the run after the
current step; the run also stops at its wall-time cap. Either way the best epoch so far is
saved, like a finished run.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from addition.config import TrainConfig

WATCHED = 10  # Held-out questions whose answers the visitor watches change, epoch after epoch.
PROGRESS_EVERY = 2.0  # Seconds between progress lines within an epoch.


# The child: python -m demo.worker CONFIG_JSON FOLDER MAX_SECONDS


def child_main(config_json: str, folder: str, max_seconds: float) -> None:
    os.nice(10)  # Answering sums comes first.
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    from addition.inside import dependency_grids
    from addition.model import Predictor
    from addition.training import prepare_data, train_and_save

    def say(event: str, **fields):
        print(json.dumps({"event": event, **fields}), flush=True)

    stop = threading.Event()

    def read_stdin():
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        stop.set()  # "stop", or stdin closed because the app is gone.

    threading.Thread(target=read_stdin, daemon=True).start()
    config = TrainConfig(**json.loads(config_json))
    data = prepare_data(config)
    watch = data.validation_pairs[:WATCHED]
    deadline = time.monotonic() + max_seconds
    steps = -(-(len(data.training_pairs) + config.short_sums) // config.batch_size)
    say(
        "started",
        watch=watch.tolist(),
        epochs=config.epochs,
        steps=steps,
        questions_per_epoch=len(data.training_pairs) + config.short_sums,
    )

    class Report(keras.callbacks.Callback):
        """Stops on request or at the cap; reports within epochs, and the watched answers after each."""

        def __init__(self):
            super().__init__()
            self.epoch, self.last = 0, time.monotonic()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            if stop.is_set() or time.monotonic() > deadline:
                self.model.stop_training = True
            if time.monotonic() - self.last >= PROGRESS_EVERY:
                self.last = time.monotonic()
                say(
                    "progress",
                    epoch=self.epoch,
                    step=batch + 1,
                    steps=steps,
                    loss=float((logs or {}).get("loss", float("nan"))),
                )

        def on_epoch_end(self, epoch, logs=None):  # After the monitor has made the epoch's record.
            record = history[-1] if history else {}
            predictor = Predictor(self.model, data.codec, xla=False)  # The monitor's forward pass, already traced.
            say(
                "epoch",
                record=record,
                watch_answers=[answer.strip() for answer in predictor.answers(watch)],
                # What each answer digit of the first watched sum depends on, now, beside addition's.
                grid=dependency_grids(predictor.answers, data.codec, *watch[0]),
            )

    history: list[dict] = []
    result, saved, _ = train_and_save(
        config,
        folder,
        command="the app's Train tab",
        whole_space_sample=10_000,
        on_epoch=lambda record, samples: history.append(record),
        callbacks=[Report()],
    )
    say(
        "done",
        folder=str(saved),
        best_epoch=result.best_epoch,
        epochs_run=len(result.history),
        seconds=round(result.seconds, 1),
        validation_exact_match=result.validation["exact_match"],
        stopped=stop.is_set() or time.monotonic() > deadline,
        capped=time.monotonic() > deadline,
    )


# The parent: the app's side.


@dataclass
class Run:
    """One training process and the events it has sent."""

    process: subprocess.Popen
    events: "queue.Queue[dict]" = field(default_factory=queue.Queue)

    def stop(self) -> None:
        """Ask the run to stop after its current step; it still saves its best epoch."""
        try:
            self.process.stdin.write("stop\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            pass  # Already gone.

    def ended(self) -> bool:
        return self.process.poll() is not None

    def end(self, grace: float = 10.0) -> None:
        """Make sure the process is gone: asked, then terminated, then killed."""
        self.stop()
        for signal_it in (None, self.process.terminate, self.process.kill):
            if signal_it:
                signal_it()
            try:
                self.process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


def start_run(config: TrainConfig, folder, max_seconds: float = 180.0) -> Run:
    """A training process for ``config``, saving to ``folder``, at most ``max_seconds`` long.
    TensorFlow is not fork-safe: the child is a fresh interpreter, as a spawn start makes."""
    command = [sys.executable, "-m", "demo.worker", json.dumps(config.to_json()), str(folder), str(max_seconds)]
    environment = {
        **os.environ,
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": _package_root(),
    }
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
        cwd=_package_root(),
    )
    run = Run(process)
    threading.Thread(target=_pump, args=(run,), daemon=True).start()
    return run


def _pump(run: Run) -> None:
    """Move the child's JSON lines into the run's queue; a silent exit becomes an error event."""
    for line in run.process.stdout:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # Not one of ours (a library printing to stdout).
        run.events.put(event)
        if event.get("event") in ("done", "error"):
            return
    code = run.process.wait()
    run.events.put({"event": "error", "message": f"the training process ended unexpectedly (exit code {code})"})


def _package_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


if __name__ == "__main__":
    try:
        child_main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
    except Exception as error:  # Reported to the app in one line; the app shows it in words.
        from addition.errors import first_line

        print(json.dumps({"event": "error", "message": first_line(error)}), flush=True)
        sys.exit(1)
