"""The Train tab's line: one training at a time for everyone, the others waiting in order.

A public Space is open to scripts as well as to people, so the line has limits that no flood
moves: one place per visitor (a Gradio session), at most ``max_waiting`` places waiting, past
which a newcomer is told at once to come back later, and first come, first served (the line
starts the next run itself the moment the slot frees; nobody races for it). A place whose
visitor is gone (their page closed, their stream dropped, nobody reading the updates) stops
being ``touch``ed, and a reaper thread cancels it within ``gone_after`` seconds: a waiting
place leaves the line, a running training is ended, and its folder is deleted.

Runs come from ``start(config, folder)`` (``demo.worker.start_run`` in the app, a
stand-in in the tests), each in a fresh temporary folder under ``workspace``.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

WAITING, RUNNING, ENDED, CANCELLED = "waiting", "running", "ended", "cancelled"


@dataclass(eq=False)
class Ticket:
    """One visitor's place: waiting, then running, then ended (or cancelled at any point)."""

    session: str
    config: object
    joined: float
    seen: float
    state: str = WAITING
    run: object = None  # The Run, once started.
    folder: Path | None = None  # Where the run saves its model, once started.
    started: float | None = None
    reason: str = ""  # Why it was cancelled, in words.
    stop_requested: bool = False
    kept: bool = False  # The model folder was handed over (to the session's models): not deleted.
    _changed: threading.Event = field(default_factory=threading.Event, repr=False)


class TrainingQueue:
    def __init__(
        self,
        start,
        workspace,
        max_waiting: int = 4,
        gone_after: float = 10.0,
        typical_seconds: float = 60.0,
        admit=None,
        clock=time.monotonic,
    ):
        self._start, self.workspace = start, Path(workspace)
        self.max_waiting, self.gone_after = max_waiting, gone_after
        self._admit = admit or (lambda session, places: None)  # Raises ValueError to refuse.
        self.clock = clock
        self._lock = threading.RLock()
        self._running: Ticket | None = None
        self._waiting: deque[Ticket] = deque()
        self._durations = deque([typical_seconds], maxlen=5)  # Recent runs' lengths, for estimates.
        self._reaper: threading.Thread | None = None
        self._closed = False

    # A visitor's side.

    def join(self, session: str, config) -> Ticket:
        """A place in line for ``session``, started at once when the slot is free; ``ValueError``
        in a sentence when this visitor already has one or the line is full."""
        with self._lock:
            self.reap()
            if self._closed:
                raise ValueError("The app is shutting down: try again in a minute.")
            if any(ticket.session == session for ticket in self.tickets()):
                raise ValueError(
                    "You already have a training running or waiting: wait for it to end, "
                    "or press Stop, before you start another."
                )
            if self._running is not None and len(self._waiting) >= self.max_waiting:
                raise ValueError(
                    f"The line is full: {len(self._waiting)} trainings are already waiting for "
                    f"their turn. Please try again in a few minutes."
                )
            self._admit(session, len(self.tickets()))
            now = self.clock()
            ticket = Ticket(session, config, joined=now, seen=now)
            self._waiting.append(ticket)
            self._advance()
            self._start_reaper()
            return ticket

    def touch(self, ticket: Ticket) -> None:
        """The visitor is still there (their page read the last update)."""
        ticket.seen = self.clock()

    def wait(self, ticket: Ticket, seconds: float) -> None:
        """Sleep until ``ticket`` changes state, or ``seconds`` pass."""
        ticket._changed.wait(seconds)
        ticket._changed.clear()

    def place(self, ticket: Ticket) -> int:
        """1 for the first waiting place, 2 for the next ...; 0 once it is not waiting."""
        with self._lock:
            return self._waiting.index(ticket) + 1 if ticket in self._waiting else 0

    def estimated_wait(self, ticket: Ticket) -> float:
        """Seconds until ``ticket`` starts, from how long recent runs took."""
        with self._lock:
            typical = statistics.median(self._durations)
            if ticket.state != WAITING:
                return 0.0
            ahead = self.place(ticket) - 1
            running = self._running
            left = max(typical - (self.clock() - running.started), 5.0) if running else 0.0
            return left + ahead * typical

    def stop(self, session: str) -> str:
        """The visitor pressed Stop: a waiting place leaves the line, a run ends after its
        current step (keeping its best epoch). Returns what happened, in words."""
        with self._lock:
            ticket = self.ticket_of(session)
            if ticket is None:
                return "Nothing of yours is training or waiting."
            if ticket.state == WAITING:
                self._cancel(ticket, "Cancelled before it started: you pressed Stop.")
                return "Cancelled before it started."
            ticket.stop_requested = True
        ticket.run.stop()
        return "Stopping after the current step; the best epoch so far is kept…"

    def leave(self, session: str, reason: str = "You left the page, so the training was cancelled.") -> None:
        """The visitor is gone: their place, waiting or running, is cancelled."""
        with self._lock:
            ticket = self.ticket_of(session)
            if ticket is not None:
                self._cancel(ticket, reason)

    def finish(self, ticket: Ticket, keep: bool = False) -> None:
        """The visitor's handler is done with ``ticket`` (however it ended): the process is
        ended, the slot goes to the next in line, and the folder is deleted unless ``keep``."""
        with self._lock:
            ticket.kept = keep
            if ticket.state in (WAITING, RUNNING):
                self._end(ticket, ENDED, "")
            else:
                self._cleanup(ticket)

    # The line's side.

    def tickets(self) -> list[Ticket]:
        with self._lock:
            return ([self._running] if self._running else []) + list(self._waiting)

    def ticket_of(self, session: str) -> Ticket | None:
        return next((ticket for ticket in self.tickets() if ticket.session == session), None)

    def reap(self) -> None:
        """Cancel every place whose visitor has not been seen for ``gone_after`` seconds."""
        with self._lock:
            now = self.clock()
            for ticket in self.tickets():
                if now - ticket.seen > self.gone_after:
                    self._cancel(ticket, "Nobody was reading this training's updates, so it was cancelled.")

    def shutdown(self) -> None:
        """End every run and delete every folder (the app is stopping)."""
        with self._lock:
            self._closed = True
            endings = [self._end(ticket, CANCELLED, "The app stopped.") for ticket in self.tickets()]
        for ending in endings:  # Outside the lock, which each ending takes to clean up.
            if ending is not None:
                ending.join()
        shutil.rmtree(self.workspace, ignore_errors=True)

    def _advance(self) -> None:
        """Start the first waiting place when nothing runs (under the lock)."""
        while self._running is None and self._waiting and not self._closed:
            ticket = self._waiting.popleft()
            try:
                self.workspace.mkdir(parents=True, exist_ok=True)
                ticket.folder = Path(tempfile.mkdtemp(prefix="run-", dir=self.workspace)) / "model"
                ticket.run = self._start(ticket.config, ticket.folder)
            except Exception as error:  # A run that cannot start must not block the line.
                from addition.errors import first_line

                self._end(ticket, CANCELLED, f"The training could not start: {first_line(error)}")
                continue
            ticket.state, ticket.started = RUNNING, self.clock()
            self._running = ticket
            ticket._changed.set()

    def _cancel(self, ticket: Ticket, reason: str) -> None:
        if ticket.state in (WAITING, RUNNING):
            self._end(ticket, CANCELLED, reason)

    def _end(self, ticket: Ticket, state: str, reason: str) -> threading.Thread | None:
        """Take ``ticket`` out of the line (under the lock) and end its process in the
        background (a process may take seconds to go); returns the thread that ends it."""
        was_running = ticket is self._running
        if was_running:
            self._running = None
            self._durations.append(self.clock() - ticket.started)
        elif ticket in self._waiting:
            self._waiting.remove(ticket)
        ticket.state, ticket.reason = state, reason
        ticket._changed.set()
        ending = None
        if ticket.run is not None:
            ending = threading.Thread(target=self._end_process, args=(ticket,), daemon=True)
            ending.start()
        else:
            self._cleanup(ticket)
        self._advance()
        return ending

    def _end_process(self, ticket: Ticket) -> None:
        ticket.run.end()
        with self._lock:
            self._cleanup(ticket)

    def _cleanup(self, ticket: Ticket) -> None:
        """Delete the run's folder unless it was kept, once its process is gone."""
        process_gone = ticket.run is None or ticket.run.ended()
        if ticket.folder is not None and not ticket.kept and process_gone:
            shutil.rmtree(ticket.folder.parent, ignore_errors=True)

    def _start_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = threading.Thread(target=self._reap_forever, daemon=True, name="training-line-reaper")
            self._reaper.start()

    def _reap_forever(self) -> None:
        while not self._closed:
            time.sleep(1.0)
            self.reap()
