"""Write a model folder that alone rebuilds everything, atomically.

Layout (Keras 3's unzipped format, which ``keras.saving.load_model(folder)`` and ``hf://`` read)::

    config.json, metadata.json, model.weights.h5   Keras's own files (no optimizer state)
    addition.json     the architecture ("keras-io" or "column"), the keras-io network's codec (digits,
                      reverse, reverse_answer, zero_pad, interleave, vocabulary), training settings,
                      the command that trained it, metrics
    validation.json   the held-out validation questions, as [a, b] pairs
    history.json      per-epoch metrics

``addition.loading`` reads it back, checking everything; ``copy_own_files`` copies a folder's own
files (to publish them) and nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import numpy as np

from .codec import Codec
from .errors import ModelFolderError

INFO_FILE = "addition.json"
VALIDATION_FILE = "validation.json"
HISTORY_FILE = "history.json"
KERAS_FILES = ("config.json", "metadata.json", "model.weights.h5")
FORMAT_VERSION = 1


def check_output_folder(folder, protected=None, overwrite: bool = False) -> Path:
    """Refuse, before any training, a destination that ``save_model_folder`` could not or
    should not replace: an unwritable place, a file, a folder that is not a model folder (its
    files would be deleted), or an existing model folder directly under ``protected`` (the
    bundled models, say) unless ``overwrite``."""
    folder = Path(folder).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise ModelFolderError(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / INFO_FILE).is_file():
        raise ModelFolderError(f"{folder} is a folder with other files in it: choose a new or a model folder")
    if protected is not None and folder.parent == Path(protected).resolve() and folder.exists() and not overwrite:
        raise ModelFolderError(f"{folder.name} is a bundled model: pass --overwrite to replace it")
    blocking = next((parent for parent in folder.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:  # The operating system's word for it is "File exists".
        raise ModelFolderError(f"cannot write the model folder {folder}: {blocking} is a file, not a folder")
    try:  # What the save will do: make the parent, and a staging folder in it.
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=f".{folder.name}.check-", dir=folder.parent))
    except OSError as error:
        raise ModelFolderError(f"cannot write the model folder {folder}: {error.strerror or error}") from None
    return folder


def software() -> dict:
    """What a folder records of the software that trained it."""
    import platform

    import keras

    return {"keras": keras.__version__, "backend": keras.backend.backend(), "python": platform.python_version()}


def snapshot_folder(output, epoch: int) -> Path:
    """Where the network as it was after ``epoch`` is kept beside the run's folder: OUTPUT-epochN."""
    output = Path(output)
    return output.with_name(f"{output.name}-epoch{epoch}")


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
        import keras

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


def copy_own_files(folder, target: Path) -> Path:
    """Copy the model folder's own files (the names above; history.json if present) into a new
    folder ``target``, each only as the regular file it is in ``folder``; nothing else there is
    copied. A link could point anywhere (a token in ~/.cache/huggingface, ~/.ssh), so one of those
    files that is a symbolic link, or not a regular file, is ``ModelFolderError`` in one line."""
    target.mkdir()
    for name in (INFO_FILE, VALIDATION_FILE, HISTORY_FILE, *KERAS_FILES):
        source = Path(folder) / name
        if not os.path.lexists(source):
            if name == HISTORY_FILE:  # The loader takes a folder without one.
                continue
            raise ModelFolderError(f"{folder} is not a complete model folder: missing {name}")
        if source.is_symlink():
            raise ModelFolderError(
                f"{source} is a symbolic link: only a model folder's own files are published; copy the file there"
            )
        # O_NOFOLLOW refuses a link put there after the check above; O_NONBLOCK keeps a FIFO from
        # blocking the open, so that fstat can refuse it.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            descriptor = os.open(source, flags)
        except OSError as error:
            raise ModelFolderError(f"cannot read {source}: {error.strerror or error}") from None
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise ModelFolderError(f"{source} is not a regular file: a model folder holds only files")
            with open(descriptor, "rb", closefd=False) as reading, open(target / name, "wb") as writing:
                shutil.copyfileobj(reading, writing)
        finally:
            os.close(descriptor)
    return target
