"""What a model folder's ``addition.json`` (and its other JSON files) hold, read as untrusted:
each field checked (types, ranges, shapes) or refused with one line naming the file and the
problem, and the settings of folders saved before a field was added, read as they were trained.
``addition.loading`` reads a folder through these."""

from __future__ import annotations

import numpy as np

from .codec import MAX_DIGITS, MAX_OPERAND_DIGITS, VOCABULARY, Codec
from .config import ARCHITECTURES, CELLS, ColumnConfig, TrainConfig, is_finite_number, is_whole_number
from .errors import first_line, quoted
from .saving import FORMAT_VERSION, INFO_FILE, ModelFolderError

MAX_TEXT = 2_000  # Characters of a command or a setting shown on the page.
# A folder rebuilds at most this network: no setting of ours comes near, and a bigger one is refused
# before Keras builds it (its weights are also counted against the loader's cap).
MAX_HIDDEN_SIZE, MAX_LAYERS = 4096, 16

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


def _int(mapping: dict, key: str, where: str, low: int, high: int) -> int:
    value = mapping.get(key)
    if not is_whole_number(value) or not low <= value <= high:
        _fail(where, f"{key} should be a whole number from {low:,} to {high:,}, got {quoted(value)}")
    return value


def _rate(mapping: dict, key: str, where: str) -> float:
    value = mapping.get(key)
    if not is_finite_number(value) or not 0 <= value <= 1:
        _fail(where, f"{key} should be a fraction from 0 to 1, got {quoted(value)}")
    return float(value)


def check_info(info, where: str) -> dict:
    """``addition.json``, checked: the codec, the settings that rebuild the network, and every
    figure the app shows (metrics are optional; present, they must be well formed)."""
    if not isinstance(info, dict):
        _fail(where, "should hold a JSON object")
    if "format_version" in info and not (
        is_whole_number(info["format_version"]) and 1 <= info["format_version"] <= FORMAT_VERSION
    ):
        _fail(where, f"format_version should be 1 to {FORMAT_VERSION} (the formats this library reads)")
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
        and (value is None or isinstance(value, (str, bool)) or is_finite_number(value))
        for key, value in settings.items()
    ):
        _fail(where, "training should map setting names to plain values")
    _int(settings, "hidden_size", where, 1, MAX_HIDDEN_SIZE)
    _int(settings, "num_layers", where, 1, MAX_LAYERS)
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
        plain = value is None or isinstance(value, (str, bool)) or is_finite_number(value)
        lengths = isinstance(value, list) and len(value) <= 100 and all(is_whole_number(item) for item in value)
        if not (plain or (key == "monitor_lengths" and lengths)):
            _fail(where, f"training.{key} should be a plain value, got {quoted(value)}")
    _int(settings, "hidden_size", where, 1, MAX_HIDDEN_SIZE)
    _int(settings, "num_layers", where, 1, MAX_LAYERS)
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
    for key in ("epochs_run", "best_epoch"):  # Counts the app shows (and multiplies).
        if key in metrics:
            _int(metrics, key, f"{where} metrics", 0, 10**6)
    if "training_seconds" in metrics and not (
        is_finite_number(metrics["training_seconds"]) and metrics["training_seconds"] >= 0
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
HISTORY_SHARES = {"accuracy", "exact_match", "val_accuracy", "val_exact_match"}  # Charted as percentages.


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
            if value is not None and not (is_finite_number(value) and value >= 0):
                _fail(where, f"{key} should be a number of 0 or more, got {quoted(value)}")
            if key in HISTORY_SHARES and value is not None and value > 1:
                _fail(where, f"{key} should be a fraction from 0 to 1, got {quoted(value)}")
        by_length = record.get("exact_match_by_length", {})  # A column network's, per held-out length.
        if not (isinstance(by_length, dict) and len(by_length) <= 100):
            _fail(where, "exact_match_by_length should be an object of lengths")
        for label, value in by_length.items():
            if len(label) > 20 or not (is_finite_number(value) and 0 <= value <= 1):
                _fail(where, f"exact_match_by_length should map lengths to fractions, got {quoted(value)}")
    return history


def check_pairs(pairs, codec: Codec, where: str) -> np.ndarray:
    """``validation.json``: a non-empty list of [a, b] whole-number pairs within the codec's range."""
    top = codec.max_operand
    if (
        not isinstance(pairs, list)
        or not pairs
        or not all(
            isinstance(pair, list) and len(pair) == 2 and all(is_whole_number(x) and 0 <= x <= top for x in pair)
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
