"""The app's side of training beside it: ``TrainingWorkers`` keeps worker processes
(``demo.worker``) started ahead and hands each run to one, and a ``Run`` is one training in a
worker with the events it has sent, for the training queue (``demo.training_queue``) to follow."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from dataclasses import dataclass, field

from .worker import RUNS_PER_WORKER, serve_runs


@dataclass
class Worker:
    """A worker process as the app holds it: its two pipes and how many more runs it may serve."""

    process: multiprocessing.process.BaseProcess
    control: object  # multiprocessing Connection: each job, and "stop".
    events: object  # multiprocessing Connection: the worker's events.
    runs_left: int

    def retire(self, grace: float = 5.0) -> None:
        """Let the process go: it exits when its control pipe closes (killed if it does not)."""
        try:
            self.control.close()
        except OSError:
            pass
        self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(grace)


@dataclass
class Run:
    """One training in a worker, and the events it has sent. The run is over once the worker
    has sent "done" or "error" (it no longer touches the run's folder) or has gone."""

    worker: Worker
    events: "queue.Queue[dict]" = field(default_factory=queue.Queue)
    over: threading.Event = field(default_factory=threading.Event)
    job_sent: bool = False
    stop_asked: bool = False  # Before the job was sent: "stop" follows it.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def process(self) -> multiprocessing.process.BaseProcess:
        return self.worker.process

    def stop(self) -> None:
        """Ask the run to stop after its current step; it still saves its best epoch. Nothing is
        sent once the run is over: its worker may be serving another visitor's run by then."""
        with self._lock:
            self.stop_asked = True
            if self.over.is_set() or not self.job_sent:
                return
            try:
                self.worker.control.send("stop")
            except (OSError, ValueError):
                pass  # Already gone.

    def send_job(self, job) -> None:
        """Hand the job to the worker, which is ready; a Stop pressed while it got ready follows."""
        with self._lock:
            self.worker.control.send(job)
            self.job_sent = True
            if self.stop_asked:
                self.worker.control.send("stop")

    def finish(self, event: dict) -> None:
        """The run is over (its last event, or the worker's end): nothing more is sent to it."""
        with self._lock:
            self.over.set()
        self.events.put(event)

    def ended(self) -> bool:
        return self.over.is_set() or not self.process.is_alive()

    def end(self, grace: float = 10.0) -> None:
        """Make sure the run is over: asked to stop, then its worker terminated, then killed."""
        self.stop()
        if self.over.wait(grace) or not self.process.is_alive():
            return
        for signal_it in (self.process.terminate, self.process.kill):
            signal_it()
            self.process.join(grace)
            if not self.process.is_alive():
                return


class TrainingWorkers:
    """``ready`` worker processes kept alive, started ahead (one per training that can run at
    once), each serving runs one after another; ``start(config, folder)`` is what the training
    queue calls. With ``ready`` 0, each run starts a worker of its own, which exits after it."""

    def __init__(self, max_seconds: float, ready: int = 1, runs_per_worker: int = RUNS_PER_WORKER):
        self.ready, self.max_seconds, self.runs_per_worker = ready, max_seconds, runs_per_worker
        self._context = multiprocessing.get_context("spawn")  # TensorFlow is not fork-safe.
        self._idle: list[Worker] = []  # Started (maybe not yet ready), no run of theirs under way.
        self._busy: list[Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def prepare(self) -> None:
        """Start the ready workers (the first run would start them otherwise)."""
        with self._lock:
            self._fill()

    def _fill(self) -> None:
        """Start workers until ``ready`` are alive (under the lock)."""
        self._idle = [worker for worker in self._idle if worker.process.is_alive()]
        while len(self._idle) + len(self._busy) < self.ready and not self._closed:
            self._idle.append(self._spawn(self.runs_per_worker))

    def _spawn(self, runs: int, ahead: bool = True) -> Worker:
        control, child_control = self._context.Pipe()
        events, child_events = self._context.Pipe(duplex=False)  # (receiving end, sending end)
        process = self._context.Process(
            target=serve_runs, args=(child_control, child_events, runs, ahead), daemon=True, name="training-worker"
        )
        process.start()
        child_control.close()
        child_events.close()
        return Worker(process, control, events, runs)

    def start(self, config, folder) -> Run:
        """A run of ``config`` saving to ``folder`` in a worker that is ready (or the next to be),
        at most ``max_seconds`` long."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the app is stopping")
            self._fill()
            # The oldest is the likeliest to be ready; with none idle, one for this run alone.
            worker = self._idle.pop(0) if self._idle else self._spawn(1, ahead=False)
            worker.runs_left -= 1
            self._busy.append(worker)
        run = Run(worker)
        threading.Thread(
            target=self._pump,
            args=(run, (config.architecture, config.to_json(), str(folder), self.max_seconds)),
            daemon=True,
            name="training-events",
        ).start()
        return run

    def _pump(self, run: Run, job) -> None:
        """Send the job once the worker is ready, then move its events into the run's queue; a
        worker that goes silent becomes an error event. Then the worker waits for the next run,
        or is retired."""
        worker = run.worker
        try:
            while True:
                event = worker.events.recv()
                if event["event"] == "ready":
                    run.send_job(job)
                elif event["event"] in ("done", "error"):
                    run.finish(event)
                    self._give_back(worker, reuse=event["event"] == "done")
                    return
                else:
                    run.events.put(event)
        except (EOFError, OSError):
            worker.process.join(1)
            message = f"the training process ended unexpectedly (exit code {worker.process.exitcode})"
            run.finish({"event": "error", "message": message})
            self._give_back(worker, reuse=False)

    def _give_back(self, worker: Worker, reuse: bool) -> None:
        """After its run: back among the idle workers, unless it has served its runs, the app is
        stopping, enough are alive, or the run went wrong."""
        with self._lock:
            self._busy.remove(worker)
            keep = reuse and worker.runs_left > 0 and not self._closed
            keep = keep and len(self._idle) + len(self._busy) < self.ready and worker.process.is_alive()
            if keep:
                self._idle.append(worker)
            else:
                self._fill()  # Its successor gets ready now, not when the next visitor presses Train.
        if not keep:
            threading.Thread(target=worker.retire, daemon=True, name="training-worker-retire").start()

    def close(self) -> None:
        """End the workers that wait (runs under way are the queue's to end; their workers are
        retired when those runs are over)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.retire()
