"""The models the app offers: the bundled folders and the one the user names, loaded on first use.

Loading a model takes a second or two and its mistakes gallery a few more, so only the model
shown first is loaded at start; the others load when someone picks them, once, for everyone.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from .hub import load_model
from .saving import INFO_FILE, LoadedModel


@dataclass(frozen=True)
class Entry:
    label: str  # What the dropdown shows, e.g. "3 digits".
    spec: str  # A folder or a Hub repo id, as load_model takes it.
    revision: str | None = None
    digits: int | None = None  # Known without loading for bundled folders.


def bundled_entries(folder) -> list[Entry]:
    """Every model folder directly under ``folder``, by digit count: "2 digits", "3 digits" ..."""
    entries = []
    for path in sorted(Path(folder).glob("*/" + INFO_FILE)):
        try:
            digits = int(json.loads(path.read_text())["digits"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # Not one of ours; load_model would say why if someone named it.
        entries.append((digits, Entry(f"{digits} digits", str(path.parent), digits=digits)))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


class Catalog:
    """Labels to models. ``first`` is loaded now (so a bad --model fails at start, with its
    reason); the rest on first use. Safe to call from the app's worker threads."""

    def __init__(self, first: Entry, others: list[Entry] = ()):
        # The named model may be one of the bundled folders: list it once, under its bundled label.
        same = next((entry for entry in others if not first.revision and _same_folder(entry.spec, first.spec)), None)
        first = same or first
        self.entries = list(others) if same else [first, *others]
        self.default = first.label
        self._loaded: dict[str, LoadedModel] = {}
        self._extras: dict[tuple, object] = {}
        # One lock per model: loading the 5-digit model does not hold up answers from the others.
        self._locks = {entry.label: threading.Lock() for entry in self.entries}
        self.get(first.label)

    @property
    def labels(self) -> list[str]:
        return [entry.label for entry in self.entries]

    def get(self, label: str) -> LoadedModel:
        """The loaded model for ``label``; ``ValueError`` in plain words for an unknown label or a
        model that cannot be loaded (``ModelFolderError`` is a ``ValueError``)."""
        if label in self._loaded:
            return self._loaded[label]
        entry = next((entry for entry in self.entries if entry.label == label), None)
        if entry is None:
            raise ValueError(f"There is no model called {label!r}. Choose one of: {', '.join(self.labels)}.")
        with self._locks[label]:  # One load per model, even when several users pick it at once.
            if label not in self._loaded:
                self._loaded[label] = load_model(entry.spec, entry.revision)
        return self._loaded[label]

    def infos(self) -> list[tuple[str, dict]]:
        """(label, addition.json) of every model whose description is at hand: loaded, or a local
        folder (read without building the network). A Hub model not yet picked is left out."""
        infos = []
        for entry in self.entries:
            if entry.label in self._loaded:
                infos.append((entry.label, self._loaded[entry.label].info))
            elif Path(entry.spec).is_dir():
                try:
                    infos.append((entry.label, json.loads((Path(entry.spec) / INFO_FILE).read_text())))
                except (OSError, ValueError):
                    continue  # Picking it will say what is wrong.
        return infos

    def cached(self, label: str, name: str, compute):
        """``compute(model)``, once per model and name (e.g. its mistakes gallery)."""
        key = (label, name)
        if key in self._extras:
            return self._extras[key]
        loaded = self.get(label)
        with self._locks[label]:
            if key not in self._extras:
                self._extras[key] = compute(loaded)
        return self._extras[key]


def _same_folder(one: str, other: str) -> bool:
    one, other = Path(one).expanduser(), Path(other).expanduser()
    return one.is_dir() and other.is_dir() and one.resolve() == other.resolve()
