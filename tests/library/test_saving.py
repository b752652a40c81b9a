"""Saving is atomic; a damaged or mismatched folder is refused with a one-line reason."""

import json
import shutil

import h5py
import keras
import pytest

from addition.loading import load_model, load_model_folder
from addition.saving import INFO_FILE, ModelFolderError, save_model_folder


def copy_of(folder, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def save_again(result, folder):
    return save_model_folder(
        folder, result.model, result.codec, {"note": "second"}, result.validation_pairs, result.history
    )


def test_a_failed_save_leaves_the_previous_folder_intact(tiny_model, tmp_path, monkeypatch):
    result, folder = tiny_model
    target = copy_of(folder, tmp_path)
    before = {path.name: path.read_bytes() for path in target.iterdir() if path.is_file()}

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # As if the run were interrupted mid-save.

    monkeypatch.setattr(keras.saving, "save_model", crash)
    with pytest.raises(KeyboardInterrupt):
        save_again(result, target)
    after = {path.name: path.read_bytes() for path in target.iterdir() if path.is_file()}
    assert after == before
    assert [path.name for path in tmp_path.iterdir()] == ["copy"]  # No half-written leftovers.
    load_model_folder(target)


def test_saving_over_a_folder_replaces_it_whole(tiny_model, tmp_path):
    result, folder = tiny_model
    target = copy_of(folder, tmp_path)
    save_again(result, target)
    assert json.loads((target / INFO_FILE).read_text())["note"] == "second"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["copy"]


def test_a_save_that_cannot_write_says_so(tiny_model, tmp_path):
    result, _ = tiny_model
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelFolderError, match="cannot write the model folder"):
        save_again(result, blocker / "model")


def test_a_full_disk_says_so(tiny_model, tmp_path, monkeypatch):
    import errno

    result, _ = tiny_model

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.saving, "save_model", disk_full)
    with pytest.raises(ModelFolderError, match="No space left on device"):
        save_again(result, tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_truncated_weights_are_refused(tiny_model, tmp_path):
    target = copy_of(tiny_model[1], tmp_path)
    weights = target / "model.weights.h5"
    whole = weights.read_bytes()
    weights.write_bytes(whole[: len(whole) - 100])  # Its last bytes lost: still room for every weight.
    with pytest.raises(ModelFolderError, match="cannot read copy/model.weights.h5: .*truncated"):
        load_model_folder(target, name="copy")
    weights.write_bytes(whole[: len(whole) // 2])  # Too short to hold them: refused before anything is built.
    with pytest.raises(
        ModelFolderError, match=r"^copy/model.weights.h5 holds [\d,]+ bytes, too few for the [\d,]+ weights"
    ):
        load_model_folder(target, name="copy")


def test_missing_info_file_is_refused(tiny_model, tmp_path):
    target = copy_of(tiny_model[1], tmp_path)
    (target / INFO_FILE).unlink()
    with pytest.raises(ModelFolderError, match="missing addition.json"):
        load_model_folder(target)


def test_info_that_disagrees_with_the_model_is_refused(tiny_model, tmp_path):
    target = copy_of(tiny_model[1], tmp_path)
    info = json.loads((target / INFO_FILE).read_text())
    info["digits"] = 3  # The model was trained on 2 digits.
    (target / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ModelFolderError, match="config.json is not the network addition.json describes"):
        load_model_folder(target)


def test_garbled_info_is_refused(tiny_model, tmp_path):
    target = copy_of(tiny_model[1], tmp_path)
    (target / INFO_FILE).write_text("{not json")
    with pytest.raises(ModelFolderError, match="cannot read"):
        load_model_folder(target)


def test_code_hidden_in_a_model_is_refused(tiny_model, tmp_path):
    # A Lambda layer carries Python code: its config.json is refused before Keras reads it (and
    # Keras, behind that, loads with safe_mode).
    result, folder = tiny_model
    target = copy_of(folder, tmp_path)
    inputs = keras.Input(shape=result.model.input_shape[1:])
    hidden = keras.layers.Lambda(lambda x: x * 1.0)(inputs)
    sneaky = keras.Model(inputs, result.model(hidden))
    keras.saving.save_model(sneaky, str(tmp_path / "sneaky"), zipped=False)
    for name in ("config.json", "metadata.json", "model.weights.h5"):
        shutil.copy(tmp_path / "sneaky" / name, target / name)
    with pytest.raises(ModelFolderError, match="config.json is not the network addition.json describes"):
        load_model_folder(target)


def test_a_missing_folder_is_refused(tmp_path, monkeypatch):
    with pytest.raises(ModelFolderError, match="no such directory"):
        load_model_folder(tmp_path / "nothing-here")
    (tmp_path / "a-file").write_text("not a model")
    for load in (load_model_folder, load_model):
        with pytest.raises(ModelFolderError, match=r"a-file is not a model folder \(a file, not a folder\)"):
            load(str(tmp_path / "a-file"))
    monkeypatch.chdir(tmp_path)  # A bare name too, never taken for a Hub repo id.
    with pytest.raises(ModelFolderError, match=r"^a-file is not a model folder \(a file, not a folder\)"):
        load_model("a-file")


def test_the_folder_says_which_network_it_holds(tiny_model):
    _, folder = tiny_model
    info = json.loads((folder / INFO_FILE).read_text())
    assert info["architecture"] == "keras-io" and load_model_folder(folder).architecture == "keras-io"


def test_weights_file_really_holds_weights(tiny_model):
    with h5py.File(tiny_model[1] / "model.weights.h5") as weights:
        assert "optimizer" not in weights


def test_a_failure_between_the_two_renames_puts_the_previous_folder_back(tiny_model, tmp_path, monkeypatch):
    import os

    from addition import saving

    result, folder = tiny_model
    target = copy_of(folder, tmp_path)
    before = {path.name: path.read_bytes() for path in target.iterdir() if path.is_file()}
    real_rename, renames = os.rename, []

    def rename(source, destination):
        renames.append((str(source), str(destination)))
        if len(renames) == 2:  # The old folder is set aside; moving the new one in fails.
            raise OSError(28, "No space left on device")
        return real_rename(source, destination)

    monkeypatch.setattr(saving.os, "rename", rename)
    with pytest.raises(ModelFolderError, match="No space left on device"):
        save_again(result, target)
    assert len(renames) == 3 and renames[2] == (renames[0][1], str(target))  # The rollback ran.
    after = {path.name: path.read_bytes() for path in target.iterdir() if path.is_file()}
    assert after == before
    assert [path.name for path in tmp_path.iterdir()] == ["copy"]
    load_model_folder(target)


KILL_DURING_SAVE = """
import sys, time
from addition import saving
from addition.loading import load_model_folder

loaded = load_model_folder(sys.argv[1])
write_json = saving._write_json

def slow_write(path, value, indent=2):
    write_json(path, value, indent)
    print("wrote", path.name, flush=True)
    time.sleep(60)  # Killed here, with the new folder half written.

saving._write_json = slow_write
saving.save_model_folder(sys.argv[2], loaded.model, loaded.codec, {"note": "new"}, loaded.validation_pairs, [])
"""


def test_killing_a_save_half_way_leaves_the_previous_folder_intact(tiny_model, tmp_path):
    import signal
    import subprocess
    import sys

    from tests.helpers import ROOT

    target = copy_of(tiny_model[1], tmp_path)
    before = {path.name: path.read_bytes() for path in target.iterdir() if path.is_file()}
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_DURING_SAVE, str(tiny_model[1]), str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout.readline().startswith("wrote addition.json")  # Mid-save, Keras's files written.
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    after = {path.name: path.read_bytes() for path in target.iterdir() if path.is_file()}
    assert after == before
    load_model_folder(target)
    # What a kill can leave is the hidden staging folder beside it, never in its place.
    leftovers = [path.name for path in tmp_path.iterdir() if path.name != "copy"]
    assert leftovers and all(name.startswith(".copy.partial-") for name in leftovers)
