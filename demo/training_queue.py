"""The queue visitors' trainings wait in: ``trainers`` run at once, the others wait in order.

A public Space is open to scripts as well as to people, so the queue has limits that no flood
moves, counted per person, not per page: a visitor (``Visitor``) is their Hugging Face account
when signed in, else their network address. One page holds at most one place, one account one,
one network address ``per_address`` (a classroom behind one router takes turns; a script that
opens many pages cannot take the queue), and at most ``max_waiting`` places wait, past which a
newcomer is told at once to come back later. First come, first served: the queue starts the
next run itself the moment a slot frees; nobody races for it. A place whose visitor is gone
(their page closed, their stream dropped, nobody reading the updates) stops being ``touch``ed,
and a reaper thread cancels it within ``gone_after`` seconds: a waiting place leaves the queue,
a running training is ended, and its folder is deleted.

Runs come from ``start(config, folder)`` (``demo.training_workers.TrainingWorkers.start`` in the app, a
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


@dataclass(frozen=True)
class Visitor:
    """Who asks: their page (a Gradio session), their Hugging Face account when signed in, and
    the network address they come from."""

    session: str | None
    account: str | None = None
    address: str | None = None

    @property
    def person(self) -> str | None:
        """What the fair share counts: the account of a signed-in visitor, else the address."""
        return f"account:{self.account}" if self.account else (f"address:{self.address}" if self.address else None)


@dataclass(eq=False)
class Ticket:
    """One visitor's place: waiting, then running, then ended (or cancelled at any point)."""

    visitor: Visitor
    config: object
    seen: float
    state: str = WAITING
    run: object = None  # The Run, once started.
    folder: Path | None = None  # Where the run saves its model, once started.
    started: float | None = None
    reason: str = ""  # Why it was cancelled, in words.
    stop_requested: bool = False  # Stop was pressed while it ran: the tab says so until it ends.
    kept: bool = False  # The model folder was handed over (to the session's models): not deleted.
    _changed: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def session(self) -> str | None:
        return self.visitor.session


class TrainingQueue:
    def __init__(
        self,
        start,
        workspace,
        trainers: int = 1,
        max_waiting: int = 4,
        per_address: int = 2,
        gone_after: float = 10.0,
        typical_seconds: float = 60.0,
        admit=None,
        sign_in: bool = False,
        clock=time.monotonic,
    ):
        self._start, self.workspace = start, Path(workspace)
        self.trainers, self.max_waiting, self.per_address = trainers, max_waiting, per_address
        self.gone_after, self.sign_in = gone_after, sign_in
        self._admit = admit or (lambda visitor, others: None)  # Raises ValueError to refuse.
        self.clock = clock
        self._lock = threading.RLock()
        self._running: list[Ticket] = []
        self._waiting: deque[Ticket] = deque()
        self._durations = deque([typical_seconds], maxlen=5)  # Recent runs' lengths, for estimates.
        self._reaper: threading.Thread | None = None
        self._closed = False

    # A visitor's side.

    def join(self, visitor: Visitor, config) -> Ticket:
        """A place in the queue for ``visitor``, started at once when a slot is free; ``ValueError``
        in a sentence when this visitor already has their share or the queue is full."""
        with self._lock:
            self.reap()
            if self._closed:
                raise ValueError("The app is shutting down: try again in a minute.")
            self._check_share(visitor)
            if len(self._running) >= self.trainers and len(self._waiting) >= self.max_waiting:
                raise ValueError(
                    f"The line is full: {len(self._waiting)} trainings are already waiting for "
                    f"their turn. Please try again in a few minutes."
                )
            self._admit(visitor, [ticket.visitor for ticket in self.tickets()])
            now = self.clock()
            ticket = Ticket(visitor, config, seen=now)
            self._waiting.append(ticket)
            self._advance()
            self._start_reaper()
            return ticket

    def _check_share(self, visitor: Visitor) -> None:
        """``ValueError`` when ``visitor`` already holds their share of places (under the lock)."""
        tickets = self.tickets()
        if any(ticket.session == visitor.session for ticket in tickets):
            raise ValueError(
                "You already have a training running or waiting: wait for it to end, "
                "or press Stop, before you start another."
            )
        if visitor.account:
            if any(ticket.visitor.account == visitor.account for ticket in tickets):
                raise ValueError(
                    "Your account already has a training running or waiting (one at a time per "
                    "person): wait for it to end, or press Stop on its page."
                )
            return  # A signed-in visitor counts as themselves, not as their address.
        from_here = [
            ticket
            for ticket in tickets
            if not ticket.visitor.account and ticket.visitor.address and ticket.visitor.address == visitor.address
        ]
        if visitor.address and len(from_here) >= self.per_address:
            own_place = (
                " Sign in with Hugging Face (the button on this tab) for a place of your own." if self.sign_in else ""
            )
            raise ValueError(
                f"{len(from_here)} trainings from your network address are already running or "
                f"waiting, its share: people on the same network (a classroom behind one router) "
                f"take turns, so please wait for one to end.{own_place}"
            )

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
        """Seconds until ``ticket`` starts, from how long recent runs took: each running run frees
        its slot in what is left of a typical run, and the places ahead take the slots in turn."""
        with self._lock:
            if ticket.state != WAITING:
                return 0.0
            typical = statistics.median(self._durations)
            slots = sorted(max(typical - (self.clock() - running.started), 5.0) for running in self._running)
            slots += [0.0] * (self.trainers - len(slots))
            for _ in range(self.place(ticket) - 1):  # Each place ahead takes the slot that frees first.
                slots[slots.index(min(slots))] += typical
            return min(slots)

    def stop(self, session: str) -> str:
        """The visitor pressed Stop: a waiting place leaves the queue, a run ends after its
        current step (keeping its best epoch, if it finished one). Returns what happened, in words."""
        with self._lock:
            ticket = self.ticket_of(session)
            if ticket is None:
                return "Nothing of yours is training or waiting."
            if ticket.state == WAITING:
                self._cancel(ticket, "Cancelled before it started: you pressed Stop.")
                return "Cancelled before it started."
            ticket.stop_requested = True
        ticket.run.stop()
        return "Stopping after the current step; the best epoch so far is kept (of those finished, if any)…"

    def leave(self, session: str, reason: str = "You left the page, so the training was cancelled.") -> None:
        """The visitor is gone: their place, waiting or running, is cancelled."""
        with self._lock:
            ticket = self.ticket_of(session)
            if ticket is not None:
                self._cancel(ticket, reason)

    def finish(self, ticket: Ticket, keep: bool = False) -> None:
        """The visitor's handler is done with ``ticket`` (however it ended): the process is
        ended, the slot goes to the next in the queue, and the folder is deleted unless ``keep``."""
        with self._lock:
            ticket.kept = keep
            if ticket.state in (WAITING, RUNNING):
                self._end(ticket, ENDED, "")
            else:
                self._cleanup(ticket)

    # The queue's side.

    def tickets(self) -> list[Ticket]:
        with self._lock:
            return [*self._running, *self._waiting]

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
        """Start the first waiting places while a slot is free (under the lock)."""
        while len(self._running) < self.trainers and self._waiting and not self._closed:
            ticket = self._waiting.popleft()
            try:
                self.workspace.mkdir(parents=True, exist_ok=True)
                ticket.folder = Path(tempfile.mkdtemp(prefix="run-", dir=self.workspace)) / "model"
                ticket.run = self._start(ticket.config, ticket.folder)
            except Exception as error:  # A run that cannot start must not block the queue.
                from addition.errors import first_line

                self._end(ticket, CANCELLED, f"The training could not start: {first_line(error)}")
                continue
            ticket.state, ticket.started = RUNNING, self.clock()
            self._running.append(ticket)
            ticket._changed.set()

    def _cancel(self, ticket: Ticket, reason: str) -> None:
        if ticket.state in (WAITING, RUNNING):
            self._end(ticket, CANCELLED, reason)

    def _end(self, ticket: Ticket, state: str, reason: str) -> threading.Thread | None:
        """Take ``ticket`` out of the queue (under the lock) and end its process in the
        background (a process may take seconds to go); returns the thread that ends it."""
        if ticket in self._running:
            self._running.remove(ticket)
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
            self._reaper = threading.Thread(target=self._reap_forever, daemon=True, name="training-queue-reaper")
            self._reaper.start()

    def _reap_forever(self) -> None:
        while not self._closed:
            time.sleep(1.0)
            self.reap()
