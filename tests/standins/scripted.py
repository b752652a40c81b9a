"""Stand-ins for the app's tests: a training run that follows a script instead of training, and
the app built in-process around it (``build_demo`` with its own folders), served on a free port."""

from __future__ import annotations

import queue
import shutil
import threading
import time
from pathlib import Path


class ScriptedRun:
    """What ``demo.training_workers.TrainingWorkers.start`` returns, without a process: "started", then one
    "epoch" every ``epoch_seconds`` (the watched sums answered by Python, wrong until the last
    epoch), then "done" after copying a real model folder where the run saves. Stop makes it
    end after the current epoch, like the real one."""

    def __init__(self, config, folder, model_folder, epoch_seconds=0.05):
        self.config, self.folder, self.model_folder = config, Path(folder), Path(model_folder)
        self.epoch_seconds = epoch_seconds
        self.events: queue.Queue = queue.Queue()
        self.stopped, self.killed = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._play, daemon=True)
        self._thread.start()

    def _play(self):
        watch = [[12, 34], [99, 1]]
        self.events.put(
            {"event": "started", "watch": watch, "epochs": self.config.epochs, "steps": 10, "questions_per_epoch": 1000}
        )
        epochs_run = 0
        for epoch in range(1, self.config.epochs + 1):
            if self.killed.wait(self.epoch_seconds):
                return  # Ended from outside: no "done", as when the process is killed.
            if self.stopped.is_set() and epochs_run == 0:  # Stopped within the first epoch: nothing kept.
                self.events.put(
                    {
                        "event": "done",
                        "folder": None,
                        "best_epoch": 0,
                        "epochs_run": 0,
                        "seconds": 0.1,
                        "validation_exact_match": None,
                        "stopped": True,
                        "capped": False,
                    }
                )
                return
            epochs_run = epoch
            last = epoch == self.config.epochs
            record = {
                "epoch": epoch,
                "seconds": round(epoch * self.epoch_seconds, 3),
                "loss": 1.0 / epoch,
                "accuracy": 0.5,
                "exact_match": 0.1 * last,
                "val_loss": 1.0 / epoch,
                "val_accuracy": 0.5,
                "val_exact_match": 0.1 * last,
            }
            answers = [str(a + b) if last else "1" for a, b in watch]
            self.events.put({"event": "epoch", "record": record, "watch_answers": answers})
            if self.stopped.is_set():
                break
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.model_folder, self.folder)
        self.events.put(
            {
                "event": "done",
                "folder": str(self.folder),
                "best_epoch": epochs_run,
                "epochs_run": epochs_run,
                "seconds": 0.1,
                "validation_exact_match": 0.1,
                "stopped": self.stopped.is_set(),
                "capped": False,
            }
        )

    def stop(self):
        self.stopped.set()

    def end(self, grace: float = 10.0):
        self.stopped.set()
        self.killed.set()
        self._thread.join(grace)

    def ended(self) -> bool:
        return not self._thread.is_alive()


class ScriptedStarts:
    """``start(config, folder)`` for the line: every run it made, in order."""

    def __init__(self, model_folder, epoch_seconds=0.05):
        self.model_folder, self.epoch_seconds = model_folder, epoch_seconds
        self.runs: list[ScriptedRun] = []

    def __call__(self, config, folder):
        run = ScriptedRun(config, folder, self.model_folder, self.epoch_seconds)
        self.runs.append(run)
        return run


def build_parts(
    workspace,
    model_folder,
    epoch_seconds=0.05,
    per_session=3,
    total=60,
    max_waiting=4,
    gone_after=3.0,
    trainers=1,
    per_address=2,
):
    """The app's parts with scripted runs, a workspace of the test's own (inside Gradio's cache
    folder, as the app's is) and small limits; visitors' addresses are read behind a proxy, as on
    a Space, so that test clients come from the addresses they write in X-Forwarded-For."""
    from demo.layout import Parts
    from demo.models import Catalog, Models, bundled_entries
    from demo.training_queue import TrainingQueue
    from demo.visitor_models import SessionModels
    from tests.helpers import MODELS_FOLDER

    starts = ScriptedStarts(model_folder, epoch_seconds)
    visitors = SessionModels(per_session=per_session, total=total)
    queue = TrainingQueue(
        starts,
        workspace,
        trainers=trainers,
        max_waiting=max_waiting,
        per_address=per_address,
        gone_after=gone_after,
        admit=visitors.check_room,
    )
    catalog = Catalog(None, bundled_entries(MODELS_FOLDER), preferred=str(MODELS_FOLDER / "addition-3digit"))
    illustrations = Catalog(None, bundled_entries(MODELS_FOLDER / "illustrations"))
    parts = Parts(
        Models(catalog, visitors, illustrations), queue, training_seconds=60, on_a_space=False, behind_proxy=True
    )
    return parts, starts


def serve(demo):
    """Launch a built demo in this process on a free port; returns its URL."""
    from benchmarks.serve import free_port
    from demo.launch import launch_options

    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options(demo))
    return f"http://127.0.0.1:{port}/"


def wait_until(condition, timeout=20.0, every=0.05):
    """True once ``condition()`` is; False if ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())
