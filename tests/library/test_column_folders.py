"""A column network's folder: Keras alone runs it as its model card shows, the loader rebuilds it,
and a hostile copy (a layer slipped in, other sizes, loose JSON) is refused in one line naming
the file."""

import json
import re
import shutil

import keras
import pytest

from addition.column import ColumnPredictor, build_column_model, python_sums
from addition.hub import build_model_card
from addition.loading import load_model_folder
from addition.saving import ModelFolderError
from tests.helpers import COLUMN_MODEL

SUMS = [(47, 985), ("9" * 5_000, "1"), ("1", "9" * 300), ("123456789" * 3, "987654321" * 4)]


def copy_of_bundled(tmp_path):
    target = tmp_path / "hostile"
    shutil.copytree(COLUMN_MODEL, target)
    return target


def with_network(folder, network):
    """Replace the folder's Keras files by ``network``'s, keeping addition.json and the rest."""
    staging = folder.parent / f"{folder.name}-keras"
    keras.saving.save_model(network, str(staging), zipped=False)
    for name in ("config.json", "metadata.json", "model.weights.h5"):
        shutil.copy(staging / name, folder / name)
    shutil.rmtree(staging)
    return folder


def edit_json(folder, file, change):
    path = folder / file
    value = json.loads(path.read_text())
    changed = change(value)  # A new value, or None where it changed the value in place.
    value = value if changed is None else changed
    path.write_text(json.dumps(value))
    return folder


def refused(folder) -> str:
    with pytest.raises(ModelFolderError) as error:
        load_model_folder(folder, name="hostile")
    message = str(error.value)
    assert "\n" not in message
    return message


def test_the_folder_is_keras_layout_with_architecture_column_and_its_training_lengths():
    info = json.loads((COLUMN_MODEL / "addition.json").read_text())
    assert info["architecture"] == "column"
    assert (info["training"]["min_digits"], info["training"]["max_digits"]) == (1, 20)
    assert info["command"].startswith("python train.py --architecture column")
    assert {"config.json", "metadata.json", "model.weights.h5", "validation.json", "history.json"} <= {
        path.name for path in COLUMN_MODEL.iterdir()
    }
    assert sum(path.stat().st_size for path in COLUMN_MODEL.rglob("*") if path.is_file()) < 2_000_000


def test_the_cards_keras_alone_snippet_adds_like_python():
    card = str(build_model_card(COLUMN_MODEL, "me/addition-column"))
    snippet = re.search(r'```python\n(import os\nos.environ\["KERAS_BACKEND"\].*?)```', card, re.S).group(1)
    namespace = {}
    exec(snippet.replace("hf://me/addition-column", str(COLUMN_MODEL)), namespace)  # Prints 1032.
    add = namespace["add"]
    assert [add(str(a), str(b)) for a, b in SUMS] == python_sums(SUMS)
    assert "operands of 1 to 20 digits" in card and "## Limitations" in card


def test_the_loader_rebuilds_it_and_its_predictor_answers_in_reading_order():
    loaded = load_model_folder(COLUMN_MODEL)
    assert loaded.architecture == "column" and isinstance(loaded.predictor, ColumnPredictor)
    assert loaded.predictor.answers(SUMS) == python_sums(SUMS)
    assert loaded.validation_pairs.shape[1] == 2 and all(isinstance(a, str) for a in loaded.validation_pairs[:, 0])
    assert loaded.predictor.answers(loaded.validation_pairs) == python_sums(loaded.validation_pairs)
    assert [record["epoch"] for record in loaded.history] == list(range(1, len(loaded.history) + 1))
    assert set(loaded.history[-1]["exact_match_by_length"]) == {"1-20", "10", "30", "100", "1000"}


def test_a_layer_slipped_in_is_what_keras_runs_and_is_refused(tmp_path):
    bundled = keras.saving.load_model(str(COLUMN_MODEL), compile=False)
    recurrent, digit = bundled.layers[1], bundled.layers[-1]
    inputs = keras.Input((None, 20))
    slipped = keras.layers.Dense(recurrent.units, name="slipped_in")(recurrent(inputs))
    folder = with_network(copy_of_bundled(tmp_path), keras.Model(inputs, digit(slipped)))
    assert refused(folder).startswith("hostile/config.json is not the network addition.json describes")


@pytest.mark.parametrize(
    "cell, hidden_size, words",
    [
        (
            "gru",
            32,
            "config.json is not the network addition.json describes (a column network of 1 lstm layer(s) of 32",
        ),
        ("lstm", 16, "model.weights.h5 holds {size:,} bytes, too few for the 7,114 weights addition.json describes"),
    ],
)
def test_a_network_of_other_sizes_or_cells_is_refused(tmp_path, cell, hidden_size, words):
    folder = with_network(copy_of_bundled(tmp_path), build_column_model(cell, hidden_size))
    # The bundled folder describes 32 LSTM units: 7,114 weights (a 16-unit file cannot hold them).
    assert words.format(size=(folder / "model.weights.h5").stat().st_size) in refused(folder)


def change(path, value):
    def edit(mapping):
        *parents, last = path.split(".")
        for part in parents:
            mapping = mapping[part]
        if value is DELETE:
            del mapping[last]
        else:
            mapping[last] = value

    return edit


DELETE = object()


@pytest.mark.parametrize(
    "file, edit, words",
    [
        ("addition.json", change("architecture", "transformer"), "architecture should be one of keras-io, column"),
        ("addition.json", change("architecture", ["column"]), "architecture should be one of"),
        ("addition.json", change("training.cell", "transformer"), "cell must be one of"),
        ("addition.json", change("training.hidden_size", "32"), "hidden_size should be a whole number"),
        ("addition.json", change("training.num_layers", 0), "num_layers should be a whole number"),
        ("addition.json", change("training.secret", 1), "secret is missing or unknown"),
        ("addition.json", change("training.max_digits", DELETE), "max_digits is missing or unknown"),
        ("addition.json", change("training.monitor_lengths", [["x"]]), "training.monitor_lengths should be a plain"),
        ("addition.json", change("training.min_digits", 50), "min digits <= max digits"),
        ("addition.json", change("training", "lstm"), "training (the settings that rebuild the network)"),
        (
            "addition.json",
            change("metrics.exact_match_by_length.10.exact_match", 2),
            "exact_match should be a fraction",
        ),
        ("addition.json", change("metrics.epochs_run", "20"), "epochs_run should be a whole number"),
        ("addition.json", change("metrics.best_epoch", -3), "best_epoch should be a whole number"),
        ("addition.json", change("command", ["python"]), "command should be text"),
        ("validation.json", lambda pairs: [[47, 985]], "pairs of digit strings"),
        ("validation.json", lambda pairs: [["12a", "3"]], "pairs of digit strings"),
        ("validation.json", lambda pairs: [], "pairs of digit strings"),
        ("history.json", lambda history: [{"epoch": 1, "exact_match_by_length": {"10": "high"}}], "fractions"),
    ],
)
def test_loose_or_malformed_json_is_refused_in_one_line_naming_the_file(tmp_path, file, edit, words):
    message = refused(edit_json(copy_of_bundled(tmp_path), file, edit))
    assert message.startswith(f"hostile/{file}") and words in message


def test_a_network_trained_on_one_length_is_described_by_that_length(tmp_path):
    """Not "operands of 3 to 3 digits": the card says the one length, and a page its held-out
    scores' "3-3" as "3 digits"."""
    from addition.config import digits_label, lengths_trained, trained_range_label

    assert [lengths_trained(1, 20), lengths_trained(3, 3), lengths_trained(1, 1)] == [
        "1 to 20 digits",
        "3 digits",
        "1 digit",
    ]
    labels = [trained_range_label(1, 20), trained_range_label(3, 3), trained_range_label(1, 1), "10", "1", "1000"]
    shown = [digits_label(label) for label in labels]
    assert shown == ["1-20 digits", "3 digits (trained)", "1 digit (trained)", "10 digits", "1 digit", "1,000 digits"]
    folder = copy_of_bundled(tmp_path)
    edit_json(folder, "addition.json", lambda info: info["training"].update(min_digits=3, max_digits=3))
    card = str(build_model_card(folder, "me/addition-column"))
    assert "trained on\noperands of 3 digits only" in card and "Trained on operands of 3 digits;" in card
    assert "3 to 3" not in card
