import json
import sys

import keras
import numpy as np
import pytest

from addition.codec import Codec
from addition.config import KERAS_IO_RECIPE, RECIPES, TrainConfig
from addition.loading import load_model_folder
from addition.model import build_model
from addition.predictor import Predictor
from addition.training import compile_model, prepare_data
from tests.helpers import TINY_CONFIG


def test_a_tiny_fit_lowers_the_validation_loss(tiny_model):
    result, _ = tiny_model
    config = result.config
    data = prepare_data(config)
    keras.utils.set_random_seed(config.random_seed)
    untrained = build_model(data.codec, config.hidden_size, config.num_layers, config.unroll)
    compile_model(untrained, config, steps_per_epoch=1)
    codec = data.codec
    before = untrained.evaluate(
        codec.encode_questions(data.validation_pairs), codec.encode_answers(data.validation_pairs), verbose=0
    )[0]
    after = result.history[-1]["val_loss"]
    assert after < 0.9 * before


def test_validation_loss_and_accuracy_are_what_keras_would_report(tiny_model):
    # The monitor computes val_loss and val_accuracy from its own validation pass (Keras's is
    # skipped to save time); Keras's evaluate on the same weights is the oracle.
    result, _ = tiny_model
    codec, pairs = result.codec, result.validation_pairs
    compile_model(result.model, result.config, steps_per_epoch=1)
    keras_loss, keras_accuracy = result.model.evaluate(
        codec.encode_questions(pairs), codec.encode_answers(pairs), verbose=0
    )
    best = result.history[result.best_epoch - 1]
    assert best["val_loss"] == pytest.approx(keras_loss, rel=1e-3)
    assert best["val_accuracy"] == pytest.approx(keras_accuracy, abs=1e-6)
    assert result.validation["loss"] == pytest.approx(keras_loss, rel=1e-3)


def test_history_has_every_epoch_and_the_best_epoch_is_kept(tiny_model):
    result, _ = tiny_model
    assert [record["epoch"] for record in result.history] == list(range(1, TINY_CONFIG["epochs"] + 1))
    # Whole answers first; a tie (the tiny model gets ~none right at either epoch) goes to the lower loss.
    best = max(result.history, key=lambda record: (record["val_exact_match"], -record["val_loss"]))
    assert result.best_epoch == best["epoch"]
    assert result.validation["exact_match"] == pytest.approx(best["val_exact_match"])


def test_saved_folder_loads_back_with_identical_predictions(tiny_model):
    result, folder = tiny_model
    loaded = load_model_folder(folder)
    pairs = np.array([(a, b) for a in range(0, 100, 7) for b in range(0, 100, 11)])
    original = Predictor(result.model, result.codec).probabilities(pairs)
    np.testing.assert_allclose(loaded.predictor.probabilities(pairs), original, rtol=1e-5, atol=1e-6)
    # Keras alone reads the folder too (the layout hf:// repos use).
    plain = keras.saving.load_model(str(folder))
    np.testing.assert_allclose(
        plain.predict_on_batch(result.codec.encode_questions(pairs)), original, rtol=1e-5, atol=1e-6
    )
    assert loaded.codec == result.codec
    np.testing.assert_array_equal(loaded.validation_pairs, result.validation_pairs)
    assert len(loaded.history) == TINY_CONFIG["epochs"]


def test_folder_describes_itself(tiny_model):
    result, folder = tiny_model
    info = json.loads((folder / "addition.json").read_text())
    assert info["digits"] == 2 and info["reverse"] is True and info["vocabulary"] == "0123456789+ "
    assert info["zero_pad"] is True and info["reverse_answer"] is True  # Today's defaults, as trained.
    assert info["training"] == result.config.to_json()
    assert info["command"] == "pytest tiny"
    validation = info["metrics"]["validation"]
    assert validation["count"] == len(result.validation_pairs)
    assert 0 <= validation["exact_match"] <= validation["per_character"] <= 1
    assert sum(row["count"] for row in validation["by_carries"].values()) == validation["count"]
    # No optimizer state: the weights file holds the model's parameters and little more.
    assert (folder / "model.weights.h5").stat().st_size < 1.2 * 4 * info["parameters"] + 50_000


def test_exact_match_is_checked_against_the_oracle(tiny_model):
    result, _ = tiny_model
    from addition.evaluation import evaluate

    pairs = result.validation_pairs[:300]
    report = evaluate(Predictor(result.model, result.codec), pairs, max_mistakes=1000)
    answers = Predictor(result.model, result.codec).answers(pairs)
    right = [answer.strip() == str(a + b) for (a, b), answer in zip(pairs.tolist(), answers)]
    assert report["exact_match"] == pytest.approx(np.mean(right))
    assert len(report["mistakes"]) == right.count(False)
    for mistake in report["mistakes"]:
        assert mistake["true"] == mistake["a"] + mistake["b"] and mistake["model"] != str(mistake["true"])


def test_the_keras_io_recipe_is_the_keras_io_example():
    assert KERAS_IO_RECIPE.training_size == 50_000 and KERAS_IO_RECIPE.batch_size == 32
    assert KERAS_IO_RECIPE.epochs == 30 and KERAS_IO_RECIPE.learning_rate == 1e-3
    assert (
        KERAS_IO_RECIPE.sampling == "keras-io"
        and KERAS_IO_RECIPE.hidden_size == 128
        and KERAS_IO_RECIPE.num_layers == 1
    )
    assert RECIPES["keras-io"] is KERAS_IO_RECIPE and RECIPES["ours"] == TrainConfig()


def test_train_builds_and_trains_the_model_inside_the_strategy_it_is_given(monkeypatch):
    import tensorflow as tf

    from addition import training

    assert training.distribution_strategy() is tf.distribute.get_strategy()  # No GPUs here: the default.
    # What several GPUs would give, on the one CPU: train() must build the model under it.
    strategy = tf.distribute.MirroredStrategy(devices=["/cpu:0"])
    monkeypatch.setattr(training, "distribution_strategy", lambda: strategy)
    result = training.train(TrainConfig().replace(**{**TINY_CONFIG, "training_size": 600, "epochs": 1}))
    assert result.model.weights and all(
        strategy.extended.variable_created_in_scope(weight.value) for weight in result.model.weights
    )
    assert np.isfinite(result.history[0]["loss"])


def test_the_best_epoch_is_what_train_returns_and_extra_callbacks_see_each_epoch_after_its_record():
    """One training for both (each new network costs TensorFlow a trace): a callback after the
    monitor sees every epoch's record already made, and weights it ruins after the monitor has
    scored the last epoch are not what ``train`` returns."""
    from addition.training import train

    seen, records = [], []

    class RecordThenRuinTheLastEpoch(keras.callbacks.Callback):  # Runs after the monitor has scored the epoch.
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch + 1, len(records)))
            if epoch + 1 == 3:
                self.model.set_weights([np.zeros_like(w) for w in self.model.get_weights()])

    result = train(
        TrainConfig().replace(**{**TINY_CONFIG, "training_size": 600, "epochs": 3}),
        on_epoch=lambda record, samples: records.append(record),
        callbacks=[RecordThenRuinTheLastEpoch()],
    )
    assert seen == [(1, 1), (2, 2), (3, 3)]
    best = result.history[result.best_epoch - 1]
    assert result.validation["loss"] == pytest.approx(best["val_loss"], rel=1e-4)
    assert result.validation["exact_match"] == best["val_exact_match"]
    uniform_loss = np.log(result.codec.vocabulary_size)  # What the zeroed weights would score.
    assert result.validation["loss"] < uniform_loss - 0.1


def test_a_run_stopped_within_an_epoch_records_and_keeps_only_whole_epochs():
    """Stop in the middle of epoch 2 (as the app's Stop does): epoch 2 is neither recorded nor
    kept, and what ``train`` returns is epoch 1's network."""
    from addition.training import train

    weights_after = {}

    class StopWithinTheSecondEpoch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if len(weights_after) == 1 and batch == 1:  # Two of the second epoch's five steps.
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            weights_after[epoch + 1] = self.model.get_weights()

    config = TrainConfig().replace(**{**TINY_CONFIG, "training_size": 600, "epochs": 3, "steps_per_execution": 1})
    result = train(config, callbacks=[StopWithinTheSecondEpoch()])
    assert [record["epoch"] for record in result.history] == [1] and result.best_epoch == 1
    assert set(weights_after) == {1, 2}  # Keras ends the cut epoch too; it is not a whole one.
    for returned, after_one in zip(result.model.get_weights(), weights_after[1]):
        np.testing.assert_array_equal(returned, after_one)
    assert any(not np.array_equal(one, two) for one, two in zip(weights_after[1], weights_after[2]))


def run_train(*args, capsys):
    from tests.helpers import run_in_process

    return run_in_process("train", args, capsys)


def test_train_cli_writes_a_folder_both_loaders_read(tmp_path, capsys):
    output = tmp_path / "m"
    done = run_train(
        "--digits", "2", "--training-size", "3000", "--epochs", "2", "--keep-epochs", "1", "--output", str(output),
        capsys=capsys,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    # Written to a file or a pipe: one line per epoch, no progress bar, no terminal codes.
    assert [line.split(" (")[0] for line in done.stdout.splitlines() if line.startswith("epoch ")] == [
        "epoch 1",
        "epoch 2",
    ]
    assert "Epoch 1/2" not in done.stdout and "\x1b" not in done.stdout and "\r" not in done.stdout
    assert "  Q " not in done.stdout
    assert "Validation (300 held-out questions): whole answers" in done.stdout
    assert f"Saved to {output}" in done.stdout
    assert load_model_folder(output).codec.digits == 2
    codec = Codec(digits=2)
    assert keras.saving.load_model(str(output)).input_shape == (None, codec.question_length, codec.vocabulary_size)

    # --keep-epochs 1: the network as it was after epoch 1, a folder of its own that says so.
    snapshot, final = load_model_folder(tmp_path / "m-epoch1"), load_model_folder(output)
    assert snapshot.info["snapshot_epoch"] == 1 and "snapshot_epoch" not in final.info
    assert snapshot.history == final.history[:1] and len(final.history) == 2
    assert snapshot.info["training"] == final.info["training"] and snapshot.info["command"] == final.info["command"]
    # Its weights are epoch 1's: rescored against Python's addition, its held-out whole answers
    # are what the run measured after epoch 1 (and what its folder records).
    pairs = snapshot.validation_pairs
    answers = snapshot.predictor.answers(pairs)
    right = np.mean([answer.strip() == str(a + b) for (a, b), answer in zip(pairs.tolist(), answers)])
    assert right == pytest.approx(final.history[0]["val_exact_match"])
    assert right == pytest.approx(snapshot.info["metrics"]["validation"]["exact_match"])
    assert f"After epoch 1: whole answers {right:.2%} of held-out questions" in done.stdout


def test_on_a_terminal_train_py_shows_keras_progress_bar_and_the_samples(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    done = run_train(
        "--digits",
        "1",
        "--training-size",
        "50",
        "--short-sums",
        "0",
        "--epochs",
        "2",
        "--output",
        str(tmp_path / "m"),
        "--whole-space-sample",
        "0",
        capsys=capsys,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Keras's bar counts the whole run although fit runs an epoch at a time.
    assert "Epoch 1/2" in done.stdout and "Epoch 2/2" in done.stdout and "Epoch 2/3" not in done.stdout
    assert "epoch 2 (" in done.stdout and done.stdout.count("  Q ") == 2 * 10  # Ten samples an epoch.


@pytest.mark.parametrize(
    "args, words",
    [
        (["--epochs", "0"], "epochs must be at least 1"),
        (["--digits", "1", "--training-size", "1000"], "more than the 55 distinct"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--learning-rate", "fast"], "invalid float value"),
        (["--sampling", "sideways"], "sampling must be one of"),
        (["--short-sums", "-5"], "short sums must be 0 or more"),
        (["--training-size", "50", "--validation-fraction", "0.01"], "50 questions are too few to set 1% apart"),
        (["--push-to-hub", "not a repo"], "is not a Hugging Face repo id"),
        (["--epochs", "2", "--keep-epochs", "3"], "--keep-epochs: each epoch should be from 1 to the run's 2"),
        (["--keep-epochs", "1,two"], "is not a comma-separated list of whole numbers"),
        (["--architecture", "column", "--keep-epochs", "1"], "--keep-epochs is for the keras-io network"),
        (["--random-seed", "-1"], "random seed must be a whole number from 0 to 4,294,967,295"),
        (["--random-seed", str(2**32)], "random seed must be a whole number from 0 to 4,294,967,295"),
        (["--architecture", "column", "--random-seed", "-1"], "random seed must be a whole number from 0"),
    ],
)
def test_train_cli_bad_flags_give_one_line_and_exit_2(args, words, capsys):
    done = run_train(*args, capsys=capsys)
    assert done.returncode == 2
    assert words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr  # Before TF loads.


def test_every_seed_from_0_to_the_largest_is_taken_by_both_networks_and_by_keras():
    from addition.config import MAX_SEED, ColumnConfig

    for seed in (0, MAX_SEED):
        assert TrainConfig(random_seed=seed).random_seed == ColumnConfig(random_seed=seed).random_seed == seed
        keras.utils.set_random_seed(seed)  # What a run does with it first.
    for seed in (-1, MAX_SEED + 1):
        for config in (TrainConfig, ColumnConfig):
            with pytest.raises(ValueError, match="random seed must be a whole number from 0 to"):
                config(random_seed=seed)


def test_swap_some_turns_about_half_the_questions_around_and_keeps_their_sums():
    from addition.training import swap_some

    pairs = np.array([(a, a + 1 + a % 7) for a in range(2_000)])
    swapped = swap_some(pairs, np.random.default_rng(0))
    assert sorted(map(sorted, swapped.tolist())) == sorted(map(sorted, pairs.tolist()))
    turned = (swapped != pairs).any(axis=1).mean()
    assert 0.45 < turned < 0.55
    np.testing.assert_array_equal(swapped.sum(axis=1), pairs.sum(axis=1))  # Same answers, the oracle's.
    assert swap_some(pairs, np.random.default_rng(0)).tolist() == swapped.tolist()  # Seeded.


def test_an_epoch_is_the_training_questions_then_fresh_short_sums():
    from addition.training import epoch_pairs

    config = TrainConfig().replace(**TINY_CONFIG)
    data = prepare_data(config)
    plain = epoch_pairs(data, config.replace(swap_operands=False, short_sums=0), np.random.default_rng(0))
    assert (plain == data.training_pairs).all()
    rng = np.random.default_rng(0)
    first, second = (epoch_pairs(data, config.replace(short_sums=500), rng) for _ in range(2))
    count = len(data.training_pairs)
    assert len(first) == count + 500 and first[count:].max() <= 99
    assert (first[count:] != second[count:]).any()  # Drawn afresh each epoch.
    assert (np.sort(first[:count], axis=1) == np.sort(data.training_pairs, axis=1)).all()  # Only turned around.
    # Fresh questions: 4,000 of the 5,050 distinct 2-digit sums are most of the space, so the set stays;
    fresh = config.replace(fresh_questions=True, swap_operands=False, short_sums=0)
    assert (epoch_pairs(data, fresh, rng, 1) == data.training_pairs).all()
    # with 3 digits each epoch after the first is a new set of as many, never a held-out question.
    fresh = fresh.replace(digits=3)
    data = prepare_data(fresh)
    assert (epoch_pairs(data, fresh, rng, 0) == data.training_pairs).all()
    later = epoch_pairs(data, fresh, rng, 1)
    seen = {tuple(sorted(pair)) for pair in data.training_pairs.tolist()}
    new = {tuple(sorted(pair)) for pair in later.tolist()}
    assert len(later) == len(new) == len(data.training_pairs) and len(new & seen) < len(new) // 5
    assert not new & {tuple(sorted(pair)) for pair in data.validation_pairs.tolist()}


def test_swap_operands_is_a_flag_both_ways():
    import train

    assert train.parse_arguments([])[1].swap_operands is True  # Our default recipe.
    assert train.parse_arguments(["--no-swap-operands"])[1].swap_operands is False
    assert train.parse_arguments(["--recipe", "keras-io"])[1].swap_operands is False  # As the keras-io example.
    assert train.parse_arguments(["--recipe", "keras-io", "--swap-operands"])[1].swap_operands is True


def test_models_of_one_architecture_share_one_compile_and_each_answers_with_its_own_weights():
    """Two networks of one architecture, their weights drawn apart: the Predictor traces the
    shared forward pass once per shape for both, and each answers as Keras computes it with its
    own weights."""
    from addition.data import sample_whole_space
    from addition.predictor import _shared_forward

    codec = Codec(digits=2)
    networks = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        networks.append(build_model(codec, hidden_size=7))  # An architecture no other test builds.
    pairs = sample_whole_space(2, 600, seed=0)
    outputs = [network.predict_on_batch(codec.encode_questions(pairs)) for network in networks]
    assert not np.allclose(outputs[0], outputs[1], atol=1e-3)
    for network, expected in zip(networks, outputs):
        predictor = Predictor(network, codec)
        np.testing.assert_allclose(predictor.probabilities(pairs), expected, atol=1e-5)  # Chunks.
        np.testing.assert_allclose(predictor.probabilities(pairs[:1]), expected[:1], atol=1e-5)  # One question.
    shared = _shared_forward(networks[0], True)
    assert shared is _shared_forward(networks[1], True) and shared.experimental_get_tracing_count() == 2  # Two shapes.


@pytest.mark.parametrize("num_layers, reverse, cell", [(1, True, "lstm"), (2, True, "lstm"), (1, False, "gru")])
def test_the_predictor_computes_what_keras_computes(num_layers, reverse, cell):
    from addition.data import sample_whole_space

    codec = Codec(digits=3, reverse=reverse)
    keras.utils.set_random_seed(num_layers)
    model = build_model(codec, hidden_size=32, num_layers=num_layers, cell=cell)
    # Random weights, larger than the initial ones, so that every gate matters.
    model.set_weights([np.random.default_rng(0).normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    pairs = np.concatenate([sample_whole_space(3, 3_000, seed=5), [(999, 999), (0, 0), (999, 1)]])
    expected = model.predict_on_batch(codec.encode_questions(pairs))
    got = Predictor(model, codec, chunk_size=700).probabilities(pairs)  # 5 chunks on threads, the last one padded.
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(Predictor(model, codec).probabilities(pairs[:1]), expected[:1], rtol=1e-4, atol=1e-5)


def test_the_predictor_never_holds_a_large_batch_one_hot_at_once():
    """A million questions one-hot encoded at once would take hundreds of megabytes: the
    Predictor encodes a chunk at a time, on the thread that runs it."""
    import tracemalloc

    from addition.data import sample_whole_space

    codec = Codec(digits=3)
    predictor = Predictor(build_model(codec, hidden_size=16), codec, xla=False)
    pairs = sample_whole_space(3, 100_000, seed=2)
    predictor.probabilities(pairs[:2_000])  # Traced before measuring.
    tracemalloc.start()
    try:
        probabilities = predictor.probabilities(pairs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    whole_batch_one_hot = len(pairs) * codec.question_length * codec.vocabulary_size * 4  # float32
    assert probabilities.shape == (len(pairs), codec.answer_length, codec.vocabulary_size)
    assert peak < whole_batch_one_hot


def test_the_predictor_reads_the_weights_as_they_are_now():
    # The training monitor makes a Predictor each epoch; the compiled pass must not keep stale weights.
    codec = Codec(digits=2)
    model = build_model(codec, hidden_size=16)
    pairs = [(a, b) for a in range(0, 100, 3) for b in range(0, 100, 7)]  # 510: one chunk of 512, or two of 300.
    for chunk_size in (512, 300):
        Predictor(model, codec, chunk_size=chunk_size).probabilities(pairs)
    model.set_weights([w + 0.1 for w in model.get_weights()])
    for chunk_size in (512, 300):
        np.testing.assert_allclose(
            Predictor(model, codec, chunk_size=chunk_size).probabilities(pairs),
            model.predict_on_batch(codec.encode_questions(pairs)),
            rtol=1e-4,
            atol=1e-5,
        )


def test_the_models_and_the_questions_defaults_are_what_train_py_trains():
    import inspect

    from addition.data import generate_questions

    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(build_model).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    config = TrainConfig()
    assert defaults == {
        "hidden_size": config.hidden_size,
        "num_layers": config.num_layers,
        "unroll": config.unroll,
        "cell": config.cell,
    }
    assert inspect.signature(generate_questions).parameters["sampling"].default == config.sampling


def test_a_run_after_another_in_the_same_process_trains_the_same_weights():
    """What lets the app's training workers serve one visitor's run after another's: a run sets
    every random seed from its own settings, so that nothing of the run before (another network,
    another seed, Keras's session) changes what it learns."""
    import hashlib

    from addition.training import train

    def weights(config) -> str:
        model = train(config).model
        return hashlib.sha256(b"".join(array.tobytes() for array in model.get_weights())).hexdigest()

    mine = TrainConfig().replace(digits=2, training_size=1000, epochs=1, hidden_size=16, random_seed=3)
    first = weights(mine)
    weights(TrainConfig().replace(digits=3, training_size=800, epochs=1, hidden_size=24, random_seed=11))
    keras.backend.clear_session()  # As a worker does between runs.
    assert weights(mine) == first
