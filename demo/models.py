"""The models the app offers: the bundled folders and the one the user names, loaded on first use.

Loading a model takes a second or two and its mistakes gallery a few more, so only the model
shown first is loaded at start; the others load when someone picks them, once, for everyone.
"""

from __future__ import annotations

import functools
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from addition.codec import Codec
from addition.column import ColumnCodec
from addition.config import CELLS
from addition.errors import ModelFolderError, quoted
from addition.evaluation import plural
from addition.folder_format import architecture_of, cell_of, check_info, codec_of
from addition.loading import LoadedModel, load_model, read_json
from addition.saving import INFO_FILE

from .visitor_models import SessionModels


@dataclass(frozen=True)
class Entry:
    label: str  # What the dropdown shows, e.g. "3 digits": never a server path.
    spec: str  # A folder or a Hub repo id, as load_model takes it.
    revision: str | None = None
    digits: int | None = None  # The longest operand it reads, known without loading for bundled folders.
    snapshot: bool = False  # An early snapshot of a training, kept to show a network still learning.
    architecture: str = "keras-io"  # Or "column": the network that reads any length.


def entry_for(spec: str, revision: str | None = None) -> Entry:
    """The entry for a model named on the command line: a folder is labelled by its name
    (the dropdown's labels are public, in the page and the API description), a Hub repo by its id."""
    path = Path(spec).expanduser()
    label = path.resolve().name if path.is_dir() else spec
    return Entry(f"{label}@{revision}" if revision else label, spec, revision)


def bundled_entries(folder, warn=lambda message: print(f"warning: {message}", file=sys.stderr)) -> list[Entry]:
    """Every model folder directly under ``folder``, by what it reads: "2 digits", "3 digits",
    "3 digits, after 1 epoch" (a training's early snapshot) ... and last "Any length (column LSTM)".

    A folder whose addition.json does not even say what it reads is skipped with a warning: one
    broken folder must not stop the app. A second folder of the same label gets its name too."""
    found = []
    for path in sorted(Path(folder).glob("*/" + INFO_FILE)):
        try:
            info = read_json(path.parent, INFO_FILE, path.parent.name)
            found.append((*describe_entry(info), path.parent))
        except ValueError as error:  # ModelFolderError is one.
            warn(f"skipping the model folder {path.parent.name}: its {INFO_FILE} is unusable ({error})")
    entries, taken = [], set()
    for _, label, digits, snapshot, architecture, path in sorted(found, key=lambda found: (found[0], found[5].name)):
        label = label if label not in taken else f"{label} ({path.name})"
        taken.add(label)
        entries.append(Entry(label, str(path), digits=digits, snapshot=snapshot, architecture=architecture))
    return entries


def describe_entry(info) -> tuple[tuple, str, int, bool, str]:
    """(where it sorts, its label, the digits it reads, whether it is an early snapshot, its
    architecture) of a folder's addition.json, or ``ValueError`` when it does not say what it
    reads. (Any architecture but the column network's is taken as keras-io's here, and refused
    when the folder loads if it is not.)"""
    if not isinstance(info, dict):
        raise ValueError("not a JSON object")
    if architecture_of(info) == "column":
        cell = CELLS.get(cell_of(info), "?")
        return (ColumnCodec.digits, 0, 0), f"Any length (column {cell})", ColumnCodec.digits, False, "column"
    digits = info.get("digits")
    Codec(digits=digits)  # A whole number of digits the codec reads, or ValueError.
    epoch = info.get("snapshot_epoch")
    if epoch is None:
        return (digits, 0, 0), f"{digits} digits", digits, False, "keras-io"
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 1:
        raise ValueError(f"snapshot_epoch should be a whole number of at least 1, got {quoted(epoch)}")
    return (digits, 1, epoch), f"{digits} digits, after {plural(epoch, 'epoch')}", digits, True, "keras-io"


class Catalog:
    """Labels to models, each loaded on first use, once. Safe to call from the app's worker threads.

    ``named`` (a --model folder or Hub repo) is listed first and is the default; else the bundled
    folder ``preferred`` is. ``load_default()`` loads the default at start: a named model that
    cannot load is an error, a broken bundled one is skipped with a warning."""

    def __init__(self, named: Entry | None, bundled: list[Entry] = (), preferred: str | None = None):
        bundled = list(bundled)
        # The named model may be one of the bundled folders: list it once, under its bundled label.
        same = named and next((e for e in bundled if not named.revision and _same_folder(e.spec, named.spec)), None)
        if named is None or same:
            first = same or next((e for e in bundled if preferred and _same_folder(e.spec, preferred)), None)
            first = first or (bundled[0] if bundled else None)
            self.entries = bundled
        else:
            first, self.entries = named, [named, *bundled]
        if first is None:
            raise ModelFolderError("there is no model to show: name one with --model")
        self.default = first.label
        self.named = named is not None
        self._loaded: dict[str, LoadedModel] = {}
        self._extras: dict[tuple, object] = {}
        # One lock per model: loading the 5-digit model does not hold up answers from the others.
        self._locks = {entry.label: threading.Lock() for entry in self.entries}

    def load_default(self, warn=lambda message: print(f"warning: {message}", file=sys.stderr)) -> LoadedModel:
        while True:
            try:
                return self.get(self.default)
            except ModelFolderError as error:
                if self.named or len(self.entries) == 1:
                    raise
                warn(f"skipping the bundled model {self.default}: {error}")
                self.entries = [entry for entry in self.entries if entry.label != self.default]
                self.default = self.entries[0].label

    def load_all(self, stopping: threading.Event | None = None) -> None:
        """Load every model now (in the background at start), so that no visitor's pick waits
        for a first load; one that cannot load says why when it is picked. Once ``stopping`` is set
        (the app is closing), no further model starts loading."""
        for label in self.labels:
            if stopping is not None and stopping.is_set():
                return
            try:
                self.get(label)
            except ValueError:
                continue

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
            raise ValueError(f"There is no model called {quoted(label)}. Choose one of: {choices(self.labels)}.")
        with self._locks[label]:  # One load per model, even when several users pick it at once.
            if label not in self._loaded:
                name = Path(entry.spec).name if Path(entry.spec).is_dir() else None  # Not the server's path.
                self._loaded[label] = load_model(entry.spec, entry.revision, name=name)
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
                    infos.append(
                        (entry.label, check_info(read_json(Path(entry.spec), INFO_FILE, entry.label), INFO_FILE))
                    )
                except ModelFolderError:
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


def choices(labels) -> str:
    """The models one can pick, for a sentence: each quoted (a name can hold a comma) as the
    name asked for is."""
    return ", ".join(quoted(label, 80) for label in labels)


def _same_folder(one: str, other: str) -> bool:
    one, other = Path(one).expanduser(), Path(other).expanduser()
    return one.is_dir() and other.is_dir() and one.resolve() == other.resolve()


class Models:
    """Every model the app knows: the catalog's (bundled and named, for everyone) and each
    visitor's own. The one place the app asks for a model by its label."""

    def __init__(self, catalog: Catalog, visitors: SessionModels, illustrations: Catalog | None = None):
        self.catalog, self.visitors, self.illustrations = catalog, visitors, illustrations

    @property
    def default(self) -> str:
        return self.catalog.default

    def get(self, label, session: str | None = None) -> LoadedModel:
        """The visitor's own model of that name, else the catalog's; ``ValueError`` in words."""
        if not isinstance(label, str):
            raise ValueError(
                f"There is no model called {quoted(label)}. Choose one of: {choices(self.labels(session))}."
            )
        own = self.visitors.get(session, label)
        if own is None and self.visitors.had(session, label):
            kept = plural(self.visitors.per_session, "newest model")
            raise ValueError(
                f"{quoted(label)} is no longer kept: a page keeps its {kept} "
                f"(each new one replaces the oldest) until it closes or idles. Choose one of: "
                f"{choices(self.labels(session))}."
            )
        return own or self.catalog.get(label)

    def labels(self, session: str | None = None) -> list[str]:
        return self.catalog.labels + self.visitors.labels(session)

    def offered_to_all(self, label: str) -> bool:
        """Whether every page has this model (a visitor's own is theirs alone), so a link can name it."""
        return label in self.catalog.labels

    def reader_for(self, question, shown: str | None = None) -> str | None:
        """The menu's model with the fewest digits that still reads ``question``'s numbers (the
        column network reads any length), or None; never ``shown`` (the model already picked),
        and never an early snapshot."""
        from .views import operand_digits

        needed = operand_digits(question)
        if needed is None:
            return None
        fits = [
            (entry.digits, entry.label)
            for entry in self.catalog.entries
            if entry.digits and entry.digits >= needed and not entry.snapshot and entry.label != shown
        ]
        return min(fits)[1] if fits else None

    def cached(self, label: str, session: str | None, name: str, compute):
        """``compute(model)`` once per model and name: a visitor's own model keeps it beside
        itself, a catalog model in the catalog (under its lock)."""
        own = self.visitors.get(session, label)
        if own is None:
            return self.catalog.cached(label, name, compute)
        return self.visitors.cached(session, label, own, name, compute)

    def counterparts(self, digits: int, reverse: bool, session: str | None = None, layout=(False, False)):
        """(label, model) of each model for ``digits``-digit sums that reads the question
        reversed (or not) as ``reverse`` says: those whose ``layout`` (zero_pad, interleave) is as
        asked first, so that only the order differs; within each, the visitor's own, then the
        catalog's and the illustrations' (not in the menu), each loaded when first asked for."""
        found = []  # (laid out as asked, label, how to get the model): each folder's description read once.
        for label in self.visitors.labels(session):
            own = self.visitors.get(session, label)
            if own is not None and own.codec.digits == digits and own.codec.reverse == reverse:
                found.append((own.codec.layout == layout, label, lambda own=own: own))
        for catalog in filter(None, (self.catalog, self.illustrations)):
            for label, info in catalog.infos():  # Each checked: a keras-io one describes its codec.
                codec = codec_of(info) if architecture_of(info) == "keras-io" else None
                if codec and codec.digits == digits and codec.reverse == reverse:
                    found.append((codec.layout == layout, label, functools.partial(catalog.get, label)))
        for _, label, get in sorted(found, key=lambda candidate: not candidate[0]):  # Stable: order kept within each.
            yield label, get()
