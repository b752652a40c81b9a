"""Read a model folder, or a Hub repo, as untrusted input: it loads into exactly the network
it describes, checked, or is refused with one line naming the file and the problem.

A folder comes from a user or the Hub like a typed sum does, so nothing in it is taken on
trust: every JSON file is size-capped and checked field by field (types, ranges, shapes), the
Keras network must be, layer for layer, the one ``build_model`` makes from ``addition.json``,
and Keras loads it with ``safe_mode`` (no code from the folder ever runs).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .codec import MAX_DIGITS, MAX_OPERAND_DIGITS, VOCABULARY, Codec
from .config import ARCHITECTURES, CELLS, ColumnConfig, TrainConfig
from .errors import first_line, quoted
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
MAX_TEXT = 2_000  # Characters of a command or a setting shown on the page.
# Settings added to the format after some folders were saved: a folder without one was trained
# without it, as its off value says; and values renamed since.
CODEC_ADDED = {"vocabulary": VOCABULARY, "reverse_answer": False, "zero_pad": False, "interleave": False}
TRAINING_ADDED = {
    "reverse_answer": False,
    "zero_pad": False,
    "interleave": False,
    "steps_per_execution": 1,
    "fresh_questions": False,
    "swap_operands": False,
    "short_sums": 0,
    "cell": "lstm",
}
RENAMED = {"sampling": {"seed": "keras-io"}}
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
    if _looks_like_a_path(spec):
        # Never send a mistyped local name (runs/addtion) to the Hub as a repo id.
        raise ModelFolderError(f"{spec} is not a model folder (no such directory)")
    try:
        hub.check_repo_id(spec, what="neither a model folder nor a Hugging Face repo id like user/addition-lstm")
    except ValueError as error:
        raise ModelFolderError(str(error)) from None
    if revision is not None and (not _REVISION.fullmatch(revision) or ".." in revision):
        raise ModelFolderError(f"{revision!r} is not a Hub branch, tag or commit")
    label = f"{spec}@{revision}" if revision else spec
    return Path(hub.download(spec, revision)), f"Hugging Face Hub: {label}"


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
        raise ModelFolderError(f"{name} is not a model folder (no such directory)")
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
        from .column import ColumnCodec, build_column_model

        codec = ColumnCodec()
        validation_pairs = check_digit_pairs(validation, f"{name}/{VALIDATION_FILE}")
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
        described = build_model(codec, settings["hidden_size"], settings["num_layers"], settings["unroll"], cell)
        words = (
            f"a {cell} encoder of {settings['hidden_size']} units, a RepeatVector, {settings['num_layers']} decoder "
            f"layer(s) and a softmax over {codec.vocabulary_size} characters for {codec.digits} digits"
        )
    model = _load_network(folder, name, described, words)
    return LoadedModel(model, codec, info, validation_pairs, history, name)


def _load_network(folder: Path, name: str, described, words: str):
    """Keras's own files, loaded safely, and checked layer for layer against ``described``, the
    network addition.json describes (in ``words``)."""
    import h5py
    import keras

    from .model import architecture

    for file in KERAS_FILES:
        _check_size(folder / file, f"{name}/{file}")
    try:
        with h5py.File(folder / "model.weights.h5", "r"):
            pass
    except Exception as error:  # h5py raises several types for a damaged file.
        raise ModelFolderError(f"cannot read {name}/model.weights.h5: {first_line(error)}") from error
    try:
        # safe_mode refuses Lambda layers and other code hidden in a model.
        model = keras.saving.load_model(str(folder), compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged folder; all mean "unusable".
        raise ModelFolderError(f"cannot load the Keras model in {name}: {first_line(error)}") from error
    if architecture(model) != architecture(described):
        raise ModelFolderError(f"{name}/config.json is not the network {INFO_FILE} describes ({words})")
    return model


def _check_size(path: Path, name: str) -> None:
    limit = MAX_BYTES.get(path.name)
    if limit and path.stat().st_size > limit:
        raise ModelFolderError(f"{name} is {path.stat().st_size:,} bytes, more than a model folder's {limit:,}")


def read_json(folder: Path, file: str, name: str):
    """One JSON file of a folder, size-capped, or ``ModelFolderError`` naming it."""
    path = folder / file
    _check_size(path, f"{name}/{file}")
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ModelFolderError(f"cannot read {name}/{file}: nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError.
        raise ModelFolderError(f"cannot read {name}/{file}: {first_line(error)}") from error


def _no_constant(text):
    raise ValueError(f"{text} is not a number")


def codec_of(info: dict) -> Codec:
    """The codec a folder's ``addition.json`` describes, older folders included."""
    return Codec.from_json({**CODEC_ADDED, **info})


def cell_of(info: dict) -> str:
    """The recurrent cell's key in ``CELLS`` ("lstm", "gru", ...): folders saved before the choice
    record none (an LSTM's)."""
    settings = info.get("training")
    return settings.get("cell", TRAINING_ADDED["cell"]) if isinstance(settings, dict) else TRAINING_ADDED["cell"]


def architecture_of(info: dict) -> str:
    """ "keras-io" or "column": folders saved before the column network record none (keras-io)."""
    return info.get("architecture", "keras-io")


def recorded_config(info: dict, where: str = INFO_FILE) -> TrainConfig | ColumnConfig:
    """The settings a folder was trained with, as a ``TrainConfig`` (or ``ColumnConfig``) that
    reruns them as they ran (``train.py --like FOLDER``): a setting added since is its off value,
    a renamed value its new name; a folder that lacks any other setting cannot be rerun, and is
    refused in words."""
    config_class = ARCHITECTURES[architecture_of(info)]
    added = TRAINING_ADDED if config_class is TrainConfig else {}
    settings = {**added, **info.get("training", {})}
    for name, renames in RENAMED.items():
        settings[name] = renames.get(settings.get(name), settings.get(name))
    fields = {field.name for field in config_class.fields()}
    missing = sorted(fields - set(settings))
    if missing:
        _fail(where, f"training records no {missing[0]}: it cannot be rerun as it ran")
    try:
        return config_class(**{name: value for name, value in settings.items() if name in fields})
    except (TypeError, ValueError) as error:
        _fail(where, f"its training settings are not ones train.py takes: {first_line(error)}")


# Field checks. Each raises ModelFolderError("<file>: <what is wrong>").


def _fail(where: str, problem: str):
    raise ModelFolderError(f"{where}: {problem}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _int(mapping: dict, key: str, where: str, low: int, high: int) -> int:
    value = mapping.get(key)
    if not _is_int(value) or not low <= value <= high:
        _fail(where, f"{key} should be a whole number from {low:,} to {high:,}, got {quoted(value)}")
    return value


def _rate(mapping: dict, key: str, where: str) -> float:
    value = mapping.get(key)
    if not _is_number(value) or not 0 <= value <= 1:
        _fail(where, f"{key} should be a fraction from 0 to 1, got {quoted(value)}")
    return float(value)


def check_info(info, where: str) -> dict:
    """``addition.json``, checked: the codec, the settings that rebuild the network, and every
    figure the app shows (metrics are optional; present, they must be well formed)."""
    if not isinstance(info, dict):
        _fail(where, "should hold a JSON object")
    if not isinstance(architecture_of(info), str) or architecture_of(info) not in ARCHITECTURES:
        _fail(where, f"architecture should be one of {', '.join(ARCHITECTURES)}, got {quoted(info['architecture'])}")
    if architecture_of(info) == "column":
        _check_column_settings(info.get("training"), where)
        return _check_description(info, where)
    for key in ("reverse", "reverse_answer", "zero_pad", "interleave"):
        if key in info and not isinstance(info[key], bool):
            _fail(where, f"{key} should be true or false, got {quoted(info[key])}")
    if "reverse" not in info:
        _fail(where, "reverse is missing")
    _int(info, "digits", where, 1, MAX_DIGITS)
    if not isinstance(info.get("vocabulary", VOCABULARY), str):
        _fail(where, f"vocabulary should be a string, got {quoted(info.get('vocabulary'))}")
    try:
        codec_of(info)
    except ValueError as error:
        _fail(where, str(error))
    settings = info.get("training")
    if not isinstance(settings, dict):
        _fail(where, "training (the settings that rebuild the network) should be an object")
    if len(settings) > 100 or not all(
        isinstance(key, str)
        and len(key) <= 100
        and (value is None or isinstance(value, (str, bool)) or _is_number(value))
        for key, value in settings.items()
    ):
        _fail(where, "training should map setting names to plain values")
    _int(settings, "hidden_size", where, 1, 4096)
    _int(settings, "num_layers", where, 1, 16)
    if not isinstance(settings.get("unroll"), bool):
        _fail(where, "training.unroll should be true or false")
    if cell_of(info) not in CELLS:
        _fail(where, f"training.cell should be one of {', '.join(CELLS)}")
    return _check_description(info, where)


def _check_column_settings(settings, where: str) -> None:
    """A column network's ``training``: every setting of ``ColumnConfig``, as train.py takes it."""
    if not isinstance(settings, dict):
        _fail(where, "training (the settings that rebuild the network) should be an object")
    names = {field.name for field in ColumnConfig.fields()}
    if set(settings) != names:
        odd = sorted(set(settings) ^ names)[0]
        _fail(where, f"training should hold exactly the column network's settings ({odd} is missing or unknown)")
    for key, value in settings.items():
        plain = value is None or isinstance(value, (str, bool)) or _is_number(value)
        lengths = isinstance(value, list) and len(value) <= 100 and all(_is_int(item) for item in value)
        if not (plain or (key == "monitor_lengths" and lengths)):
            _fail(where, f"training.{key} should be a plain value, got {quoted(value)}")
    _int(settings, "hidden_size", where, 1, 4096)
    _int(settings, "num_layers", where, 1, 16)
    _int(settings, "max_digits", where, 1, MAX_OPERAND_DIGITS)
    try:
        ColumnConfig(**settings)
    except (TypeError, ValueError) as error:
        _fail(where, f"its training settings are not ones train.py takes: {first_line(error)}")


def _check_description(info: dict, where: str) -> dict:
    """What both architectures' addition.json hold beside the network: the command, the count of
    parameters and the metrics the app shows."""
    settings = info["training"]
    for key in ("command",):
        if key in info and not (isinstance(info[key], str) and len(info[key]) <= MAX_TEXT):
            _fail(where, f"{key} should be text of at most {MAX_TEXT:,} characters")
    if any(isinstance(value, str) and len(value) > MAX_TEXT for value in settings.values()):
        _fail(where, f"a training setting is longer than {MAX_TEXT:,} characters")
    if "parameters" in info:
        _int(info, "parameters", where, 1, 10**10)
    if "snapshot_epoch" in info:  # The network as it was after this epoch (train.py --keep-epochs).
        _int(info, "snapshot_epoch", where, 1, 10**6)
    metrics = info.get("metrics", {})
    if not isinstance(metrics, dict):
        _fail(where, "metrics should be an object")
    if "validation" in metrics:
        _check_scores(metrics["validation"], f"{where} metrics.validation", breakdowns=True)
    if "whole_space_sample" in metrics:
        _check_scores(metrics["whole_space_sample"], f"{where} metrics.whole_space_sample", breakdowns=False)
    by_length = metrics.get("exact_match_by_length", {})
    if not isinstance(by_length, dict) or len(by_length) > 100:
        _fail(where, "metrics.exact_match_by_length should be an object of lengths")
    for label, row in by_length.items():
        if len(label) > 20 or not isinstance(row, dict):
            _fail(where, "metrics.exact_match_by_length should map each length to its count and exact_match")
        _int(row, "count", f"{where} metrics.exact_match_by_length", 0, 10**12)
        _rate(row, "exact_match", f"{where} metrics.exact_match_by_length")
    if "training_seconds" in metrics and not (
        _is_number(metrics["training_seconds"]) and metrics["training_seconds"] >= 0
    ):
        _fail(where, "metrics.training_seconds should be a number of seconds")
    return info


def _check_scores(scores, where: str, breakdowns: bool) -> None:
    if not isinstance(scores, dict):
        _fail(where, "should be an object")
    _int(scores, "count", where, 1, 10**12)
    _rate(scores, "exact_match", where)
    _rate(scores, "per_character", where)
    if breakdowns:
        for key in ("by_carries", "by_lengths"):
            table = scores.get(key, {})
            if not isinstance(table, dict) or len(table) > 1_000:
                _fail(where, f"{key} should be an object of groups")
            for group, row in table.items():
                if not isinstance(row, dict) or len(group) > 20:
                    _fail(where, f"{key} should map each group to its count and exact_match")
                _int(row, "count", f"{where}.{key}", 0, 10**12)
                _rate(row, "exact_match", f"{where}.{key}")


HISTORY_METRICS = (
    "loss",
    "accuracy",
    "exact_match",
    "val_loss",
    "val_accuracy",
    "val_exact_match",
    "seconds",
    "long_loss",
)


def check_history(history, where: str) -> list[dict]:
    """``history.json``: a list of per-epoch records with a whole ``epoch`` and numbers (or null)."""
    if not isinstance(history, list) or len(history) > 10_000:
        _fail(where, "should be a list of per-epoch records")
    for record in history:
        if not isinstance(record, dict):
            _fail(where, "should be a list of per-epoch records")
        _int(record, "epoch", where, 1, 10**6)
        for key in HISTORY_METRICS:
            value = record.get(key)
            if value is not None and not _is_number(value):
                _fail(where, f"{key} should be a number, got {quoted(value)}")
        by_length = record.get("exact_match_by_length", {})  # A column network's, per held-out length.
        if not (isinstance(by_length, dict) and len(by_length) <= 100):
            _fail(where, "exact_match_by_length should be an object of lengths")
        for label, value in by_length.items():
            if len(label) > 20 or not (_is_number(value) and 0 <= value <= 1):
                _fail(where, f"exact_match_by_length should map lengths to fractions, got {quoted(value)}")
    return history


def check_pairs(pairs, codec: Codec, where: str) -> np.ndarray:
    """``validation.json``: a non-empty list of [a, b] whole-number pairs within the codec's range."""
    top = codec.max_operand
    if (
        not isinstance(pairs, list)
        or not pairs
        or not all(
            isinstance(pair, list) and len(pair) == 2 and all(_is_int(x) and 0 <= x <= top for x in pair)
            for pair in pairs
        )
    ):
        _fail(where, f"should hold a list of [a, b] pairs of whole numbers with 0 <= a, b <= {top}")
    return np.array(pairs, dtype=np.int64)


MAX_VALIDATION_DIGITS = 10_000_000  # Digits of a column network's validation.json, all sums together.


def check_digit_pairs(pairs, where: str) -> np.ndarray:
    """A column network's ``validation.json``: a non-empty list of [a, b] digit strings (numbers
    of any length, as text: Python's ints print only up to 4,300 digits), as an (n, 2) array."""
    if (
        not isinstance(pairs, list)
        or not pairs
        or not all(
            isinstance(pair, list)
            and len(pair) == 2
            and all(
                isinstance(x, str) and 0 < len(x) <= MAX_OPERAND_DIGITS and x.isascii() and x.isdigit() for x in pair
            )
            for pair in pairs
        )
    ):
        _fail(where, f"should hold a list of [a, b] pairs of digit strings of 1 to {MAX_OPERAND_DIGITS:,} digits")
    if sum(len(a) + len(b) for a, b in pairs) > MAX_VALIDATION_DIGITS:
        _fail(where, f"holds more than {MAX_VALIDATION_DIGITS:,} digits")
    held = np.empty((len(pairs), 2), dtype=object)  # Python strings, not a fixed-width numpy string type.
    held[:] = pairs
    return held
