"""The app's views called directly, against the oracle (no server, no browser)."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addition.column import shortened
from addition.data import sample_whole_space
from demo import add_views, learn_views, views

BAD_QUESTIONS = [
    "",
    "   ",
    "abc",
    "1+2+3",
    "-5+3",
    "1.5+2",
    "1000+1",
    "12+3456",
    "１２+３",
    "1" * 100_000,
    "5 5",
    "1 + + 2",
    "0x10+1",
    "½+1",
]


def test_answers_show_the_true_sum_and_an_honest_mark(bundled):
    for a, b in sample_whole_space(3, 200, seed=11).tolist() + [(999, 1), (1, 999), (999, 999), (0, 0)]:
        summary, table, details = views.answer_question(bundled, f" {a} + {b} ")
        # The bundled 3-digit model is right on all 1,000,000 sums (test_bundled_model): Python's sum.
        assert details["model_answer"] == str(a + b) and details["correct"] is True
        assert details["true_answer"] == a + b
        assert f"True sum: **{a + b}**" in summary
        assert ("☑" in summary) == details["correct"] and ("☒" in summary) != details["correct"]
        probabilities = np.array(details["probabilities"])
        assert probabilities.shape == (bundled.codec.answer_length, bundled.codec.vocabulary_size)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-3)
        chosen = "".join(bundled.codec.vocabulary[i] for i in probabilities.argmax(axis=1)).strip()
        assert chosen == details["model_answer"]
        assert details["confidence"] == pytest.approx(np.prod(probabilities.max(axis=1)), rel=1e-3)
        assert table.count('class="chosen') == bundled.codec.answer_length
    # A network still making mistakes (the bundled run after its first epoch): each wrong answer ☒.
    from addition.loading import load_model_folder
    from tests.helpers import MODELS_FOLDER

    early = load_model_folder(MODELS_FOLDER / "addition-3digit-epoch1")
    marks = []
    for a, b in sample_whole_space(3, 30, seed=12).tolist():
        summary, _, details = views.answer_question(early, f"{a}+{b}")
        right = details["model_answer"] == str(a + b)
        assert details["correct"] is right and details["true_answer"] == a + b and f"True sum: **{a + b}**" in summary
        assert ("☑" in summary) == right and ("☒" in summary) != right
        marks.append(right)
    assert not all(marks)  # It was wrong on some: the ☒ branch ran.


@pytest.mark.parametrize("question", BAD_QUESTIONS, ids=lambda q: repr(q[:10]))
def test_bad_questions_get_plain_words_and_no_answer(bundled, question):
    with pytest.raises(ValueError, match="This model adds two whole numbers of up to 3 digits"):
        views.answer_question(bundled, question)


def test_validation_samples_come_from_the_held_out_set(bundled):
    held_out = {tuple(pair) for pair in bundled.validation_pairs.tolist()}
    score, rows = add_views.sample_validation(bundled, 25, np.random.default_rng(0))
    assert len(rows) == 25
    right = 0
    for question, true_answer, model_answer, mark in rows:
        a, b = map(int, question.split("+"))
        assert (a, b) in held_out
        assert true_answer == a + b
        assert mark == ("☑" if model_answer == str(a + b) else "☒")
        right += mark == "☑"
    assert score == f"**{right}/25 correct** on held-out validation questions"


def test_a_sample_larger_than_what_a_model_holds_out_says_so():
    """A tiny run (40 questions) holds out 4: asked for 5, the sample is all 4, and says why."""
    import dataclasses

    from addition.loading import load_model_folder
    from tests.helpers import MODELS_FOLDER

    loaded = load_model_folder(MODELS_FOLDER / "addition-2digit")
    tiny = dataclasses.replace(loaded, validation_pairs=loaded.validation_pairs[:4])
    score, rows = add_views.sample_validation(tiny, 5, np.random.default_rng(0))
    assert len(rows) == 4 and score.endswith(" (all 4 questions this model holds out; 5 were asked for)")


@pytest.mark.parametrize("count", [0, 101, 2.5, "ten", None, -3])
def test_sample_sizes_outside_1_to_100_are_refused(bundled, count):
    with pytest.raises(ValueError, match="whole number from 1 to 100"):
        add_views.sample_validation(bundled, count, np.random.default_rng(0))


def test_model_panel_names_its_source_and_accuracy():
    import html

    from addition.model import count_parameters
    from demo.models import Catalog, bundled_entries
    from tests.helpers import MODELS_FOLDER

    bundled = Catalog(None, bundled_entries(MODELS_FOLDER)).get("3 digits")  # As the app loads it.
    panel = html.unescape(add_views.describe_model(bundled))
    assert "**Source:** addition-3digit" in panel and "/" not in panel.split("**Source:**")[1].split("\n")[0]
    assert f"{count_parameters(bundled.model):,} parameters" in panel
    assert f"{bundled.info['metrics']['validation']['exact_match']:.2%}" in panel
    assert "Still learning" not in panel
    catalog = Catalog(None, bundled_entries(MODELS_FOLDER))
    early = html.unescape(add_views.describe_model(catalog.get("3 digits, after 2 epochs")))
    assert "**Still learning:** this is the network after epoch 2 of its training's 12" in early
    assert "**Source:** addition-3digit-epoch2" in early and "wrong of 1,000,000" in early


def test_examples_include_carry_chains(bundled):
    examples = add_views.example_questions(bundled)
    assert "999+1" in examples and "999+999" in examples
    for example in examples:
        bundled.codec.parse_question(example)


def test_difficulty_tables_cover_every_validation_question(bundled):
    by_carries, by_lengths = learn_views.difficulty_tables(bundled)
    total = len(bundled.validation_pairs)
    assert by_carries["questions"].sum() == total == by_lengths["questions"].sum()
    assert list(by_carries["carries"]) == sorted(by_carries["carries"], key=int)
    assert by_carries["accuracy %"].between(0, 100).all()


def test_training_curves_have_every_epoch(bundled):
    accuracy, loss = learn_views.training_curves(bundled)
    epochs = len(bundled.history)
    # One category per epoch, which sort (as the chart sorts them) in number order.
    assert sorted(set(accuracy["epoch"])) == [str(epoch).rjust(len(str(epochs))) for epoch in range(1, epochs + 1)]
    assert [int(label) for label in sorted(set(loss["epoch"]))] == list(range(1, epochs + 1))
    assert len(accuracy) == 2 * epochs and len(loss) == 2 * epochs
    assert set(accuracy["metric"]) == {"train (sample)", "held out"}


def test_mistakes_gallery_lists_exactly_the_wrong_validation_questions(tiny_model):
    # The tiny model (far from accurate) gets many held-out questions wrong; Keras's own
    # predict_on_batch and Python's addition decide which.
    from addition.loading import load_model_folder

    loaded = load_model_folder(tiny_model[1])
    pairs = loaded.validation_pairs
    written = loaded.model.predict_on_batch(loaded.codec.encode_questions(pairs)).argmax(axis=-1)
    answers = [loaded.codec.in_reading_order(text).strip() for text in loaded.codec.decode(written)]
    wrong = {f"{a}+{b}" for (a, b), answer in zip(pairs.tolist(), answers) if answer != str(a + b)}
    mistakes = learn_views.validation_mistakes(loaded)
    assert len(wrong) > 10 and set(mistakes) == wrong and len(mistakes) == len(wrong)


def test_random_and_short_sum_mistakes_are_exactly_the_wrong_ones(tiny_model):
    # The tiny model (far from accurate) has plenty of mistakes to check.
    from addition.data import sample_whole_space, whole_space
    from addition.loading import load_model_folder

    loaded = load_model_folder(tiny_model[1])
    random_wrong, searched = learn_views.whole_space_mistakes(loaded, count=2_000, seed=3)
    drawn = sample_whole_space(2, 2_000, 3)
    # 2,000 draws from 10,000 sums repeat some: the count searched is of distinct sums, each once,
    # so that "N of M random sums" never counts a repeated draw in M and once in N.
    assert searched == len({tuple(pair) for pair in drawn.tolist()}) < 2_000
    for mistakes, pairs in [(random_wrong, drawn), (learn_views.short_sum_mistakes(loaded), whole_space(2))]:
        assert mistakes
        answers = loaded.predictor.answers(pairs)
        wrong = {f"{a}+{b}" for (a, b), answer in zip(pairs.tolist(), answers) if answer.strip() != str(a + b)}
        assert set(mistakes) == wrong


def test_the_gallery_says_how_many_distinct_random_sums_it_searched(tiny_model):
    from addition.data import sample_whole_space
    from demo import learn_tab
    from demo.models import Catalog, Entry, Models
    from demo.visitor_models import SessionModels

    models = Models(Catalog(Entry("tiny", str(tiny_model[1]))), SessionModels())
    intro = learn_tab.page(models, models.get("tiny", None), "tiny").mistakes_intro
    drawn = sample_whole_space(2, learn_tab.WHOLE_SPACE_SAMPLE, 0).tolist()
    assert f" of {len({tuple(pair) for pair in drawn}):,} random sums from the whole space" in intro


def test_switching_models_answers_the_sum_in_the_box_again_or_says_why_not(bundled, tiny_model):
    from addition.loading import load_model_folder

    _, tiny_folder = tiny_model
    two_digits = load_model_folder(tiny_folder)
    summary, table, details = views.answer_if_valid(two_digits, "12+34")
    assert details["true_answer"] == 46 and "12 + 34 = " in summary and "<table" in table
    summary, table, details = views.answer_if_valid(two_digits, "535+61")  # Fits 3 digits, not 2.
    assert "up to 2 digits" in summary and table == "" and details is None
    assert views.answer_if_valid(bundled, "  ") == ("", "", None)


def test_mistakes_gallery_counts_and_labels_what_it_lists(bundled):
    intro, choices = learn_views.mistakes_gallery(bundled, ["1+2"], ["7+8"], ["0+3", "7+8", "4+0"], searched=1_000)
    assert f"1 of {len(bundled.validation_pairs):,} held-out" in intro and "3 of 1,000 random sums" in intro
    assert "1 of the 10,000 sums of two numbers below 100" in intro and "Pick one" in intro
    assert choices == [
        ("1+2 (validation)", "1+2"),
        ("7+8 (short sum)", "7+8"),
        ("0+3 (random sum)", "0+3"),
        ("4+0 (random sum)", "4+0"),
    ]  # 7+8 once.
    intro, choices = learn_views.mistakes_gallery(bundled, [], [], [], searched=1_000)
    assert "It gets every one of them right." in intro and choices == []
    # A network still learning: tens of thousands wrong, counted in full, a few listed from each place.
    many = [f"{a}+{b}" for a in range(300) for b in range(200)]
    intro, choices = learn_views.mistakes_gallery(bundled, many[:5_000], many[:70], many, searched=60_000)
    assert "5,000 of" in intro and "70 of the 10,000" in intro and "60,000 of 60,000 random sums" in intro
    per_source = learn_views.GALLERY_PER_SOURCE
    assert (
        [label for label, _ in choices]
        == (
            [f"{question} (validation)" for question in many[:per_source]]
            + [f"{question} (short sum)" for question in many[per_source:70]]  # Those not listed already.
            + [f"{question} (random sum)" for question in many[70 : 70 + per_source]]
        )
    )
    assert f"the first {per_source} of each" in intro


def test_model_comparison_counts_each_folders_stored_mistakes_in_words(bundled, tiny_model):
    _, tiny_folder = tiny_model
    import json

    tiny_info = json.loads((tiny_folder / "addition.json").read_text())
    table = learn_views.compare_models([("tiny", tiny_info), ("3 digits", bundled.info)])
    assert table["model"].tolist() == ["tiny", "3 digits"]
    # Questions drawn afresh each epoch counted each time; a set used every epoch (the bundled
    # 2-digit model's) counted once.
    from tests.helpers import MODELS_FOLDER

    two_digits = json.loads((MODELS_FOLDER / "addition-2digit" / "addition.json").read_text())
    assert not two_digits["training"].get("fresh_questions") and bundled.info["training"]["fresh_questions"]
    trained = learn_views.compare_models([("tiny", tiny_info), ("3 digits", bundled.info), ("2", two_digits)])
    expected = [
        info["training"]["training_size"]
        * (info["metrics"]["epochs_run"] if info["training"].get("fresh_questions") else 1)
        for info in (tiny_info, bundled.info, two_digits)
    ]
    assert trained["trained on"].tolist() == [f"{count:,}" for count in expected]
    assert expected[1] > bundled.info["training"]["training_size"]
    whole = bundled.info["metrics"]["whole_space_sample"]
    assert table["random sums"].tolist()[1] == f"all {whole['count']:,} right"  # Every sum right, said so.
    tiny_whole = tiny_info["metrics"]["whole_space_sample"]
    wrong = round((1 - tiny_whole["exact_match"]) * tiny_whole["count"])
    assert table["random sums"].tolist()[0].startswith(f"{wrong:,} wrong of {tiny_whole['count']:,} (")
    assert table["random sums"].tolist()[0].endswith("% right)")  # The share right, said to be.
    assert table["training"].tolist() == [
        learn_views.training_time(info["metrics"]["training_seconds"]) for info in (tiny_info, bundled.info)
    ]
    # With its unit, as a reader says it: no "training s" header to wrap, no bare seconds in the thousands.
    said = [learn_views.training_time(seconds) for seconds in (6.03, 23.3, 99.4, 180.2, 1220.5, None)]
    assert said == ["6.0 s", "23 s", "99 s", "3.0 min", "20.3 min", None]


def test_model_comparison_gives_the_column_network_its_questions_and_its_single_length_sums(column, bundled):
    """Fresh sums each epoch, and the random sums it was checked on one length at a time: counted
    from its folder's record, the training range's row ("1-20") left out."""
    table = learn_views.compare_models([("3 digits", bundled.info), ("column", column.info)])
    settings, metrics = column.info["training"], column.info["metrics"]
    assert table["trained on"].tolist()[1] == f"{settings['sums_per_epoch'] * metrics['epochs_run']:,}"
    single = {int(label): row for label, row in metrics["exact_match_by_length"].items() if label.isdigit()}
    count = sum(row["count"] for row in single.values())
    wrong = round(sum((1 - row["exact_match"]) * row["count"] for row in single.values()))
    said = f"all {count:,} right" if wrong == 0 else f"{wrong:,} wrong of {count:,}"
    assert table["random sums"].tolist()[1].startswith(said)
    *first, last = [f"{length:,}" for length in sorted(single)]
    assert table["random sums"].tolist()[1].endswith(f" at {', '.join(first)} and {last} digits")
    # Folder records a loader lets through: a row of no sums, a label that is not a plain length.
    rows = {"1-20": {"count": 100, "exact_match": 1.0}, "10": {"count": 100, "exact_match": 0.5}}
    assert learn_views.single_length_sums(rows) == "50 wrong of 100 (50.00% right) at 10 digits"
    odd = {"10": {"count": 0, "exact_match": 0.0}, "²": {"count": 5, "exact_match": 1.0}, "010": rows["10"]}
    assert learn_views.single_length_sums(odd) is None and learn_views.single_length_sums({}) is None
    unknown = {**column.info, "metrics": {key: value for key, value in metrics.items() if key != "epochs_run"}}
    assert learn_views.compare_models([("column", unknown)])["trained on"].isna().all()  # Not guessed.


def test_a_model_with_no_mistakes_by_carries_says_so_in_words(bundled, tiny_model):
    from addition.loading import load_model_folder

    by_carries, _ = learn_views.difficulty_tables(bundled)
    assert learn_views.carries_note(by_carries) == (
        f"**No mistakes** on any of the {len(bundled.validation_pairs):,} "
        "held-out questions, whatever the number of carries."
    )
    tiny_carries, _ = learn_views.difficulty_tables(load_model_folder(tiny_model[1]))
    assert learn_views.carries_note(tiny_carries) == ""  # It has mistakes: the chart shows them.


def test_the_column_network_answers_sums_of_a_thousand_digits_against_pythons_addition(column):
    import random

    rng = random.Random(3)
    sums = [("9" * 1000, "1"), ("1", "9" * 999), ("".join(rng.choice("0123456789") for _ in range(1000)), "7" * 998)]
    for a, b in sums:
        summary, table, details = views.answer_question(column, f"{a}+{b}")
        true = str(int(a) + int(b))  # Python's own addition (well under its 4,300-digit limit).
        assert details["true_answer"] == true and details["correct"] == (details["model_answer"] == true)
        assert isinstance(details["a"], str) and details["a"] == a.lstrip("0")  # Digits as strings: nothing rounded.
        assert summary.startswith("### ☑" if details["correct"] else "### ☒") and f"{len(true):,}" in summary
        assert f"\nThe model is **{details['confidence']:.1%}** sure of its whole answer\n" in summary  # A sentence.
        assert 'class="table-scroll tall"' in table and table.count("<tr>") == 1 + len(details["probabilities"])
    with pytest.raises(ValueError, match="1,001 digits. This model adds two whole numbers of up to 1,000 digits each"):
        views.answer_question(column, "1" * 1001 + "+1")


def test_a_sum_too_long_for_the_keras_io_models_is_sent_to_the_column_network():
    from demo.launch import default_parts

    parts = default_parts()
    try:
        models = parts.models
        assert models.reader_for("1234+5") == "4 digits"
        assert models.reader_for("123456+7") == "Any length (column LSTM)"
        assert models.reader_for("1" * 1001 + "+1") is None  # Nothing reads it: the sentence alone says why.
    finally:
        parts.shutdown()


def test_the_lesson_measures_each_network_against_pythons_addition_and_the_keras_io_one_stops_at_its_width(
    bundled, column
):
    fixed = learn_views.accuracy_by_length(bundled, lengths=(1, 3, 4, 100), count=10)
    assert fixed == {1: 1.0, 3: 1.0, 4: None, 100: None}  # It cannot read a 4-digit number at all.
    long = learn_views.accuracy_by_length(column, lengths=(5, 300, 2000), count=10)
    assert long == {5: 1.0, 300: 1.0, 2000: 1.0}
    chart = learn_views.length_chart([("keras-io", fixed), ("column", long)])
    assert chart["whole answers %"].tolist() == [100.0, 100.0, 0.0, 0.0, 100.0, 100.0, 100.0]
    assert chart["digits"].tolist() == ["1", "3", "4", "100", "5", "300", "2k"]


def test_held_out_samples_of_the_column_network_are_marked_against_pythons_addition(column):
    score, rows = add_views.sample_validation(column, 20, np.random.default_rng(1))
    right = sum(mark == "☑" for *_, mark in rows)
    assert score.startswith(f"**{right}/20 correct**") and len(rows) == 20
    for question, true_answer, model_answer, mark in rows:
        if "…" not in question:  # Long numbers are shortened for the table; short ones checked in full.
            a, b = question.split("+")
            assert true_answer == shortened(str(int(a) + int(b)))
            assert mark == ("☑" if model_answer == true_answer else "☒")


def test_a_network_after_one_epoch_has_its_curves_values_in_words_which_no_line_can_draw():
    from addition.loading import load_model_folder
    from tests.helpers import MODELS_FOLDER

    snapshot = load_model_folder(MODELS_FOLDER / "addition-3digit-epoch1")
    (record,) = snapshot.history
    words = learn_views.one_epoch_note(*learn_views.training_curves(snapshot))
    assert words.startswith("After epoch 1 ")
    assert f"held out {round(100 * record['val_exact_match'], 3):g}%" in words
    assert f"loss train {round(record['loss'], 3):g}, held out {round(record['val_loss'], 3):g}." in words
    two = learn_views.curves(snapshot.history + [{**record, "epoch": 2}], 2)
    assert learn_views.one_epoch_note(*two) == ""  # Two epochs draw their lines.


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=999))
def test_the_app_view_shows_the_true_sum(bundled, a, b):
    details = views.answer_question(bundled, f"{a}+{b}")[2]
    assert details["true_answer"] == a + b
    assert details["correct"] == (details["model_answer"] == str(a + b))


def test_a_column_network_trained_on_one_length_is_named_by_that_length(column):
    """In the model panel and the lesson chart's legend and note: "3 digits" and "trained 3", not
    "3 to 3 digits" and "trained 3-3"; a range as before."""
    import dataclasses
    import html

    from demo import learn_tab

    one_length = {**column.info, "training": {**column.info["training"], "min_digits": 3, "max_digits": 3}}
    panel = html.unescape(add_views.describe_model(dataclasses.replace(column, info=one_length)))
    assert "trained on numbers of 3 digits" in panel and "3 to 3" not in panel
    assert "trained on numbers of 1 to 20 digits" in html.unescape(add_views.describe_model(column))
    assert learn_tab.column_names(one_length["training"]) == ("column, trained 3", "3 digits")
    assert learn_tab.column_names({"min_digits": 1, "max_digits": 1}) == ("column, trained 1", "1 digit")
    assert learn_tab.column_names(column.info["training"]) == ("column, trained 1-20", "1 to 20 digits")
    note = learn_tab.LESSON_NOTE.format(trained="3 digits", per_length=learn_views.SUMS_PER_LENGTH)
    assert f"Trained on numbers of 3 digits, it is tested here on {learn_views.SUMS_PER_LENGTH} random sums" in note


def test_the_by_lengths_table_is_headed_for_what_its_rows_are(column, bundled):
    """A keras-io model's rows are "digits of a + digits of b"; the column network's are each
    number's digits: its training lengths, then one length at a time, as its heading says."""
    from demo import learn_tab

    _, keras_io_rows = learn_views.difficulty_tables(bundled)
    assert all(re.fullmatch(r"\d\+\d", row) for row in keras_io_rows["operand lengths"])
    assert learn_tab.lengths_heading(bundled).endswith("(digits of a + digits of b)")
    _, column_rows = learn_views.difficulty_tables(column)
    settings = column.info["training"]
    low, high = settings["min_digits"], settings["max_digits"]
    first, *longer = column_rows["operand lengths"].tolist()
    assert first == f"{low}-{high}" and longer and all(length.isdigit() for length in longer)
    assert f"each number's digits: {low}-{high} as it trained, then one length at a time" in (
        learn_tab.lengths_heading(column)
    )


def test_a_share_right_shows_one_mistake_in_its_count_and_no_trailing_zeros():
    assert views.describe_rate(0.03497, 100_000) == "96,503 wrong of 100,000 (3.497% right)"  # Not 3.49700%.
    assert views.describe_rate(0.999998, 1_000_000) == "2 wrong of 1,000,000 (99.9998% right)"
    assert views.describe_rate(0.5, 1_000) == "500 wrong of 1,000 (50.00% right)" and views.describe_rate(1.0, 10) == (
        "all 10 right"
    )


def test_the_lesson_names_a_visitors_own_column_network_as_theirs(column):
    """Beside the default keras-io network, a visitor's column run is "yours", as their keras-io
    runs are: its line is not the bundled column network's."""
    from demo import learn_tab
    from demo.models import Catalog, Entry, Models
    from demo.training_queue import Visitor
    from demo.visitor_models import SessionModels
    from tests.helpers import BUNDLED_MODEL, COLUMN_MODEL

    visitors = SessionModels()
    label, _ = visitors.add(Visitor("v"), column, COLUMN_MODEL, "a column run")
    catalog = Catalog(
        Entry("3 digits", str(BUNDLED_MODEL)), [Entry("column", str(COLUMN_MODEL), architecture="column")]
    )
    models = Models(catalog, visitors)
    names = set(learn_tab.lesson(models, visitors.get("v", label), label, "v")["lesson"]["network"])
    assert names == {"keras-io, 3 digits", "column, trained 1-20, yours"}
    bundled = set(learn_tab.lesson(models, models.get("column", "v"), "column", "v")["lesson"]["network"])
    assert bundled == {"keras-io, 3 digits", "column, trained 1-20"}
