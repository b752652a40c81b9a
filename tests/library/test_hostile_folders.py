"""A model folder is untrusted input: it loads into exactly the network it describes, or is
refused in one line naming the file and the problem. The folders here are what an outside
probe built: the bundled weights with a layer slipped in, broken or loose JSON, huge files."""

import json
import shutil

import keras
import pytest

from addition.data import sample_whole_space
from addition.loading import load_model, load_model_folder
from addition.saving import ModelFolderError
from tests.helpers import BUNDLED_MODEL


def copy_of_bundled(tmp_path, name="hostile"):
    target = tmp_path / name
    shutil.copytree(BUNDLED_MODEL, target)
    return target


def with_network(folder, network):
    """Replace the folder's Keras files by ``network``'s, keeping addition.json and the rest."""
    staging = folder.parent / f"{folder.name}-keras"
    keras.saving.save_model(network, str(staging), zipped=False)
    for name in ("config.json", "metadata.json", "model.weights.h5"):
        shutil.copy(staging / name, folder / name)
    shutil.rmtree(staging)
    return folder


def edit_info(folder, change):
    path = folder / "addition.json"
    info = json.loads(path.read_text())
    change(info)
    path.write_text(json.dumps(info))
    return folder


def extra_layer_folder(tmp_path):
    """The probe's folder: the bundled weights, plus one Dense between the decoder and the answer."""
    bundled = keras.saving.load_model(str(BUNDLED_MODEL), compile=False)
    x = bundled.inputs[0]
    for layer in bundled.layers[1:-1]:
        x = layer(x)
    x = keras.layers.Dense(x.shape[-1], name="slipped_in")(x)
    return with_network(copy_of_bundled(tmp_path), keras.Model(bundled.inputs, bundled.layers[-1](x)))


def test_the_folder_with_a_layer_slipped_in_is_what_keras_runs_and_is_refused(tmp_path):
    folder = extra_layer_folder(tmp_path)
    # Keras itself runs the slipped-in layer: its answers are not the bundled model's.
    network = keras.saving.load_model(str(folder), compile=False)
    loaded = load_model_folder(BUNDLED_MODEL)
    pairs = sample_whole_space(3, 500, seed=1)
    keras_answers = loaded.codec.decode_answers(
        network.predict_on_batch(loaded.codec.encode_questions(pairs)).argmax(-1)
    )
    right = [answer == loaded.codec.answer_string(a + b) for (a, b), answer in zip(pairs.tolist(), keras_answers)]
    assert sum(right) < 250
    with pytest.raises(ModelFolderError, match=r"^hostile/config.json is not the network addition.json describes"):
        load_model_folder(folder, name="hostile")


def test_evaluate_refuses_the_folder_with_a_layer_slipped_in(tmp_path, capsys):
    from tests.helpers import run_script

    folder = extra_layer_folder(tmp_path)
    code, out, err = run_script("evaluate", [str(folder), "--sample", "500"], capsys)
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: ") and "is not the network" in err
    assert "Traceback" not in err and "whole answers" not in out


@pytest.mark.parametrize("width", [12, 8])
def test_a_layer_before_the_encoder_is_refused(tmp_path, width):
    bundled = keras.saving.load_model(str(BUNDLED_MODEL), compile=False)
    inputs = keras.Input(bundled.input_shape[1:])
    x = keras.layers.Dense(width, name="before")(inputs)
    if width != bundled.input_shape[-1]:
        x = keras.layers.Dense(bundled.input_shape[-1], name="back")(x)
    for layer in bundled.layers[1:]:
        x = layer(x)
    folder = with_network(copy_of_bundled(tmp_path), keras.Model(inputs, x))
    with pytest.raises(ModelFolderError, match="is not the network"):
        load_model_folder(folder)


def mangle(key, value):
    def change(info):
        target = info
        *path, last = key.split(".")
        for part in path:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return change


DELETE = object()


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("metrics.validation.exact_match", DELETE, "metrics.validation: exact_match should be a fraction"),
        ("metrics.validation.count", True, "count should be a whole number"),
        ("metrics.whole_space_sample.exact_match", "1.0", "exact_match should be a fraction"),
        ("reverse", "false", "reverse should be true or false"),
        ("reverse_answer", 0, "reverse_answer should be true or false"),
        ("zero_pad", "yes", "zero_pad should be true or false"),
        ("vocabulary", list("0123456789+ "), "vocabulary should be a string"),
        ("digits", 3.0, "digits should be a whole number"),
        ("training.hidden_size", "128", "hidden_size should be a whole number"),
        ("training.cell", "transformer", "training.cell should be one of"),
        ("command", ["python", "train.py"], "command should be text"),
        ("training.sampling", {"nested": "object"}, "training should map setting names to plain values"),
        ("format_version", 999, "format_version should be 1 to"),  # A later format: not read as this one.
        ("training.learning_rate", 10**400, "training should map setting names to plain values"),  # No float holds it.
        ("metrics.validation.exact_match", 10**400, "exact_match should be a fraction"),
    ],
)
def test_loose_or_malformed_addition_json_is_refused_in_one_line(tmp_path, key, value, words):
    folder = edit_info(copy_of_bundled(tmp_path), mangle(key, value))
    with pytest.raises(ModelFolderError) as refused:
        load_model_folder(folder, name="hostile")
    message = str(refused.value)
    assert message.startswith("hostile/addition.json") and words in message and "\n" not in message


@pytest.mark.parametrize(
    "file, text, words",
    [
        ("addition.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("validation.json", "[[1, 2], [3, " + "9" * 5000 + "]]", "cannot read"),
        ("validation.json", "[[1, 2], [3, 99999999999999999999999]]", "pairs of whole numbers"),
        ("validation.json", "[[1.5, 2], [3, 4]]", "pairs of whole numbers"),
        ("validation.json", "[[1, 2, 3]]", "pairs of whole numbers"),
        ("validation.json", "[]", "pairs of whole numbers"),
        ("validation.json", "[[1, NaN]]", "NaN is not a number"),
        ("history.json", '{"epoch": 1}', "should be a list of per-epoch records"),
        ("history.json", '[{"epoch": "one"}]', "epoch should be a whole number"),
        ("history.json", '[{"epoch": 1, "loss": "low"}]', "loss should be a number"),
        ("history.json", '[{"epoch": 1, "val_exact_match": 7.5}]', "val_exact_match should be a fraction"),  # 750%.
        ("history.json", '[{"epoch": 1, "loss": -1e300}]', "loss should be a number of 0 or more"),
        # A key twice: a reader sees the first value, a JSON parser keeps the last.
        ("history.json", '[{"epoch": 1, "loss": 0.5, "loss": 0.1}]', "'loss' is given twice in one object"),
        ("addition.json", " " * 1_000_001, "more than a model folder's"),
        ("model.weights.h5", "not an HDF5 file" * 10_000, "cannot read hostile/model.weights.h5"),
        ("model.weights.h5", "not an HDF5 file", "hostile/model.weights.h5 holds 16 bytes, too few for the"),
    ],
)
def test_broken_folder_files_are_refused_in_one_line(tmp_path, file, text, words):
    folder = copy_of_bundled(tmp_path)
    (folder / file).write_text(text)
    with pytest.raises(ModelFolderError) as refused:
        load_model_folder(folder, name="hostile")
    message = str(refused.value)
    assert "hostile/" in message and words in message and "\n" not in message


@pytest.mark.parametrize(
    "spec, revision, words",
    [
        ("me/addition", "../../etc", "is not a Hub branch, tag or commit"),
        ("me/addition", "/abs/path", "is not a Hub branch, tag or commit"),
        ("./runs/addtion", None, "is not a model folder (no such directory)"),
        ("/no/such/folder", None, "is not a model folder (no such directory)"),
        ("not a repo", None, "neither a model folder nor a Hugging Face repo id"),
    ],
)
def test_hub_names_and_revisions_are_checked_before_any_download(spec, revision, words, monkeypatch):
    from addition import hub

    monkeypatch.setattr(hub, "download", lambda *args: pytest.fail("sent to the Hub"))
    with pytest.raises(ModelFolderError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_model(spec, revision)


def test_a_mistyped_folder_under_an_existing_one_is_not_sent_to_the_hub(tmp_path, monkeypatch):
    from addition import hub

    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(hub, "download", lambda *args: pytest.fail("sent to the Hub"))
    with pytest.raises(ModelFolderError, match="runs/addtion is not a model folder"):
        load_model("runs/addtion")


@pytest.mark.parametrize("cell", ["lstm", "gru", "simplernn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_the_weights_a_folder_describes_are_counted_as_keras_counts_them(cell, layers):
    """What lets a folder asking for a huge network be refused before it is built."""
    from addition.codec import Codec
    from addition.column import DIGITS, INPUT_FEATURES, build_column_model
    from addition.loading import described_parameters
    from addition.model import build_model, count_parameters

    codec = Codec(3)
    keras_io = build_model(codec, 24, layers, cell=cell)
    column = build_column_model(cell, 24, layers)
    size = codec.vocabulary_size
    assert described_parameters(cell, size, 24, layers, size) == count_parameters(keras_io)
    assert described_parameters(cell, INPUT_FEATURES, 24, layers - 1, DIGITS) == count_parameters(column)


@pytest.fixture
def keras_never_reads(monkeypatch):
    """The refusals below must come before Keras builds or reads anything of the folder's."""

    def refuse(*args, **kwargs):
        raise AssertionError("Keras was asked to load the folder")

    monkeypatch.setattr(keras.saving, "load_model", refuse)


@pytest.mark.parametrize(
    "hidden_size, layers, words",
    [
        (2048, 16, r"addition.json describes a network of [\d,]+ weights, more than a model folder's"),
        # Under that cap, but far more than this folder's weights file holds: a four-character edit.
        (2306, 1, r"model.weights.h5 holds [\d,]+ bytes, too few for the [\d,]+ weights addition.json describes"),
    ],
)
def test_a_folder_describing_a_network_too_big_for_its_weights_file_is_refused_unbuilt(
    tmp_path, keras_never_reads, monkeypatch, hidden_size, layers, words
):
    import addition.model

    def build(*args, **kwargs):
        raise AssertionError("the described network was built")

    monkeypatch.setattr(addition.model, "build_model", build)
    folder = copy_of_bundled(tmp_path)
    edit_info(folder, lambda info: info["training"].update(hidden_size=hidden_size, num_layers=layers))
    with pytest.raises(ModelFolderError, match=words):
        load_model_folder(folder)


def test_a_config_json_asking_keras_for_a_huge_layer_is_refused_before_keras_reads_it(tmp_path, keras_never_reads):
    folder = copy_of_bundled(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    answer = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Dense")
    answer["config"]["units"] = 2_000_000  # Five bytes more: gigabytes, once built.
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="config.json is not the network addition.json describes"):
        load_model_folder(folder)


def test_a_weights_file_declaring_a_huge_weight_is_refused_before_keras_reads_it(tmp_path, keras_never_reads):
    import h5py

    folder = copy_of_bundled(tmp_path)
    with h5py.File(folder / "model.weights.h5", "r+") as weights:
        name = "layers/dense/vars/0"
        del weights[name]  # Stored as almost nothing, 256 MB once read.
        weights.create_dataset(name, shape=(16384, 16384), dtype="int8", chunks=(1024, 1024), compression="gzip")
    assert (folder / "model.weights.h5").stat().st_size < 2_000_000
    with pytest.raises(ModelFolderError, match="model.weights.h5 is not the weights of the network addition.json"):
        load_model_folder(folder)


def test_another_models_weights_of_other_shapes_are_refused_by_their_shapes(tmp_path, keras_never_reads):
    from tests.helpers import MODELS_FOLDER

    folder = copy_of_bundled(tmp_path)
    shutil.copy(MODELS_FOLDER / "addition-2digit" / "model.weights.h5", folder / "model.weights.h5")
    with pytest.raises(ModelFolderError, match="model.weights.h5 is not the weights of the network addition.json"):
        load_model_folder(folder)


def lying_folders(tmp_path):
    """Folders whose shapes are all true but which lie about how the network reads or what it
    learnt: each loads into a network that answers wrongly beside the record the page shows."""
    from tests.helpers import MODELS_FOLDER

    flipped = edit_info(copy_of_bundled(tmp_path, "flipped"), lambda info: info.update(reverse_answer=False))
    early = copy_of_bundled(tmp_path, "early-weights")  # The same run's weights after its first epoch.
    shutil.copy(MODELS_FOLDER / "addition-3digit-epoch1" / "model.weights.h5", early / "model.weights.h5")
    return [flipped, early]


def test_a_folder_whose_network_does_not_earn_its_recorded_score_is_refused(tmp_path):
    from tests.helpers import MODELS_FOLDER

    for folder in lying_folders(tmp_path):
        with pytest.raises(
            ModelFolderError,
            match=r"addition.json records 100.00% of its held-out questions answered right, but its network "
            r"answers \d+\.\d\d% of 200 of them right: it is not the network the folder describes$",
        ):
            load_model_folder(folder)
    # The early weights with the early run's own record (3.10%): a network still learning, told truly.
    early = lying_folders(tmp_path / "told-truly")[1]
    shutil.copy(MODELS_FOLDER / "addition-3digit-epoch1" / "addition.json", early / "addition.json")
    assert load_model_folder(early).info["metrics"]["validation"]["exact_match"] < 0.05


def test_a_file_gone_while_the_folder_is_read_is_a_refusal(tmp_path, monkeypatch):
    """A folder swapped while it is read (train.py's save replaces a folder whole): a file listed
    a moment ago is gone when its size is checked."""
    from pathlib import Path

    folder = copy_of_bundled(tmp_path)
    stat, seen = Path.stat, []

    def gone(path, *args, **kwargs):  # There when the folder is listed, gone when it is read.
        if path.name == "config.json":
            seen.append(path)
            if len(seen) > 1:
                raise FileNotFoundError(2, "No such file or directory", str(path))
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", gone)
    with pytest.raises(ModelFolderError, match=r"^cannot read hostile/config.json: .*No such file"):
        load_model_folder(folder, name="hostile")


def test_a_refusal_keeps_the_reason_a_library_gives_on_its_second_line():
    from addition.errors import first_line

    keras_said = ValueError(
        "A total of 3 objects could not be loaded. Example error message for object <LSTMCell>:\n\n"
        "Layer 'lstm_cell' expected 3 variables, but received 0 variables during loading.\n\nList of objects..."
    )
    assert first_line(keras_said) == (
        "A total of 3 objects could not be loaded. Example error message for object <LSTMCell>: "
        "Layer 'lstm_cell' expected 3 variables, but received 0 variables during loading."
    )
    assert first_line(ValueError("one line\nand more")) == "one line" and first_line(ValueError()) == "ValueError"
    cut = first_line(ValueError("x" * 500), limit=300)
    assert len(cut) == 300 and cut.endswith("…")  # Said to be cut, not ending mid-word as if whole.


def test_a_column_folders_record_is_checked_on_its_short_sums_only_and_a_lie_is_refused(tmp_path, monkeypatch):
    """The check re-scores sums of at most CHECKED_DIGITS digits (a folder can hold 10,000-digit
    ones, whose states would fill gigabytes), and refuses weights that do not earn the record."""
    import addition.column_training
    from addition.column import build_column_model
    from addition.loading import CHECKED_DIGITS
    from tests.helpers import COLUMN_MODEL

    scored = []
    scoring = addition.column_training.whole_answer_score
    monkeypatch.setattr(
        addition.column_training,
        "whole_answer_score",
        lambda predictor, pairs: scored.append(pairs) or scoring(predictor, pairs),
    )
    folder = tmp_path / "column"
    shutil.copytree(COLUMN_MODEL, folder)
    loaded = load_model_folder(folder)
    lengths = [len(operand) for pair in scored[-1] for operand in pair]
    assert (
        max(lengths) <= CHECKED_DIGITS < max(len(a) for a, _ in loaded.validation_pairs)
    )  # Its 1,000-digit row skipped.
    untrained = with_network(folder, build_column_model("lstm", 32))  # The same shapes, weights never trained.
    with pytest.raises(ModelFolderError, match=r"records 100.00% of its held-out questions answered right, but"):
        load_model_folder(untrained)


def test_a_whole_space_record_is_checked_on_sums_the_folder_does_not_choose(tmp_path):
    """A folder chooses its own held-out questions (those its network gets right, recorded as
    100%), but not the random sums its whole-space record is checked on."""
    from tests.helpers import MODELS_FOLDER

    folder = tmp_path / "chosen"
    shutil.copytree(MODELS_FOLDER / "addition-3digit-epoch1", folder)
    loaded = load_model_folder(folder)
    answers = loaded.predictor.answers(loaded.validation_pairs)
    right = [
        pair for pair, answer in zip(loaded.validation_pairs.tolist(), answers) if answer.strip() == str(sum(pair))
    ]
    (folder / "validation.json").write_text(json.dumps(right))

    def claim(info):
        info["metrics"]["validation"].update(exact_match=1.0, count=len(right))
        info["metrics"]["whole_space_sample"]["exact_match"] = 1.0

    edit_info(folder, claim)
    assert 0 < len(right) < len(loaded.validation_pairs)
    with pytest.raises(ModelFolderError, match=r"records 100.00% of its random sums answered right, but its network"):
        load_model_folder(folder)
