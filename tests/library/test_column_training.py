"""A tiny column-network training (seconds): it learns one-digit column addition, reports every
epoch's whole answers per length, and saves a folder that Keras alone and the loader both run;
a run stopped before any epoch ends, of either network, keeps nothing."""

import json

import keras
import pytest

from addition.column import ColumnPredictor, decode_answers, encode_sums, python_sums
from addition.column_training import train_and_save_column
from addition.config import ColumnConfig, TrainConfig
from addition.loading import load_model_folder

TINY = ColumnConfig(
    hidden_size=16,
    max_digits=1,
    sums_per_epoch=2_000,
    epochs=8,
    batch_size=32,
    learning_rate=0.03,
    monitor_lengths=(1,),
    monitor_count=20,
)


def test_a_tiny_training_learns_one_digit_sums_and_saves_a_folder_keras_alone_runs(tmp_path):
    records = []
    result, folder, summary = train_and_save_column(TINY, tmp_path / "model", command="pytest", on_epoch=records.append)
    every_sum = [(a, b) for a in range(10) for b in range(10)]
    assert ColumnPredictor(result.model).answers(every_sum) == python_sums(every_sum)
    assert [record["epoch"] for record in records] == list(range(1, TINY.epochs + 1))
    assert set(records[-1]["exact_match_by_length"]) == {"1-1", "1"}  # Training lengths, then each length.
    assert records[-1]["exact_match_by_length"]["1"] == 1.0 and "Saved to" in summary
    assert "whole answers: 1 digit (trained) " in summary and ", 1 digit 100% of 20" in summary  # Not "1-1 digits".
    loaded = load_model_folder(folder)
    assert loaded.predictor.answers(every_sum) == python_sums(every_sum) and loaded.history == records
    info = json.loads((folder / "addition.json").read_text())
    assert info["architecture"] == "column" and info["training"] == TINY.to_json() and info["command"] == "pytest"
    network = keras.saving.load_model(str(folder))  # Keras alone, no code of ours.
    written = network.predict_on_batch(encode_sums(every_sum))  # (100 sums, 2 steps, 10 digits)
    assert decode_answers(written) == python_sums(every_sum)


class StopAtOnce(keras.callbacks.Callback):
    """Stop, as the app's Stop or time cap does, within the first epoch."""

    def on_train_batch_end(self, batch, logs=None):
        self.model.stop_training = True


def test_a_run_stopped_within_its_first_epoch_says_so_and_saves_nothing(tmp_path):
    """Both trainers: no whole epoch, no best weights to keep: a named error, not a TypeError."""
    from addition.errors import StoppedBeforeAnEpoch
    from addition.training import train_and_save

    with pytest.raises(StoppedBeforeAnEpoch, match="before its first epoch ended"):
        train_and_save_column(TINY.replace(epochs=2), tmp_path / "column", callbacks=[StopAtOnce()])
    config = TrainConfig().replace(digits=2, training_size=200, epochs=2, batch_size=32, steps_per_execution=1)
    with pytest.raises(StoppedBeforeAnEpoch, match="before its first epoch ended"):
        train_and_save(config, tmp_path / "keras-io", callbacks=[StopAtOnce()])
    assert not list(tmp_path.iterdir())  # Nothing saved.
