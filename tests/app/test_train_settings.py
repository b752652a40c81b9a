"""The Train tab's pure parts: settings checked into a TrainConfig, and a run's events shown."""

import pytest

from addition import CHECK, CROSS
from addition.config import KERAS_IO_RECIPE, TrainConfig
from demo.train_progress import TrainingProgress
from demo.train_settings import DEFAULTS, training_config


def test_the_defaults_are_a_small_run_of_our_recipe():
    config = training_config(**DEFAULTS)
    assert config.digits == 2 and config.cell == "lstm" and config.reverse_answer == TrainConfig().reverse_answer
    assert config.short_sums <= config.training_size // 10


def test_the_keras_io_recipe_is_the_starting_point_when_asked():
    config = training_config(**{**DEFAULTS, "recipe": "keras-io"})
    assert (config.learning_rate, config.schedule, config.reverse_answer) == (
        KERAS_IO_RECIPE.learning_rate,
        KERAS_IO_RECIPE.schedule,
        KERAS_IO_RECIPE.reverse_answer,
    )
    assert config.epochs == DEFAULTS["epochs"] and config.batch_size == DEFAULTS["batch_size"]  # The visitor's.


def test_the_recipe_menus_note_says_what_each_recipe_trains():
    from demo.train_settings import SETTINGS

    (note,) = [setting.info for setting in SETTINGS if setting.name == "recipe"]
    ours, keras_io = (training_config(**{**DEFAULTS, "recipe": recipe}) for recipe in ("ours", "keras-io"))
    said_ours, said_keras_io = note.split("; keras-io: ")  # Each recipe's part, whole (not cut off).
    assert ours.schedule == "cosine" and f"a warm-up to a peak of {ours.learning_rate}, then cosine decay," in said_ours
    assert ours.interleave and ours.reverse_answer and "column by column" in said_ours and "units first" in said_ours
    assert keras_io.schedule == "constant" and f"a constant learning rate of {keras_io.learning_rate}," in said_keras_io
    assert not (keras_io.zero_pad or keras_io.interleave or keras_io.reverse_answer)
    assert "not column by column" in said_keras_io and said_keras_io.endswith("the answer written in reading order)")
    for reverse in (True, False):  # The question's order is the checkbox's, under either recipe.
        config = training_config(**{**DEFAULTS, "recipe": "keras-io", "reverse": reverse})
        assert config.reverse is reverse and 'reversed whole when "Reverse the question" is ticked' in said_keras_io


@pytest.mark.parametrize(
    "change, words",
    [
        ({"digits": 6}, "The keras-io network takes operands of 1 to 5 digits"),
        ({"digits": 21, "architecture": "column"}, "Digits must be a whole number from 1 to 20"),
        ({"architecture": "transformer"}, "Network must be one of keras-io, column"),
        ({"digits": 1, "training_size": 56}, "only 55 different sums"),
        ({"training_size": 2.5}, "Training questions must be a whole number"),
        ({"training_size": None}, "Training questions must be a whole number"),
        ({"training_size": "5000"}, "Training questions must be a whole number"),  # API callers send any JSON.
        ({"training_size": [5000]}, "Training questions must be a whole number"),
        ({"epochs": True}, "Epochs must be a whole number"),  # Not taken as 1 epoch.
        ({"layers": False}, "Layers must be a whole number"),
        ({"epochs": float("nan")}, "Epochs must be a whole number"),
        ({"epochs": 10**400}, "Epochs must be a whole number"),  # No float holds it: a sentence, not an OverflowError.
        ({"cell": "Transformer"}, "Cell must be one of LSTM, GRU, SimpleRNN"),
        ({"cell": ["LSTM"]}, "Cell must be one of"),
        ({"hidden_size": 0}, "Hidden size must be a whole number from 4"),
        ({"epochs": 1000}, "Epochs must be a whole number from 1 to 100"),
        ({"batch_size": 1024, "training_size": 100}, "The batch is far larger"),
        ({"batch_size": 1024, "training_size": 20, "architecture": "column"}, "The batch is far larger"),
        ({"recipe": "mine"}, "Starting recipe must be one of"),
        ({"dropout": 0.5}, "There is no setting called 'dropout'"),
        ({"reverse": "yes"}, "yes or no"),
    ],
)
def test_impossible_settings_get_a_sentence(change, words):
    with pytest.raises(ValueError, match=words):
        training_config(**{**DEFAULTS, **change})


def test_every_setting_of_the_table_reaches_the_config():
    from demo.train_settings import SETTINGS

    changed = {
        "architecture": "keras-io",
        "digits": 3,
        "training_size": 700,
        "cell": "GRU",
        "hidden_size": 32,
        "layers": 2,
        "reverse": False,
        "epochs": 7,
        "batch_size": 16,
        "recipe": "keras-io",
    }
    assert set(changed) == {setting.name for setting in SETTINGS}  # A new setting must be added here too.
    config = training_config(**changed)
    assert (
        config.digits,
        config.training_size,
        config.cell,
        config.hidden_size,
        config.num_layers,
        config.reverse,
        config.epochs,
        config.batch_size,
        config.learning_rate,
    ) == (3, 700, "gru", 32, 2, False, 7, 16, KERAS_IO_RECIPE.learning_rate)


def test_before_the_first_step_it_says_it_is_starting_and_the_watched_sums_are_blank():
    progress = TrainingProgress(training_config(**DEFAULTS), clock=lambda: 0.0)
    assert progress.status().startswith("**Starting:** generating the questions")
    progress.add(
        {"event": "started", "watch": [[12, 34], [5, 5]], "epochs": 30, "steps": 10, "questions_per_epoch": 1000}
    )
    assert "Starting" in progress.status() and "Epoch 0" not in progress.status()
    assert progress.watch_rows() == [["12 + 34", 46, "", ""], ["5 + 5", 10, "", ""]]
    record = {
        "epoch": 1,
        "loss": 1.5,
        "accuracy": 0.5,
        "exact_match": 0.1,
        "val_loss": 1.6,
        "val_accuracy": 0.4,
        "val_exact_match": 0.25,
    }
    progress.add({"event": "epoch", "record": record, "watch_answers": ["46", ""]})
    assert progress.watch_rows() == [["12 + 34", 46, "46", CHECK], ["5 + 5", 10, "(nothing)", CROSS]]


def test_time_left_and_speed_come_from_the_latest_epoch_not_the_first_which_built_the_graphs():
    now = [100.0]
    progress = TrainingProgress(training_config(**{**DEFAULTS, "epochs": 4}), clock=lambda: now[0])
    progress.add({"event": "started", "watch": [[12, 34]], "epochs": 4, "steps": 10, "questions_per_epoch": 1000})
    for epoch, seconds in ((1, 12.5), (2, 17.5)):  # The first epoch 12.5 s with the graphs built, the second 5 s.
        now[0] = 100.0 + seconds
        record = {"epoch": epoch, "seconds": seconds, "loss": 1.5, "accuracy": 0.5, "exact_match": 0.1}
        record.update(val_loss=1.6, val_accuracy=0.4, val_exact_match=0.25)
        progress.add({"event": "epoch", "record": record, "watch_answers": ["46"]})
    status = progress.status()
    assert "Epoch 3 of 4" in status and "about 10 s left" in status and "200 questions/s" in status


def test_progress_counts_time_left_speed_and_marks_answers_against_the_oracle():
    now = [100.0]
    progress = TrainingProgress(training_config(**{**DEFAULTS, "epochs": 4}), clock=lambda: now[0])
    progress.add(
        {"event": "started", "watch": [[12, 34], [99, 1]], "epochs": 4, "steps": 10, "questions_per_epoch": 1000}
    )
    now[0] += 10
    progress.add({"event": "progress", "epoch": 1, "step": 5, "steps": 10, "loss": 2.0})
    status = progress.status()
    assert "Epoch 1 of 4" in status and "10 s elapsed" in status
    assert "left" not in status and "questions/s" not in status  # No figure before an epoch's time is known.
    record = {
        "epoch": 1,
        "seconds": 12.5,
        "loss": 1.5,
        "accuracy": 0.5,
        "exact_match": 0.1,
        "val_loss": 1.6,
        "val_accuracy": 0.4,
        "val_exact_match": 0.25,
    }
    progress.add({"event": "epoch", "record": record, "watch_answers": ["46", "99"]})
    now[0] += 2.5
    status = progress.status()
    assert "Epoch 2 of 4" in status and "12 s elapsed" in status  # The clock never restarted.
    # The score is the finished epoch's, and says so beside the epoch under way.
    assert "after epoch 1: held-out whole answers 25.0%, characters 40.0%" in status
    assert "left" not in status and "questions/s" not in status  # The first epoch built the graphs too.
    assert progress.watch_rows() == [["12 + 34", 46, "46", CHECK], ["99 + 1", 100, "99", CROSS]]
    accuracy, loss = progress.curves()
    assert set(accuracy["metric"]) == {"train (sample)", "held out"}  # As a saved model's curves say.
    assert accuracy[accuracy["metric"] == "held out"]["accuracy %"].tolist() == [25.0]
    assert loss["loss"].tolist() == [1.5, 1.6]
    progress.add(
        {
            "event": "done",
            "best_epoch": 1,
            "epochs_run": 1,
            "seconds": 12.0,
            "validation_exact_match": 0.25,
            "stopped": True,
            "capped": False,
        }
    )
    now[0] += 3.0  # Saving the model, after its training's 12 s.
    assert progress.status().startswith("**Stopped** after 1 epoch, 12 s of training (16 s in all)")
    before = TrainingProgress(training_config(**DEFAULTS))
    before.add(
        {
            "event": "done",
            "best_epoch": 0,
            "epochs_run": 0,
            "seconds": 1.0,
            "validation_exact_match": None,
            "stopped": True,
            "capped": False,
        }
    )
    assert before.status() == "**Stopped** before its first epoch ended: there is no model to keep."
    assert progress.summary("Your model 1")["model"] == "Your model 1"


def test_the_column_network_is_a_choice_with_its_own_settings():
    from addition.config import ColumnConfig
    from demo.train_settings import COLUMN_DEFAULTS, COLUMN_MONITOR_LENGTHS

    config = training_config(**COLUMN_DEFAULTS)
    assert isinstance(config, ColumnConfig) and config.max_digits == 20 and config.sums_per_epoch == 10_000
    assert config.monitor_lengths == COLUMN_MONITOR_LENGTHS and max(config.monitor_lengths) > config.max_digits
    changed = training_config(**{**COLUMN_DEFAULTS, "cell": "GRU", "hidden_size": 16, "epochs": 3, "digits": 8})
    assert (changed.cell, changed.hidden_size, changed.epochs, changed.max_digits) == ("gru", 16, 3, 8)


@pytest.mark.parametrize("architecture", ["column", "keras-io"])
def test_a_control_is_greyed_out_exactly_when_the_picked_network_ignores_it(architecture):
    """Each other value of a control the page leaves usable changes the network trained, and of
    one it greys out changes nothing."""
    from demo.train_settings import COLUMN_DEFAULTS, DEFAULTS, SETTINGS, controls_for

    chosen = COLUMN_DEFAULTS if architecture == "column" else DEFAULTS
    states = controls_for(architecture)
    assert {name: state["value"] for name, state in states.items()} == {
        name: value for name, value in chosen.items() if name != "architecture"
    }
    for setting in SETTINGS:
        if setting.name == "architecture":
            continue
        if setting.choices is not None:
            other = next(shown for shown in setting.choices if shown != chosen[setting.name])
        elif isinstance(setting.default, bool):
            other = not chosen[setting.name]
        else:
            other = chosen[setting.name] + 1 if chosen[setting.name] < setting.limits[1] else chosen[setting.name] - 1
        changes = training_config(**chosen) != training_config(**{**chosen, setting.name: other})
        assert states[setting.name].get("interactive", True) == changes, setting.name
    # The Digits slider ends at the longest operands the network trains on: the last taken.
    longest = states["digits"]["maximum"]
    assert training_config(**{**chosen, "digits": longest})
    with pytest.raises(ValueError, match=f"1 to {longest}"):
        training_config(**{**chosen, "digits": longest + 1})


def test_the_column_networks_progress_shows_each_length_it_is_checked_on():
    from demo.train_settings import COLUMN_DEFAULTS

    progress = TrainingProgress(training_config(**COLUMN_DEFAULTS), clock=lambda: 0.0)
    progress.add(
        {
            "event": "started",
            "watch": [["47", "985"], ["9" * 40, "1"]],
            "epochs": 10,
            "steps": 157,
            "questions_per_epoch": 10_000,
        }
    )
    record = {
        "epoch": 1,
        "seconds": 3.0,
        "loss": 0.5,
        "val_loss": 0.4,
        "val_exact_match": 0.5,
        "exact_match_by_length": {"1-20": 0.9, "10": 0.8, "30": 0.4, "100": 0.0},
    }
    progress.add({"event": "epoch", "record": record, "watch_answers": ["1032", "1" + "0" * 40]})
    assert "after epoch 1: held-out whole answers 1-20 digits 90%, 10 digits 80%, 30 digits 40%, 100 digits 0%" in (
        progress.status()
    )
    accuracy, _ = progress.curves()
    assert set(accuracy["metric"]) == {"1-20 digits", "10 digits", "30 digits", "100 digits"}
    rows = progress.watch_rows()
    assert rows[0] == ["47 + 985", "1032", "1032", CHECK]  # Python's own sum of the digit strings.
    assert rows[1][3] == CHECK and rows[1][1] == "10000…00000 (41 digits)"  # Long: shortened.
    done = {"event": "done", "best_epoch": 1, "epochs_run": 1, "seconds": 3.0, "validation_exact_match": 0.5}
    progress.add({**done, "stopped": False, "capped": False})
    ending = progress.status()  # The kept epoch's score at each length, not one share pooled over them.
    assert ending.startswith("**Finished** after 1 epoch") and "50.0%" not in ending
    assert "held-out whole answers 1-20 digits 90%, 10 digits 80%, 30 digits 40%, 100 digits 0% (best epoch 1" in ending


def test_the_tab_states_the_measured_time_with_its_cpu_and_command_or_nothing(tmp_path):
    import json

    from demo.train_settings import measured_time

    measured = {"seconds": [13.4, 17.6], "seeds": 5, "cpu": "Some CPU", "cores": 2, "date": "2026-12-06"}
    measured["command"] = "python -m benchmarks.train_tab_defaults --record"
    path = tmp_path / "measured.json"
    path.write_text(json.dumps({"train_tab_defaults": measured}))
    sentence = measured_time(path)
    assert "took 13 to 18 s from pressing Train to the saved model" in sentence
    assert (
        "5 random seeds, Some CPU, 2 cores, 2026-12-06: `python -m benchmarks.train_tab_defaults --record`" in sentence
    )
    # Nothing measured, or a file the benchmark did not write: no figure at all.
    assert measured_time(tmp_path / "none.json") == ""
    for broken in ("{", "[]", json.dumps({"train_tab_defaults": {**measured, "seconds": ["x", 1]}})):
        path.write_text(broken)
        assert measured_time(path) == ""


def test_a_visitors_model_is_named_by_its_cell_and_what_it_reads():
    from demo.train_settings import COLUMN_DEFAULTS
    from demo.train_tab import describe_run

    assert describe_run(training_config(**DEFAULTS)) == "LSTM, 2 digits"
    one_digit = {**DEFAULTS, "digits": 1, "cell": "GRU", "training_size": 50}
    assert describe_run(training_config(**one_digit)) == "GRU, 1 digit"
    assert describe_run(training_config(**COLUMN_DEFAULTS)) == "column LSTM, any length"


def test_an_empty_answer_is_said_the_same_way_everywhere():
    from addition.evaluation import describe_mistake, shown_answer
    from demo.train_progress import TrainingProgress
    from demo.train_settings import DEFAULTS, training_config

    assert shown_answer("    ") == "(nothing)" and shown_answer(" 46") == "46"
    assert describe_mistake({"a": 1, "b": 2, "model": "", "true": 3}) == "model says 1+2 = (nothing), true 3"
    progress = TrainingProgress(training_config(**DEFAULTS))
    progress.add({"event": "started", "watch": [[1, 2]], "epochs": 1, "steps": 1, "questions_per_epoch": 1})
    progress.add({"event": "epoch", "record": {"epoch": 1, "seconds": 1.0}, "watch_answers": [""]})
    assert progress.watch_rows()[0][2] == "(nothing)"


def test_the_first_epoch_counts_its_steps_and_a_pace_past_the_time_limit_is_said():
    now = [100.0]
    slow = TrainingProgress(training_config(**{**DEFAULTS, "epochs": 10}), clock=lambda: now[0], limit_seconds=180)
    slow.add({"event": "started", "watch": [[12, 34]], "epochs": 10, "steps": 1000, "questions_per_epoch": 64_000})
    now[0] += 4  # The first step built the graphs.
    slow.add({"event": "progress", "epoch": 1, "step": 1, "steps": 1000, "loss": 2.0})
    assert "step 1 of 1,000" in slow.status() and "limit" not in slow.status()  # No pace yet.
    now[0] += 10
    slow.add({"event": "progress", "epoch": 1, "step": 101, "steps": 1000, "loss": 1.9})
    # 0.1 s a step, 9,899 steps left: about 1,004 s in all, past 180 s.
    assert "at this pace it needs about 17 min, past the 3-minute limit" in slow.status()
    assert "to train it whole, press Stop and ask for fewer questions" in slow.status()
    fast = TrainingProgress(training_config(**DEFAULTS), clock=lambda: now[0], limit_seconds=180)
    fast.add({"event": "started", "watch": [[12, 34]], "epochs": 11, "steps": 70, "questions_per_epoch": 4500})
    fast.add({"event": "progress", "epoch": 1, "step": 1, "steps": 70, "loss": 2.0})
    now[0] += 6
    fast.add({"event": "progress", "epoch": 2, "step": 10, "steps": 70, "loss": 1.0})
    assert "limit" not in fast.status()  # 79 steps in 6 s: the whole run well within the limit.
    assert fast.status(stopping=True).startswith("**Stopping** after the current step")


def test_every_control_shows_its_settings_words_and_the_digits_say_each_networks_range():
    """Each control carries its row's label and note (a slider's and a checkbox's note were once
    dropped); the Digits note gives the keras-io network's range, which its slider cannot."""
    from demo.train_settings import MAX_KERAS_IO_DIGITS, SETTINGS
    from demo.train_tab import setting_control

    for setting in SETTINGS:
        control = setting_control(setting)
        assert (control.label, control.info) == (setting.label, setting.info)
    digits = setting_control(next(setting for setting in SETTINGS if setting.name == "digits"))
    assert f"keras-io: 1 to {MAX_KERAS_IO_DIGITS}" in digits.info and digits.maximum > MAX_KERAS_IO_DIGITS
    with pytest.raises(ValueError, match=f"operands of 1 to {MAX_KERAS_IO_DIGITS} digits"):
        training_config(**{**DEFAULTS, "digits": MAX_KERAS_IO_DIGITS + 1})
