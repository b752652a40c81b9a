"""The models visitors train in the app: each listed for the visitor who trained it only, within
a fair share, and freed (its run folder deleted) when its visitor leaves or leaves it unused."""

from __future__ import annotations

import threading
from pathlib import Path

from addition.loading import LoadedModel

OWN_MODEL = "Your model "  # How a visitor's own models are named in the menu: "Your model 1: LSTM, 2 digits".


class SessionModels:
    """Models visitors trained in the app, each listed for the visitor who trained it only.

    A visitor keeps at most ``per_session`` (a new one replaces their own least recently
    used); the app holds at most ``total``, one person (an account, or a network address)
    at most ``per_person`` of them, and past either a new training is refused (``check_room``),
    so that no visitor can make room by pushing out another's model. A model is freed, its run
    folder (weights and zip) deleted, when its visitor leaves or after ``idle_seconds`` unused."""

    def __init__(
        self,
        per_session: int = 3,
        total: int = 60,
        per_person: int | None = None,
        idle_seconds: float = 1800.0,
        clock=None,
    ):
        import time

        self.per_session, self.total, self.idle_seconds = per_session, total, idle_seconds
        self.per_person = per_person if per_person is not None else max(per_session, total // 3)
        self.clock = clock or time.monotonic
        self._models: dict[tuple[str, str], dict] = {}  # (session, label) -> loaded, folder, person, used
        self._numbers: dict[str, int] = {}  # Models each session has had: "Your model 1", "2" ...
        self._had: dict[str, set[str]] = {}  # Their labels, kept or not, while the page lives.
        self._lock = threading.Lock()

    def check_room(self, visitor, others=()) -> None:
        """``ValueError`` in a sentence when a new model for ``visitor`` would not fit, with the
        trainings of ``others`` (``Visitor``s) already under way, each of which will need a place."""
        with self._lock:
            self._expire()
            if self._owned(visitor.session) >= self.per_session:
                return  # Theirs replaces their own oldest.
            if len(self._models) + len(others) >= self.total:
                raise ValueError(
                    f"This app is holding {self.total} visitors' models, its limit: please try "
                    f"again later (each is freed when its visitor leaves, or after "
                    f"{self.idle_seconds / 60:.0f} minutes unused)."
                )
            person = visitor.person
            held = sum(entry["person"] == person for entry in self._models.values())
            held += sum(other.person == person for other in others)
            if person is not None and held >= self.per_person:
                who = "Your account holds" if visitor.account else "Your network address holds"
                raise ValueError(
                    f"{who} {held} of this app's {self.total} visitors' models, its fair share: "
                    f"close a page you trained on (its models are freed), or try again later."
                )

    def add(self, visitor, loaded: LoadedModel, folder: Path, description: str) -> tuple[str, str | None]:
        """Keep ``loaded`` (saved in ``folder``, whose parent is its run folder) for ``visitor``'s
        page. Returns (its label, e.g. "Your model 1: LSTM, 2 digits", numbered per page; the
        label it replaced, or None)."""
        session = visitor.session
        with self._lock:
            self._expire()
            replaced = None
            if self._owned(session) >= self.per_session:
                oldest = min(
                    (key for key in self._models if key[0] == session), key=lambda key: self._models[key]["used"]
                )
                replaced = oldest[1]
                self._free(oldest)
            self._numbers[session] = self._numbers.get(session, 0) + 1
            label = f"{OWN_MODEL}{self._numbers[session]}: {description}"
            self._had.setdefault(session, set()).add(label)
            self._models[(session, label)] = {
                "loaded": loaded,
                "folder": Path(folder),
                "person": visitor.person,
                "used": self.clock(),
                "extras": {},  # What the tabs computed from it once (its mistakes, its probe), freed with it.
                "computing": threading.Lock(),  # One search at a time: a second asker waits for the first's.
            }
            return label, replaced

    def cached(self, session: str | None, label: str, loaded: LoadedModel, name: str, compute):
        """``compute(loaded)`` once per name for this visitor's own model ``loaded``, kept beside it
        (under the model's own lock, not the visitors': a search of its mistakes takes seconds)."""
        with self._lock:
            entry = self._models.get((session, label))
        if entry is None or entry["loaded"] is not loaded:  # Freed or replaced since: for this call only.
            return compute(loaded)
        with entry["computing"]:
            if name not in entry["extras"]:
                entry["extras"][name] = compute(loaded)
            return entry["extras"][name]

    def get(self, session: str | None, label: str) -> LoadedModel | None:
        with self._lock:
            self._expire()
            entry = self._models.get((session, label))
            if entry is None:
                return None
            entry["used"] = self.clock()
            return entry["loaded"]

    def folder(self, session: str | None, label: str) -> Path | None:
        with self._lock:
            entry = self._models.get((session, label))
            return entry["folder"] if entry else None

    def labels(self, session: str | None) -> list[str]:
        with self._lock:
            self._expire()
            return [label for (owner, label) in self._models if owner == session]

    def had(self, session: str | None, label: str) -> bool:
        """Whether this page had a model of that name, kept or not since (replaced, or idle)."""
        with self._lock:
            return label in self._had.get(session, ())

    def forget(self, session: str | None) -> None:
        """The visitor left: free their models."""
        with self._lock:
            self._numbers.pop(session, None)
            self._had.pop(session, None)
            for key in [key for key in self._models if key[0] == session]:
                self._free(key)

    def clear(self) -> None:
        with self._lock:
            for key in list(self._models):
                self._free(key)

    def _owned(self, session) -> int:
        return sum(owner == session for owner, _ in self._models)

    def _expire(self) -> None:
        now = self.clock()
        for key in [key for key, entry in self._models.items() if now - entry["used"] > self.idle_seconds]:
            self._free(key)

    def _free(self, key) -> None:
        import shutil

        entry = self._models.pop(key)
        shutil.rmtree(entry["folder"].parent, ignore_errors=True)  # The run folder: weights and zip.
