"""Read a model folder, or a Hub repo, as untrusted input: it loads into exactly the network
it describes, checked, or is refused with one line naming the file and the problem.

A folder comes from a user or the Hub like a typed sum does, so nothing in it is taken on
trust: every JSON file is size-capped and checked field by field (types, ranges, shapes), the
Keras network must be, layer for layer, the one ``build_model`` makes from ``addition.json``,
and Keras loads it with ``safe_mode`` (no code from the folder ever runs).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .codec import Codec
from .data import WHOLE_SPACE_SEED, sample_whole_space
from .errors import first_line, quoted
from .folder_format import architecture_of, cell_of, check_digit_pairs, check_history, check_info, check_pairs, codec_of
from .saving import HISTORY_FILE, INFO_FILE, KERAS_FILES, VALIDATION_FILE, ModelFolderError

# Far above what train.py writes for the largest models it trains: a larger file is not ours,
# and is not read into memory.
MAX_BYTES = {
    INFO_FILE: 1_000_000,
    HISTORY_FILE: 2_000_000,
    VALIDATION_FILE: 64_000_000,
    "config.json": 1_000_000,
    "model.weights.h5": 256_000_000,
}
# A network of more float32 weights than that file can hold is refused before it is built (building
# one allocates every weight, and a few edited numbers in addition.json can ask for gigabytes).
MAX_PARAMETERS = MAX_BYTES["model.weights.h5"] // 4
# Per gate of a Keras recurrent layer: an input kernel, a recurrent kernel and biases (GRU's
# reset_after keeps two).
GATES_AND_BIASES = {"lstm": (4, 1), "gru": (3, 2), "simplernn": (1, 1)}
# A folder's recorded score is checked on this many of its held-out questions when it loads (a
# column network's of at most CHECKED_DIGITS digits: the cost of a sum grows with its length).
CHECKED_QUESTIONS = 200
CHECKED_DIGITS = 100
_REVISION = re.compile(r"[A-Za-z0-9][\w.-]{0,99}(/[\w.-]{1,100}){0,3}")


@dataclass
class LoadedModel:
    model: object
    codec: Codec  # A ColumnCodec for a column network (``architecture``).
    info: dict  # addition.json, checked.
    validation_pairs: np.ndarray  # (n, 2): ints; a column network's are digit strings (of any length).
    history: list = field(default_factory=list)
    source: str = ""  # For people: a folder's name or a Hub id, never a server path.

    @property
    def architecture(self) -> str:
        return architecture_of(self.info)

    @property
    def predictor(self):
        """``answers(pairs)`` and ``probabilities(pairs)``: a ``Predictor``, or a ``ColumnPredictor``."""
        if self.architecture == "column":
            from .column import ColumnPredictor

            return ColumnPredictor(self.model, self.codec)
        from .predictor import Predictor

        return Predictor(self.model, self.codec)


def load_model(spec: str, revision: str | None = None, name: str | None = None) -> LoadedModel:
    """A local model folder, or else a Hugging Face Hub repo id (through the local HF cache).

    ``name`` is how messages and the page call a local folder (default: as given)."""
    folder, name = find_model_folder(spec, revision, name)
    return load_model_folder(folder, name=name)


def find_model_folder(spec: str, revision: str | None = None, name: str | None = None) -> tuple[Path, str]:
    """Where ``load_model`` reads ``spec`` from, and what it calls it: the local folder, or the
    Hub repo's files downloaded into the cache. Without Keras, so that a command line can refuse
    a bad model before it imports TensorFlow."""
    from . import hub

    path = Path(spec).expanduser()
    if path.is_dir():
        if revision:
            raise ModelFolderError(f"--revision is for Hub repos, but {spec} is a local folder")
        return path, name or spec
    if path.exists() or _looks_like_a_path(spec):  # A file here is never a Hub repo id.
        # Never send a mistyped local name (runs/addtion) to the Hub as a repo id.
        raise _not_a_folder(spec, path)
    try:
        hub.check_repo_id(spec, what="neither a model folder nor a Hugging Face repo id like user/addition-lstm")
    except ValueError as error:
        raise ModelFolderError(str(error)) from None
    if revision is not None and (not _REVISION.fullmatch(revision) or ".." in revision):
        raise ModelFolderError(f"{revision!r} is not a Hub branch, tag or commit")
    label = f"{spec}@{revision}" if revision else spec
    return Path(hub.download(spec, revision)), f"Hugging Face Hub: {label}"


def _not_a_folder(name: str, path: Path) -> ModelFolderError:
    """The one-line refusal of a model folder that is not a folder."""
    why = "a file, not a folder" if path.exists() else "no such directory"
    return ModelFolderError(f"{name} is not a model folder ({why})")


def _looks_like_a_path(spec: str) -> bool:
    first = spec.split("/", 1)[0]
    return (
        spec.startswith(("/", ".", "~"))
        or "\\" in spec
        or spec.count("/") > 1
        or ("/" in spec and Path(first).is_dir())
    )


def load_model_folder(folder, name: str | None = None) -> LoadedModel:
    """Rebuild model, codec, validation questions and history from a folder, or raise
    ``ModelFolderError`` with a one-line reason naming the file."""
    folder = Path(folder)
    name = str(name or folder)
    if not folder.is_dir():
        raise _not_a_folder(name, folder)
    missing = [file for file in (INFO_FILE, VALIDATION_FILE, *KERAS_FILES) if not (folder / file).is_file()]
    if missing:
        raise ModelFolderError(f"{name} is not a complete model folder: missing {', '.join(missing)}")
    info = check_info(read_json(folder, INFO_FILE, name), f"{name}/{INFO_FILE}")
    validation = read_json(folder, VALIDATION_FILE, name)
    history = (
        check_history(read_json(folder, HISTORY_FILE, name), f"{name}/{HISTORY_FILE}")
        if (folder / HISTORY_FILE).is_file()
        else []
    )
    settings = info["training"]
    if architecture_of(info) == "column":
        from .column import DIGITS, INPUT_FEATURES, ColumnCodec, build_column_model

        codec = ColumnCodec()
        validation_pairs = check_digit_pairs(validation, f"{name}/{VALIDATION_FILE}")
        _check_parameters(
            folder, name, settings["cell"], INPUT_FEATURES, settings["hidden_size"], settings["num_layers"] - 1, DIGITS
        )
        described = build_column_model(settings["cell"], settings["hidden_size"], settings["num_layers"])
        words = (
            f"a column network of {settings['num_layers']} {settings['cell']} layer(s) of "
            f"{settings['hidden_size']} units and a softmax over the ten digits per column"
        )
    else:
        from .model import build_model

        codec = codec_of(info)
        validation_pairs = check_pairs(validation, codec, f"{name}/{VALIDATION_FILE}")
        cell = cell_of(info)
        size = codec.vocabulary_size
        _check_parameters(folder, name, cell, size, settings["hidden_size"], settings["num_layers"], size)
        described = build_model(codec, settings["hidden_size"], settings["num_layers"], settings["unroll"], cell)
        words = (
            f"a {cell} encoder of {settings['hidden_size']} units, a RepeatVector, {settings['num_layers']} decoder "
            f"layer(s) and a softmax over {codec.vocabulary_size} characters for {codec.digits} digits"
        )
    model = _load_network(folder, name, described, words)
    loaded = LoadedModel(model, codec, info, validation_pairs, history, name)
    _check_recorded_score(loaded)
    return loaded


def _check_recorded_score(loaded: LoadedModel) -> None:
    """The folder's recorded whole-answer scores, measured again on samples: of its held-out
    questions, and (a keras-io network's) of random sums from the whole space, which the folder
    does not choose. A folder can describe its network's shapes truly and still lie about how it
    reads (the question's order flipped, another model's weights of the same shapes): it would
    load into a network that answers wrongly beside its record, which the page shows as fact."""
    records = [("held-out questions", *_recorded_pool(loaded))]
    whole = loaded.info.get("metrics", {}).get("whole_space_sample", {}).get("exact_match")
    if loaded.architecture != "column" and whole is not None:
        sums = sample_whole_space(loaded.codec.digits, CHECKED_QUESTIONS, WHOLE_SPACE_SEED)
        records.append(("random sums", list(sums), whole))
    for what, pool, recorded in records:
        if recorded is None or not pool:  # Nothing recorded: nothing shown.
            continue
        count = min(CHECKED_QUESTIONS, len(pool))
        pairs = [pool[index] for index in np.random.default_rng(0).choice(len(pool), count, replace=False)]
        if loaded.architecture == "column":
            from .column import ColumnPredictor
            from .column_training import whole_answer_score

            measured = whole_answer_score(ColumnPredictor(loaded.model), pairs)["exact_match"]
        else:
            from .evaluation import score
            from .predictor import Predictor

            measured = score(Predictor(loaded.model, loaded.codec, xla=False), pairs)["exact_match"]
        # A sample's share strays from the whole set's by chance (three standard errors), and an
        # answer on a knife-edge can flip on another CPU's arithmetic (one and a half of a few, or 2%).
        if abs(measured - recorded) > 3 * np.sqrt(recorded * (1 - recorded) / count) + max(0.02, 1.5 / count):
            raise ModelFolderError(
                f"{loaded.source}/{INFO_FILE} records {recorded:.2%} of its {what} answered right, but its network "
                f"answers {measured:.2%} of {count} of them right: it is not the network the folder describes"
            )


def _recorded_pool(loaded: LoadedModel) -> tuple[list, float | None]:
    """(held-out questions, the share of them the folder records as answered right). A column
    network's are its sums of at most ``CHECKED_DIGITS`` digits: its record scores its held-out
    sums one row per length, in the order they are saved, and the rows of longer sums are left
    out (none, where the rows do not add up to the saved sums)."""
    metrics = loaded.info.get("metrics", {})
    if loaded.architecture != "column":
        return list(loaded.validation_pairs), metrics.get("validation", {}).get("exact_match")
    rows = list(metrics.get("exact_match_by_length", {}).values())
    if sum(row["count"] for row in rows) != len(loaded.validation_pairs):
        return [], None
    pool, right, start = [], 0.0, 0
    for row in rows:
        sums = [tuple(pair) for pair in loaded.validation_pairs[start : start + row["count"]]]
        start += row["count"]
        if sums and max(len(str(operand)) for pair in sums for operand in pair) <= CHECKED_DIGITS:
            pool += sums
            right += row["exact_match"] * len(sums)
    return pool, right / len(pool) if pool else None


def described_parameters(cell: str, inputs: int, hidden_size: int, more_layers: int, outputs: int) -> int:
    """The weights of a network addition.json describes, counted without building it: a
    recurrent layer reading ``inputs`` features, ``more_layers`` reading the one before, and a
    softmax over ``outputs`` classes."""
    gates, biases = GATES_AND_BIASES[cell]

    def layer(width: int) -> int:
        return gates * (width * hidden_size + hidden_size * hidden_size + biases * hidden_size)

    return layer(inputs) + more_layers * layer(hidden_size) + hidden_size * outputs + outputs


def _check_parameters(
    folder: Path, name: str, cell: str, inputs: int, hidden_size: int, more_layers: int, outputs: int
) -> None:
    """Refuse, before it is built, a described network that no weights file of a model folder can
    hold, or that this folder's cannot: Keras writes every weight as 4 bytes, uncompressed."""
    count = described_parameters(cell, inputs, hidden_size, more_layers, outputs)
    if count > MAX_PARAMETERS:
        raise ModelFolderError(
            f"{name}/{INFO_FILE} describes a network of {count:,} weights, more than a model folder's "
            f"weights file can hold ({MAX_PARAMETERS:,})"
        )
    size = _check_size(folder / "model.weights.h5", f"{name}/model.weights.h5")
    if size < 4 * count:
        raise ModelFolderError(
            f"{name}/model.weights.h5 holds {size:,} bytes, too few for the {count:,} weights {INFO_FILE} describes"
        )


def _load_network(folder: Path, name: str, described, words: str):
    """Keras's own files, loaded safely, and checked layer for layer against ``described``, the
    network addition.json describes (in ``words``): the network in config.json and the shapes in
    the weights file before Keras reads them (Keras makes every weight a config asks for, and
    reads a weight before it checks its shape), and the network Keras built after."""
    import h5py
    import keras

    from .model import architecture

    for file in KERAS_FILES:
        _check_size(folder / file, f"{name}/{file}")
    not_described = ModelFolderError(f"{name}/config.json is not the network {INFO_FILE} describes ({words})")
    if _network_of(read_json(folder, "config.json", name)) != json.loads(architecture(described)):
        raise not_described
    expected = sorted((tuple(weight.shape), str(weight.dtype)) for weight in described.weights)
    try:
        with h5py.File(folder / "model.weights.h5", "r") as weights:
            found = []

            def note(_, item):  # A true value stops the walk: a file of more datasets is refused at once.
                if isinstance(item, h5py.Dataset):
                    found.append((item.shape, str(item.dtype)))
                return len(found) > len(expected) or None

            weights.visititems(note)
    except Exception as error:  # h5py raises several types for a damaged file.
        raise ModelFolderError(f"cannot read {name}/model.weights.h5: {first_line(error)}") from error
    if sorted(found) != expected:
        raise ModelFolderError(f"{name}/model.weights.h5 is not the weights of the network {INFO_FILE} describes")
    try:
        with warnings.catch_warnings():  # Keras's own notes on a folder it then fails to load.
            warnings.simplefilter("ignore")
            # safe_mode refuses Lambda layers and other code hidden in a model.
            model = keras.saving.load_model(str(folder), compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged folder; all mean "unusable".
        raise ModelFolderError(f"cannot load the Keras model in {name}: {first_line(error)}") from error
    if architecture(model) != architecture(described):
        raise not_described
    return model


def _network_of(saved) -> dict | None:
    """config.json's network as ``architecture`` writes one: its name and Keras's ids of shared
    objects left out (they differ between two saves of one network)."""

    def without_ids(value):
        if isinstance(value, dict):
            return {key: without_ids(item) for key, item in value.items() if key != "shared_object_id"}
        return [without_ids(item) for item in value] if isinstance(value, list) else value

    functional = isinstance(saved, dict) and saved.get("class_name") == "Functional"
    if not (functional and isinstance(saved.get("config"), dict)):
        return None
    network = without_ids(saved["config"])
    network.pop("name", None)
    return network


def _check_size(path: Path, name: str) -> int:
    """The file's size in bytes, refused in one line past its cap (or gone since it was listed)."""
    limit = MAX_BYTES.get(path.name)
    try:
        size = path.stat().st_size
    except OSError as error:  # Gone since it was listed: the folder replaced while it was read.
        raise ModelFolderError(f"cannot read {name}: {first_line(error)}") from error
    if limit and size > limit:
        raise ModelFolderError(f"{name} is {size:,} bytes, more than a model folder's {limit:,}")
    return size


def read_json(folder: Path, file: str, name: str):
    """One JSON file of a folder, size-capped, or ``ModelFolderError`` naming it."""
    path = folder / file
    _check_size(path, f"{name}/{file}")
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant, object_pairs_hook=_no_twice)
    except RecursionError:
        raise ModelFolderError(f"cannot read {name}/{file}: nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError.
        raise ModelFolderError(f"cannot read {name}/{file}: {first_line(error)}") from error


def _no_constant(text):
    raise ValueError(f"{text} is not a number")


def _no_twice(pairs: list) -> dict:
    """A JSON object, refused if it names a key twice: a reader of the file would see one value
    and the loader take the other."""
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"{quoted(key)} is given twice in one object")
        seen.add(key)
    return dict(pairs)
