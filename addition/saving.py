"""A model folder that alone rebuilds everything, written atomically, read defensively.

Layout (Keras 3's unzipped format, which ``keras.saving.load_model(folder)`` and ``hf://`` read)::

    config.json, metadata.json, model.weights.h5   Keras's own files (no optimizer state)
    addition.json     codec (digits, reverse, vocabulary), training settings, seed, metrics
    validation.json   the held-out validation questions, as [a, b] pairs
    history.json      per-epoch metrics
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from .cli import first_line
from .codec import Codec
from .model import Predictor

INFO_FILE = "addition.json"
VALIDATION_FILE = "validation.json"
HISTORY_FILE = "history.json"
KERAS_FILES = ("config.json", "metadata.json", "model.weights.h5")
FORMAT_VERSION = 1


class ModelFolderError(ValueError):
    """A model folder that cannot be saved or used; the message is one line for a person."""


@dataclass
class LoadedModel:
    model: object
    codec: Codec
    info: dict
    validation_pairs: np.ndarray
    history: list = field(default_factory=list)
    source: str = ""

    @property
    def predictor(self) -> Predictor:
        return Predictor(self.model, self.codec)


def save_model_folder(folder, model, codec: Codec, info: dict, validation_pairs, history) -> Path:
    """Write the folder next to its destination, then swap it into place.

    A crash at any point leaves either the previous folder or the new one at ``folder``,
    never a half-written one.
    """
    folder = Path(folder).resolve()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a model folder is not.
    except OSError as error:
        raise ModelFolderError(f"cannot write the model folder {folder}: {error.strerror or error}") from error
    try:
        # An uncompiled copy carries no optimizer state, which would double the folder's size.
        bare = model.__class__.from_config(model.get_config())
        bare.set_weights(model.get_weights())
        keras.saving.save_model(bare, str(staging), zipped=False)
        payload = {"format_version": FORMAT_VERSION, **codec.to_json(), **info}
        _write_json(staging / INFO_FILE, payload)
        _write_json(staging / VALIDATION_FILE, np.asarray(validation_pairs).tolist(), indent=None)
        _write_json(staging / HISTORY_FILE, history)
        _swap_into_place(staging, folder)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelFolderError(f"cannot write the model folder {folder}: {error.strerror or error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap_into_place(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    retired.rmdir()
    os.rename(folder, retired)  # Between these two renames both copies exist on disk.
    try:
        os.rename(staging, folder)
    except OSError:
        os.rename(retired, folder)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _write_json(path: Path, value, indent=2) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=indent)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def load_model_folder(folder, source: str | None = None) -> LoadedModel:
    """Rebuild model, codec, validation questions and history from a folder, or raise
    ``ModelFolderError`` with a one-line reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFolderError(f"{folder} is not a model folder (no such directory)")
    missing = [name for name in (INFO_FILE, *KERAS_FILES) if not (folder / name).is_file()]
    if missing:
        raise ModelFolderError(f"{folder} is not a complete model folder: missing {', '.join(missing)}")
    info = _read_json(folder / INFO_FILE)
    if not isinstance(info, dict):
        raise ModelFolderError(f"{folder / INFO_FILE} should hold a JSON object")
    try:
        codec = Codec(digits=info["digits"], reverse=bool(info["reverse"]), vocabulary=info["vocabulary"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFolderError(f"{folder / INFO_FILE} does not describe a codec: {error}") from error
    try:
        # safe_mode refuses Lambda layers and other code hidden in a model: a model from the
        # Hub is untrusted.
        model = keras.saving.load_model(str(folder), compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged file; all mean "unusable".
        raise ModelFolderError(f"cannot load the Keras model in {folder}: {first_line(error)}") from error
    _check_shapes(model, codec, folder)
    validation_pairs = _read_pairs(folder / VALIDATION_FILE, codec)
    history = _read_json(folder / HISTORY_FILE) if (folder / HISTORY_FILE).is_file() else []
    return LoadedModel(model, codec, info, validation_pairs, history, source or str(folder))


def _check_shapes(model, codec: Codec, folder: Path) -> None:
    expected_in = (codec.question_length, codec.vocabulary_size)
    expected_out = (codec.answer_length, codec.vocabulary_size)
    try:
        actual_in = tuple(model.inputs[0].shape[1:])
        actual_out = tuple(model.outputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError) as error:
        raise ModelFolderError(f"the model in {folder} has no single input and output") from error
    if actual_in != expected_in or actual_out != expected_out:
        raise ModelFolderError(
            f"{folder / INFO_FILE} (digits={codec.digits}) does not match the model: it reads "
            f"{actual_in} and writes {actual_out}, the codec needs {expected_in} and {expected_out}"
        )


def _read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFolderError(f"cannot read {path}: {error}") from error


def _read_pairs(path: Path, codec: Codec) -> np.ndarray:
    if not path.is_file():
        raise ModelFolderError(f"{path.parent} has no {path.name} (its held-out validation questions)")
    pairs = _read_json(path)
    try:
        array = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    except (TypeError, ValueError) as error:
        raise ModelFolderError(f"{path} should hold a list of [a, b] pairs") from error
    if len(array) == 0 or array.min() < 0 or array.max() > codec.max_operand:
        raise ModelFolderError(f"{path} should hold [a, b] pairs with 0 <= a, b <= {codec.max_operand}")
    return array
